"""imr-rules parse, through the CLI: formats, bad files beside good ones, the corpus."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "letters"
MARKDOWN = str(FIXTURES / "markdown_letter.md")
PAGES = str(FIXTURES / "pages_letter.txt")
TRUNCATED = str(FIXTURES / "truncated_letter.txt")
NOT_A_LETTER = str(FIXTURES / "not_a_letter.txt")
SHARED = Path(os.environ.get("IMR_RULES_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
CORPUS = SHARED / "corpus" / "raw" / "talhaabacus-IMRCrawler"


def run(*args: str):
    return CliRunner().invoke(app, ["parse", *args])


def test_text_view_shows_header_items_outcomes_and_citations():
    result = run(MARKDOWN)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Case CM15-0123456" in out
    assert "Decision date" in out and "2015-03-30" in out
    assert "Massage therapy 2x week for 6 weeks for low back  UPHELD" in out
    assert "Norco 10/325mg #60  OVERTURNED" in out
    assert "category massage" in out and "quantity 12" in out
    assert "Reviewer cites: [MTUS] Chronic Pain Medical Treatment (2009)" in out


def test_text_view_folds_long_rationales_unless_full(write):
    text = Path(PAGES).read_text(encoding="utf-8").replace(
        "Synthetic rationale:", "Synthetic rationale: " + "padding words " * 60, 1
    )
    path = write("long.txt", text)
    folded = run(str(path)).stdout
    full = run(str(path), "--full").stdout
    assert "…" in folded
    assert full.count("padding") > folded.count("padding")


def test_json_one_file_is_one_object_with_page_citations():
    result = run(PAGES, "--format", "json")
    assert result.exit_code == 0
    letter = json.loads(result.stdout)
    assert letter["case_number"] == "CM13-0004321"
    first = letter["items"][0]
    assert first["outcome"] == "upheld"
    assert first["citations"]["reviewer"][0]["pages"] == ["60"]


def test_json_several_files_is_an_array_in_input_order():
    result = run(PAGES, MARKDOWN, "--format", "json")
    assert result.exit_code == 0
    letters = json.loads(result.stdout)
    assert [l["case_number"] for l in letters] == ["CM13-0004321", "CM15-0123456"]


def test_json_directory_is_an_array(tmp_path):
    (tmp_path / "a.md").write_text(Path(MARKDOWN).read_text(encoding="utf-8"), encoding="utf-8")
    result = run(str(tmp_path), "--format", "json")
    assert isinstance(json.loads(result.stdout), list)


def test_jsonl_streams_one_line_per_letter():
    result = run(MARKDOWN, PAGES, "--format", "jsonl")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [json.loads(line)["case_number"] for line in lines] == ["CM15-0123456", "CM13-0004321"]


def test_bad_file_is_one_line_on_stderr_and_the_others_still_print():
    result = run(NOT_A_LETTER, MARKDOWN, "missing.txt", "--format", "jsonl")
    assert result.exit_code == 2
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {NOT_A_LETTER}: not an IMR determination letter (")
    assert errors[1].startswith("error: missing.txt: file not found")
    assert [json.loads(l)["case_number"] for l in result.stdout.splitlines()] == ["CM15-0123456"]


def test_damaged_letter_prints_its_warnings_on_stderr():
    result = run(TRUNCATED, "--format", "json")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and TRUNCATED in result.stderr
    assert json.loads(result.stdout)["warnings"]


def test_unknown_format_is_refused():
    result = run(MARKDOWN, "--format", "xml")
    assert result.exit_code == 2


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not (CORPUS / "items.jsonl").is_file():
        pytest.skip(f"IMR letter corpus not found at {CORPUS} (set IMR_RULES_SHARED to the shared directory)")
    return CORPUS


def test_corpus_jsonl_gives_every_letter_and_item(corpus):
    result = run(str(corpus / "txt"), "--format", "jsonl")
    assert result.exit_code == 0
    letters = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [json.loads(line) for line in (corpus / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(letters) == len(list((corpus / "txt").glob("*.txt")))
    assert sum(len(l["items"]) for l in letters) == len(expected)
    outcomes = sorted(i["outcome"] for l in letters for i in l["items"])
    assert outcomes == sorted(row["outcome"].lower() for row in expected)


def test_parse_reads_paths_and_json_lines_from_stdin_in_order():
    import json as _json

    from typer.testing import CliRunner

    from imr_rules.cli import app

    folder = Path(__file__).resolve().parent / "fixtures" / "letters"
    pages = folder / "pages_letter.txt"
    stdin = f"{pages}\n" + _json.dumps({"name": "inline", "text": pages.read_text()}) + "\n{oops\n"
    result = CliRunner().invoke(app, ["parse", "-", "--format", "jsonl"], input=stdin)
    assert result.exit_code == 2
    rows = [_json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2 and rows[0]["case_number"] == rows[1]["case_number"]
    assert rows[1]["source"] == "inline"
    assert "<stdin>:3: malformed JSON" in result.stderr


@pytest.mark.parametrize("format", ["jsonl", "json", "text"])
def test_parse_with_worker_processes_gives_identical_output(workers_at_once, format):
    from typer.testing import CliRunner

    from imr_rules.cli import app

    folder = str(Path(__file__).resolve().parent / "fixtures" / "letters")
    letters = [folder, str(Path(__file__).resolve().parents[1] / "examples" / "cases" / "letters")]  # a bad file among them
    one = CliRunner().invoke(app, ["parse", *letters, "--format", format])
    two = CliRunner().invoke(app, ["parse", *letters, "--format", format, "--jobs", "2"])
    assert one.stdout == two.stdout and one.stdout
    assert one.stderr == two.stderr and "not_a_letter.txt" in two.stderr
    assert one.exit_code == two.exit_code == 2


def test_a_folder_without_letters_is_bad_input_and_the_other_letters_are_read(tmp_path):
    """An empty folder is most likely the wrong one: exit 2 with one line naming it, not a silent
    clean run; letters given beside it are still read."""
    empty = tmp_path / "no-letters"
    empty.mkdir()
    (empty / "request.yaml").write_text("items: []\n", encoding="utf-8")
    alone = run(str(empty), "--format", "jsonl")
    assert alone.exit_code == 2
    assert f"{empty}: no letter files" in alone.stderr
    beside = run(str(empty), MARKDOWN, "--format", "jsonl")
    assert beside.exit_code == 2
    assert len(beside.stdout.splitlines()) == 1 and json.loads(beside.stdout)
