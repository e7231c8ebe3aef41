"""The two PDF engines give the same letters: PDFium (fast, the default) against pdfminer (the reference).

On the corpus (194 PDFs, 439 items) both give the items and outcomes of items.jsonl, and PDFium's
parse equals pdfminer's in every field of every letter but the two passages of KNOWN_DIFFERENCES,
where pdfminer is the one that is wrong: a redaction leaves a gap in a line, and pdfminer moves the
words after the gap to the end of the page (PDFium keeps them in place).
"""

from __future__ import annotations

import importlib.util
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from conftest import PDF_ENGINES, ROOT
from hostile import letter_pdf
from imr_rules.errors import LetterError
from imr_rules.letters import default_pdf_engine, read_letter
from imr_rules.letters.pdfbounds import check_engine
from imr_rules.render.data import letter_to_dict

needs_pdfium = pytest.mark.skipif(importlib.util.find_spec("pypdfium2") is None,
                                  reason="the pdfium engine needs pypdfium2 (a core dependency): pip install pypdfium2")

CORPUS = Path(os.environ.get("IMR_RULES_CORPUS", ROOT.parent / "shared" / "corpus")) / "raw" / "talhaabacus-IMRCrawler"
LETTERS = ROOT / "examples" / "cases" / "letters"

# case number -> the fields in which the engines differ (dotted: items.rationale is each item's).
KNOWN_DIFFERENCES = {
    # "...separate drain was then replaced by [gap] and apparently the drain was in the colon."
    "CM16-0249724": ("case_summary",),
    # "...for hearing aids costing more than [gap] per ear, including hearing aid evaluation,": the
    # rationale pdfminer cuts short also earns it a "decision rationale ends mid-sentence" warning.
    "CM17-0002551": ("items.rationale", "warnings"),
}


def _parse(args: tuple[Path, str]) -> tuple[str, dict]:
    path, engine = args
    return path.stem, letter_to_dict(read_letter(path, engine))


@pytest.fixture(scope="module")
def corpus_pdfs() -> list[Path]:
    if not (CORPUS / "items.jsonl").is_file():
        pytest.skip(f"corpus not found at {CORPUS} (set IMR_RULES_CORPUS to the shared/corpus directory)")
    pdfs = sorted((CORPUS / "pdf").glob("*.pdf"))
    assert len(pdfs) == 194
    return pdfs


@pytest.fixture(scope="module")
def parsed(corpus_pdfs):
    """engine -> {case number: letter dict}, each engine run once for the whole module."""
    cache: dict[str, dict[str, dict]] = {}

    def get(engine: str) -> dict[str, dict]:
        if engine not in cache:
            # pdfminer takes ~0.2 s a letter: two processes keep it near 20 s on 2 cores.
            with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
                cache[engine] = dict(pool.map(_parse, [(p, engine) for p in corpus_pdfs], chunksize=8))
        return cache[engine]

    return get


@pytest.fixture(scope="module")
def expected_items() -> dict[str, list[tuple[str, str]]]:
    expected: dict[str, list[tuple[str, str]]] = {}
    with open(CORPUS / "items.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            expected.setdefault(row["case_number"], []).append((" ".join(row["item"].split()), row["outcome"].lower()))
    return expected


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_corpus_pdf_items_match_items_jsonl(engine, parsed, expected_items):
    results = parsed(engine)
    assert sum(len(letter["items"]) for letter in results.values()) == 439
    for case, letter in results.items():
        assert [(" ".join(i["description"].split()), i["outcome"]) for i in letter["items"]] == expected_items[case], case


def _without(letter: dict, fields: tuple[str, ...]) -> dict:
    letter = json.loads(json.dumps(letter))
    for field in fields:
        head, _, tail = field.partition(".")
        for part in (letter[head] if tail else [letter]):
            part.pop(tail or head)
    return letter


@needs_pdfium
def test_pdfium_parses_the_corpus_as_pdfminer_does(parsed):
    pdfium, pdfminer = parsed("pdfium"), parsed("pdfminer")
    assert pdfium.keys() == pdfminer.keys()
    for case in pdfminer:
        fields = KNOWN_DIFFERENCES.get(case, ())
        assert _without(pdfium[case], fields) == _without(pdfminer[case], fields), case
        for field in fields:  # a difference that went away is taken off the list
            assert _without(pdfium[case], ()) != _without(pdfminer[case], tuple(f for f in fields if f != field)), (case, field)


# ---------------------------------------------------------------- without the corpus


@needs_pdfium
@pytest.mark.parametrize("name", ["CM16-0230548.txt", "CM16-0235724.txt"])
def test_both_engines_read_a_generated_letter_pdf_alike(tmp_path, name):
    text = (LETTERS / name).read_text(encoding="utf-8")
    pdf = tmp_path / name.replace(".txt", ".pdf")
    pdf.write_bytes(letter_pdf(text))
    pdfium, pdfminer = (letter_to_dict(read_letter(pdf, engine)) for engine in ("pdfium", "pdfminer"))
    assert pdfium == pdfminer
    from imr_rules.letters import parse_letter_text

    from_text = parse_letter_text(text.replace("(", "[").replace(")", "]"))
    assert [(i["description"], i["outcome"]) for i in pdfium["items"]] == [(i.description, i.outcome) for i in from_text.items]
    assert pdfium["items"]


@needs_pdfium
def test_the_default_engine_is_pdfium_where_installed_else_pdfminer(monkeypatch):
    assert default_pdf_engine() == "pdfium" == check_engine(None)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pypdfium2" else real(name, *a))
    assert default_pdf_engine() == "pdfminer"
    with pytest.raises(ValueError, match="pip install pypdfium2"):
        check_engine("pdfium")


def test_an_unknown_engine_is_a_letter_error_naming_the_choices(tmp_path):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(letter_pdf((LETTERS / "CM16-0230548.txt").read_text(encoding="utf-8")))
    with pytest.raises(LetterError, match=r"a\.pdf: unknown PDF engine 'fast' \(choose pdfium or pdfminer\)"):
        read_letter(pdf, "fast")


def run(*args: str):
    from typer.testing import CliRunner

    from imr_rules.cli import app

    return CliRunner().invoke(app, ["parse", *args])


@needs_pdfium
def test_parse_cli_pdf_engine_option(tmp_path):
    pdf = tmp_path / "CM16-0230548.pdf"
    pdf.write_bytes(letter_pdf((LETTERS / "CM16-0230548.txt").read_text(encoding="utf-8")))
    outputs = {engine: run(str(pdf), "--format", "json", "--pdf-engine", engine) for engine in ("pdfium", "pdfminer")}
    assert {result.exit_code for result in outputs.values()} == {0}
    assert outputs["pdfium"].stdout == outputs["pdfminer"].stdout == run(str(pdf), "--format", "json").stdout
    assert json.loads(outputs["pdfium"].stdout)["case_number"] == "CM16-0230548"
    refused = run(str(pdf), "--pdf-engine", "fast")
    assert refused.exit_code == 2
    message = " ".join(refused.output.replace("│", " ").split())  # unwrapped from the error panel
    assert "unknown PDF engine 'fast' (choose pdfium or pdfminer)" in message
