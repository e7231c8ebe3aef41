"""Unknown applicability: a criterion whose applies_when is unknown is never 'not applicable'.

The engine shows it as it would be if it applied (conditional), adds an 'applicability' finding
naming the undocumented fact in determination style, and never certifies the item.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from typer.testing import CliRunner

from conftest import massage_rule
from imr_rules.cli import app
from imr_rules.engine import decide, evaluate
from imr_rules.model import Outcome, Status
from imr_rules.render import report_to_dict
from imr_rules.requests.loading import request_from_data
from imr_rules.ruleset.loading import load_ruleset


def determination(ruleset, item, facts=None, date="2017-03-15"):
    data = {"request_id": "t", "request_date": date, "items": [item]}
    if facts:
        data["facts"] = facts
    return evaluate(request_from_data(data), ruleset).determinations[0]


def applicability(found):
    return [f for f in found.findings if f.criterion_id.startswith("applicability")]


@pytest.mark.parametrize("service", ["Methadone 10mg #240", "Norco 10/325mg #120", "Oxycodone 15mg #90", "Naproxen 550mg #60"])
def test_a_drug_nobody_documented_is_not_certified(ruleset, service):
    found = determination(ruleset, {"service": service})
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert found.certifiable_quantity is None
    [open_question] = [f for f in applicability(found) if "drug.ongoing" in dict(f.values)]
    assert open_question.status is Status.NOT_DOCUMENTED
    assert open_question.statement.startswith("It is not documented whether this is a first prescription or ongoing use of the drug")
    assert "medication.current" in open_question.remedy
    assert "It is not documented whether this is a first prescription or ongoing use" in found.rationale


def test_both_branches_are_shown_conditionally_never_as_not_applicable(ruleset):
    found = determination(ruleset, {"service": "Norco 10/325mg #120, 1 tab q6h prn"})
    by_id = {f.criterion_id: f for f in found.findings}
    decided_by_ongoing = [by_id[c] for f in applicability(found) for c in f.decides]
    trial = [f for f in decided_by_ongoing if f.criterion_id.startswith("OP16-1")]
    maintenance = [f for f in decided_by_ongoing if f.criterion_id.startswith("OP16-4")]
    assert trial and maintenance
    assert all(f.conditional and f.status is not Status.NOT_APPLICABLE for f in trial + maintenance)
    # a criterion whose applicability is known is not conditional
    assert all(not f.conditional for f in found.findings if f.criterion_id not in {c.criterion_id for c in decided_by_ongoing})


def test_documenting_the_deciding_fact_settles_the_branches(ruleset):
    facts = {"medication.current": False}
    found = determination(ruleset, {"service": "Naproxen 550mg #60", "facts": facts})
    assert not applicability(found)
    assert not any(f.conditional for f in found.findings)
    assert {f.criterion_id: f.status for f in found.findings}["NS-2"] is Status.NOT_APPLICABLE


def test_additional_chiropractic_without_improvement_is_not_certified(ruleset):
    found = determination(ruleset, {"service": "Additional chiropractic 2x3", "category": "chiropractic",
                                    "facts": {"functional_improvement": False}})
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    statuses = {f.criterion_id: f.status for f in found.findings}
    assert statuses["CH-4"] is Status.NOT_MET  # "additional" says it is a continuation
    assert statuses["CH-5"] is Status.NOT_DOCUMENTED  # but not how many visits were completed


def test_a_first_course_nobody_documented_is_not_certified(ruleset):
    hep = {"home_exercise_program": True}
    unknown = determination(ruleset, {"service": "Massage therapy", "quantity": 6}, hep)
    assert unknown.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert any("prior_course" in dict(f.values) for f in applicability(unknown))
    first = determination(ruleset, {"service": "Massage therapy", "quantity": 6, "facts": {"prior_course": False}}, hep)
    assert first.outcome is Outcome.MEDICALLY_NECESSARY


def test_a_prior_course_without_a_count_is_a_continuation(ruleset):
    found = determination(ruleset, {"service": "Massage therapy", "quantity": 6,
                                    "facts": {"prior_course": True, "functional_improvement": True}},
                          {"home_exercise_program": True})
    statuses = {f.criterion_id: f for f in found.findings}
    assert not applicability(found)
    assert statuses["MS-3"].status is Status.MET
    assert statuses["ODG-MS-1"].status is Status.NOT_DOCUMENTED
    assert statuses["ODG-MS-1"].statement == "the number of visits already completed"
    assert "{" not in found.rationale  # no placeholder is left unfilled
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY


def test_the_fast_path_agrees(ruleset):
    request = request_from_data({"request_date": "2017-03-15", "items": [{"service": "Methadone 10mg #240"}]})
    decision = decide(request, request.items[0], ruleset)
    assert decision.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert any(decision.unknown)


MANIFEST = 'name: t\nversion: "1"\n'
RULE = massage_rule("t-default", "Defaults", """\
criteria:
  - id: T-UNKNOWN
    requirement: Applies to continuations.
    applies_when: {fact: prior_sessions, gt: 0}
    condition: {fact: functional_improvement, is: true}
    wording: {not_met: no improvement, not_documented: improvement}
  - id: T-FALSE
    requirement: An exclusion a documented flare-up triggers.
    applies_when: {fact: flare_up, is: true}
    applies_if_undocumented: false
    condition: {fact: returned_to_work, is: true}
    wording: {not_met: not back at work, not_documented: a return to work}
  - id: T-TRUE
    requirement: Applies unless red flags are documented.
    applies_when: {not: {fact: red_flags, is: true}}
    applies_if_undocumented: true
    condition: {fact: home_exercise_program, is: true}
    wording: {not_met: no home program, not_documented: a home program}
""")


def test_rule_authors_declare_a_default_explicitly(write):
    write("rules/ruleset.yaml", MANIFEST)
    rules = load_ruleset([write("rules/t.yaml", RULE).parent])
    found = determination(rules, {"service": "Massage", "category": "massage"}, {"home_exercise_program": True})
    statuses = {f.criterion_id: (f.status, f.conditional) for f in found.findings}
    assert statuses["T-UNKNOWN"] == (Status.NOT_DOCUMENTED, True)
    assert statuses["T-FALSE"] == (Status.NOT_APPLICABLE, False)
    assert statuses["T-TRUE"] == (Status.MET, False)
    [open_question] = applicability(found)
    assert open_question.decides == ("T-UNKNOWN",)
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    documented = determination(rules, {"service": "Massage", "category": "massage", "facts": {"prior_sessions": 0}},
                               {"home_exercise_program": True})
    assert documented.outcome is Outcome.MEDICALLY_NECESSARY


def test_the_shipped_vocabulary_words_every_fact_that_decides_applicability(ruleset):
    """Each fact whose absence can leave a shipped criterion's applicability unknown has a question
    and a remedy, so the report never falls back to a fact's name."""
    lacking = set()
    for rule in ruleset.rules:
        for criterion, spec in zip(rule.criteria, rule.spec.criteria):
            if "applies_when" not in spec or "applies_if_undocumented" in spec:
                continue
            for name in criterion.applies_facts:
                definition = ruleset.vocabulary.get(name)
                if name != "item.service" and not (definition.question and definition.remedy):
                    lacking.add(name)
    assert not lacking


CLI_REQUEST = {"request_id": "r", "request_date": "2017-03-15", "items": [{"service": "Naproxen 550mg #60"}]}


def test_json_contract_marks_conditional_criteria_and_what_applicability_decides(write):
    path = write("r.json", json.dumps(CLI_REQUEST))
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.stdout)["items"][0]
    assert item["decision"] == "not_medically_necessary"
    assert all(isinstance(c["conditional"], bool) for c in item["criteria"])
    [open_question] = [c for c in item["criteria"] if c["id"] == "applicability"]
    assert open_question["status"] == "not_documented" and open_question["values"] == {"drug.ongoing": None}
    assert open_question["decides"] == [c["id"] for c in item["criteria"] if c["conditional"]]


@pytest.mark.parametrize("fmt, marker", [("text", "not documented (if it applies)  NS-2"),
                                         ("markdown", "| **not documented** (if it applies) |")])
def test_text_and_markdown_mark_conditional_criteria(write, fmt, marker):
    path = write("r.json", json.dumps(CLI_REQUEST))
    result = CliRunner().invoke(app, ["check", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert marker in result.stdout
    assert "It is not documented whether this is a first prescription or ongoing use of the drug" in " ".join(result.stdout.split())


def test_reports_with_open_questions_are_deterministic(ruleset):
    request = request_from_data({"request_date": "2017-03-15", "items": [
        {"service": "Methadone 10mg #240"}, {"service": "Massage therapy", "quantity": 6}]})
    first = json.dumps(report_to_dict(evaluate(request, ruleset)), sort_keys=True)
    assert all(json.dumps(report_to_dict(evaluate(request, ruleset)), sort_keys=True) == first for _ in range(3))
