"""Advisory criteria (``decisive: false`` with ``why:``): evaluated and reported, never deciding."""

from __future__ import annotations

import pytest

from conftest import massage_rule
from imr_rules.engine import evaluate
from imr_rules.errors import ImrRulesError
from imr_rules.model import Outcome, Status
from imr_rules.render import report_to_dict
from imr_rules.requests.loading import request_from_data
from imr_rules.ruleset.loading import load_ruleset

MANIFEST = 'name: t\nversion: "1"\n'
RULE = massage_rule("t-advisory", "Advisory", """\
criteria:
  - id: T-DECIDES
    requirement: A home program.
    condition: {fact: home_exercise_program, is: true}
    wording: {not_met: no home program, not_documented: a home program}
  - id: T-ADVISES
    requirement: Improvement.
    condition: {fact: red_flags, is: false}
    wording: {not_met: no improvement, not_documented: improvement}
%s
""")
MARKER = "    decisive: false\n    why: Reviewers recite this criterion but never deny on it (letters A, B and C).\n"


def report(rules, facts):
    request = request_from_data({"request_id": "t", "request_date": "2017-03-15", "facts": facts,
                                 "items": [{"service": "Massage", "category": "massage"}]})
    return evaluate(request, rules)


def rules_with(write, marker):
    write("rules/ruleset.yaml", MANIFEST)
    return load_ruleset([write("rules/t.yaml", RULE % marker).parent])


@pytest.mark.parametrize("improvement", [False, None])
def test_an_advisory_failure_is_reported_but_does_not_decide(write, improvement):
    facts = {"home_exercise_program": True}
    if improvement is not None:
        facts["red_flags"] = not improvement
    found = report(rules_with(write, MARKER), facts)
    (determination,) = found.determinations
    assert determination.outcome is Outcome.MEDICALLY_NECESSARY
    advice = {f.criterion_id: f for f in determination.findings}["T-ADVISES"]
    assert advice.status is (Status.NOT_MET if improvement is False else Status.NOT_DOCUMENTED)
    assert advice.decisive is False and "never deny" in advice.why
    assert "Advisory only, not deciding this request" in determination.rationale
    data = report_to_dict(found)["items"][0]["criteria"]
    assert {c["id"]: c["decisive"] for c in data} == {"T-DECIDES": True, "T-ADVISES": False}


def test_without_the_marker_the_same_failure_decides(write):
    (determination,) = report(rules_with(write, ""), {"home_exercise_program": True, "red_flags": True}).determinations
    assert determination.outcome is Outcome.NOT_MEDICALLY_NECESSARY


def test_a_decisive_criterion_still_decides_beside_an_advisory_one(write):
    (determination,) = report(rules_with(write, MARKER), {"home_exercise_program": False}).determinations
    assert determination.outcome is Outcome.NOT_MEDICALLY_NECESSARY


@pytest.mark.parametrize("marker", ["    decisive: false\n", "    why: Reviewers recite this criterion but never deny on it (letters A, B).\n",
                                    "    decisive: true\n    why: Reviewers recite this criterion but never deny on it (letters A, B).\n"])
def test_the_marker_needs_its_why_and_means_false(write, marker):
    with pytest.raises(ImrRulesError):
        rules_with(write, marker)
