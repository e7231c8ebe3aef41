"""imr-rules compare: the agreement figures on hand-made confusion matrices, and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_rules.evaluation.cases import load_case
from imr_rules.cli import app
from imr_rules.render.csv import COMPARISON_COLUMNS as CSV_COLUMNS
from imr_rules.evaluation.compare import ItemComparison, Metrics, compare_cases, metrics_of

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"


# --- metrics ------------------------------------------------------------------------------------


def test_kappa_of_a_textbook_matrix():
    # 20 both "yes", 15 both "no", 5 and 10 off the diagonal: po = 0.7, pe = 0.5, kappa = 0.4.
    m = Metrics(true_overturned=20, false_overturned=5, missed_overturned=10, true_upheld=15)
    assert m.n == 50
    assert m.accuracy == pytest.approx(0.7)
    assert m.kappa == pytest.approx(0.4)
    assert m.overturn_recall == pytest.approx(20 / 30)
    assert m.overturn_precision == pytest.approx(20 / 25)
    assert m.balanced_accuracy == pytest.approx((20 / 30 + 15 / 20) / 2)


def test_always_upheld_is_accurate_but_has_zero_kappa():
    # 89 of 100 items upheld: a rule set that denies everything scores 89% accuracy and says nothing.
    m = Metrics(true_overturned=0, false_overturned=0, missed_overturned=11, true_upheld=89)
    assert m.accuracy == pytest.approx(0.89)
    assert m.kappa == pytest.approx(0.0)
    assert m.balanced_accuracy == pytest.approx(0.5)
    assert m.overturn_recall == 0
    assert m.overturn_precision is None  # never said "overturned": undefined, not 0


def test_perfect_and_perfectly_wrong_agreement():
    assert Metrics(5, 0, 0, 45).kappa == pytest.approx(1.0)
    assert Metrics(0, 45, 5, 0).kappa == pytest.approx(-0.2195, abs=1e-4)


def test_kappa_is_undefined_when_both_raters_give_one_answer():
    m = Metrics(0, 0, 0, 10)
    assert m.kappa is None and m.balanced_accuracy is None and m.accuracy == 1


def test_empty_matrix():
    m = Metrics(0, 0, 0, 0)
    assert (m.n, m.accuracy, m.kappa) == (0, None, None)


def _item(actual: str, ours: str, category: str = "imaging") -> ItemComparison:
    return ItemComparison("CM16-0000001", 1, "x", category, actual, ours, (), (), None, None, None)


def test_not_covered_items_are_counted_apart():
    items = [
        _item("upheld", "not_medically_necessary"),
        _item("overturned", "medically_necessary"),
        _item("overturned", "no_applicable_rule"),
    ]
    assert [i.agree for i in items] == [True, True, None]
    m = metrics_of(items)
    assert (m.true_upheld, m.true_overturned, m.n) == (1, 1, 2)


# --- the library on the bundled cases --------------------------------------------------------


def test_compare_cases_on_one_bundled_case(ruleset):
    case = load_case(CASES / "CM16-0230548.yaml", ruleset.vocabulary)
    comparison = compare_cases([case], ruleset)
    assert [(i.item_index, i.actual, i.ours) for i in comparison.items] == [
        (1, "upheld", "not_medically_necessary"),
        # The letter does not say whether acupuncture was given before (a first course or an
        # extension), so which criteria apply is not documented, and nothing is certified.
        (2, "overturned", "not_medically_necessary"),
    ]
    assert comparison.items[0].failing_criteria  # a denial names the criteria that drove it
    assert ("mtus-acupuncture", "applicability") in {(f.rule_id, f.criterion_id) for f in comparison.items[1].failing_criteria}


def test_order_of_input_does_not_change_the_result(ruleset):
    paths = sorted(CASES.glob("*.yaml"))[:4]
    cases = [load_case(p, ruleset.vocabulary) for p in paths]
    assert compare_cases(cases, ruleset) == compare_cases(list(reversed(cases)), ruleset)


# --- the CLI ----------------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(app, ["compare", *args])


def test_cli_runs_on_the_bundled_cases_in_text():
    result = run(str(CASES))
    assert result.exit_code == 0, result.output
    assert "Confusion matrix" in result.stdout and "kappa" in result.stdout
    assert "Disagreements" in result.stdout


def test_cli_json_is_deterministic_and_complete():
    first, second = run(str(CASES), "--format", "json"), run(str(CASES), "--format", "json")
    assert first.exit_code == 0 and first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["items_total"] == len(data["items"]) >= 80
    assert data["covered"] + data["not_covered"] == data["independent"]
    assert data["independent"] + data["decided_with_surgery"] == data["items_total"]
    assert {"kappa", "balanced_accuracy", "overturn_recall", "overturn_precision"} <= set(data["metrics"])
    assert len({row["category"] for row in data["by_category"]}) >= 8
    for item in data["disagreements"]:
        assert item["agree"] is False


def test_cli_with_worker_processes_gives_identical_output_and_errors(tmp_path, workers_at_once):
    bad = tmp_path / "bad.yaml"
    bad.write_text("case_number: CM00-0000000\nitems: 3\n")
    inputs = [str(CASES), str(bad)]
    one = run(*inputs, "--format", "json", "--jobs", "1")
    two = run(*inputs, "--format", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 2
    assert one.stdout == two.stdout and one.stderr == two.stderr and "bad.yaml" in two.stderr
    assert json.loads(two.stdout)["items_total"] >= 80


def test_library_compare_files_is_the_same_whatever_the_workers(ruleset, workers_at_once):
    from imr_rules.evaluation.compare import compare_files

    paths = sorted(CASES.glob("*.yaml"))[:12]
    one, two = compare_files(paths, ruleset, jobs=1), compare_files(paths, ruleset, jobs=2)
    assert one == two and one[0] == compare_cases([load_case(p, ruleset.vocabulary) for p in paths], ruleset)


def test_cli_csv_has_one_row_per_item_and_snake_case_headers():
    result = run(str(CASES), "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    data = json.loads(run(str(CASES), "--format", "json").stdout)
    assert len(rows) == data["items_total"]
    assert {r["agree"] for r in rows} <= {"true", "false", ""}


def test_cli_markdown():
    result = run(str(CASES), "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("# Comparison with real IMR decisions")
    assert "| **all** |" in result.stdout


def test_cli_bad_case_file_is_reported_and_the_rest_compared(write):
    good = write("good.yaml", (CASES / "CM16-0230548.yaml").read_text(encoding="utf-8"))
    bad = write("bad.yaml", "case_number: nope\nitems: []\n")
    result = run(str(good), str(bad), "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["items_total"] == 2
    assert result.stderr.startswith(f"error: {bad}:1: ")


def test_no_progress_bar_off_a_terminal():
    result = run(str(CASES), "--format", "csv")
    assert result.stderr == ""


def test_an_internal_error_in_one_case_leaves_the_others_compared(ruleset, monkeypatch, tmp_path):
    # A bug met while deciding one case is reported with its file and the count (exit 1); the
    # other cases are still compared and the output is still written (issue 10, batches).
    import imr_rules.evaluation.compare as compare_module

    original = compare_module.compare_item

    def broken_for_one(case, item, ruleset):
        if case.case_number == "CM16-0230548":
            raise ZeroDivisionError("a bug")
        return original(case, item, ruleset)

    monkeypatch.setattr(compare_module, "compare_item", broken_for_one)
    paths = [CASES / "CM16-0230548.yaml", *[p for p in sorted(CASES.glob("*.yaml")) if p.stem != "CM16-0230548"][:2]]
    result = CliRunner().invoke(app, ["compare", *map(str, paths), "--format", "json"])
    assert result.exit_code == 1
    assert "CM16-0230548.yaml: internal error: ZeroDivisionError" in result.stderr
    assert "1 of the cases met an internal error" in result.stderr
    data = json.loads(result.stdout)
    assert data["items"] and all(item["case_number"] != "CM16-0230548" for item in data["items"])
    with pytest.raises(ZeroDivisionError):
        compare_cases([load_case(paths[0], ruleset.vocabulary)], ruleset)
