"""IMR Final Determination letters: read (text, PDF, Markdown), parsed into frozen dataclasses.

    model       Letter, LetterDates, DisputedItem, LetterCitation
    reading     files and directories -> text (pdfminer for PDFs)
    layout      page-layout repair: text -> canonical paragraphs
    parsing     paragraphs -> header, case summary, items and outcomes
    citations   "guideline:" paragraphs -> citations (names from reference/data/guideline_titles.yaml)
    describe    an item's wording -> category, quantity, body region, drug

The JSON shape of a letter is ``imr_rules.render.data.letter_to_dict``.
"""

from imr_rules.letters.citations import parse_citations
from imr_rules.letters.model import DisputedItem, Letter, LetterCitation, LetterDates
from imr_rules.letters.parsing import parse_letter_text
from imr_rules.letters.reading import LETTER_SUFFIXES, iter_letters, letter_paths, read_letter

__all__ = [
    "DisputedItem",
    "LETTER_SUFFIXES",
    "Letter",
    "LetterCitation",
    "LetterDates",
    "iter_letters",
    "letter_paths",
    "parse_citations",
    "parse_letter_text",
    "read_letter",
]
