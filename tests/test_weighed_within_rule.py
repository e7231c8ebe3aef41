"""Weighing within a rule: an open finding that no way of meeting its rule needs is not weighed.

In a rule that does not fail on documented facts, documented failures can still leave an open
question moot: in low-back imaging (``any: [IM-L3, all: [IM-L1, IM-L2, IM-L4, IM-L5]]``) with
IM-L1 documented not met, only a red flag (IM-L3) could meet the rule, so documenting IM-L2 or
IM-L4 cannot change the outcome. Statuses and outcomes never change.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import ROOT, massage_rule
from imr_rules import Outcome, Status, compare_cases, evaluate, load_case, load_request, load_ruleset, request_from_data
from imr_rules.cli import app

LOW_BACK = "mtus-acoem-low-back-imaging"
LOW_BACK_REQUEST = {"request_id": "lb", "request_date": "2016-12-01", "facts": {"neurologic_deficit": False},
                    "items": [{"service": "MRI of the lumbar spine", "category": "imaging"}]}
MOOT = "with IM-L1 not met, this cannot change the outcome: the rule can be met only through IM-L3"


def by_id(determination):
    return {f.criterion_id: f for f in determination.findings}


def test_with_no_nerve_compromise_only_a_red_flag_could_meet_low_back_imaging(ruleset):
    (found,) = evaluate(request_from_data(LOW_BACK_REQUEST), ruleset).determinations
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    findings = by_id(found)
    assert findings["IM-L1"].status is Status.NOT_MET and findings["IM-L1"].weighed
    assert findings["IM-L3"].status is Status.NOT_DOCUMENTED and findings["IM-L3"].weighed
    for cid in ("IM-L2", "IM-L4"):
        assert findings[cid].status is Status.NOT_DOCUMENTED  # a fact stays a fact
        assert not findings[cid].weighed
        assert findings[cid].decided_by == (f"{LOW_BACK}/IM-L1",)
        assert findings[cid].only_through == ((f"{LOW_BACK}/IM-L3",),)
    # The reasoning rests on IM-L1 and IM-L3; the moot criteria are said to be moot, and why.
    reasoning, _, aside = found.rationale.partition("Not weighed, since with IM-L1 not met the guideline can be met "
                                                    "only through IM-L3, whatever the records show of them:")
    assert aside and "surgical intervention" not in reasoning and "surgical intervention" in aside
    # Remedies: the weighed ones first; documenting IM-L2 or IM-L4 is advised only after curing IM-L1.
    remedies = found.remedies
    assert remedies.index(findings["IM-L1"].remedy) < remedies.index(findings["IM-L2"].remedy)
    assert remedies.index(findings["IM-L1"].remedy) < remedies.index(findings["IM-L4"].remedy)


def test_the_bundled_example_shows_it(ruleset):
    request = load_request(ROOT / "examples/requests/imaging-lumbar-mri-no-nerve-compromise.yaml", ruleset.vocabulary)
    (found,) = evaluate(request, ruleset).determinations
    assert {cid: f.weighed for cid, f in by_id(found).items() if cid.startswith("IM-L")} == {
        "IM-L1": True, "IM-L2": False, "IM-L3": True, "IM-L4": False, "IM-L5": True}


def test_nothing_is_moot_where_the_documented_facts_leave_every_way_open(ruleset):
    # Nerve compromise documented: the all-branch could still pass, so IM-L2 and IM-L4 are weighed.
    data = {**LOW_BACK_REQUEST, "facts": {"neurologic_deficit": True}}
    (found,) = evaluate(request_from_data(data), ruleset).determinations
    assert found.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert all(f.weighed and not f.decided_by and not f.only_through for f in found.findings)


@pytest.mark.parametrize("fmt, marks", [
    ("text", ["not documented - not weighed  IM-L2", "not documented - not weighed  IM-L4", f"Not weighed: {MOOT}."]),
    ("markdown", ["| **not documented** - not weighed |", f"(Not weighed: {MOOT}.)"]),
    ("html", ["(not weighed)", f"Not weighed: {MOOT}."]),
    ("json", ['"only_through": [\n            [\n              "mtus-acoem-low-back-imaging/IM-L3"']),
    ("jsonl", ['"weighed":false,"decided_by":["mtus-acoem-low-back-imaging/IM-L1"],'
               '"only_through":[["mtus-acoem-low-back-imaging/IM-L3"]]']),
])
def test_every_report_format_says_what_is_moot_and_why(write, fmt, marks):
    path = write("lb.json", json.dumps(LOW_BACK_REQUEST))
    result = CliRunner().invoke(app, ["check", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    # The terminal wraps long lines in a box: compare its words.
    text = " ".join(result.stdout.replace("│", " ").split()) if fmt == "text" else result.stdout
    for mark in marks:
        assert (" ".join(mark.split()) if fmt == "text" else mark) in text
    assert "not weighed IM-L3" not in " ".join(text.split())  # IM-L3 is weighed


def test_json_names_the_moot_findings_and_matches_the_schema(write):
    result = CliRunner().invoke(app, ["check", str(write("lb.json", json.dumps(LOW_BACK_REQUEST))), "--format", "json"])
    data = json.loads(result.stdout)
    jsonschema.validate(data, json.loads((ROOT / "imr_rules/schemas/report.schema.json").read_text()))
    criteria = {c["id"]: c for c in data["items"][0]["criteria"]}
    assert {cid: c["weighed"] for cid, c in criteria.items() if cid.startswith("IM-L")} == {
        "IM-L1": True, "IM-L2": False, "IM-L3": True, "IM-L4": False, "IM-L5": True}
    assert criteria["IM-L2"]["only_through"] == [[f"{LOW_BACK}/IM-L3"]]
    assert criteria["IM-L3"]["only_through"] == [] and criteria["IM-L3"]["decided_by"] == []
    assert [c["id"] for c in data["items"][0]["criteria"]][-2:] == ["IM-L2", "IM-L4"]  # unweighed last


MANIFEST = 'name: t\nversion: "1"\n'
# any: [X, all: [Y1, Y2], all: [Z1, Z2]]: with Y1 documented not met, Y2 is moot (by Y1 alone);
# X, or Z1 and Z2 together, could still meet the rule.
WAYS = massage_rule("t-ways", "Ways", """\
logic: {any: [W-X, {all: [W-Y1, W-Y2]}, {all: [W-Z1, W-Z2]}]}
criteria:
  - id: W-X
    requirement: A red flag.
    condition: {fact: red_flags, is: true}
    wording: {not_met: no red flag, not_documented: a red flag}
  - id: W-Y1
    requirement: Nerve compromise.
    condition: {fact: neurologic_deficit, is: true}
    wording: {not_met: no nerve compromise, not_documented: nerve compromise}
    REMEDY
  - id: W-Y2
    requirement: Surgery considered.
    condition: {fact: surgery_considered, is: true}
    wording: {not_met: surgery is not considered, not_documented: that surgery is considered}
    remedy: document that surgery is considered
  - id: W-Z1
    requirement: A home program.
    condition: {fact: home_exercise_program, is: true}
    wording: {not_met: no home program, not_documented: a home exercise program}
  - id: W-Z2
    requirement: Conservative care failed.
    condition: {fact: conservative_care_failed, is: true}
    wording: {not_met: conservative care helped, not_documented: failed conservative care}
""")


@pytest.fixture
def ways_rules(write):
    def make(remedy: bool = True):
        write("rules/ruleset.yaml", MANIFEST)
        text = WAYS.replace("REMEDY", "remedy: document the nerve compromise" if remedy else "")
        return load_ruleset([write("rules/t.yaml", text).parent])
    return make


def massage(facts: dict):
    return request_from_data({"request_id": "t", "request_date": "2017-03-15", "facts": facts,
                              "items": [{"service": "Massage", "category": "massage", "quantity": 4}]})


def test_a_moot_finding_names_only_the_failures_that_leave_it_moot_and_every_way_still_open(ways_rules):
    (found,) = evaluate(massage({"neurologic_deficit": False}), ways_rules()).determinations
    findings = by_id(found)
    assert [cid for cid, f in findings.items() if not f.weighed] == ["W-Y2"]
    assert findings["W-Y2"].decided_by == ("t-ways/W-Y1",)
    assert findings["W-Y2"].only_through == (("t-ways/W-X",), ("t-ways/W-Z1", "t-ways/W-Z2"))
    assert ("Not weighed, since with W-Y1 not met the guideline can be met only through W-X, or through W-Z1 "
            "and W-Z2 together, whatever the records show of it: there is no documentation that surgery is "
            "considered.") in found.rationale
    # W-Y1 can be cured: W-Y2's remedy follows it and every weighed one.
    assert found.remedies[-1] == "document that surgery is considered"
    assert "document the nerve compromise" in found.remedies


def test_a_moot_remedy_is_left_out_where_what_makes_it_moot_has_no_remedy(ways_rules):
    # No remedy cures W-Y1: documenting that surgery is considered (W-Y2) would never help.
    (found,) = evaluate(massage({"neurologic_deficit": False}), ways_rules(remedy=False)).determinations
    assert not by_id(found)["W-Y2"].weighed
    assert "document that surgery is considered" not in found.remedies


def test_compare_leaves_moot_findings_out_of_the_deciding_sets(ruleset, write):
    case = write("cases/CM00-0000002.yaml", """\
case_number: CM00-0000002
items:
  - index: 1
    description: MRI of the lumbar spine
    outcome: upheld
    reasons:
      - {criterion: mtus-acoem-low-back-imaging/IM-L1, quote: "no nerve compromise"}
    request:
      request_date: 2016-12-01
      facts: {neurologic_deficit: {value: false}}
      items:
        - {service: MRI of the lumbar spine, category: imaging}
""")
    (item,) = compare_cases([load_case(case, ruleset.vocabulary)], ruleset).items
    low_back = [sets for sets in item.deciding if any(LOW_BACK in label for s in sets for label in s)]
    assert low_back == [(frozenset({f"{LOW_BACK}/IM-L3"}), frozenset({f"{LOW_BACK}/IM-L1"}))]
    failing = {f.criterion_id: f.weighed for f in item.failing_criteria if f.rule_id == LOW_BACK}
    assert failing == {"IM-L3": True, "IM-L1": True, "IM-L2": False, "IM-L4": False}


# Acupuncture, 6 visits, an active programme beside it; the records do not say whether it is a
# first course or a continuation (AC-6, improvement from the visits completed, applies only to a
# continuation). The reviewer names the open question alone.
BRANCH_CASE = """\
case_number: CM00-0000003
items:
  - index: 1
    description: Acupuncture 6 visits
    outcome: upheld
    reasons:
      - {criterion: mtus-acupuncture/applicability, quote: "unclear whether prior acupuncture was provided"}
    request:
      request_date: 2016-12-01
      facts: {active_therapy: {value: true}}
      items:
        - {service: Acupuncture 6 visits, category: acupuncture, quantity: 6}
"""
ACUPUNCTURE = "mtus-acupuncture"


def test_deciding_sets_follow_each_answer_of_the_open_applicability_question(ruleset, write):
    case = write("cases/CM00-0000003.yaml", BRANCH_CASE)
    (item,) = compare_cases([load_case(case, ruleset.vocabulary)], ruleset).items
    assert item.ours == "not_medically_necessary"
    failing = {f.criterion_id for f in item.failing_criteria if f.rule_id == ACUPUNCTURE}
    assert {"applicability", "AC-6"} <= failing  # evaluated as if it applied
    (sets,) = [sets for sets in item.deciding if any(ACUPUNCTURE in label for s in sets for label in s)]
    # First course: AC-6 drops out and only the open question decides; continuation: AC-6 with it.
    assert sets == (frozenset({f"{ACUPUNCTURE}/applicability"}),
                    frozenset({f"{ACUPUNCTURE}/applicability", f"{ACUPUNCTURE}/AC-6"}))
    result = CliRunner().invoke(app, ["compare", str(case.parent), "--format", "json"])
    assert result.exit_code == 0, result.output
    ours = json.loads(result.stdout)["reasons"]["ours"]
    assert ours["deciding_spurious_by_criterion"] == {} and ours["spurious_by_criterion"] == {f"{ACUPUNCTURE}/AC-6": 1}
