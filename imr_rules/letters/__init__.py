"""IMR Final Determination letters: read (text, PDF, Markdown), parsed into frozen dataclasses.

    model       Letter, LetterDates, DisputedItem, LetterCitation
    reading     files and directories -> text (a PDF's by PDFium or pdfminer, in pdfminer's layout)
    pdfbounds   a PDF's text extracted in a forked child bounded in time, memory, pages and text
    pdfium_layout  PDFium's lines grouped into pdfminer's text boxes
    layout      page-layout repair: text -> canonical paragraphs
    parsing     paragraphs -> header, case summary, items and outcomes
    citations   "guideline:" paragraphs -> citations (names from reference/data/guideline_titles.yaml)
    describe    an item's wording -> category, quantity, body region, drug

The JSON shape of a letter is ``imr_rules.render.data.letter_to_dict``.
"""

from imr_rules.letters.citations import parse_citations
from imr_rules.letters.model import DisputedItem, Letter, LetterCitation, LetterDates
from imr_rules.letters.parsing import parse_letter_text
from imr_rules.letters.reading import (
    LETTER_SUFFIXES,
    PDF_ENGINES,
    default_pdf_engine,
    iter_letters,
    letter_paths,
    letter_text,
    read_letter,
)

__all__ = [
    "DisputedItem",
    "LETTER_SUFFIXES",
    "Letter",
    "LetterCitation",
    "LetterDates",
    "PDF_ENGINES",
    "default_pdf_engine",
    "iter_letters",
    "letter_paths",
    "letter_text",
    "parse_citations",
    "parse_letter_text",
    "read_letter",
]
