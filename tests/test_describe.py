"""Item-description normalisation: category, body region, quantity, drug."""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

import pytest

from imr_rules.letters.describe import BODY_REGIONS, CATEGORIES, describe_item, item_description_to_dict
from imr_rules.requests.shorthand import Strength

REPO = Path(__file__).resolve().parents[1]
CORPUS_ROOT = Path(os.environ.get("IMR_RULES_CORPUS", REPO.parent / "shared" / "corpus"))
ITEMS = CORPUS_ROOT / "raw" / "talhaabacus-IMRCrawler" / "items.jsonl"


def test_massage_with_a_misspelling():
    item = describe_item("Message Therapy 2x week for 6 weeks for low back")
    assert (item.category, item.quantity, item.body_region) == ("massage", 12, "lumbar_spine")
    assert (item.frequency_per_week, item.duration_weeks) == (2, 6)


def test_opioid_brand():
    item = describe_item("Dilaudid 4mg #90")
    assert item.category == "opioid"
    assert item.drug.generic == "hydromorphone" and item.drug.brand == "Dilaudid"
    assert item.drug.strength == Strength(4.0, "mg")
    assert item.drug.quantity == 90 == item.quantity


def test_muscle_relaxant_with_directions():
    item = describe_item("Flexeril 7.5 mg Qty 15 (1-2 tabs at bedtime, trial)")
    assert item.category == "muscle_relaxant"
    assert (item.drug.generic, item.drug.strength, item.drug.quantity) == ("cyclobenzaprine", Strength(7.5, "mg"), 15)
    assert item.drug.directions.units_per_dose == (1.0, 2.0)
    assert item.drug.directions.doses_per_day == (1.0, 1.0)
    assert "initial" in item.modifiers


@pytest.mark.parametrize(
    "text, category, subcategory, quantity, region, side",
    [
        ("Physical therapy 2x4 for the lumbar spine", "physical_therapy", None, 8, "lumbar_spine", None),
        ("EMG/NCV of the lower extremities", "electrodiagnostics", "emg_ncv", None, "lower_extremities", None),
        ("MRI of the right shoulder without contrast", "imaging", "mri", None, "shoulder", "right"),
        ("X-rays of the left shoulder", "imaging", "xray", None, "shoulder", "left"),
        ("CT scan of the cervical spine", "imaging", "ct", None, "cervical_spine", None),
        ("NCS/EMG RUE", "electrodiagnostics", "emg_ncv", None, "upper_extremities", "right"),
        ("Associated surgical service: Cold therapy unit", "surgery_associated", "dme", None, None, None),
        ("Associated surgical service: Physical therapy, times 12", "physical_therapy", "postsurgical", 12, None, None),
        ("Pre-op labs: PT/PTT", "surgery_associated", "lab", None, None, None),  # prothrombin time, not therapy
        ("Assistant surgeon", "surgery_associated", None, None, None, None),
        ("Chiropractic spinal manipulation times 6", "chiropractic", None, 6, None, None),
        ("Acupuncture 3 times a week for 2 weeks, neck, right hand and head", "acupuncture", None, 6, "cervical_spine", "right"),
        ("Twelve manual acupuncture visits (15 mins), 2 times weekly for 6 weeks", "acupuncture", None, 12, None, None),
        ("Myofascial release to the low back two times a week times six weeks", "massage", None, 12, "lumbar_spine", None),
        ("TENS unit, daily trial, cervical and thoracic spine, #30", "tens", None, 30, "cervical_spine", None),
        ("Electrical Muscle Stimulation 2 times a week for 4 weeks", "electrotherapy", None, 8, None, None),
        ("H-wave unit home trial", "electrotherapy", "h_wave", None, None, None),
        ("Right L5-S1 epidural steroid injection", "epidural_injection", None, None, "lumbar_spine", "right"),
        ("Facet joint injections L4-5, L5-S1", "facet_injection", None, None, "lumbar_spine", None),
        ("Trigger point injection x4", "trigger_point_injection", None, 4, None, None),
        ("Platelet-rich plasma injection to the right knee", "injection_other", "prp", None, "knee", "right"),
        ("Functional restoration program 160 hours", "functional_restoration", None, None, None, None),
        ("Work hardening 10 sessions", "work_hardening", None, 10, None, None),
        ("Right shoulder arthroscopy with subacromial decompression", "surgery", None, None, "shoulder", "right"),
        ("Spine surgery evaluation for the lumbar", "consult", "surgical", None, "lumbar_spine", None),
        ("Functional capacity evaluation (FCE)", "consult", None, None, None, None),
        ("Four sessions of biofeedback two times a week times 2 weeks", "psych", "biofeedback", 4, None, None),
        ("Home aide 6 hours per day, 5 times a week for 4 weeks", "home_health", None, 20, None, None),
        ("Urine drug testing", "urine_drug_screen", None, None, None, None),
        ("Pre-operative CBC", "surgery_associated", "lab", None, None, None),
        ("Lumbar support", "dme", None, None, "lumbar_spine", None),
        ("standard wheelchair for a 2 month rental", "dme", None, None, None, None),
        ("Bilateral hearing aids", "dme", None, None, "head", "bilateral"),
        ("Extracorporeal shockwave therapy (ESWT)", "physical_therapy", "passive_modality", None, None, None),
    ],
)
def test_services(text, category, subcategory, quantity, region, side):
    item = describe_item(text)
    assert (item.category, item.subcategory, item.quantity, item.body_region, item.laterality) == (
        category, subcategory, quantity, region, side,
    )


@pytest.mark.parametrize(
    "text, category, generic",
    [
        ("Norco 10/325mg #35", "opioid", "hydrocodone/acetaminophen"),
        ("Norco 7.5-325mg #112", "opioid", "hydrocodone/acetaminophen"),
        ("Tramadol (Ultram) 50mg take 1 tab orally every 4-6 hours as needed #30", "opioid", "tramadol"),
        ("Naproxen 550mg #60", "nsaid", "naproxen"),
        ("Voltaren gel apply to affected area 4 times a day, #60 grams", "topical", "diclofenac topical"),
        ("Diclofenac sodium 3% 300mg/g #1", "topical", "diclofenac"),
        ("Lidoderm patch, 12 hours on 12 hours off", "topical", "lidocaine patch"),
        ("Compound Ketoprofen 20%, 240 grams", "topical", "ketoprofen"),
        ("Prilosec 20mg #90", "ppi", "omeprazole"),
        ("Pepcid 20mg", "drug_other", "famotidine"),
        ("Gabapentin 600mg #90", "anticonvulsant", "gabapentin"),
        ("Venlafaxine HCL ER 37.5mg #90", "antidepressant", "venlafaxine"),
        ("Ambien 10mg #30", "sleep_aid", "zolpidem"),
        ("Diazepam (Valium) 5mg", "benzodiazepine", "diazepam"),
        ("Post-op Percocet 5/325mg", "opioid", "oxycodone/acetaminophen"),
        ("Duragesic 25mcg/hr patch #10", "opioid", "fentanyl transdermal"),
    ],
)
def test_drugs(text, category, generic):
    item = describe_item(text)
    assert item.category == category
    assert item.drug.generic == generic


def test_compound_lists_ingredients_and_first_strength():
    item = describe_item("Flurbiprofen 20%, Baclofen 5%, Dexamethasone 2%, Menthol 2%, Capsaicin 0.025% in cream base")
    assert item.category == "topical"
    assert item.drug.ingredients == ("flurbiprofen", "baclofen", "dexamethasone", "menthol", "capsaicin")
    assert item.drug.strength == Strength(20.0, "%")


def test_hyphenated_combination_strength_takes_the_first_component():
    assert describe_item("Norco 7.5-325mg #112").drug.strength == Strength(7.5, "mg")


def test_unknown_is_other_and_never_raises():
    for text in ("", "   ", "Something entirely unheard of", "###"):
        item = describe_item(text)
        assert item.category == "other" and item.drug is None


def test_dict_form_is_json_ready():
    data = item_description_to_dict(describe_item("Flexeril 7.5 mg Qty 15 (1-2 tabs at bedtime, trial)"))
    assert json.loads(json.dumps(data)) == data
    assert data["drug"]["strength"] == {"value": 7.5, "unit": "mg"}
    assert data["drug"]["directions"]["units_per_dose"] == [1.0, 2.0]


def test_vocabulary_is_closed():
    for text in ("MRI of the knee", "Norco 10/325", "Back support", "Physical therapy"):
        item = describe_item(text)
        assert item.category in CATEGORIES
        assert item.body_region is None or item.body_region in BODY_REGIONS


def test_corpus_items_rarely_fall_into_other():
    if not ITEMS.is_file():
        pytest.skip(f"corpus not found at {ITEMS.parent} (set IMR_RULES_CORPUS to the shared/corpus directory)")
    rows = [json.loads(line) for line in ITEMS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 439
    counts = collections.Counter(describe_item(row["item"]).category for row in rows)
    print("category distribution:", dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
    assert set(counts) <= set(CATEGORIES)
    assert counts["other"] <= 0.03 * len(rows)
