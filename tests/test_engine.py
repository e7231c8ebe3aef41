"""The engine through the library API: every massage criterion both ways, roles, dates, results."""

import dataclasses

import pytest

from imr_rules.engine import evaluate
from imr_rules.model import Outcome, Status
from imr_rules.requests.loading import request_from_data


def decide(ruleset, item, facts=None, date="2016-12-01", **request):
    data = {"request_id": "t", "request_date": date, "items": [item], **request}
    if facts:
        data["facts"] = facts
    return evaluate(request_from_data(data), ruleset).determinations[0]


def statuses(determination):
    return {f.criterion_id: f.status for f in determination.findings}


HEP = {"home_exercise_program": True}


@pytest.mark.parametrize(
    "item, facts, criterion, status",
    [
        ({"service": "Massage therapy", "quantity": 6}, HEP, "MS-1", Status.MET),
        ({"service": "Massage therapy", "quantity": 6}, {"home_exercise_program": False, "active_therapy": False}, "MS-1", Status.NOT_MET),
        ({"service": "Massage therapy", "quantity": 6}, None, "MS-1", Status.NOT_DOCUMENTED),
        ({"service": "Massage therapy", "quantity": 6}, HEP, "MS-2", Status.MET),
        ({"service": "Massage therapy", "quantity": 12}, HEP, "MS-2", Status.NOT_MET),
        ({"service": "Massage therapy"}, HEP, "MS-2", Status.NOT_DOCUMENTED),
        ({"service": "Massage therapy", "quantity": 6, "facts": {"prior_sessions": 6, "functional_improvement": True}}, HEP, "MS-3", Status.MET),
        ({"service": "Massage therapy", "quantity": 6, "facts": {"prior_sessions": 6, "functional_improvement": False}}, HEP, "MS-3", Status.NOT_MET),
        ({"service": "Massage therapy", "quantity": 6, "facts": {"prior_sessions": 6}}, HEP, "MS-3", Status.NOT_DOCUMENTED),
        ({"service": "Massage therapy", "quantity": 6, "facts": {"prior_sessions": 0}}, HEP, "MS-3", Status.NOT_APPLICABLE),
        ({"service": "Massage therapy", "quantity": 6, "facts": {"prior_course": False}}, HEP, "MS-3", Status.NOT_APPLICABLE),
        # whether there was a prior course is not documented: shown as if it applied (conditional)
        ({"service": "Massage therapy", "quantity": 6}, HEP, "MS-3", Status.NOT_DOCUMENTED),
        ({"service": "Massage therapy", "quantity": 6, "facts": {"prior_sessions": 12, "functional_improvement": True}}, HEP, "ODG-MS-1", Status.MET),
        ({"service": "Massage therapy", "quantity": 6, "facts": {"prior_sessions": 16, "functional_improvement": True}}, HEP, "ODG-MS-1", Status.NOT_MET),
        ({"service": "Mechanical massage device", "category": "massage", "quantity": 1}, HEP, "ODG-MS-2", Status.NOT_MET),
        ({"service": "Massage therapy", "quantity": 6}, HEP, "ODG-MS-2", Status.NOT_APPLICABLE),
    ],
)
def test_each_massage_criterion_both_ways(ruleset, item, facts, criterion, status):
    assert statuses(decide(ruleset, item, facts))[criterion] is status


def test_decision_and_certifiable_portion(ruleset):
    determination = decide(ruleset, {"service": "Massage therapy 2x/week x 6 weeks", "facts": {"prior_sessions": 0}}, HEP)
    assert determination.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert determination.certifiable_quantity == 6
    assert "reduce the request to 6 visits" in determination.remedies


def test_no_certifiable_portion_when_documentation_also_fails(ruleset):
    determination = decide(ruleset, {"service": "Massage therapy", "quantity": 12})
    assert determination.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert determination.certifiable_quantity is None


def test_rationale_follows_the_determination_style(ruleset):
    determination = decide(ruleset, {"service": "Massage therapy", "quantity": 6, "facts": {"prior_sessions": 6}}, HEP)
    text = determination.rationale
    assert text.startswith("According to the MTUS Chronic Pain Medical Treatment Guidelines (2016), Massage therapy")
    assert "Within the medical information available for review, there is documentation of" in text
    assert "However, there is no documentation of objective functional improvement" in text
    assert text.endswith("Therefore, the request for Massage therapy is not medically necessary.")


def test_necessary_rationale(ruleset):
    determination = decide(ruleset, {"service": "Massage therapy", "quantity": 4, "facts": {"prior_sessions": 0}}, HEP)
    assert determination.outcome is Outcome.MEDICALLY_NECESSARY
    assert determination.rationale.endswith("Therefore, the request for Massage therapy is medically necessary.")


def test_uncovered_item_is_never_silently_necessary(ruleset):
    determination = decide(ruleset, {"service": "Gym membership x 6 months"})
    assert determination.outcome is Outcome.NO_APPLICABLE_RULE
    assert determination.rule_results == ()
    assert "No rule in this rule set applies" in determination.rationale


def test_effective_dates_select_the_edition(ruleset):
    item = {"service": "Massage therapy", "quantity": 4}
    older = decide(ruleset, item, HEP, date="2015-03-01")
    newer = decide(ruleset, item, HEP, date="2017-01-10")
    assert older.rule_results[0].citation.pages == "60"
    assert older.rule_results[0].citation.year == 2009
    assert newer.rule_results[0].citation.year == 2016
    after_acoem = decide(ruleset, item, HEP, date="2018-02-01")
    assert after_acoem.outcome is Outcome.NO_APPLICABLE_RULE  # ODG supplement alone never decides


def test_mtus_governs_and_odg_supplements(ruleset):
    determination = decide(ruleset, {"service": "Massage therapy", "quantity": 4}, HEP)
    assert [r.rule_id for r in determination.rule_results] == ["mtus-cpmtg-massage", "odg-massage"]
    assert [r.role.value for r in determination.rule_results] == ["primary", "supplement"]


def test_keywords_select_when_no_category_is_given(ruleset):
    determination = decide(ruleset, {"service": "Myofascial release to the low back 1x/week x 4 weeks"}, HEP)
    assert determination.rule_results[0].rule_id == "mtus-cpmtg-massage"
    assert determination.item.quantity == 4


def test_findings_carry_values_and_evidence(ruleset):
    facts = {"home_exercise_program": {"value": True, "evidence": "Does home exercises daily."}}
    determination = decide(ruleset, {"service": "Massage therapy", "quantity": 4}, facts)
    adjunct = next(f for f in determination.findings if f.criterion_id == "MS-1")
    assert dict(adjunct.values) == {"home_exercise_program": True}
    assert dict(adjunct.evidence) == {"home_exercise_program": "Does home exercises daily."}


def test_results_are_immutable(ruleset):
    determination = decide(ruleset, {"service": "Massage therapy", "quantity": 4}, HEP)
    with pytest.raises(dataclasses.FrozenInstanceError):
        determination.outcome = Outcome.NOT_MEDICALLY_NECESSARY


def test_evaluation_is_deterministic(ruleset):
    first = decide(ruleset, {"service": "Massage therapy", "quantity": 12}, HEP)
    second = decide(ruleset, {"service": "Massage therapy", "quantity": 12}, HEP)
    assert first == second


def test_library_report_names_its_rule_set(ruleset):
    from imr_rules.render import report_to_dict

    report = evaluate(request_from_data({"request_date": "2016-12-01", "items": [{"service": "Massage therapy"}]}), ruleset)
    assert report_to_dict(report)["ruleset"] == {"name": ruleset.name, "version": ruleset.version,
                                                 "hash": f"sha256:{ruleset.hash}", "packs": []}
