"""Reading a letter's "guideline:" paragraphs into citations: tier, title, year, sections, pages and
ODG chapter.

The guideline names (MTUS titles, MTUS sections with commas, ODG chapters) are data:
``reference/data/guideline_titles.yaml``, read with ``datafiles.load_table`` (checked against its
schema when it changes) once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from imr_rules.letters.layout import SPACES
from imr_rules.letters.model import LetterCitation

GUIDELINE_TITLES = "guideline_titles.yaml"  # in reference/data/
GUIDELINE_TITLES_SCHEMA = "guideline_titles.schema.json"  # in schemas/

_NO_EVIDENCE = re.compile(r"did not cite any medical evidence", re.I)
_DECISION_BASED = re.compile(r"Decision based on\s+", re.I)
_NON_MTUS = re.compile(r"^Non-MTUS(?:\s+Citation)?\s*", re.I)
_MTUS_PREFIX = re.compile(r"^(?:CA\s+)?MTUS\s*(?:\(ACOEM\))?\s*", re.I)
_ODG = re.compile(r"Official Disability Guidelines|\bODG\b", re.I)
_ODG_TITLE = re.compile(
    r"^\s*(?:the\s+)?(?:Official Disability Guidelines\s*(?:\(ODG\))?|ODG)\s*[,:;\-]*\s*", re.I
)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
_SECTIONS_LABEL = re.compile(r",?\s*Section\(s\)\s*:\s*", re.I)
_PAGES_LABEL = re.compile(r",?\s*Page\(s\)\s*:\s*", re.I)
_PAGES_VALUE = re.compile(r"^(?P<pages>[\d\s,\-–]+?)(?:\s*of\s*\d+)?\s*(?:[,.;]|$)")
_AND_BEFORE = re.compile(r"(?:^|,|\s)and\s+$", re.I)
_TRAILING_AND = re.compile(r"[,;]?\s*(?:and)?\s*$", re.I)
_MTUS_TAIL = re.compile(r"[,.]?\s*which is (?:a )?part of (?:the )?MTUS\.?\s*$", re.I)
_SECTION_SPLIT = re.compile(r",\s+(?=[A-Z0-9\x00])")  # \x00: a protected section name follows
_PLACEHOLDER = "\x00{}\x00"
_ODG_NOISE = re.compile(
    r"\((?:Acute\s*(?:&|and)\s*Chronic|updated[^)]*|Online Version)\)|\bChapter\b|\bsection\b|"
    r"\bProcedure Summary\b|\bOnline Version\b|\bupdated \d+/\d+/\d+\b",
    re.I,
)
_ODG_SPLIT = re.compile(r"\s*(?:[,;:/]|\s-\s|\s-(?=[A-Z])|\.\s)\s*")


class _Titles(NamedTuple):
    """The guideline names of ``guideline_titles.yaml``, with the patterns made from them."""

    mtus_titles: tuple[str, ...]
    mtus_title_re: re.Pattern[str]
    sections_with_commas: tuple[str, ...]
    odg_chapters: tuple[tuple[re.Pattern[str], str], ...]
    odg_chapter_words: re.Pattern[str]


@lru_cache(maxsize=1)
def _titles() -> _Titles:
    from imr_rules.reference.datafiles import load_table

    return titles_from_data(load_table(GUIDELINE_TITLES, GUIDELINE_TITLES_SCHEMA), GUIDELINE_TITLES)


def titles_from_data(data: dict[str, Any], path: str) -> _Titles:
    """The patterns made from a (schema-valid) guideline-titles table; a pattern that is not a
    regular expression raises :class:`~imr_rules.reference.datafiles.DataFileError` naming its field."""
    titles = tuple(data["mtus_titles"])
    # Longest first, so "Chronic Pain Medical Treatment" wins over any shorter prefix.
    title_re = re.compile(
        r"(?:(?<=^)|(?<=,\s)|(?<=\band\s)|(?<=\s))(?P<title>"
        + "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
        + r")(?:\s+Guidelines?)?(?:\s+\(?(?P<year>(?:19|20)\d\d)\)?)?(?:\s+Guidelines?)?",
        re.I,
    )
    chapters = tuple((_pattern(c["pattern"], path, f"odg_chapters[{n}].pattern"), c["name"])
                     for n, c in enumerate(data["odg_chapters"]))
    for n, words in enumerate(data["odg_chapter_words"]):
        _pattern(words, path, f"odg_chapter_words[{n}]")
    return _Titles(
        mtus_titles=titles,
        mtus_title_re=title_re,
        sections_with_commas=tuple(data["mtus_sections_with_commas"]),
        odg_chapters=chapters,
        odg_chapter_words=re.compile("(?:" + "|".join(data["odg_chapter_words"]) + ")", re.I),
    )


def _pattern(pattern: str, path: str, field: str) -> re.Pattern[str]:
    from imr_rules.errors import Source
    from imr_rules.reference.datafiles import DataFileError

    try:
        return re.compile(pattern, re.I)
    except re.error as error:
        raise DataFileError(f"not a regular expression: {error}", Source(path=path, field=field),
                            "write a Python regular expression") from None


def parse_citations(text: str, party: str = "reviewer") -> tuple[LetterCitation, ...]:
    """Parse a 'guideline:' paragraph into citations, in the order the letter gives them."""
    text = SPACES.sub(" ", text).strip()
    if not text:
        return ()
    if _NO_EVIDENCE.search(text):
        return (LetterCitation(tier="none", text=text),)
    citations: list[LetterCitation] = []
    pieces = _DECISION_BASED.split(text)
    preamble, statements = pieces[0], pieces[1:]
    for statement in statements:
        statement = statement.strip().rstrip(".").strip()
        if not statement:
            continue
        if _NON_MTUS.match(statement):
            citations.append(_non_mtus_citation(_NON_MTUS.sub("", statement, count=1)))
        elif _MTUS_PREFIX.match(statement):
            citations.extend(_mtus_citations(_MTUS_PREFIX.sub("", statement, count=1)))
        else:
            citations.append(_non_mtus_citation(statement))
    if not citations:
        # "outside of the MTUS" with no source named, or free text we cannot read.
        citations.append(LetterCitation(tier="other", text=(preamble or text).strip()))
    return tuple(citations)


def _mtus_citations(text: str) -> list[LetterCitation]:
    text = _MTUS_TAIL.sub("", text)
    matches = _citation_starts(text)
    if not matches:
        return [_mtus_citation(title=None, year=None, rest=text, raw=text)]
    citations = []
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        rest = _TRAILING_AND.sub("", text[match.end() : end]) if number + 1 < len(matches) else text[match.end() : end]
        raw = text[match.start() : end].strip().rstrip(",;").strip()
        if raw.lower().endswith(" and"):
            raw = raw[:-4].rstrip(", ")
        year = int(match.group("year")) if match.group("year") else None
        citations.append(_mtus_citation(_canonical_title(match.group("title")), year, rest, raw))
    return citations


def _citation_starts(text: str) -> list[re.Match[str]]:
    """Title matches that start a citation: the first, and each later one that follows "and"
    and carries a year. Section names repeat title words ("... Chronic Opioid Treatment:
    Initiating ..."), so a bare title inside a section list is not a new citation."""
    starts: list[re.Match[str]] = []
    for match in _titles().mtus_title_re.finditer(text):
        if not starts:
            if match.start() == 0:
                starts.append(match)
            continue
        if match.group("year") and _AND_BEFORE.search(text, 0, match.start()):
            starts.append(match)
    return starts


def _canonical_title(title: str) -> str:
    for known in _titles().mtus_titles:
        if known.lower() == title.lower():
            return known
    return title


def _mtus_citation(title: str | None, year: int | None, rest: str, raw: str) -> LetterCitation:
    rest = rest.strip().strip(",").strip()
    pages: tuple[str, ...] = ()
    page_label = _PAGES_LABEL.search(rest)
    if page_label:
        value = _PAGES_VALUE.match(rest[page_label.end() :])
        if value:
            pages = tuple(p for p in re.split(r"\s*,\s*", value.group("pages").strip()) if p)
        rest = (rest[: page_label.start()] + " " + rest[page_label.end() + (value.end() if value else 0) :]).strip()
    section_label = _SECTIONS_LABEL.search(rest)
    if section_label:
        rest = rest[section_label.end() :]
    if title is None:
        year_match = _YEAR.search(rest)
        year = int(year_match.group(1)) if year_match else None
        title = rest.split(",")[0].strip() or None
        rest = ""
    return LetterCitation(
        tier="MTUS",
        title=title,
        year=year,
        sections=_split_sections(rest),
        pages=pages,
        text=f"MTUS {raw}".strip(),
    )


def _split_sections(text: str) -> tuple[str, ...]:
    text = text.strip().strip(",.;").strip()
    if not text:
        return ()
    protected: list[str] = []
    for name in _titles().sections_with_commas:
        position = text.lower().find(name.lower())
        if position >= 0:
            protected.append(text[position : position + len(name)])
            text = text[:position] + _PLACEHOLDER.format(len(protected) - 1) + text[position + len(name) :]
    parts = []
    for part in _SECTION_SPLIT.split(text):
        for number, original in enumerate(protected):
            part = part.replace(_PLACEHOLDER.format(number), original)
        part = part.strip(" ,.;")
        if part:
            parts.append(part)
    return tuple(parts)


def _non_mtus_citation(text: str) -> LetterCitation:
    text = text.strip()
    if not _ODG.search(text):
        year = _YEAR.search(text)
        return LetterCitation(tier="other", title=text or None, year=int(year.group(1)) if year else None, text=text)
    # Start at the ODG name ("ACOEM guidelines and the Official Disability Guidelines" -> ODG).
    start = _ODG.search(text).start()
    rest = _ODG_TITLE.sub("", text[start:], count=1)
    year_match = _YEAR.search(rest)
    chapter = None
    for pattern, name in _titles().odg_chapters:
        if pattern.search(rest):
            chapter = name
            break
    return LetterCitation(
        tier="ODG",
        title="Official Disability Guidelines (ODG)",
        year=int(year_match.group(1)) if year_match else None,
        sections=_odg_sections(rest),
        chapter=chapter,
        text=text,
    )


def _odg_sections(rest: str) -> tuple[str, ...]:
    """Topic words after the chapter: 'Shoulder Chapter, Magnetic resonance imaging (MRI)'."""
    cleaned = _ODG_NOISE.sub(" ", rest)
    parts = [p.strip(" .-") for p in _ODG_SPLIT.split(cleaned)]
    topics = []
    for part in parts:
        part = SPACES.sub(" ", part).strip()
        if not part or _YEAR.fullmatch(part):
            continue
        if any(pattern.fullmatch(part) for pattern, _ in _titles().odg_chapters):
            continue
        if _titles().odg_chapter_words.fullmatch(part):
            continue
        topics.append(part)
    return tuple(topics)
