"""Rule tests inside rule files: running them, failures at file:line, coverage, `rules test`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.authoring.ruletests import failure_lines, run_tests

MANIFEST = """\
name: test rules
version: "1"
definitions:
  active_program:
    any:
      - {fact: active_therapy, is: true}
      - {fact: home_exercise_program, is: true}
"""

RULE = """\
id: test-massage
title: Test massage
applies_to: {categories: [massage]}
source: {tier: MTUS}
editions:
  - from: 2009-07-18
    citation: {title: Test guideline, section: Massage, pages: "60"}
summary: massage only beside exercise, at most 6 visits.
criteria:
  - id: T-1
    requirement: Massage accompanies exercise.
    condition: {ref: active_program}
    wording: {not_met: No exercise accompanies it., not_documented: an exercise program}
  - id: T-2
    kind: quantity_limit
    requirement: At most 6 visits.
    max: 6
    wording: {not_met: Too many visits., not_documented: the number of visits}
tests:
  - name: within the limit
    date: 2016-12-01
    item: {service: Massage, category: massage, quantity: 6}
    facts: {home_exercise_program: true}
    expect:
      decision: medically_necessary
      criteria: {T-1: met, T-2: met}
  - name: too many, no exercise documented
    date: 2016-12-01
    item: {service: Massage, category: massage, quantity: 8}
    expect:
      decision: not_medically_necessary
      criteria: {T-1: not_documented, T-2: not_met}
"""


def rule_set(tmp_path: Path, *rules: str) -> Path:
    """A rule set folder in tmp_path: the manifest and one file per rule text."""
    folder = tmp_path / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ruleset.yaml").write_text(MANIFEST, encoding="utf-8")
    for index, text in enumerate(rules):
        (folder / f"rule{index}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def invoke(*args: str):
    return CliRunner().invoke(app, ["rules", "test", *args])


def test_passing_cases_and_full_coverage(tmp_path):
    run = run_tests([rule_set(tmp_path, RULE)])
    assert (run.rules, len(run.cases), run.failed, run.errors) == (1, 2, (), ())
    assert [c.criterion_id for c in run.coverage] == ["T-1", "T-2"]
    assert run.uncovered == () and run.coverage_percent == 100.0


def test_failing_case_names_file_line_rule_case_and_criterion(tmp_path):
    folder = rule_set(tmp_path, RULE.replace("criteria: {T-1: met, T-2: met}", "criteria: {T-1: met, T-2: not_met}"))
    run = run_tests([folder])
    assert len(run.failed) == 1
    failure = run.failed[0].failures[0]
    assert (failure.what, failure.expected, failure.actual) == ("T-2", "not_met", "met")
    rule_file = folder / "rule0.yaml"
    line = next(i for i, text in enumerate(rule_file.read_text().splitlines(), 1) if "T-2: not_met}" in text and "T-1: met" in text)
    assert failure_lines(run) == [
        f"{rule_file}:{line}: test-massage: case 'within the limit': criterion T-2 expected not_met, got met"
    ]


def test_case_naming_a_criterion_the_rule_lacks_fails(tmp_path):
    run = run_tests([rule_set(tmp_path, RULE.replace("{T-1: met, T-2: met}", "{T-1: met, T-9: met}"))])
    assert [(f.what, f.actual) for f in run.failed[0].failures] == [("T-9", "absent")]


def test_case_with_an_invalid_request_is_an_error_not_a_crash(tmp_path):
    run = run_tests([rule_set(tmp_path, RULE.replace("facts: {home_exercise_program: true}", "facts: {home_exercise: true}"))])
    assert run.failed[0].error and "home_exercise" in run.failed[0].error
    assert "cannot run" in failure_lines(run)[0]


def test_coverage_reports_a_criterion_never_failing(tmp_path):
    one_way = RULE[: RULE.index("  - name: too many")]
    run = run_tests([rule_set(tmp_path, one_way)])
    assert [(c.criterion_id, sorted(c.statuses)) for c in run.uncovered] == [("T-1", ["met"]), ("T-2", ["met"])]
    assert run.coverage_percent == 50.0


def test_not_recommended_passes_by_not_applying(tmp_path):
    rule = RULE.replace("criteria:\n", """criteria:
  - id: T-0
    kind: not_recommended
    requirement: Devices are not recommended.
    applies_when: {fact: item.service, matches: device}
    wording: {not_met: Devices are not recommended.}
""").replace("tests:\n", """tests:
  - name: device
    date: 2016-12-01
    item: {service: Massage device, category: massage, quantity: 1}
    expect: {criteria: {T-0: not_met}}
""")
    run = run_tests([rule_set(tmp_path, rule)])
    assert not run.failed and run.uncovered == ()


def test_a_single_file_runs_within_its_rule_set(tmp_path):
    folder = rule_set(tmp_path, RULE, RULE.replace("id: test-massage", "id: other-massage").replace("role", "x"))
    run = run_tests([folder / "rule0.yaml"])  # its {ref: active_program} is defined in the folder's manifest
    assert run.rules == 1 and {c.rule_id for c in run.cases} == {"test-massage"} and not run.failed


def test_cli_summary_and_exit_codes(tmp_path):
    folder = rule_set(tmp_path, RULE)
    result = invoke(str(folder))
    assert result.exit_code == 0, result.output
    assert "2/2 cases passed" in result.output and "100.0%" in result.output

    broken = rule_set(tmp_path / "b", RULE.replace("decision: medically_necessary", "decision: not_medically_necessary"))
    result = invoke(str(broken))
    assert result.exit_code == 3
    assert "FAIL " in result.output and "rule0.yaml:" in result.output and "decision expected not_medically_necessary" in result.output


def test_cli_exits_2_on_an_invalid_rule_file(tmp_path):
    folder = rule_set(tmp_path, RULE, "id: Bad Id\ntitle: x\n")
    result = invoke(str(folder))
    assert result.exit_code == 2
    assert "rule1.yaml:1" in result.output


def test_cli_coverage_options_and_json(tmp_path):
    folder = rule_set(tmp_path, RULE[: RULE.index("  - name: too many")])
    assert invoke(str(folder)).exit_code == 0
    assert invoke(str(folder), "--coverage-threshold", "50").exit_code == 0
    assert invoke(str(folder), "--coverage-threshold", "75").exit_code == 3
    result = invoke(str(folder), "--require-both-ways")
    assert result.exit_code == 3 and "not covered both ways" in result.output and "T-1" in result.output
    data = json.loads(invoke(str(folder), "--format", "json").output)
    assert data["cases"] == 1 and data["coverage"]["percent"] == 50.0
    assert [u["criterion"] for u in data["coverage"]["uncovered"]] == ["T-1", "T-2"]


# ---- the shipped rules (other areas land rule files here too; all must pass) ------------------


def test_shipped_rule_tests_all_pass_and_cover_every_criterion_both_ways():
    run = run_tests()
    assert run.errors == ()
    assert failure_lines(run) == []
    assert [(c.rule_id, c.criterion_id, sorted(c.statuses)) for c in run.uncovered] == []


def test_cli_on_shipped_rules_requires_both_ways():
    result = invoke("--require-both-ways")
    assert result.exit_code == 0, result.output


def test_a_missing_file_is_an_invalid_input_not_an_empty_run(tmp_path):
    folder = rule_set(tmp_path, RULE)
    run = run_tests([folder / "nope.yaml"])
    assert len(run.errors) == 1 and "nope.yaml" in run.errors[0] and "file not found" in run.errors[0]
    assert invoke(str(folder / "nope.yaml")).exit_code == 2


def test_a_file_with_malformed_tests_is_reported_not_run(tmp_path):
    malformed = RULE[: RULE.index("tests:")] + "tests: 3.5\n"
    folder = rule_set(tmp_path, malformed)
    result = CliRunner().invoke(app, ["rules", "test", str(folder)])
    assert result.exit_code == 2
    assert "tests: expected array" in result.output + (result.stderr or "")
    assert "Traceback" not in result.output
