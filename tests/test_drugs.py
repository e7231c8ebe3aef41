"""Drug lexicon: lookup by brand or generic, compounds, and MME per day on the CDC worked examples."""

from __future__ import annotations

import pytest

from imr_rules.reference.drugs import DRUG_CLASSES, all_drugs, find_drugs, lexicon_version, lookup, mme_factor, mme_per_day
from imr_rules.errors import ImrRulesError


@pytest.mark.parametrize(
    "name, generic, drug_class",
    [
        ("Norco 10/325", "hydrocodone/acetaminophen", "opioid"),
        ("norco", "hydrocodone/acetaminophen", "opioid"),
        ("Hydrocodone/APAP 5/325mg #60", "hydrocodone/acetaminophen", "opioid"),
        ("Vicodin", "hydrocodone/acetaminophen", "opioid"),
        ("Percocet 5/325", "oxycodone/acetaminophen", "opioid"),
        ("Ultram ER 100mg", "tramadol", "opioid"),
        ("Ultracet", "tramadol/acetaminophen", "opioid"),
        ("Nucynta", "tapentadol", "opioid"),
        ("Dilaudid", "hydromorphone", "opioid"),
        ("FEXMID", "cyclobenzaprine", "muscle_relaxant"),
        ("Amrix", "cyclobenzaprine", "muscle_relaxant"),
        ("Soma", "carisoprodol", "muscle_relaxant"),
        ("Zanaflex", "tizanidine", "muscle_relaxant"),
        ("Anaprox DS 550mg", "naproxen", "nsaid"),
        ("Voltaren 75mg", "diclofenac", "nsaid"),
        ("Voltaren gel", "diclofenac topical", "topical"),
        ("Mobic", "meloxicam", "nsaid"),
        ("Celebrex", "celecoxib", "nsaid"),
        ("Protonix", "pantoprazole", "ppi"),
        ("Nexium", "esomeprazole", "ppi"),
        ("Lidoderm", "lidocaine patch", "topical"),
        ("Neurontin", "gabapentin", "anticonvulsant"),
        ("Lyrica", "pregabalin", "anticonvulsant"),
        ("Cymbalta", "duloxetine", "antidepressant"),
        ("Ambien", "zolpidem", "sleep_aid"),
        ("Lunesta", "eszopiclone", "sleep_aid"),
        ("Xanax", "alprazolam", "benzodiazepine"),
        ("Terocin", "methyl salicylate/capsaicin/menthol/lidocaine", "topical"),
        ("Medrox", "methyl salicylate/menthol/capsaicin", "topical"),
        ("Zantac", "ranitidine", "drug_other"),
        ("Tylenol #3", "codeine/acetaminophen", "opioid"),
    ],
)
def test_lookup_brand_or_generic(name, generic, drug_class):
    drug = lookup(name)
    assert drug is not None, name
    assert (drug.generic, drug.drug_class) == (generic, drug_class)


@pytest.mark.parametrize("name", ["", "   ", "physical therapy", "xyzzy 10mg"])
def test_lookup_unknown(name):
    assert lookup(name) is None


def test_find_drugs_in_a_compound_in_order_of_mention():
    found = find_drugs("Flurbiprofen 20%, Baclofen 5%, Dexamethasone 2%, Menthol 2%, Capsaicin 0.025% in cream base")
    assert [d.generic for d in found] == ["flurbiprofen", "baclofen", "dexamethasone", "menthol", "capsaicin"]
    assert find_drugs("Gabapentin 10%, gabapentin") == (lookup("gabapentin"),)
    assert find_drugs("") == ()


def test_every_class_is_a_describe_category_and_names_are_unique_keys():
    assert lexicon_version()
    for drug in all_drugs():
        assert drug.drug_class in DRUG_CLASSES
    # Every name resolves to a drug (first entry wins on a shared name).
    for drug in all_drugs():
        for name in drug.names:
            assert lookup(name) is not None, name


@pytest.mark.parametrize("table", ["cdc-2016", "cdc-2022"])
def test_worked_examples_agree_in_both_tables(table):
    assert mme_per_day(lookup("Norco"), 5, 4, table=table) == 20
    assert mme_per_day(lookup("OxyContin"), 10, 2, table=table) == 30


def test_hydromorphone_differs_between_tables():
    dilaudid = lookup("Dilaudid")
    assert mme_per_day(dilaudid, 4, 4, table="cdc-2016") == 64
    assert mme_per_day(dilaudid, 4, 4, table="cdc-2022") == 80


@pytest.mark.parametrize(
    "strength, per_day, expected",
    [(5, 2, 40), (10, 2, 80), (7.5, 4, 240), (10, 4, 320), (11, 4, 440), (15, 4, 600), (20, 4, 960)],
)
def test_methadone_tiers_2016(strength, per_day, expected):
    # Tier by total daily dose: 1-20 mg x4, 21-40 x8, 41-60 x10, 61-80 x12.
    assert mme_per_day(lookup("methadone"), strength, per_day, table="cdc-2016") == expected


def test_methadone_single_factor_2022():
    assert mme_per_day(lookup("methadone"), 10, 3, table="cdc-2022") == 141


def test_tramadol_tables_and_fentanyl_per_mcg_hr():
    assert mme_per_day(lookup("Ultram"), 50, 4, table="cdc-2016") == 20
    assert mme_per_day(lookup("Ultram"), 50, 4, table="cdc-2022") == 40
    assert mme_per_day(lookup("Duragesic"), 25, 1) == 60


def test_no_factor_means_none():
    assert mme_per_day(lookup("Flexeril"), 10, 3) is None
    assert mme_per_day(None, 10, 3) is None
    assert mme_factor(lookup("methadone"), daily_dose=None) is None
    assert mme_per_day(lookup("Trezix"), 320.5, 2) is None  # first component is acetaminophen


def test_unknown_table_is_an_error_not_a_traceback():
    with pytest.raises(ImrRulesError, match="unknown MME table"):
        mme_per_day(lookup("Norco"), 5, 4, table="cdc-2030")
