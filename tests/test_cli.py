"""The CLI: the JSON contract, byte-identical output, and one-line errors with exit code 2."""

import json
import re

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app

from conftest import EXAMPLES

TWELVE = str(EXAMPLES / "massage-twelve-visits.yaml")
GOOD_REQUEST = """\
request_date: 2016-12-01
facts: {home_exercise_program: true}
items:
  - service: Massage therapy
    quantity: 4
"""


def run(*args):
    return CliRunner().invoke(app, list(args))


def test_json_contract():
    result = run("check", TWELVE, "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ruleset"]["version"] == "2026.11.1"
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", report["ruleset"]["hash"])
    assert report["request"] == {"id": "massage-twelve-visits", "source": TWELVE, "request_date": "2016-12-12"}
    item = report["items"][0]
    assert set(item) >= {"id", "service", "category", "quantity", "decision", "certifiable_quantity", "citations",
                         "rules", "criteria", "to_meet_guideline", "rationale", "notes"}
    assert item["decision"] == "not_medically_necessary"
    assert item["certifiable_quantity"] == 6
    assert item["to_meet_guideline"] == ["reduce the request to 6 visits"]
    assert item["citations"][0] == {
        "tier": "MTUS", "title": "MTUS Chronic Pain Medical Treatment Guidelines", "year": 2016, "chapter": None,
        "section": "Massage therapy", "pages": None,
        "text": "MTUS Chronic Pain Medical Treatment Guidelines (2016), Massage therapy",
    }
    limit = next(c for c in item["criteria"] if c["id"] == "MS-2")
    assert limit["status"] == "not_met"
    assert limit["values"] == {"item.quantity": 12}
    assert {c["status"] for c in item["criteria"]} <= {"met", "not_met", "not_documented", "not_applicable"}
    assert item["rationale"].endswith("is not medically necessary.")


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "markdown"])
def test_output_is_byte_identical_between_runs(fmt):
    first = run("check", str(EXAMPLES), "--format", fmt)
    second = run("check", str(EXAMPLES), "--format", fmt)
    assert first.exit_code == 0
    assert first.stdout == second.stdout
    assert first.stdout


def test_every_format_names_the_ruleset():
    for fmt in ("text", "json", "markdown"):
        assert "2026.11.1" in run("check", TWELVE, "--format", fmt).stdout


def test_text_report_shows_criteria_and_rationale():
    out = run("check", TWELVE).stdout
    assert "NOT MEDICALLY NECESSARY" in out
    assert "MS-2" in out and "not met" in out
    assert "Certifiable portion: 6 of 12" in out
    assert "Therefore, the request for Massage therapy for the neck is not medically necessary." in " ".join(out.replace("│", " ").split())


def test_output_file(tmp_path):
    target = tmp_path / "report.md"
    result = run("check", TWELVE, "--format", "markdown", "--output", str(target))
    assert result.exit_code == 0
    assert target.read_text().startswith("# imr-rules check: request massage-twelve-visits")


BAD_INPUTS = [
    ("malformed.yaml", "items: [\n  - service: x\n", r"malformed\.yaml:\d+: malformed YAML"),
    ("malformed.json", '{"items": [', r"malformed\.json:\d+: malformed JSON"),
    ("schema.yaml", "items:\n  - quantity: 4\n", r"schema\.yaml:2: items\[0\]: 'service' is required"),
    ("type.yaml", "items:\n  - service: Massage\n    quantity: [4]\n", r"type\.yaml:3: items\[0\]\.quantity: expected"),
    ("fact-type.yaml", "facts:\n  home_exercise_program: sometimes\nitems:\n  - service: Massage\n",
     r"fact-type\.yaml:2: facts\.home_exercise_program: expected boolean for fact 'home_exercise_program'"),
    ("unknown-fact.yaml", "facts:\n  home_excercise_program: true\nitems:\n  - service: Massage\n",
     r"unknown-fact\.yaml:2: facts\.home_excercise_program: unknown fact 'home_excercise_program' \(did you mean 'home_exercise_program'"),
    ("unknown-field.yaml", "itms: []\n", r"unknown-field\.yaml:1: unknown field\(s\) 'itms'"),
    ("empty.yaml", "", r"empty\.yaml: is empty"),
    ("binary.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", r"binary\.yaml: is a binary file"),
    ("date.yaml", "request_date: 12/01/2016\nitems:\n  - service: Massage\n", r"date\.yaml:1: request_date: invalid date"),
    ("list.yaml", "- service: Massage\n", r"list\.yaml:1: expected a mapping"),
    ("category.yaml", "items:\n  - service: Massage\n    category: masage\n",
     r"category\.yaml:3: items\[0\]\.category: unknown category 'masage' \(did you mean 'massage'\? 'imr-rules categories' lists them"),
    ("no-such-category.yaml", "items:\n  - service: Massage\n    category: zzz\n",
     r"no-such-category\.yaml:3: items\[0\]\.category: unknown category 'zzz' \(.*'imr-rules categories' lists them"),
]


@pytest.mark.parametrize("name, content, pattern", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_one_line_exit_2(write, name, content, pattern):
    path = write(name, content)
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in result.output


def test_missing_file(tmp_path):
    result = run("check", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 2
    assert "nowhere.yaml: file not found" in result.stderr


def test_good_files_are_still_evaluated_beside_a_bad_one(write):
    good = write("good.yaml", GOOD_REQUEST)
    bad = write("bad.yaml", "items: 3\n")
    result = run("check", str(bad), str(good), "--format", "jsonl")
    assert result.exit_code == 2
    assert "bad.yaml:1: items: expected array" in result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["request"]["id"] for r in reports] == ["good"]


def test_json_with_several_inputs_wraps_reports_and_errors(write):
    good = write("good.yaml", GOOD_REQUEST)
    bad = write("bad.yaml", "")
    result = run("check", str(good), str(bad), "--format", "json")
    data = json.loads(result.stdout)
    assert [r["request"]["id"] for r in data["reports"]] == ["good"]
    assert len(data["errors"]) == 1 and "bad.yaml: is empty" in data["errors"][0]


RULE = """\
id: dup-rule
title: A rule
applies_to: {categories: [massage]}
source: {tier: MTUS}
editions: [{citation: {title: Some guideline, section: Something}}]
summary: something is required.
criteria:
  - id: C-1
    requirement: something
    condition: {fact: home_exercise_program, is: true}
    wording: {not_met: Not met.}
"""


def test_duplicate_rule_id_in_rule_files(write, tmp_path):
    write("rules/ruleset.yaml", "name: t\nversion: '1'\n")
    write("rules/a.yaml", RULE)
    write("rules/b.yaml", RULE)
    good = write("good.yaml", GOOD_REQUEST)
    result = run("check", str(good), "--rules", str(tmp_path / "rules"))
    assert result.exit_code == 2
    assert re.search(r"b\.yaml:1: id: duplicate rule id 'dup-rule' \(first defined in .*a\.yaml:1\)", result.stderr)


def test_rule_with_unknown_fact_names_file_and_line(write, tmp_path):
    write("rules/ruleset.yaml", "name: t\nversion: '1'\n")
    write("rules/a.yaml", RULE.replace("home_exercise_program", "home_exercize_program"))
    result = run("rules", "validate", str(tmp_path / "rules"))
    assert result.exit_code == 2
    assert re.search(r"a\.yaml:10: criteria\[0\]\.condition\.fact: unknown fact 'home_exercize_program' \(did you mean 'home_exercise_program'", result.stderr)


def test_rule_schema_violation(write, tmp_path):
    write("rules/ruleset.yaml", "name: t\nversion: '1'\n")
    write("rules/a.yaml", RULE.replace("source: {tier: MTUS}", "source: {tier: MTSU}"))
    result = run("rules", "validate", str(tmp_path / "rules"))
    assert result.exit_code == 2
    assert re.search(r"a\.yaml:4: source\.tier: expected one of MTUS, ACOEM, ODG, other, got 'MTSU'", result.stderr)


def test_bad_format_option():
    result = run("check", TWELVE, "--format", "xml")
    assert result.exit_code == 2


def test_rules_list_show_validate():
    assert "mtus-cpmtg-massage" in run("rules", "list").stdout
    listing = json.loads(run("rules", "list", "--format", "json").stdout)
    assert "mtus-cpmtg-massage" in {r["id"] for r in listing["rules"]}
    shown = json.loads(run("rules", "show", "mtus-cpmtg-massage", "--format", "json").stdout)
    assert [c["id"] for c in shown["criteria"]] == ["MS-1", "MS-2", "MS-3"]
    assert "MS-2" in run("rules", "show", "mtus-cpmtg-massage").stdout
    missing = run("rules", "show", "mtus-cpmtg-masage")
    assert missing.exit_code == 2 and "did you mean 'mtus-cpmtg-massage'" in missing.stderr
    validated = run("rules", "validate")
    assert validated.exit_code == 0 and validated.stdout.startswith("ok:")


def test_facts_lists_the_vocabulary():
    facts = json.loads(run("facts", "--format", "json").stdout)["facts"]
    assert {"prior_sessions", "functional_improvement", "item.quantity"} <= {f["name"] for f in facts}


def test_rule_with_invalid_regular_expression(write, tmp_path):
    write("rules/ruleset.yaml", "name: t\nversion: '1'\n")
    write("rules/a.yaml", RULE.replace("condition: {fact: home_exercise_program, is: true}",
                                       "condition: {fact: item.service, matches: '(unclosed'}"))
    result = run("rules", "validate", str(tmp_path / "rules"))
    assert result.exit_code == 2
    assert re.search(r"a\.yaml:10: criteria\[0\]\.condition\.matches: invalid regular expression", result.stderr)


def test_help_paragraphs_are_wrapped_by_the_formatter_not_the_source():
    from imr_rules.cli import _unwrap

    assert _unwrap("Title.\n\n    One paragraph\n    on two lines.\n") == "Title.\n\nOne paragraph on two lines."
    text = run("check", "--help").stdout
    assert "stream one line per" in text and "request, so memory stays flat" in " ".join(text.split())


def test_text_report_prints_brackets_as_written():
    # rich would read "[bold]" or "[MTUS]" in a finding as markup; the report holds only Text.
    import io

    from imr_rules.engine import evaluate
    from imr_rules.render import report_to_dict
    from imr_rules.render.terminal import make_console, render_report
    from imr_rules.requests.loading import request_from_data
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = load_ruleset()
    request = request_from_data({"request_date": "2016-12-01", "items": [{"service": "Massage [bold]x[/bold] [MTUS]", "category": "massage", "quantity": 12}]})
    buffer = io.StringIO()
    render_report(make_console(buffer), report_to_dict(evaluate(request, ruleset)))
    assert "Massage [bold]x[/bold] [MTUS]" in buffer.getvalue()


def test_a_byte_order_mark_is_dropped(write):
    path = write("bom.yaml", b"\xef\xbb\xbfrequest_date: 2016-12-01\nitems:\n  - {service: Massage therapy x6, category: massage}\n")
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 0 and '"request_date": "2016-12-01"' in result.stdout
