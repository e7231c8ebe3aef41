"""Sections and sentences of a document's raw text, found before any tokenisation.

Only the sentences in which a concept matches are ever tokenised (``extract``): spaCy's tokenizer
and medspaCy's matchers cost time in proportion to the whole text, and most of a letter
(boilerplate, guideline citations, sentences no concept names) gives no fact.

- Sections: a heading of ``sections.yaml`` (a literal, case-insensitive, or a regular expression)
  opens a section that runs to the next heading, as medspaCy's Sectionizer reads them; text before
  the first heading has no section (``none``). The heading's own words are not part of the body.
- Sentences: a sentence ends after ``.``, ``!`` or ``?`` (and any closing quotes or brackets)
  followed by whitespace, unless the word so ended is one of spaCy's English tokenizer exceptions
  ("Dr.", "e.g.", "p.m.", single letters), as spaCy's sentencizer splits a tokenised text. A
  sentence never crosses a section boundary.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from imr_rules.drafting.rules import NO_SECTION, ExtractionRules, flexible_spaces

_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)")


@dataclass(frozen=True)
class Section:
    category: str
    start: int      # the body: after the heading
    end: int


def heading_pattern(rules: ExtractionRules) -> re.Pattern:
    """One alternation of every heading, each its own named group (the n-th heading: ``h<n>``)."""
    return _heading_pattern(rules.sections)


@lru_cache(maxsize=8)
def _heading_pattern(sections) -> re.Pattern:
    parts = []
    for index, heading in enumerate(sections):
        body = heading.pattern or r"(?<!\w)" + flexible_spaces(re.escape(heading.literal).replace(r"\ ", " ")) + r"(?!\w)"
        parts.append(f"(?P<h{index}>{body})")
    return re.compile("|".join(parts), re.IGNORECASE | re.MULTILINE)


def sections(text: str, rules: ExtractionRules) -> list[Section]:
    """The document's sections in order, covering the whole text."""
    found, position, category = [], 0, NO_SECTION
    for match in heading_pattern(rules).finditer(text):
        found.append(Section(category, position, match.start()))
        category = rules.sections[int(match.lastgroup[1:])].category
        position = match.end()
    found.append(Section(category, position, len(text)))
    return [s for s in found if s.end > s.start]


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    from spacy.lang.en import English

    return frozenset(k for k in English.Defaults.tokenizer_exceptions if k.endswith("."))


def sentence_bounds(text: str, start: int, end: int) -> list[int]:
    """The offsets at which the sentences of ``text[start:end]`` begin (the first is ``start``)."""
    abbreviations = _abbreviations()
    bounds = [start]
    for match in _SENTENCE_END.finditer(text, start, end):
        if match.group() == "." and _word_before(text, start, match.end()) in abbreviations:
            continue
        bounds.append(match.end())
    return bounds


def _word_before(text: str, start: int, end: int) -> str:
    """The word ending at ``end`` (its opening brackets and quotes aside, as spaCy splits them)."""
    begin = end
    while begin > start and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:end].lstrip("([{\"'")


def sentence_at(text: str, bounds: list[int], end: int, position: int) -> tuple[int, int]:
    """The span of the sentence holding ``position``, whitespace trimmed from both ends."""
    index = bisect.bisect_right(bounds, position) - 1
    start = bounds[index]
    stop = bounds[index + 1] if index + 1 < len(bounds) else end
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return start, stop
