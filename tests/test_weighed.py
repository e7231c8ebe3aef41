"""A documented failure decides; what is merely undocumented beside it is not weighed.

Findings resting on what the records do not document (not documented, or failing where it is not
documented whether the criterion applies) are marked not weighed when a rule of the item fails on
documented facts; statuses and outcomes never change, and reports, remedies and the rationale
rest on the weighed findings.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import ROOT, massage_rule
from imr_rules import (Outcome, Status, compare_cases, evaluate, load_case, load_request, load_ruleset, report_to_dict,
                       request_from_data)
from imr_rules.cli import app

MANIFEST = 'name: t\nversion: "1"\n'
RULE = massage_rule("t-weigh", "Weighing", """\
LOGIC
criteria:
  - id: W-DOC
    requirement: No red flags.
    condition: {fact: red_flags, is: false}
    wording: {not_met: red flags are documented, not_documented: the absence of red flags}
  - id: W-HEP
    requirement: A home program.
    condition: {fact: home_exercise_program, is: true}
    wording: {not_met: no home program, not_documented: a home exercise program}
    remedy: document the home exercise program
  - id: W-CONT
    requirement: Continuations show improvement.
    applies_when: {fact: prior_sessions, gt: 0}
    condition: {fact: functional_improvement, is: true}
    wording: {not_met: no improvement from the prior visits, not_documented: improvement from the prior visits}
  - id: W-QTY
    kind: quantity_limit
    requirement: At most 6 visits.
    max: 6
    wording: {not_met: more than 6 visits are requested, not_documented: the number of visits}
""")
ALL = "logic: all"
ANY_DOC_OR_HEP = "logic: {all: [{any: [W-DOC, W-HEP]}, W-CONT, W-QTY]}"
TAKEN = "the request fails on W-DOC whatever the records show about this"


@pytest.fixture
def rules_dir(write):
    def make(logic: str = ALL) -> Path:
        write("rules/ruleset.yaml", MANIFEST)
        return write("rules/t.yaml", RULE.replace("LOGIC", logic)).parent
    return make


ITEM_FACTS = {"prior_sessions", "functional_improvement"}  # facts of the item's own prior course


def request(facts: dict, quantity: int = 4):
    item = {"service": "Massage", "category": "massage", "quantity": quantity,
            "facts": {k: v for k, v in facts.items() if k in ITEM_FACTS}}
    return request_from_data({"request_id": "t", "request_date": "2017-03-15",
                              "facts": {k: v for k, v in facts.items() if k not in ITEM_FACTS}, "items": [item]})


def decided(rules, facts, quantity=4):
    (determination,) = evaluate(request(facts, quantity), rules).determinations
    return determination


def by_id(determination):
    return {f.criterion_id: f for f in determination.findings}


def test_a_documented_failure_leaves_what_is_undocumented_beside_it_unweighed(rules_dir):
    found = decided(load_ruleset([rules_dir()]), {"red_flags": True})
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    findings = by_id(found)
    assert findings["W-DOC"].status is Status.NOT_MET and findings["W-DOC"].weighed
    # Not documented, and not documented whether it applies (with its open question): not weighed.
    for cid in ("W-HEP", "W-CONT", "applicability"):
        assert findings[cid].status is Status.NOT_DOCUMENTED  # a fact stays a fact
        assert not findings[cid].weighed and findings[cid].decided_by == ("t-weigh/W-DOC",)
    assert findings["W-QTY"].status is Status.MET and findings["W-QTY"].weighed
    # The remedies and the reasoning rest on the weighed failure.
    assert "document the home exercise program" not in found.remedies
    reasoning, _, aside = found.rationale.partition("Not weighed, since the request fails on W-DOC")
    assert "Red flags are documented" in reasoning and "home exercise program" not in reasoning
    assert "home exercise program" in aside and "sessions of this treatment were already completed" in aside
    assert aside.rstrip().endswith("Therefore, the request for Massage is not medically necessary.")


def test_without_a_documented_failure_everything_is_weighed(rules_dir):
    found = decided(load_ruleset([rules_dir()]), {"red_flags": False})
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert all(f.weighed and not f.decided_by for f in found.findings)
    assert "document the home exercise program" in found.remedies
    assert "Not weighed" not in found.rationale


def test_an_undocumented_alternative_that_could_still_pass_is_weighed(rules_dir):
    # any: [W-DOC, W-HEP]: the undocumented home program would satisfy the rule on its own.
    found = decided(load_ruleset([rules_dir(ANY_DOC_OR_HEP)]), {"red_flags": True, "prior_sessions": 0})
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert by_id(found)["W-HEP"].status is Status.NOT_DOCUMENTED
    assert all(f.weighed for f in found.findings)


def test_a_quantity_a_smaller_request_would_meet_decides_nothing_alone(rules_dir):
    found = decided(load_ruleset([rules_dir()]), {"red_flags": False, "prior_sessions": 0}, quantity=12)
    findings = by_id(found)
    assert findings["W-QTY"].status is Status.NOT_MET and findings["W-QTY"].certifiable_quantity == 6
    assert findings["W-HEP"].status is Status.NOT_DOCUMENTED
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert all(f.weighed for f in found.findings)  # partial certification stays possible


def test_a_failure_whose_applicability_is_unknown_is_no_documented_failure(rules_dir):
    found = decided(load_ruleset([rules_dir()]), {"red_flags": False, "functional_improvement": False})
    findings = by_id(found)
    assert findings["W-CONT"].status is Status.NOT_MET and findings["W-CONT"].conditional
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert all(f.weighed for f in found.findings)
    # Beside a documented failure it is not weighed either: it rests on the undocumented prior course.
    beside = by_id(decided(load_ruleset([rules_dir()]), {"red_flags": True, "functional_improvement": False}))
    assert beside["W-CONT"].status is Status.NOT_MET and not beside["W-CONT"].weighed


def test_no_remedy_is_offered_where_a_documented_failure_has_none(rules_dir, write):
    # W-DOC (red flags documented) has no remedy; reducing the 12 visits to 6 would not meet it.
    rules = rules_dir()
    found = decided(load_ruleset([rules]), {"red_flags": True, "prior_sessions": 0}, quantity=12)
    assert by_id(found)["W-QTY"].remedy  # the quantity failure alone would have a cure
    assert found.remedies == ()
    assert any(n.startswith("No remedy is offered: the request fails on W-DOC") for n in found.notes)
    # Where every documented failure can be cured, the remedies stand and no such note is given.
    curable = decided(load_ruleset([rules]), {"red_flags": False, "prior_sessions": 0}, quantity=12)
    assert "document the home exercise program" in curable.remedies
    assert not any(n.startswith("No remedy is offered") for n in curable.notes)
    path = write("req.json", json.dumps({"request_id": "t", "request_date": "2017-03-15", "facts": {"red_flags": True},
                                         "items": [{"service": "Massage", "category": "massage", "quantity": 12,
                                                    "facts": {"prior_sessions": 0}}]}))
    result = CliRunner().invoke(app, ["check", str(path), "--rules", str(rules), "--format", "markdown"])
    assert result.exit_code != 2, result.output
    assert "To meet the guideline" not in result.output
    assert "No remedy is offered: the request fails on W-DOC" in result.output


def test_a_failure_without_a_remedy_leaves_the_remedies_where_its_alternative_has_one(rules_dir):
    # any: [W-DOC, W-HEP]: red flags are documented (W-DOC, no remedy) and no home program (W-HEP),
    # both documented failures; a home program alone would meet the rule, so its remedy stands.
    found = decided(load_ruleset([rules_dir(ANY_DOC_OR_HEP)]),
                    {"red_flags": True, "home_exercise_program": False, "prior_sessions": 0})
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert {f.criterion_id: f.status for f in found.findings if f.criterion_id in ("W-DOC", "W-HEP")} == {
        "W-DOC": Status.NOT_MET, "W-HEP": Status.NOT_MET}
    assert "document the home exercise program" in found.remedies
    assert not any(n.startswith("No remedy is offered") for n in found.notes)


def test_where_the_documented_failure_has_a_remedy_the_unweighed_remedies_follow_it(rules_dir):
    # No home program (W-HEP, documented, with a remedy) decides; the improvement from the prior
    # visits (W-CONT) is not documented and not weighed. Curing W-HEP alone would not meet the
    # guideline: W-CONT would then decide, so its remedy is listed too, after W-HEP's.
    found = decided(load_ruleset([rules_dir()]),
                    {"red_flags": False, "home_exercise_program": False, "prior_sessions": 3})
    findings = by_id(found)
    assert findings["W-HEP"].weighed and not findings["W-CONT"].weighed
    assert found.remedies == ("document the home exercise program", findings["W-CONT"].remedy)
    assert not any(n.startswith("No remedy is offered") for n in found.notes)


def test_the_not_weighed_sentence_and_the_note_read_as_english(rules_dir, ruleset):
    # One unweighed finding is 'it', several 'them'.
    one = decided(load_ruleset([rules_dir()]), {"red_flags": True, "prior_sessions": 0})
    assert "whatever the records show of it: there is no documentation of a home exercise program." in one.rationale
    several = decided(load_ruleset([rules_dir()]), {"red_flags": True})
    assert "whatever the records show of them: " in several.rationale
    # Two incurable failures are joined as ids are everywhere; a 'that' clause takes no 'of'.
    lyrica = evaluate(load_request(ROOT / "examples/requests/drug-anticonvulsant-lyrica-axial.yaml"), ruleset).determinations[0]
    assert "No remedy is offered: the request fails on AED-1 and AED-2, which" in " ".join(lyrica.notes)
    relaxant = evaluate(load_request(ROOT / "examples/requests/drug-muscle-relaxant-2020-cyclobenzaprine.yaml"),
                        ruleset).determinations[0]
    assert "no documentation that NSAIDs and exercise were tried" in relaxant.rationale
    assert "documentation of that" not in relaxant.rationale


REQUEST_SIZE = {"item.quantity", "item.frequency_per_week", "item.duration_weeks", "item.rental_days"}


def _facts_read(condition) -> set[str]:
    if isinstance(condition, dict):
        return {v for k, v in condition.items() if k == "fact"} | {f for v in condition.values() for f in _facts_read(v)}
    if isinstance(condition, list):
        return {f for v in condition for f in _facts_read(v)}
    return set()


def test_a_limit_on_the_request_alone_has_a_remedy():
    # "No remedy is offered: ... which neither documentation nor a smaller quantity would meet" must
    # be true: a criterion that only the request's own size, frequency or length fails (not a
    # quantity limit, which computes its certifiable quantity) is met by a smaller request, so it
    # names that request as its remedy.
    import yaml

    missing = []
    for path in sorted((ROOT / "rules").rglob("*.yaml")):
        for spec in (yaml.safe_load(path.read_text()) or {}).get("criteria", []) or []:
            read = _facts_read(spec.get("condition"))
            if (spec.get("kind", "condition") == "condition" and spec.get("decisive", True) is not False
                    and read and read <= REQUEST_SIZE and not spec.get("remedy")):
                missing.append(f"{path.name}:{spec['id']}")
    assert missing == []


def test_a_program_longer_than_its_first_two_weeks_is_told_to_ask_for_two(ruleset):
    request = load_request(ROOT / "examples/requests/programs-functional-restoration-no-evaluation.yaml")
    (determination,) = evaluate(request, ruleset).determinations
    assert by_id(determination)["FRP-7"].status is Status.NOT_MET
    assert not any(n.startswith("No remedy is offered") for n in determination.notes)
    assert any(r.startswith("request an initial 2 weeks") for r in determination.remedies)


def test_json_lists_unweighed_findings_last_and_matches_the_schema(rules_dir):
    data = report_to_dict(evaluate(request({"red_flags": True}), load_ruleset([rules_dir()])))
    jsonschema.validate(data, json.loads((ROOT / "imr_rules/schemas/report.schema.json").read_text()))
    criteria = data["items"][0]["criteria"]
    weighed = [c["weighed"] for c in criteria]
    assert weighed == sorted(weighed, reverse=True) and False in weighed
    assert [c["id"] for c in criteria if not c["weighed"]] == ["applicability", "W-HEP", "W-CONT"]
    assert all(c["decided_by"] == ["t-weigh/W-DOC"] for c in criteria if not c["weighed"])
    assert all(c["decided_by"] == [] for c in criteria if c["weighed"])
    # Documenting the home program would cure nothing: no curing step is offered for it.
    assert data["items"][0]["to_meet_guideline"] == []


@pytest.mark.parametrize("fmt, marks", [
    ("text", ["not documented - not weighed  W-HEP", f"Not weighed: {TAKEN}."]),
    ("markdown", ["| **not documented** - not weighed |", f"(Not weighed: {TAKEN}.)"]),
    ("html", ["(not weighed)", f"Not weighed: {TAKEN}."]),
    ("json", ['"weighed": false', '"decided_by": [\n            "t-weigh/W-DOC"']),
    ("jsonl", ['"weighed":false,"decided_by":["t-weigh/W-DOC"]']),
])
def test_every_report_format_says_what_is_not_weighed(rules_dir, write, fmt, marks):
    path = write("r.json", json.dumps({"request_id": "t", "request_date": "2017-03-15", "facts": {"red_flags": True},
                                       "items": [{"service": "Massage", "category": "massage", "quantity": 4}]}))
    result = CliRunner().invoke(app, ["check", str(path), "--rules", str(rules_dir()), "--format", fmt])
    assert result.exit_code == 0, result.output
    for mark in marks:
        assert mark in result.stdout
    assert "Not weighed, since the request fails on W-DOC" in " ".join(result.stdout.replace("│", " ").split())
    if fmt in ("text", "markdown"):  # the deciding failure first, the unweighed after it
        assert result.stdout.index("W-DOC") < result.stdout.index("W-HEP")


CASE = """\
case_number: CM00-0000001
items:
  - index: 1
    description: Massage 4 visits
    outcome: upheld
    reasons:
      - {criterion: t-weigh/W-DOC, quote: "red flags"}
    request:
      request_date: 2017-03-15
      facts: {red_flags: {value: true}}
      items:
        - {service: Massage, category: massage, quantity: 4}
"""


def test_compare_decides_on_the_weighed_findings_and_still_counts_every_failure(rules_dir, write):
    rules = load_ruleset([rules_dir()])
    comparison = compare_cases([load_case(write("cases/case.yaml", CASE), rules.vocabulary)], rules)
    (item,) = comparison.items
    assert item.deciding == ((frozenset({"t-weigh/W-DOC"}),),)
    failing = {f.label: f.weighed for f in item.failing_criteria}
    assert failing == {"t-weigh/W-DOC": True, "t-weigh/applicability": False, "t-weigh/W-HEP": False,
                       "t-weigh/W-CONT": False}
    ours = dict(comparison.reasons)["ours"]
    assert ours.agreeing_with_spurious == 1 and ours.agreeing_with_deciding_spurious == 0
    assert dict(ours.spurious) == {"t-weigh/applicability": 1, "t-weigh/W-HEP": 1, "t-weigh/W-CONT": 1}
    result = CliRunner().invoke(app, ["compare", str(write("cases/case.yaml", CASE).parent), "--rules", str(rules_dir()),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["reasons"]["ours"]["deciding_spurious_share"] == 0 and data["reasons"]["ours"]["spurious_share"] == 1
    [compared] = data["items"]
    assert [(f["criterion_id"], f["weighed"]) for f in compared["failing_criteria"]][0] == ("W-DOC", True)


def test_a_reviewer_reason_that_we_do_not_weigh_is_right_by_every_failure_only(rules_dir, write):
    # The reviewer named the undocumented home program; we deny on the documented red flags and
    # say the home program is not weighed: our failing criteria include the reviewer's reason, our
    # deciding ones do not.
    case = CASE.replace("{criterion: t-weigh/W-DOC, quote: \"red flags\"}", "{criterion: t-weigh/W-HEP, quote: \"red flags\"}")
    rules = load_ruleset([rules_dir()])
    ours = dict(compare_cases([load_case(write("cases/case.yaml", case), rules.vocabulary)], rules).reasons)["ours"]
    assert (ours.both_upheld, ours.right_reason, ours.right_reason_deciding) == (1, 1, 0)
    named_decider = dict(compare_cases([load_case(write("cases/case.yaml", CASE), rules.vocabulary)], rules).reasons)["ours"]
    assert (named_decider.right_reason, named_decider.right_reason_deciding) == (1, 1)
    result = CliRunner().invoke(app, ["compare", str(write("cases/case.yaml", case).parent), "--rules", str(rules_dir()),
                                      "--format", "markdown"])
    assert "| right for the right reason (deciding failures) | 0.0% (0 of 1) |" in result.stdout
    data = json.loads(CliRunner().invoke(app, ["compare", str(write("cases/case.yaml", case).parent), "--rules",
                                               str(rules_dir()), "--format", "json"]).stdout)
    assert data["reasons"]["ours"]["right_reason_deciding_share"] == 0 and data["reasons"]["ours"]["right_reason_share"] == 1


def _every_bundled_request(ruleset):
    """Every bundled example request, and every case and held-out item with and without its facts."""
    from imr_rules import load_request

    for path in sorted((ROOT / "examples" / "requests").glob("*.yaml")):
        yield load_request(path, ruleset.vocabulary)
    for folder in ("cases", "holdout"):
        for path in sorted((ROOT / "examples" / folder).glob("*.yaml")):
            for item in load_case(path, ruleset.vocabulary).items:
                yield item.request
                if item.without_facts is not None:
                    yield item.without_facts


def test_the_marking_never_changes_an_outcome(ruleset, monkeypatch):
    import imr_rules.engine as engine

    requests = list(_every_bundled_request(ruleset))
    assert len(requests) > 300

    def decisions():
        return [(d.outcome, d.certifiable_quantity, tuple((r.rule_id, r.outcome) for r in d.rule_results),
                 tuple((f.rule_id, f.criterion_id, f.status) for f in d.findings))
                for request in requests for d in evaluate(request, ruleset).determinations]

    marked = decisions()
    unweighed = [f for request in requests for d in evaluate(request, ruleset).determinations
                 for f in d.findings if not f.weighed]
    # Both kinds of weighing occur: beside a documented failure, and moot within a rule.
    assert any(not f.only_through for f in unweighed) and any(f.only_through for f in unweighed)
    monkeypatch.setattr(engine, "documented_failures", lambda decision: ())
    monkeypatch.setattr(engine, "moot_findings", lambda *args: {})
    assert decisions() == marked


DEFAULTED_RULE = massage_rule("t-default", "Defaults", """\
logic: all
criteria:
  - id: D-DOC
    requirement: No red flags.
    condition: {fact: red_flags, is: false}
    wording: {not_met: red flags are documented, not_documented: the absence of red flags}
  - id: D-FIRST
    requirement: A first course is at most 6 visits.
    applies_when: {fact: prior_sessions, eq: 0}
    applies_if_undocumented: true
    condition: {fact: item.quantity, le: 6}
    wording: {not_met: more than the 6 visits of a first course are requested, not_documented: the number of visits}
  - id: D-HEP
    requirement: A home program.
    condition: {fact: home_exercise_program, is: true}
    wording: {not_met: no home program, not_documented: a home exercise program}
""")


@pytest.mark.parametrize("prior, weighed", [(None, False), (0, True)])
def test_a_criterion_applied_by_default_fails_on_nothing_documented(write, prior, weighed):
    # D-FIRST applies while the prior course is undocumented only by the rule's default: its
    # failure rests on what is not documented, as a conditional criterion's does.
    write("rules/ruleset.yaml", MANIFEST)
    rules = load_ruleset([write("rules/t.yaml", DEFAULTED_RULE).parent])
    facts = {"red_flags": False} if prior is None else {"red_flags": False, "prior_sessions": prior}
    alone = by_id(decided(rules, facts, quantity=8))
    assert alone["D-FIRST"].status is Status.NOT_MET
    # Applied by default it is no documented failure, and the undocumented home program decides too.
    assert alone["D-HEP"].weighed is (not weighed)
    beside = by_id(decided(rules, {**facts, "red_flags": True}, quantity=8))
    assert beside["D-FIRST"].weighed is weighed
    assert not beside["D-HEP"].weighed
