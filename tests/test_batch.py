"""Batch checking: JSON Lines on standard input and in files, input order, worker processes."""

import json

from typer.testing import CliRunner

from imr_rules import batch
from imr_rules.cli import app

from conftest import EXAMPLES


def line(request_id, quantity):
    return json.dumps({"request_id": request_id, "request_date": "2016-12-01", "facts": {"home_exercise_program": True},
                       "items": [{"service": "Massage therapy", "category": "massage", "quantity": quantity,
                                  "facts": {"prior_sessions": 0}}]})


def test_json_lines_on_stdin_stream_in_input_order():
    stdin = "\n".join(line(f"r{i}", q) for i, q in enumerate([4, 12, 6, 8])) + "\n"
    result = CliRunner().invoke(app, ["check", "-", "--format", "jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    reports = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["request"]["id"] for r in reports] == ["r0", "r1", "r2", "r3"]
    assert [r["items"][0]["decision"] for r in reports] == [
        "medically_necessary", "not_medically_necessary", "medically_necessary", "not_medically_necessary"]


def test_a_bad_line_is_reported_by_line_number_and_the_rest_checked():
    stdin = line("a", 4) + "\n{not json\n" + line("c", 4) + "\n"
    result = CliRunner().invoke(app, ["check", "-", "--format", "jsonl"], input=stdin)
    assert result.exit_code == 2
    assert "<stdin>:2: malformed JSON" in result.stderr
    assert [json.loads(x)["request"]["id"] for x in result.stdout.splitlines()] == ["a", "c"]


def test_schema_error_in_a_json_line_names_the_line(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(line("a", 4) + "\n" + json.dumps({"items": [{"quantity": 3}]}) + "\n")
    result = CliRunner().invoke(app, ["check", str(path), "--format", "jsonl"])
    assert result.exit_code == 2
    assert "batch.jsonl:2: items[0]: 'service' is required" in result.stderr


def test_worker_processes_give_identical_output(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(line(f"r{i}", 2 + i % 12) for i in range(60)) + "\n")
    one = CliRunner().invoke(app, ["check", str(path), "--format", "jsonl", "--jobs", "1"])
    two = CliRunner().invoke(app, ["check", str(path), "--format", "jsonl", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout
    assert len(one.stdout.splitlines()) == 60


def test_library_batch_api_keeps_order_and_errors(ruleset, tmp_path):
    good = EXAMPLES / "massage-twelve-visits.yaml"
    missing = tmp_path / "missing.yaml"
    outcomes = list(batch.check_many(batch.tasks(batch.expand([good, missing, good])), ruleset))
    assert [o.report is not None for o in outcomes] == [True, False, True]
    assert "missing.yaml: file not found" in outcomes[1].error
