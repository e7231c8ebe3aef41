"""Tests for the IMR letter reader, through its public API.

Corpus agreement (talhaabacus-IMRCrawler, 194 letters, 439 items): the reader's item
descriptions and outcomes equal items.jsonl for every item, from txt/ here and from pdf/ with
either PDF engine in test_pdf_engines.py.
The only disagreements found with the corpus's own index.csv are two header dates, where the
reader is right and index.csv is wrong:
  - CM16-0237844 and CM16-0240524: index.csv leaves ur_denial_date empty. In these letters
    pdfminer put all three lower-block dates after their labels ("Date of Injury: / UR Denial
    Date: / Application Received:" then "10/20/2016 / 12/05/2016 / 12/12/2016"); the letter
    body confirms the UR date ("noncertified by Utilization Review on December 05, 2016").
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from imr_rules.errors import LetterError
from conftest import PDF_ENGINES
from imr_rules.letters import (
    Letter,
    LetterCitation as Citation,
    iter_letters,
    parse_letter_text,
    read_letter,
)
from imr_rules.render.data import letter_to_dict

FIXTURES = Path(__file__).parent / "fixtures" / "letters"
REPO = Path(__file__).resolve().parents[1]
CORPUS_ROOT = Path(os.environ.get("IMR_RULES_CORPUS", REPO.parent / "shared" / "corpus"))
IMR_CRAWLER = CORPUS_ROOT / "raw" / "talhaabacus-IMRCrawler"


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not (IMR_CRAWLER / "items.jsonl").is_file():
        pytest.skip(f"corpus not found at {IMR_CRAWLER} (set IMR_RULES_CORPUS to the shared/corpus directory)")
    return IMR_CRAWLER


@pytest.fixture(scope="module")
def expected_items(corpus: Path) -> dict[str, list[tuple[str, str]]]:
    expected: dict[str, list[tuple[str, str]]] = {}
    with open(corpus / "items.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            expected.setdefault(row["case_number"], []).append((_norm(row["item"]), row["outcome"].lower()))
    return expected


def _items_of(letter: Letter) -> list[tuple[str, str]]:
    return [(_norm(item.description), item.outcome) for item in letter.items]


# ---------------------------------------------------------------- synthetic letters


def test_pdfminer_layout_header_and_partial_certification():
    letter = read_letter(FIXTURES / "truncated_letter.txt")
    assert letter.case_number == "CM16-0999001"
    assert letter.dates.date_assigned == "2016-11-01"
    assert letter.decision_date == "2016-12-01"
    assert letter.date_of_injury == "2015-06-15"
    assert letter.ur_denial_date == "2016-10-20"
    assert letter.application_received == "2016-10-25"
    assert letter.priority == "Standard"
    assert letter.reviewer_licensure == ("California", "Nevada")
    assert letter.reviewer_specialty == ("Orthopedic Surgery",)
    assert (letter.patient_age, letter.patient_sex) == (61, "female")
    # The page break in mid-sentence is healed.
    assert "without a break in the sentence." in letter.case_summary

    partial = letter.items[0]
    assert partial.description == "Physical therapy six sessions for the right knee"
    assert partial.original_request == "Physical therapy twelve sessions for the right knee"
    assert partial.authorized_portion == "Physical therapy six sessions"
    assert partial.partially_certified
    assert partial.outcome == "upheld"
    # "Decision rationale:" directly under the guideline line, no blank line between.
    assert partial.rationale.startswith("Synthetic rationale: six visits")
    assert partial.reviewer_citations[0].sections == ("Physical medicine treatment",)


def test_truncated_letter_returns_what_was_read_with_warnings():
    letter = read_letter(FIXTURES / "truncated_letter.txt")
    assert [item.outcome for item in letter.items] == ["upheld", "overturned"]
    assert letter.warnings == (
        "item 2 (MRI of the right knee without contrast): decision rationale ends mid-sentence",
        "the letter's text stops in the middle of a page: it may be cut short, and disputed items may be missing",
    )


def test_truncated_before_any_label_warns_of_missing_parts():
    text = (FIXTURES / "truncated_letter.txt").read_text()
    cut = text[: text.index("Claims Administrator guideline: The Claims Administrator based")]
    letter = parse_letter_text(cut, source="cut.txt")
    assert len(letter.items) == 2
    assert any("no claims administrator guideline" in w and "no decision rationale" in w for w in letter.warnings)


def test_truncated_in_the_header_is_still_a_letter_with_warnings():
    text = (FIXTURES / "truncated_letter.txt").read_text()
    letter = parse_letter_text(text[:400], source="head.txt")
    assert letter.case_number == "CM16-0999001"
    assert letter.items == ()
    assert "no 'IMR ISSUES, DECISIONS AND RATIONALES' section found" in letter.warnings


def test_markdown_letter():
    letter = read_letter(FIXTURES / "markdown_letter.md")
    assert letter.case_number == "CM15-0123456"
    assert letter.dates.application_received == "2015-02-26"
    assert letter.date_of_injury == "2012-07-14"
    assert letter.reviewer_specialty == ("Physical Medicine & Rehabilitation", "Pain Medicine")
    assert (letter.patient_age, letter.patient_sex) == (52, "female")
    assert _items_of(letter) == [
        ("Massage therapy 2x week for 6 weeks for low back", "upheld"),
        ("Norco 10/325mg #60", "overturned"),
    ]
    assert letter.items[1].claims_admin_citations[0].tier == "none"
    odg = letter.items[0].reviewer_citations[1]
    assert (odg.tier, odg.chapter, odg.sections) == ("ODG", "Low Back Chapter", ("Massage",))
    assert letter.warnings == ()


def test_older_letter_cites_pages():
    letter = read_letter(FIXTURES / "pages_letter.txt")
    massage = letter.items[0]
    assert massage.claims_admin_citations == (
        Citation(
            tier="MTUS",
            title="Chronic Pain Medical Treatment",
            year=None,
            sections=("Massage therapy",),
            pages=("60",),
            text="MTUS Chronic Pain Medical Treatment Guidelines, Massage therapy, Page(s): 60",
        ),
    )
    acupuncture = letter.items[1]
    assert acupuncture.claims_admin_citations[0].title == "Acupuncture Medical Treatment"
    assert acupuncture.claims_admin_citations[0].pages == ("8-9",)
    assert acupuncture.outcome == "overturned"


def test_outside_mtus_with_odg_and_multiple_mtus_titles():
    letter = parse_letter_text(
        (FIXTURES / "truncated_letter.txt").read_text().replace(
            "Decision based on MTUS Postsurgical Treatment 2009, \nSection(s): Knee.",
            "Decision based on MTUS Forearm, Wrist, and Hand Complaints 2004, Section(s): Special Studies, "
            "and Chronic Pain Medical Treatment 2016, Section(s): NSAIDs, GI symptoms & cardiovascular risk, "
            "Physical medicine treatment.",
        )
    )
    first, second = letter.items[0].claims_admin_citations
    assert (first.title, first.year, first.sections) == ("Forearm, Wrist, and Hand Complaints", 2004, ("Special Studies",))
    assert (second.title, second.year) == ("Chronic Pain Medical Treatment", 2016)
    assert second.sections == ("NSAIDs, GI symptoms & cardiovascular risk", "Physical medicine treatment")
    odg = letter.items[1].claims_admin_citations
    assert [c.tier for c in odg] == ["ODG"]
    assert odg[0].chapter == "Knee and Leg Chapter"


def test_outside_mtus_without_a_named_source_is_other():
    text = (FIXTURES / "pages_letter.txt").read_text()
    text = text.replace(
        "MAXIMUS guideline: Decision based on MTUS Acupuncture Medical Treatment Guidelines.",
        "MAXIMUS guideline: The Expert Reviewer based his/her decision on recommendation(s) outside of the MTUS.",
    )
    assert "outside of the MTUS" in text
    citation = parse_letter_text(text).items[1].reviewer_citations
    assert [c.tier for c in citation] == ["other"]


def test_not_a_letter_is_a_one_line_error():
    with pytest.raises(LetterError) as caught:
        read_letter(FIXTURES / "not_a_letter.txt")
    message = str(caught.value)
    assert "not_a_letter.txt" in message and "not an IMR determination letter" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "content, expected",
    [(b"", "file is empty"), (b"   \n\n", "file is empty"), (b"\x00\x01\x02binary\x00", "binary")],
)
def test_empty_and_binary_files(tmp_path, content, expected):
    path = tmp_path / "letter.txt"
    path.write_bytes(content)
    with pytest.raises(LetterError, match=expected):
        read_letter(path)


def test_missing_file(tmp_path):
    with pytest.raises(LetterError, match="file not found"):
        read_letter(tmp_path / "nope.txt")


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_broken_pdf(tmp_path, engine):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n garbage that is not a PDF body")
    with pytest.raises(LetterError, match=r"broken\.pdf: cannot read PDF \(\w+\)"):
        read_letter(path, engine)
    fake = tmp_path / "fake.pdf"
    fake.write_text("hello")
    with pytest.raises(LetterError, match="not a PDF"):
        read_letter(fake, engine)


def test_iter_letters_continues_past_bad_files(tmp_path):
    paths = [FIXTURES / "not_a_letter.txt", tmp_path / "missing.txt", FIXTURES / "markdown_letter.md"]
    results = list(iter_letters(paths))
    assert [type(r).__name__ for _, r in results] == ["LetterError", "LetterError", "Letter"]
    assert [p for p, _ in results] == paths


def test_iter_letters_expands_directories_in_sorted_order():
    names = [path.name for path, _ in iter_letters([FIXTURES])]
    assert names == sorted(names) and "markdown_letter.md" in names


def test_letter_to_dict_shape():
    data = letter_to_dict(read_letter(FIXTURES / "markdown_letter.md"))
    assert list(data) == [
        "case_number", "decision_date", "date_assigned", "date_of_injury", "ur_denial_date",
        "application_received", "priority", "reviewer", "patient", "case_summary", "items",
        "warnings", "source",
    ]
    assert data["reviewer"] == {"licensure": ["California", "Oregon"],
                                "specialty": ["Physical Medicine & Rehabilitation", "Pain Medicine"]}
    assert data["patient"] == {"age": 52, "sex": "female"}
    massage, norco = data["items"]
    assert (massage["category"], massage["quantity"], massage["body_region"]) == ("massage", 12, "lumbar_spine")
    assert massage["drug"] is None
    assert norco["category"] == "opioid"
    assert norco["drug"]["generic"] == "hydrocodone/acetaminophen"
    assert norco["citations"]["claims_administrator"][0]["tier"] == "none"
    assert json.loads(json.dumps(data)) == data


# ---------------------------------------------------------------- the corpus


def test_corpus_txt_items_match_items_jsonl(corpus, expected_items):
    letters = sorted((corpus / "txt").glob("*.txt"))
    assert len(letters) == 194
    total = 0
    for path in letters:
        letter = read_letter(path)
        assert letter.case_number == path.stem
        assert _items_of(letter) == expected_items[path.stem], path.name
        total += len(letter.items)
    assert total == 439


def test_corpus_txt_headers_are_complete(corpus):
    for path in sorted((corpus / "txt").glob("*.txt")):
        letter = read_letter(path)
        dates = letter.dates
        assert None not in (dates.date_assigned, dates.decision_date, dates.date_of_injury,
                            dates.ur_denial_date, dates.application_received), path.name
        assert letter.reviewer_licensure and letter.reviewer_specialty, path.name
        # CM16-0249170's summary gives no age or sex (index.csv leaves them empty too).
        if path.stem != "CM16-0249170":
            assert letter.patient_age and letter.patient_sex, path.name
        for item in letter.items:
            assert item.claims_admin_citations and item.reviewer_citations and item.rationale, path.name


def test_mtus_section_names_that_repeat_a_title_do_not_start_new_citations():
    text = (FIXTURES / "pages_letter.txt").read_text().replace(
        "MAXIMUS guideline: Decision based on MTUS Acupuncture Medical Treatment Guidelines.",
        "MAXIMUS guideline: Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3 Opioids for "
        "Chronic Pain and Chronic Opioid Treatment: Initiating and Monitoring Chronic Opioid Treatment.",
    )
    (citation,) = parse_letter_text(text).items[1].reviewer_citations
    assert (citation.title, citation.year) == ("Opioid Treatment", 2016)
    assert citation.sections == (
        "3.3 Opioids for Chronic Pain and Chronic Opioid Treatment: Initiating and Monitoring Chronic Opioid Treatment",
    )
