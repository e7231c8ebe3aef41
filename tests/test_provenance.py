"""Facts with provenance (written by ``imr-rules draft``): loaded, evaluated, and reported as unconfirmed."""

import json

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.requests.loading import parse_request
from imr_rules.ruleset.loading import load_ruleset

DRAFTED = """\
request_date: 2016-12-05
facts:
  home_exercise_program:
    value: true
    evidence: She continues her home exercise program.
    source: note.txt
    span: [10, 50]
    section: treatment
    rule: home_exercise_program/mention
    context: [current]
    confidence: 0.9
items:
  - service: Massage therapy to the low back
    quantity: 6
"""


def test_a_fact_with_source_loads_with_its_provenance():
    fact = parse_request(DRAFTED).facts["home_exercise_program"]
    assert fact.value is True
    assert fact.provenance.source == "note.txt"
    assert fact.provenance.span == (10, 50)
    assert fact.provenance.context == ("current",)
    assert fact.provenance.confidence == 0.9
    assert fact.unconfirmed


def test_a_confirmed_or_hand_written_fact_is_not_unconfirmed():
    confirmed = parse_request(DRAFTED.replace("confidence: 0.9", "confidence: 0.9\n    confirmed: true"))
    assert not confirmed.facts["home_exercise_program"].unconfirmed
    plain = parse_request(DRAFTED.replace("    source: note.txt\n", "").replace("    span: [10, 50]\n", "")
                          .replace("    section: treatment\n", "").replace("    rule: home_exercise_program/mention\n", "")
                          .replace("    context: [current]\n", "").replace("    confidence: 0.9\n", ""))
    assert plain.facts["home_exercise_program"].provenance is None


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_check_reports_unconfirmed_drafted_facts_in_every_format(tmp_path, fmt):
    path = tmp_path / "drafted.yaml"
    path.write_text(DRAFTED)
    result = CliRunner().invoke(app, ["check", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "Drafted facts not yet confirmed" in " ".join(result.stdout.split())
    assert "home_exercise_program" in result.stdout
    if fmt == "json":
        assert any("home_exercise_program" in n for n in json.loads(result.stdout)["items"][0]["notes"])


def test_confirmed_facts_decide_as_hand_written_ones():
    ruleset = load_ruleset()
    drafted = evaluate(parse_request(DRAFTED), ruleset).determinations[0]
    confirmed = evaluate(parse_request(DRAFTED.replace("confidence: 0.9", "confidence: 0.9\n    confirmed: true")), ruleset).determinations[0]
    assert drafted.outcome == confirmed.outcome
    assert not any("Drafted" in n for n in confirmed.notes)


def test_a_bad_provenance_field_is_a_one_line_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(DRAFTED.replace("confidence: 0.9", "confidence: high"))
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "confidence" in result.output
