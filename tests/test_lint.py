"""rules lint: each check family catches its problem with one line naming file, line and rule id."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.authoring.lint import CHECKS, has_errors, known_categories, lint

MANIFEST = """\
name: lint test rules
version: "1"
definitions:
  continuation: {fact: prior_sessions, gt: 0}
"""

CLEAN = """\
id: lint-massage
title: Lint massage
category: massage
applies_to: {categories: [massage], codes: ["97124"]}
source: {tier: MTUS}
editions:
  - from: 2009-07-18
    to: 2016-07-27
    citation: {title: Test guideline, section: Massage, pages: "60"}
  - from: 2016-07-28
    citation: {title: Test guideline, year: 2016, section: Massage}
confidence: LTR
summary: massage beside exercise, at most 6 visits.
criteria:
  - id: L-1
    requirement: Massage accompanies a home exercise program.
    condition: {fact: home_exercise_program, is: true}
    wording: {not_met: No exercise accompanies it., not_documented: a home exercise program}
  - id: L-2
    kind: quantity_limit
    requirement: At most 6 visits.
    max: 6
    wording: {met: "{quantity} {unit}", not_met: "{quantity} visits are too many.", not_documented: the number of visits}
  - id: L-3
    requirement: Continued massage needs functional improvement.
    applies_when: {ref: continuation}
    condition: {fact: functional_improvement, is: true}
    wording: {not_met: "None after {prior_sessions} visits.", not_documented: functional improvement}
tests:
  - name: fine
    date: 2016-12-01
    item: {service: Massage, category: massage, quantity: 6}
    facts: {home_exercise_program: true}
    expect: {criteria: {L-1: met, L-2: met}}
"""


def rules_dir(tmp_path: Path, *rules: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ruleset.yaml").write_text(MANIFEST, encoding="utf-8")
    for index, text in enumerate(rules):
        (folder / f"rule{index}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def line_of(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def only(findings, code: str):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, [f.one_line() for f in findings]
    return found[0]


def test_clean_rule_has_no_findings(tmp_path):
    assert lint([rules_dir(tmp_path, CLEAN)]) == []


def test_checks_have_unique_stable_codes_and_descriptions():
    assert len({c.code for c in CHECKS}) == len(CHECKS)
    assert all(c.code.startswith("IMR") and c.description and c.severity in ("error", "warning") for c in CHECKS)


# ---- IMR001: files that cannot be read or do not match the schema --------------------------------


def test_malformed_yaml_and_schema_errors_are_findings_not_crashes(tmp_path):
    folder = rules_dir(tmp_path, CLEAN, "id: broken\ntitle: [unclosed\n", CLEAN.replace("id: lint-massage", "id: other").replace("summary:", "summry:"))
    findings = lint([folder])
    broken = [f for f in findings if f.path.endswith("rule1.yaml")]
    assert codes(broken) == ["IMR001"] and "malformed YAML" in broken[0].message
    schema = [f for f in findings if f.path.endswith("rule2.yaml")]
    assert {f.code for f in schema} == {"IMR001"}
    assert any("summry" in f.message for f in schema)


# ---- IMR002: unknown facts ------------------------------------------------------------------------


def test_typo_in_a_fact_name_is_caught_with_did_you_mean(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("{fact: home_exercise_program, is: true}", "{fact: home_exercise_programme, is: true}"))
    finding = only(lint([folder]), "IMR002")
    path = folder / "rule0.yaml"
    assert (finding.path, finding.line, finding.rule_id) == (str(path), line_of(path, "home_exercise_programme"), "lint-massage")
    assert "did you mean 'home_exercise_program'" in finding.hint
    assert finding.one_line().startswith(f"{path}:{finding.line}: IMR002 lint-massage: unknown fact 'home_exercise_programme'")


def test_unknown_fact_in_a_quantity_limit_and_in_a_shared_definition(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("    max: 6\n", "    max: 6\n    prior: prior_sesions\n"))
    (folder / "ruleset.yaml").write_text(MANIFEST.replace("prior_sessions", "prior_sesion"))
    findings = [f for f in lint([folder]) if f.code == "IMR002"]
    assert sorted((Path(f.path).name, f.rule_id) for f in findings) == [("rule0.yaml", "lint-massage"), ("ruleset.yaml", "ruleset")]


# ---- IMR003: wrong types and units ----------------------------------------------------------------


def test_wrong_value_type_is_a_finding_with_a_line(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("{fact: functional_improvement, is: true}", "{fact: prior_sessions, eq: six}"))
    finding = only(lint([folder]), "IMR003")
    assert finding.line == line_of(folder / "rule0.yaml", "eq: six") and "'six'" in finding.message


def test_is_on_a_number_and_string_compared_with_number(tmp_path):
    text = CLEAN.replace("{fact: functional_improvement, is: true}", "{fact: prior_sessions, is: true}")
    text = text.replace("{fact: home_exercise_program, is: true}", "{fact: item.body_region, in: [3]}")
    findings = [f for f in lint([rules_dir(tmp_path, text)]) if f.code == "IMR003"]
    assert len(findings) == 2 and all(f.severity == "error" for f in findings)


def test_adding_weeks_to_visits_is_a_unit_mismatch(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("    max: 6\n", "    max: 6\n    prior: injury.weeks_since\n"))
    finding = only(lint([folder]), "IMR003")
    assert "weeks" in finding.message and finding.line == line_of(folder / "rule0.yaml", "prior: injury")


# ---- IMR004: duplicate ids ------------------------------------------------------------------------


def test_duplicate_rule_and_criterion_ids(tmp_path):
    folder = rules_dir(tmp_path, CLEAN, CLEAN.replace("id: L-2", "id: L-1"))
    findings = [f for f in lint([folder]) if f.code == "IMR004"]
    assert sorted(Path(f.path).name + ":" + f.message for f in findings) == [
        "rule0.yaml:duplicate rule id 'lint-massage'",
        "rule1.yaml:duplicate criterion id 'L-1'",
        "rule1.yaml:duplicate rule id 'lint-massage'",
    ]


# ---- IMR005, IMR006: citation and wording ---------------------------------------------------------


def test_missing_citation_is_caught_per_criterion(tmp_path):
    text = CLEAN.replace("citation: {title: Test guideline, year: 2016, section: Massage}", "citation: {title: Test guideline, year: 2016}")
    text = text.replace("    applies_when: {ref: continuation}\n",
                        "    applies_when: {ref: continuation}\n    citation: {title: MTUS Definitions, section: 9792.20(e)}\n")
    folder = rules_dir(tmp_path, text)
    findings = [f for f in lint([folder]) if f.code == "IMR005"]
    assert [f.line for f in findings] == [line_of(folder / "rule0.yaml", "id: L-1"), line_of(folder / "rule0.yaml", "id: L-2")]
    assert "edition 2" in findings[0].hint


def test_missing_failure_wording(tmp_path):
    text = CLEAN.replace("wording: {not_met: No exercise accompanies it., not_documented: a home exercise program}", "wording: {met: fine}")
    findings = [f for f in lint([rules_dir(tmp_path, text)]) if f.code == "IMR006"]
    assert sorted((f.severity, "not_met" in f.message) for f in findings) == [("error", True), ("warning", False)]
    assert not [f for f in lint([rules_dir(tmp_path, text)]) if f.code == "IMR001"]  # reported once, by IMR006


# ---- IMR007: overlapping editions -----------------------------------------------------------------


def test_overlapping_editions_of_one_rule_and_of_one_id_family(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("from: 2016-07-28", "from: 2016-01-01"))
    finding = only(lint([folder]), "IMR007")
    assert "2016-01-01" in finding.message
    family = rules_dir(tmp_path / "f", CLEAN.replace("id: lint-massage", "id: lint-massage-2009"),
                       CLEAN.replace("id: lint-massage", "id: lint-massage-2016"))
    assert "lint-massage-2009" in only(lint([family]), "IMR007").message


# ---- IMR008: rules nothing can select ------------------------------------------------------------


def test_unknown_category_and_unselectable_rule(tmp_path):
    assert "massage" in known_categories()  # the category list: reference/data/categories.yaml
    text = CLEAN.replace("applies_to: {categories: [massage], codes: [\"97124\"]}", "applies_to: {categories: [masage]}")
    findings = [f for f in lint([rules_dir(tmp_path, text)]) if f.code == "IMR008"]
    assert sorted(f.severity for f in findings) == ["error", "warning"]
    assert any("did you mean 'massage'" in (f.hint or "") for f in findings)


def test_applies_to_when_always_false(tmp_path):
    text = CLEAN.replace("codes: [\"97124\"]}", "codes: [\"97124\"], when: {const: false}}")
    assert "never applies" in only(lint([rules_dir(tmp_path, text)]), "IMR008").message


# ---- IMR009: unreachable criteria ----------------------------------------------------------------


def test_constant_false_applies_when_and_criterion_outside_the_logic(tmp_path):
    text = CLEAN.replace("applies_when: {ref: continuation}", "applies_when: {all: [{ref: continuation}, {const: false}]}")
    assert "never applies" in only(lint([rules_dir(tmp_path, text)]), "IMR009").message
    text = CLEAN.replace("criteria:\n", "logic: {all: [L-1, L-2]}\ncriteria:\n", 1)
    finding = only(lint([rules_dir(tmp_path / "b", text)]), "IMR009")
    assert finding.severity == "warning" and "L-3" in finding.message


# ---- IMR010: test cases ---------------------------------------------------------------------------


def test_case_naming_a_missing_criterion_or_unknown_fact(tmp_path):
    text = CLEAN.replace("{L-1: met, L-2: met}", "{L-1: met, L-5: met}").replace("{home_exercise_program: true}\n    expect", "{home_exercize_program: true}\n    expect")
    findings = [f for f in lint([rules_dir(tmp_path, text)]) if f.code == "IMR010"]
    assert len(findings) == 2
    assert any("'L-5'" in f.message for f in findings) and any("home_exercize_program" in f.message for f in findings)


# ---- IMR011: placeholders -------------------------------------------------------------------------


def test_unknown_placeholder(tmp_path):
    text = CLEAN.replace('"{quantity} visits are too many."', '"{quantiy} visits are too many."')
    finding = only(lint([rules_dir(tmp_path, text)]), "IMR011")
    assert "{quantiy}" in finding.message and "did you mean 'quantity'" in finding.hint


def test_placeholder_of_a_fact_the_criterion_does_not_read_is_a_warning(tmp_path):
    text = CLEAN.replace("not_met: No exercise accompanies it.", "not_met: \"None after {prior_sessions} visits.\"")
    finding = only(lint([rules_dir(tmp_path, text)]), "IMR011")
    assert "prior_sessions" in finding.message and finding.severity == "warning"


def test_no_not_documented_wording_needed_where_applies_when_requires_the_fact(tmp_path):
    text = CLEAN.replace("    condition: {fact: functional_improvement, is: true}\n    wording: {not_met: \"None after {prior_sessions} visits.\", not_documented: functional improvement}",
                         "    condition: {fact: prior_sessions, le: 6}\n    wording: {not_met: Too many.}")
    text = text.replace("applies_when: {ref: continuation}", "applies_when: {fact: prior_sessions, documented: true}")
    assert "Too many" in text and lint([rules_dir(tmp_path, text)]) == []


# ---- IMR012: recalled text ------------------------------------------------------------------------


def test_rec_rule_without_confidence_note(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("confidence: LTR", "confidence: REC"))
    finding = only(lint([folder]), "IMR012")
    assert finding.severity == "warning" and not has_errors([finding])
    assert lint([rules_dir(tmp_path / "b", CLEAN.replace("confidence: LTR", "confidence: REC\nconfidence_note: recalled; confirm"))]) == []


# ---- IMR013: whatever else does not compile -------------------------------------------------------


def test_unknown_shared_definition(tmp_path):
    finding = only(lint([rules_dir(tmp_path, CLEAN.replace("{ref: continuation}", "{ref: continuing}"))]), "IMR002")
    assert "'continuing'" in finding.message and "did you mean 'continuation'" in finding.hint
    assert finding.line == line_of(tmp_path / "rules" / "rule0.yaml", "continuing")


def test_compile_error_no_other_check_names(tmp_path):
    finding = only(lint([rules_dir(tmp_path, CLEAN.replace("criteria:\n", "logic: {all: [L-1, L-2, L-3, L-9]}\ncriteria:\n", 1))]), "IMR013")
    assert "unknown criterion 'L-9'" in finding.message and finding.line == line_of(tmp_path / "rules" / "rule0.yaml", "logic:")


# ---- scope, exclusion and the CLI ----------------------------------------------------------------


def test_exclude_switches_a_check_off(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("confidence: LTR", "confidence: REC"))
    assert lint([folder], exclude=["imr012"]) == []


def test_a_single_file_is_linted_within_its_rule_set(tmp_path):
    folder = rules_dir(tmp_path, CLEAN, CLEAN.replace("id: lint-massage", "id: other").replace("{fact: home_exercise_program", "{fact: nope"))
    assert lint([folder / "rule0.yaml"]) == []  # its {ref: continuation} resolves; rule1's problem is not its own
    assert codes(lint([folder / "rule1.yaml"])) == ["IMR002"]


def run_cli(*args: str):
    return CliRunner().invoke(app, ["rules", "lint", *args])


def test_cli_one_line_per_finding_and_exit_codes(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("{fact: home_exercise_program, is: true}", "{fact: home_exercise_programme, is: true}"))
    result = run_cli(str(folder))
    assert result.exit_code == 3
    line = line_of(folder / "rule0.yaml", "home_exercise_programme")
    assert f"{folder / 'rule0.yaml'}:{line}: IMR002 lint-massage: unknown fact 'home_exercise_programme'" in result.output
    assert run_cli(str(rules_dir(tmp_path / "ok", CLEAN))).exit_code == 0
    warning_only = rules_dir(tmp_path / "w", CLEAN.replace("confidence: LTR", "confidence: REC"))
    assert run_cli(str(warning_only)).exit_code == 0
    assert run_cli(str(warning_only), "--exclude", "IMR099").exit_code == 2


def test_cli_json_and_list_checks(tmp_path):
    folder = rules_dir(tmp_path, CLEAN.replace("id: L-2", "id: L-1"))
    data = json.loads(run_cli(str(folder), "--format", "json").output)
    assert [f["code"] for f in data["findings"]] == ["IMR004", "IMR010"] and data["errors"] == 2
    assert set(data["findings"][0]) == {"code", "severity", "path", "line", "rule_id", "message", "hint"}
    listed = json.loads(run_cli("--list-checks", "--format", "json").output)["checks"]
    assert [c["code"] for c in listed] == [c.code for c in CHECKS]


def test_cli_names_the_rule_set_it_linted_by_version_and_hash():
    from imr_rules.ruleset.loading import load_ruleset

    bundled = load_ruleset()
    text = run_cli()
    assert text.exit_code == 0
    assert f"ok: no findings; rule set {bundled.name} {bundled.version} (sha256:{bundled.hash})" in text.output
    data = json.loads(run_cli("--format", "json").output)
    assert data["ruleset"]["version"] == bundled.version and data["ruleset"]["hash"] == f"sha256:{bundled.hash}"


def test_cli_names_no_hash_where_a_file_of_the_rule_set_does_not_load(tmp_path):
    # A hash of the rules that happened to load would name a rule set nobody wrote.
    folder = rules_dir(tmp_path, CLEAN, "id: broken\ntitle: x\ncriteria: 3\n")
    text = run_cli(str(folder))
    assert text.exit_code == 3 and "the rule set does not load as a whole, so it has no hash" in text.output
    assert "sha256:" not in text.output
    assert json.loads(run_cli(str(folder), "--format", "json").stdout)["ruleset"] is None


# ---- the shipped rules (other areas land rule files here too; all must lint clean) ---------------


def test_shipped_rules_lint_without_errors():
    assert [f.one_line() for f in lint() if f.severity == "error"] == []
