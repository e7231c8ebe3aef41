"""`rules lint` and `rules test` as SARIF 2.1.0 and JUnit XML: parsed back, every finding located."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from imr_rules.cli import app

from test_lint import CLEAN, line_of, rules_dir
from test_ruletests import RULE, rule_set


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _sarif_results(output: str) -> tuple[dict, list[dict]]:
    log = json.loads(output)
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    (only,) = log["runs"]
    driver = only["tool"]["driver"]
    assert driver["name"] == "imr-rules"
    ids = [rule["id"] for rule in driver["rules"]]
    for result in only["results"]:
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        assert ids[result["ruleIndex"]] == result["ruleId"]
    return driver, only["results"]


def _location(result: dict) -> tuple[str, int]:
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_lint_sarif_locates_every_finding(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("{fact: home_exercise_program, is: true}", "{fact: home_exercise_programme, is: true}"),
                       CLEAN.replace("id: lint-massage", "id: lint-other").replace("confidence: LTR", "confidence: REC"))
    result = run("rules", "lint", str(folder), "--format", "sarif")
    assert result.exit_code == 3
    driver, results = _sarif_results(result.stdout)
    assert {"IMR001", "IMR002"} <= {rule["id"] for rule in driver["rules"]}
    assert results and all(_location(r)[1] >= 1 for r in results)
    (unknown,) = [r for r in results if r["ruleId"] == "IMR002"]
    uri, line = _location(unknown)
    assert uri.endswith("/rule0.yaml") and line == line_of(folder / "rule0.yaml", "home_exercise_programme")
    assert unknown["level"] == "error" and "home_exercise_programme" in unknown["message"]["text"]
    assert any(r["level"] == "warning" and _location(r)[0].endswith("/rule1.yaml") for r in results)
    assert run("rules", "lint", str(rules_dir(tmp_path / "ok", CLEAN)), "--format", "sarif").exit_code == 0


def test_lint_junit_a_case_per_finding_with_file_and_line(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("{fact: home_exercise_program, is: true}", "{fact: home_exercise_programme, is: true}"))
    result = run("rules", "lint", str(folder), "--format", "junit")
    assert result.exit_code == 3
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    cases = list(root.iter("testcase"))
    assert cases and int(root.get("tests")) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(root.get("failures")) == len(failures) >= 1
    for case in cases:
        assert case.get("file").endswith("rule0.yaml") and int(case.get("line")) >= 1
    failure = next(c for c in failures if c.find("failure").get("type") == "IMR002")
    assert int(failure.get("line")) == line_of(folder / "rule0.yaml", "home_exercise_programme")
    clean = ET.fromstring(run("rules", "lint", str(rules_dir(tmp_path / "ok", CLEAN)), "--format", "junit").stdout)
    assert clean.get("failures") == "0" and len(list(clean.iter("testcase"))) == 1


BROKEN = RULE.replace("decision: medically_necessary", "decision: not_medically_necessary")


def test_rules_test_sarif_failed_expectations_and_coverage_located(tmp_path):
    folder = rule_set(tmp_path, BROKEN)
    result = run("rules", "test", str(folder), "--format", "sarif")
    assert result.exit_code == 3
    _, results = _sarif_results(result.stdout)
    (failed,) = [r for r in results if r["ruleId"] == "case-failed"]
    uri, line = _location(failed)
    rule_file = folder / "rule0.yaml"
    assert uri.endswith("/rule0.yaml") and line == line_of(rule_file, "decision: not_medically_necessary")
    assert "expected not_medically_necessary, got medically_necessary" in failed["message"]["text"]

    half = rule_set(tmp_path / "half", RULE[: RULE.index("  - name: too many")])
    result = run("rules", "test", str(half), "--format", "sarif", "--require-both-ways")
    assert result.exit_code == 3
    _, results = _sarif_results(result.stdout)
    uncovered = [r for r in results if r["ruleId"] == "criterion-not-covered-both-ways"]
    assert [_location(r)[1] for r in uncovered] == [line_of(half / "rule0.yaml", "id: T-1"), line_of(half / "rule0.yaml", "id: T-2")]
    assert all(r["level"] == "error" for r in uncovered)
    assert any(r["ruleId"] == "coverage-shortfall" for r in results)


def test_rules_test_junit_a_case_per_embedded_case(tmp_path):
    folder = rule_set(tmp_path, BROKEN)
    result = run("rules", "test", str(folder), "--format", "junit")
    assert result.exit_code == 3
    root = ET.fromstring(result.stdout)
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    (rule_file,) = [name for name in suites if name.endswith("rule0.yaml")]
    cases = suites[rule_file].findall("testcase")
    assert [c.get("name") for c in cases] == ["within the limit", "too many, no exercise documented"]
    assert all(c.get("classname") == "test-massage" and int(c.get("line")) >= 1 for c in cases)
    failure = cases[0].find("failure")
    assert failure is not None and cases[1].find("failure") is None
    assert f":{line_of(folder / 'rule0.yaml', 'decision: not_medically_necessary')}: test-massage" in failure.get("message")
    assert suites[rule_file].get("failures") == "1" and root.get("failures") == "1"
    coverage = suites["coverage"].findall("testcase")
    assert {c.get("name") for c in coverage} == {"T-1", "T-2"} and all(c.get("line") for c in coverage)
    assert run("rules", "test", str(rule_set(tmp_path / "ok", RULE)), "--format", "junit").exit_code == 0
