"""Requests dated after 2017-11-30: the public criteria decide them, or the report says why not."""

import json

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.model import Outcome, Status
from imr_rules.requests.loading import load_request, request_from_data

from conftest import EXAMPLES

# example file -> (decision, certifiable quantity, {criterion: status})
EXPECTED = {
    "acupuncture-low-back-2022-past-twelve.yaml": ("not_medically_necessary", 2, {"AC-6": "met", "ACL-1": "not_met"}),
    "acupuncture-2026-initial-trial.yaml": ("medically_necessary", None, {"AC-1": "met", "AC-3": "met"}),
    "physical_therapy-postsurgical-2024-meniscectomy.yaml": ("not_medically_necessary", None, {"PS-3": "not_met", "PS-6": "met"}),
    "physical_therapy-2025-visit-cap.yaml": ("not_medically_necessary", 4, {"LC-1": "not_met"}),
    "dme-cold-unit-2019-knee.yaml": ("not_medically_necessary", None, {"CR-1": "met", "CR-2": "not_met"}),
    "drug-muscle-relaxant-2020-cyclobenzaprine.yaml": ("not_medically_necessary", None, {"MRA-1": "not_met", "MRA-3": "not_met"}),
    # A new flare-up, #90 for 30 days: the brief course (14 of the 30 days) is certifiable, 42 tablets.
    "drug-muscle-relaxant-2024-flare-up-partial.yaml": ("not_medically_necessary", 42, {"MRA-1": "met", "MRA-2": "met", "MRA-3": "not_met"}),
    "injections-esi-2020-odg.yaml": ("medically_necessary", None, {"ODG-ESI-1": "met", "ODG-ESI-2": "met"}),
    "drug-benzodiazepine-2026-cures.yaml": ("not_medically_necessary", None, {"CURES-1": "not_met"}),
    "drug-anticonvulsant-2021-pregabalin-transition.yaml": ("not_medically_necessary", None, {"FM-1": "not_met"}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_current_era_examples(ruleset, name):
    decision, certifiable, criteria = EXPECTED[name]
    determination = evaluate(load_request(EXAMPLES / name), ruleset).determinations[0]
    assert determination.outcome.value == decision
    assert determination.certifiable_quantity == certifiable
    statuses = {f.criterion_id: f.status.value for f in determination.findings}
    assert {c: statuses.get(c) for c in criteria} == criteria
    assert determination.guideline is not None and determination.reason is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_current_era_examples_through_the_cli(name):
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / name), "--format", "json"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)["items"][0]
    assert item["decision"] == EXPECTED[name][0]
    assert item["guideline_in_force"]["mtus_section"].startswith("8 CCR 9792.2")


def _item(ruleset, item, date, facts=None, patient=None):
    data = {"request_id": "e", "request_date": date, "items": [item], "patient": patient or {"date_of_injury": "2015-02-02"}}
    if facts:
        data["facts"] = facts
    return evaluate(request_from_data(data), ruleset).determinations[0]


PT = {"service": "Physical therapy 2x/week x 3 weeks", "category": "physical_therapy", "body_region": "lumbar_spine"}


def test_the_24_visit_cap_decides_alone_only_when_exceeded(ruleset):
    over = _item(ruleset, {**PT, "facts": {"prior_sessions": 22}}, "2026-11-20")
    assert over.outcome is Outcome.NOT_MEDICALLY_NECESSARY and over.certifiable_quantity == 2
    within = _item(ruleset, {**PT, "facts": {"prior_sessions": 6}}, "2026-11-20")
    assert within.outcome is Outcome.NO_APPLICABLE_RULE and within.reason == "criteria_not_encoded"
    assert [f.status for f in within.findings] == [Status.MET]  # the cap's finding is still shown
    assert "No rule in this rule set decides" in within.rationale
    # Without a quantity the cap cannot be shown exceeded: undecided, never "not necessary".
    unknown = _item(ruleset, {"service": "Physical therapy", "category": "physical_therapy"}, "2026-11-20")
    assert unknown.outcome is Outcome.NO_APPLICABLE_RULE
    # Injuries before 2004 are outside the cap: nothing applies.
    old_injury = _item(ruleset, {**PT, "facts": {"prior_sessions": 22}}, "2026-11-20", patient={"date_of_injury": "2003-05-01"})
    assert old_injury.outcome is Outcome.NO_APPLICABLE_RULE


def test_in_2016_the_cap_still_only_adds_to_the_cpmtg_rule(ruleset):
    d = _item(ruleset, {**PT, "facts": {"prior_sessions": 22, "functional_improvement": True}}, "2016-12-01",
              facts={"deficits_beyond_home_program": True})
    assert {r.rule_id for r in d.rule_results} >= {"lc-4604-5-visit-cap", "mtus-cpmtg-physical-medicine"}


def test_muscle_relaxant_rules_switch_on_2017_12_01(ruleset):
    item = {"service": "Flexeril 10 mg", "category": "muscle_relaxant", "drug": {"name": "Flexeril", "strength": "10 mg", "quantity": 90}}
    assert [r.rule_id for r in _item(ruleset, item, "2017-11-30").rule_results] == ["mtus-cpmtg-muscle-relaxants"]
    assert [r.rule_id for r in _item(ruleset, item, "2017-12-01").rule_results] == ["mtus-acoem-muscle-relaxants"]


def test_odg_esi_applies_only_where_no_mtus_rule_does(ruleset):
    item = {"service": "Lumbar epidural steroid injection", "category": "epidural_injection", "quantity": 1}
    assert "odg-epidural-steroid-injections" not in {r.rule_id for r in _item(ruleset, item, "2016-12-01").rule_results}
    assert [r.rule_id for r in _item(ruleset, item, "2026-11-20").rule_results] == ["odg-epidural-steroid-injections"]


def test_cures_applies_to_controlled_drugs_from_2018_10_02(ruleset):
    xanax = {"service": "Xanax 0.5 mg", "category": "benzodiazepine", "drug": {"name": "Xanax", "strength": "0.5 mg", "quantity": 30}}
    naproxen = {"service": "Naproxen 550 mg", "category": "nsaid", "drug": {"name": "naproxen", "strength": "550 mg", "quantity": 60}}
    no_cures = {"medication.cures_checked": False}
    assert _item(ruleset, xanax, "2018-10-01", no_cures).outcome is Outcome.NO_APPLICABLE_RULE
    assert _item(ruleset, xanax, "2018-10-02", no_cures).outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert "cures-review" not in {r.rule_id for r in _item(ruleset, naproxen, "2024-01-10", no_cures).rule_results}


def test_low_back_acupuncture_ceiling_only_for_the_low_back_and_from_2017_12_01(ruleset):
    item = {"service": "Acupuncture 2x/week x 3 weeks", "category": "acupuncture", "body_region": "lumbar_spine",
            "facts": {"prior_sessions": 10, "functional_improvement": True}}
    hep = {"home_exercise_program": True}
    assert _item(ruleset, item, "2022-05-02", hep).certifiable_quantity == 2
    assert _item(ruleset, item, "2016-12-01", hep).outcome is Outcome.MEDICALLY_NECESSARY
    assert _item(ruleset, {**item, "body_region": "cervical_spine"}, "2022-05-02", hep).outcome is Outcome.MEDICALLY_NECESSARY
