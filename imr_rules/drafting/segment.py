"""Sections and sentences of a document's raw text, found before any tokenisation.

Only the sentences in which a concept matches are ever tokenised (``extract``): spaCy's tokenizer
and medspaCy's matchers cost time in proportion to the whole text, and most of a letter
(boilerplate, guideline citations, sentences no concept names) gives no fact.

- Sections: a heading of ``sections.yaml`` (a literal, case-insensitive, at the start of a line;
  or a regular expression) opens a section that runs to the next heading, as medspaCy's
  Sectionizer reads them; text before the first heading has no section (``none``). The heading's
  own words are not part of the body.
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


@dataclass(frozen=True)
class _Heading:
    category: str
    pattern: re.Pattern
    first_word: str | None   # a literal heading's first word, lower case: where to try it


@lru_cache(maxsize=8)
def _headings(headings) -> tuple[_Heading, ...]:
    compiled = []
    for heading in headings:
        if heading.pattern:
            compiled.append(_Heading(heading.category, re.compile(heading.pattern, re.IGNORECASE | re.MULTILINE), None))
            continue
        body = flexible_spaces(re.escape(heading.literal).replace("\\ ", " "))
        compiled.append(_Heading(heading.category, re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE),
                                 heading.literal.split()[0].lower()))
    return tuple(compiled)


def _heading_matches(text: str, rules: ExtractionRules) -> list[tuple[int, int, str]]:
    """(start, end, category) of every heading. A literal heading is tried only where its first
    word occurs (``str.find`` on the lower-cased text): a regular-expression scan of every heading
    over every position cost as much as all the concepts together."""
    lowered = text.lower()
    exact = len(lowered) == len(text)   # lower-casing a few non-ASCII letters changes the length
    found = []
    for heading in _headings(rules.sections):
        if heading.first_word is None or not exact:
            found += [(m.start(), m.end(), heading.category) for m in heading.pattern.finditer(text)]
            continue
        position = lowered.find(heading.first_word)
        while position >= 0:
            match = heading.pattern.match(text, position)
            if match and _starts_line(text, position):
                found.append((match.start(), match.end(), heading.category))
            position = lowered.find(heading.first_word, position + 1)
    found.sort(key=lambda h: (h[0], -h[1]))
    kept, end = [], -1
    for start, stop, category in found:   # overlapping headings: the first, then the longest
        if start >= end:
            kept.append((start, stop, category))
            end = stop
    return kept


def _starts_line(text: str, position: int) -> bool:
    """Only blanks before ``position`` on its line: "Decision rationale: Requested Treatment: ..."
    is one rationale, not a rationale cut short by a plan heading."""
    line = text.rfind("\n", 0, position) + 1
    return not text[line:position].strip()


def sections(text: str, rules: ExtractionRules) -> list[Section]:
    """The document's sections in order, covering the whole text."""
    found, position, category = [], 0, NO_SECTION
    for start, end, heading_category in _heading_matches(text, rules):
        found.append(Section(category, position, start))
        category, position = heading_category, end
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
