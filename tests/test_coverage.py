"""imr-rules coverage: which item descriptions some rule covers, by category, via library and CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.evaluation.coverage import Description, descriptions_from_file, item_coverage, measure

SHARED = Path(os.environ.get("IMR_RULES_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
CORPUS = SHARED / "corpus" / "raw" / "talhaabacus-IMRCrawler"


def test_an_item_is_covered_by_its_regional_rule(ruleset):
    coverage = item_coverage(Description("MRI of the lumbar spine without contrast"), ruleset)
    assert coverage.category == "imaging"
    assert "mtus-acoem-low-back-imaging" in coverage.rule_ids
    assert "mtus-acoem-knee-imaging" not in coverage.rule_ids


def test_an_associated_service_counts_the_service_it_names(ruleset):
    coverage = item_coverage(Description("Associated surgical service: Cryotherapy unit, seven day use"), ruleset)
    assert coverage.covered


def test_an_unknown_service_is_not_covered(ruleset):
    assert not item_coverage(Description("Gold-plated widget"), ruleset).covered


def test_report_counts_by_category(ruleset):
    report = measure([Description("MRI of the lumbar spine"), Description("Acupuncture 2x3"), Description("Gold-plated widget")], ruleset)
    data = report.to_dict()
    assert (data["total"], data["covered"]) == (3, 2)
    assert data["categories"]["imaging"] == {"total": 1, "covered": 1, "share": 1.0}
    assert [u["description"] for u in data["uncovered"]] == ["Gold-plated widget"]


def test_descriptions_from_a_text_file_and_jsonl(write):
    text = write("items.txt", "# comment\nMRI of the lumbar spine\n\nTENS unit\n")
    assert [d.text for d in descriptions_from_file(text)] == ["MRI of the lumbar spine", "TENS unit"]
    lines = write("items.jsonl", json.dumps({"item": "TENS unit", "decision_date": "2016-12-01"}) + "\n")
    (only,) = descriptions_from_file(lines)
    assert only.text == "TENS unit" and only.day.isoformat() == "2016-12-01"


def test_cli_json(write):
    path = write("items.txt", "MRI of the lumbar spine\nChiropractic care for the low back, six sessions\n")
    result = CliRunner().invoke(app, ["coverage", "Gold-plated widget", "--file", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["total"], data["covered"]) == (3, 2)
    assert data["categories"]["chiropractic"]["covered"] == 1


def test_cli_text_and_errors():
    result = CliRunner().invoke(app, ["coverage", "MRI of the lumbar spine", "--uncovered"])
    assert result.exit_code == 0 and "imaging" in result.stdout and "100.0%" in result.stdout
    assert CliRunner().invoke(app, ["coverage"]).exit_code == 2
    assert CliRunner().invoke(app, ["coverage", "--file", "no/such/file.txt"]).exit_code == 2


@pytest.mark.skipif(not (CORPUS / "items.jsonl").exists(), reason="the shared IMR corpus (items.jsonl) is not available; set IMR_RULES_SHARED")
def test_a_letters_path_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "no-such-folder"
    result = CliRunner().invoke(app, ["coverage", "--letters", str(missing), "MRI of the lumbar spine"])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {missing}: no such file or folder (check the --letters path)"


def test_corpus_coverage_is_at_least_85_percent(ruleset):
    report = measure(descriptions_from_file(CORPUS / "items.jsonl"), ruleset)
    assert report.overall.total == 439
    assert report.overall.share >= 0.85, report.by_category()
    for category in ("imaging", "physical_therapy", "electrodiagnostics", "chiropractic", "acupuncture", "dme", "tens", "epidural_injection"):
        assert report.by_category()[category].share == 1.0, category


@pytest.mark.skipif(not (CORPUS / "txt").exists(), reason="the shared IMR corpus letters (txt/) are not available; set IMR_RULES_SHARED")
def test_cli_reads_letters():
    letter = sorted((CORPUS / "txt").glob("CM16-0213037*.txt"))[0]
    result = CliRunner().invoke(app, ["coverage", "--letters", str(letter), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["covered"] >= 1
