"""Derived drug facts (imr_rules/derive_drugs.py): identity, dose, supply, use history, formulary."""

from __future__ import annotations

import pytest


def _facts(item: dict, facts: dict | None = None, day: str = "2016-12-01", others: list | None = None, patient: dict | None = None) -> dict:
    from imr_rules.requests.derived import item_facts
    from imr_rules.requests.loading import request_from_data

    data = {"request_date": day, "items": [{"id": 1, **item}] + [{"id": i + 2, **o} for i, o in enumerate(others or [])]}
    if facts:
        data["facts"] = facts
    if patient:
        data["patient"] = patient
    request = request_from_data(data)
    return item_facts(request, request.items[0])[0]


def test_brand_name_gives_generic_class_and_ingredients():
    values = _facts({"service": "Norco 10/325 mg", "drug": {"name": "Norco", "strength": "10/325 mg", "quantity": 120, "directions": "1 po q6h prn"}})
    assert values["drug.generic"] == "hydrocodone/acetaminophen"
    assert values["drug.class"] == "opioid"
    assert values["drug.ingredients"] == ("hydrocodone", "acetaminophen")
    assert values["drug.brand_requested"] is True
    assert values["drug.form"] == "oral" and values["drug.topical"] is False and values["drug.compounded"] is False


def test_dose_supply_and_mme_from_strength_directions_and_quantity():
    values = _facts({"service": "Norco", "drug": {"name": "Norco", "strength": "10/325 mg", "quantity": "#120", "directions": "1-2 tabs q6h prn"}})
    assert values["drug.strength_mg"] == 10
    assert values["drug.units_per_day"] == 8
    assert values["drug.as_needed"] is True
    assert values["drug.days_supply"] == 15
    assert values["drug.daily_dose_mg"] == 80
    assert values["drug.mme_per_day"] == 80
    assert values["drug.mme_table"] == "cdc-2016"


def test_hyphenated_combination_strength_in_the_service_text():
    values = _facts({"service": "Norco 7.5-325mg #60 1 po bid", "category": "opioid"})
    assert values["drug.strength_mg"] == 7.5
    assert values["drug.mme_per_day"] == 15


def test_tramadol_uses_its_factor_in_each_table():
    assert _facts({"service": "Ultram 50 mg 1 po qid"})["drug.mme_per_day"] == 20
    assert _facts({"service": "Ultram 50 mg 1 po qid"}, {"mme_table": "cdc-2022"})["drug.mme_per_day"] == 40


def test_an_unknown_mme_table_leaves_the_dose_undocumented():
    values = _facts({"service": "Norco 10/325 mg 1 po qid"}, {"mme_table": "cdc-1999"})
    assert values["drug.mme_table"] == "cdc-1999"
    assert "drug.mme_per_day" not in values


def test_fentanyl_patch_counts_patches_worn_at_once():
    values = _facts({"service": "Duragesic", "drug": {"name": "Duragesic", "strength": "25 mcg/hr", "quantity": 10, "directions": "1 patch q72h"}})
    assert values["drug.mme_per_day"] == 60


def test_compounded_cream_ingredients_and_form():
    values = _facts({"service": "Flurbiprofen 20%/Lidocaine 5% cream 180 gm", "category": "topical"})
    assert values["drug.ingredients"] == ("flurbiprofen", "lidocaine")
    assert values["drug.form"] == "cream"
    assert values["drug.topical"] is True and values["drug.compounded"] is True
    assert _facts({"service": "Flurbiprofen 20%/Lidocaine 5% cream 180 gm", "category": "topical"}, day="2019-01-02")["drug.formulary_status"] == "compounded"


def test_lidoderm_is_a_lidocaine_patch():
    values = _facts({"service": "Lidoderm 5% patch #30"})
    assert values["drug.ingredients"] == ("lidocaine",)
    assert values["drug.form"] == "patch"


def test_weeks_in_use_from_start_date_or_stated_weeks_or_new_start():
    started = _facts({"service": "Flexeril 10 mg", "facts": {"medication.start_date": "2016-10-31"}})
    assert started["drug.weeks_in_use"] == 4.4 and started["drug.days_in_use"] == 31 and started["drug.ongoing"] is True
    stated = _facts({"service": "Flexeril 10 mg", "facts": {"medication.weeks_in_use": 2}})
    assert stated["drug.days_in_use"] == 14
    new = _facts({"service": "Flexeril 10 mg", "facts": {"medication.current": False}})
    assert new["drug.weeks_in_use"] == 0 and new["drug.ongoing"] is False
    assert "drug.ongoing" not in _facts({"service": "Flexeril 10 mg"})


def test_pain_relief_from_scores_or_stated_percent():
    assert _facts({"service": "Norco", "facts": {"medication.pain_without": 8, "medication.pain_with": 6}})["drug.pain_relief_percent"] == 25
    assert _facts({"service": "Norco", "facts": {"medication.pain_relief_percent": 40}})["drug.pain_relief_percent"] == 40
    assert "drug.pain_relief_percent" not in _facts({"service": "Norco", "facts": {"medication.pain_with": 3}})


def test_other_items_of_the_request():
    ppi = _facts({"service": "Omeprazole 20 mg", "category": "ppi"}, others=[{"service": "Naproxen 550 mg"}])
    assert ppi["drug.nsaid_on_request"] is True and ppi["drug.opioid_on_request"] is False
    topical_only = _facts({"service": "Omeprazole 20 mg"}, others=[{"service": "Voltaren 1% gel"}])
    assert topical_only["drug.nsaid_on_request"] is False
    screen = _facts({"service": "Urine drug screen", "category": "urine_drug_screen"}, others=[{"service": "Tramadol 50 mg"}])
    assert screen["drug.opioid_on_request"] is True
    assert "drug.generic" not in screen


def test_a_non_drug_category_is_not_a_drug_line():
    values = _facts({"service": "Injection of lidocaine to the shoulder", "category": "injection_other"})
    assert "drug.generic" not in values


def test_drug_screen_interval():
    values = _facts({"service": "Urine drug screen", "category": "urine_drug_screen"}, {"uds.last_date": "2016-11-03"})
    assert values["uds.weeks_since_last"] == 4


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


@pytest.fixture
def official_list(tmp_path, monkeypatch):
    """The fictitious Drug List (tests/fixtures, not real statuses) loaded as an official list from 2018-01-01."""
    import datetime as dt

    import yaml

    from imr_rules.reference.drug_list_import import read_drug_list

    imported = read_drug_list(FIXTURES / "drug-list-fictitious.csv", "v-test", dt.date(2018, 1, 1))
    path = tmp_path / "list.yaml"
    path.write_text(yaml.safe_dump(imported.data))
    monkeypatch.setenv("IMR_RULES_DRUG_LIST", str(path))
    return path


@pytest.mark.parametrize(
    ("service", "status", "review"),
    [
        ("Naproxen 550 mg", "exempt", False),
        ("Anaprox DS 550 mg", "exempt", True),  # a brand-name Exempt drug where a generic exists
        ("Norco 10/325 mg", "non_exempt", True),
        ("Dilaudid 4 mg", "unlisted", True),  # a loaded list is complete: not on it is unlisted
    ],
)
def test_formulary_status_and_prospective_review_with_a_loaded_list(official_list, service, status, review):
    values = _facts({"service": service}, day="2019-06-03")
    assert values["drug.formulary_status"] == status
    assert values["drug.prospective_review_required"] is review


def test_bundled_table_never_guesses():
    # Recalled (REC) statuses and drugs it does not list are unknown: the facts stay undocumented.
    for service in ("Norco 10/325 mg", "Dilaudid 4 mg", "Naproxen 550 mg"):
        assert "drug.formulary_status" not in _facts({"service": service}, day="2019-06-03")
    # A status a source states (SEC S18; SEC S16 from Drug List v7, 2020-11-01) is used, from its date.
    assert _facts({"service": "Lyrica 75 mg"}, day="2019-06-03")["drug.formulary_status"] == "non_exempt"
    assert "drug.formulary_status" not in _facts({"service": "Cymbalta 60 mg"}, day="2020-10-31")
    assert _facts({"service": "Cymbalta 60 mg"}, day="2020-11-01")["drug.formulary_status"] == "exempt"
    # Before 2018-01-01 the formulary is not in force.
    assert "drug.formulary_status" not in _facts({"service": "Lyrica 75 mg"}, day="2017-12-31")


def test_special_fill_within_seven_days_of_injury_needs_no_review(official_list):
    item = {"service": "Hydrocodone/APAP 5/325 mg", "drug": {"name": "hydrocodone/acetaminophen", "strength": "5/325 mg", "quantity": 12, "directions": "1 po tid"}}
    early = _facts(item, day="2018-03-05", patient={"date_of_injury": "2018-03-01"})
    assert early["drug.special_fill_listed"] is True and early["drug.prospective_review_required"] is False
    late = _facts(item, day="2018-03-20", patient={"date_of_injury": "2018-03-01"})
    assert late["drug.prospective_review_required"] is True


def test_perioperative_fill_from_4_days_before_to_4_days_after_surgery(official_list):
    item = {"service": "Hydrocodone/APAP 5/325 mg", "drug": {"name": "hydrocodone/acetaminophen", "strength": "5/325 mg", "quantity": 12, "directions": "1 po tid"}}
    injury = {"date_of_injury": "2017-05-01"}
    for day, review in (("2019-03-06", True), ("2019-03-07", False), ("2019-03-15", False), ("2019-03-16", True)):
        values = _facts(item, {"surgery_date": "2019-03-11"}, day=day, patient=injury)
        assert values["drug.prospective_review_required"] is review, day
    # More than the 4-day supply: review required even on the day of surgery.
    big = {**item, "drug": {**item["drug"], "quantity": 30}}
    assert _facts(big, {"surgery_date": "2019-03-11"}, day="2019-03-11", patient=injury)["drug.prospective_review_required"] is True


def test_other_drug_items_are_read_per_request_never_from_the_last_one():
    # The per-request reading of the other items (which keeps loading linear) must never leak
    # from one request into the next, nor count an item as its own companion.
    from imr_rules import request_from_data

    ppi = {"id": "2", "service": "Omeprazole 20mg #30", "drug": {"name": "Omeprazole", "strength": "20 mg", "quantity": 30}}
    nsaid = {"id": "1", "service": "Naproxen 550mg #60", "drug": {"name": "Naproxen", "strength": "550 mg", "quantity": 60}}
    with_nsaid = request_from_data({"request_date": "2016-12-01", "items": [nsaid, ppi]})
    alone = request_from_data({"request_date": "2016-12-01", "items": [ppi]})
    assert with_nsaid.items[1].values["drug.nsaid_on_request"] is True
    assert with_nsaid.items[0].values["drug.nsaid_on_request"] is False  # not its own companion
    assert alone.items[0].values["drug.nsaid_on_request"] is False


def test_lines_worded_alike_share_their_reading_but_not_their_amounts():
    # A drug line's reading is remembered by its wording: the amounts and the other wording still count.
    line = {"service": "Norco", "drug": {"name": "Norco", "strength": "10/325 mg", "quantity": 120, "directions": "1 po q6h"}}
    first = _facts(line)
    fewer = _facts({**line, "drug": {**line["drug"], "quantity": 60}})
    stronger = _facts({**line, "drug": {**line["drug"], "strength": "7.5/325 mg"}})
    assert (first["drug.days_supply"], fewer["drug.days_supply"]) == (30, 15)
    assert (first["drug.mme_per_day"], stronger["drug.mme_per_day"]) == (40, 30)
    assert _facts({**line, "category": "injection_other"}).get("drug.generic") is None
