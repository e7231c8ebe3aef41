"""Read California DWC IMR Final Determination letters into data.

A letter comes as pdfminer-style text (labels and values in separate columns, page breaks in the
middle of paragraphs), as the PDF itself, or as a Markdown copy. All three are first turned into
one canonical form, a list of paragraphs, and then read by one parser, so that a PDF and its text
give the same items.

Public surface: :func:`read_letter`, :func:`parse_letter_text`, :func:`iter_letters`,
:func:`letter_to_dict`, and the frozen dataclasses :class:`Letter`, :class:`DisputedItem`,
:class:`Citation`. Bad input raises :class:`~imr_rules.errors.LetterError` (one line, never a
traceback); a damaged letter is returned with what could be read plus ``warnings``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from imr_rules.errors import ImrRulesError, LetterError, Source

__all__ = [
    "Citation",
    "DisputedItem",
    "LetterDates",
    "Letter",
    "read_letter",
    "parse_letter_text",
    "iter_letters",
    "letter_to_dict",
    "parse_citations",
    "LETTER_SUFFIXES",
]

LETTER_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")

OUTCOMES = ("upheld", "overturned")
TIERS = ("MTUS", "ODG", "other", "none")


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """One guideline a decision was based on, as cited in the letter.

    ``tier`` follows the California evidence hierarchy: ``MTUS`` (8 CCR 9792.20 ff.), ``ODG``
    (a non-MTUS guideline, but the one most cited), ``other`` (any other non-MTUS source, or
    "outside of the MTUS" with no source named) and ``none`` ("did not cite any medical evidence").
    """

    tier: str
    title: str | None = None
    year: int | None = None
    sections: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    chapter: str | None = None
    text: str = ""


@dataclass(frozen=True)
class DisputedItem:
    """One disputed item/service and its decision.

    ``description`` is the item as the letter words it in the decision heading. When utilization
    review certified part of a request, the heading names the original request and the remaining
    IMR-eligible portion: ``description`` is then the disputed portion and ``original_request``
    (and ``authorized_portion``, when stated) keep the rest.
    """

    index: int
    description: str
    outcome: str | None
    claims_admin_citations: tuple[Citation, ...] = ()
    reviewer_citations: tuple[Citation, ...] = ()
    rationale: str = ""
    original_request: str | None = None
    authorized_portion: str | None = None

    @property
    def partially_certified(self) -> bool:
        return self.original_request is not None


@dataclass(frozen=True)
class LetterDates:
    """The letter's header dates, as ISO ``YYYY-MM-DD`` strings (``None`` when absent)."""

    date_assigned: str | None = None
    decision_date: str | None = None
    date_of_injury: str | None = None
    ur_denial_date: str | None = None
    application_received: str | None = None


@dataclass(frozen=True)
class Letter:
    case_number: str | None
    dates: LetterDates = field(default_factory=LetterDates)
    priority: str | None = None
    reviewer_licensure: tuple[str, ...] = ()
    reviewer_specialty: tuple[str, ...] = ()
    patient_age: int | None = None
    patient_sex: str | None = None
    case_summary: str = ""
    items: tuple[DisputedItem, ...] = ()
    warnings: tuple[str, ...] = ()
    source: str | None = None

    # Convenience accessors so callers can write letter.decision_date.
    @property
    def decision_date(self) -> str | None:
        return self.dates.decision_date

    @property
    def date_assigned(self) -> str | None:
        return self.dates.date_assigned

    @property
    def date_of_injury(self) -> str | None:
        return self.dates.date_of_injury

    @property
    def ur_denial_date(self) -> str | None:
        return self.dates.ur_denial_date

    @property
    def application_received(self) -> str | None:
        return self.dates.application_received


# --------------------------------------------------------------------------------------------
# Patterns (compiled once, at import)
# --------------------------------------------------------------------------------------------

_CASE_NUMBER = re.compile(r"\bCM\d{2}-\d{5,8}\b")
_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_DATE_RE = re.compile(_DATE)
_STANDALONE_DATE = re.compile(r"^\s*(" + _DATE + r")\s*$")
_PRIORITY = re.compile(r"\b(Standard|Expedited|Urgent)\b")

# Header labels in reading order; the value may follow on the same line ("UR Denial Date:
# 11/03/2016", Markdown "**Case Number:** ...") or sit in a separate column (pdfminer).
_DATE_LABELS = (
    ("date_assigned", re.compile(r"Date\s+Assigned\s*:?")),
    ("decision_date", re.compile(r"Decision\s+Date\s*:?")),
    ("date_of_injury", re.compile(r"Date\s+of\s+Injury\s*:?")),
    ("ur_denial_date", re.compile(r"UR\s+Denial\s+Date\s*:?")),
    # pdfminer may print the value between the two words of this wrapped label.
    ("application_received", re.compile(r"Application\s+(?:\d{1,2}/\d{1,2}/\d{4}\s+)?Received\s*:?")),
)
_INLINE_VALUE = r"[ \t]*(?:\|[ \t]*)?(" + _DATE + r")"

_HEADER_END = re.compile(r"HOW THE IMR FINAL DETERMINATION WAS MADE|CLINICAL CASE SUMMARY", re.I)
_LICENSURE = re.compile(r"State\(s\) of Licensure\s*:?\s*(?P<v>[^\n]*)", re.I)
_SPECIALTY = re.compile(r"Certification\(s\)/Specialty\s*:?\s*(?P<v>[^\n]*)", re.I)
_SUMMARY_HEAD = re.compile(r"^CLINICAL CASE SUMMARY\s*$", re.I | re.M)
_SUMMARY_INTRO = re.compile(r"^The expert reviewer developed the following clinical case summary", re.I)
_ISSUES_HEAD = re.compile(r"^IMR ISSUES,? DECISIONS,? AND RATIONALES?\s*$", re.I | re.M)
_ISSUES_INTRO = re.compile(r"set forth below\s*:?\s*$", re.I)
_AGE_SEX = re.compile(
    r"\b(?P<age>\d{1,3})[- ]?(?:year|yr)s?[- ]old\s+(?:[a-z]+\s+){0,2}?(?P<sex>male|female|man|woman|gentleman|lady)\b",
    re.I,
)

# An item heading: "<description>: Upheld" ending its paragraph.
_ITEM_HEADING = re.compile(r"^(?P<desc>.*?)\s*:\s*(?P<outcome>Upheld|Overturned)\s*\.?$", re.I | re.S)
_HEADING_LINE_END = re.compile(r":\s*(?:Upheld|Overturned)\s*$", re.I)
_OUTCOME_ENDINGS = ("Upheld", "Overturned", "upheld", "overturned", "UPHELD", "OVERTURNED")
_LABEL_INITIALS = frozenset("CcMmEeRrDd")
_CLAIMS_LABEL = re.compile(r"^Claims Administrator guideline\s*:\s*", re.I)
_REVIEWER_LABEL = re.compile(r"^(?:MAXIMUS|Expert Reviewer|Reviewer) guideline\s*:\s*", re.I)
_RATIONALE_LABEL = re.compile(r"^Decision rationale\s*:\s*", re.I)
_ANY_LABEL = re.compile(
    r"^(?:Claims Administrator guideline|(?:MAXIMUS|Expert Reviewer|Reviewer) guideline|Decision rationale)\s*:",
    re.I,
)

# Partial certification, two wordings seen in the corpus:
#   "X was the original request. Y was authorized by the Claims Administrator. The remaining IMR
#    eligible portion of the original request, Z is: Upheld"
#   "X was the original request. The Claims Administrator authorized Y, leaving the original
#    request IMR eligible. The original request, X is: Upheld"
_ORIGINAL = re.compile(r"^(?P<orig>.+?)\s+(?:was|were) the original request\.\s*", re.I | re.S)
_AUTHORIZED_PASSIVE = re.compile(
    r"(?P<auth>.+?)\s+(?:was|were) authorized by the Claims Administrator\.?\s*", re.I | re.S
)
_AUTHORIZED_ACTIVE = re.compile(
    r"The Claims Administrator authorized\s+(?P<auth>.+?),?\s+leaving the original request IMR eligible\.?\s*",
    re.I | re.S,
)
_REMAINING = re.compile(
    r"(?:The remaining IMR eligible portion of the original request|The original request)\s*(?:,|\bis\b)?\s*"
    r"(?P<rem>.+?)(?:\s+is)?\s*$",
    re.I | re.S,
)

_NO_EVIDENCE = re.compile(r"did not cite any medical evidence", re.I)
_OUTSIDE_MTUS = re.compile(r"outside of the MTUS", re.I)
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

# MTUS guideline titles as the letters name them; longest first so "Chronic Pain Medical
# Treatment" wins over any shorter prefix. Titles with commas ("Forearm, Wrist, and Hand") are
# why a citation list cannot simply be split on ", and".
_MTUS_TITLES = (
    "Chronic Pain Medical Treatment",
    "Forearm, Wrist, and Hand Complaints",
    "Forearm, Wrist and Hand Complaints",
    "Neck and Upper Back Complaints",
    "Ankle and Foot Complaints",
    "Low Back Complaints",
    "Shoulder Complaints",
    "Elbow Complaints",
    "Knee Complaints",
    "Hip and Groin Complaints",
    "Eye Complaints",
    "Stress Related Conditions",
    "Stress-Related Conditions",
    "Acupuncture Medical Treatment",
    "Acupuncture Treatment",
    "Postsurgical Treatment",
    "Opioid Treatment",
    "Opioids Treatment",
    "General Approaches",
    "Clinical Topics",
)
_MTUS_TITLE_RE = re.compile(
    r"(?:(?<=^)|(?<=,\s)|(?<=\band\s)|(?<=\s))(?P<title>"
    + "|".join(re.escape(t) for t in sorted(_MTUS_TITLES, key=len, reverse=True))
    + r")(?:\s+Guidelines?)?(?:\s+\(?(?P<year>(?:19|20)\d\d)\)?)?(?:\s+Guidelines?)?",
    re.I,
)
_AND_BEFORE = re.compile(r"(?:^|,|\s)and\s+$", re.I)
_TRAILING_AND = re.compile(r"[,;]?\s*(?:and)?\s*$", re.I)
_MTUS_TAIL = re.compile(r"[,.]?\s*which is (?:a )?part of (?:the )?MTUS\.?\s*$", re.I)

# Section names that contain a comma followed by a capital letter, kept whole when a section
# list is split on ", ".
_COMMA_SECTIONS = (
    "NSAIDs, GI symptoms & cardiovascular risk",
    "NSAIDs, specific drug list & adverse effects",
    "NSAIDs, hypertension and renal function",
    "TENS, chronic pain (transcutaneous electrical nerve stimulation)",
    "TENS, post operative pain (transcutaneous electrical nerve stimulation)",
    "Opioids, criteria for use",
    "Opioids, specific drug list",
    "Opioids, long-term assessment",
    "Opioids, dosing",
)
_SECTION_SPLIT = re.compile(r",\s+(?=[A-Z0-9])")
_PLACEHOLDER = "\x00{}\x00"

# ODG chapters: a pattern for each spelling seen, and the canonical chapter name.
_ODG_CHAPTERS = tuple(
    (re.compile(p, re.I), name)
    for p, name in (
        (r"\bLow[- ]?back\b", "Low Back Chapter"),
        (r"\bNeck\b", "Neck and Upper Back Chapter"),
        (r"\bShoulder\b", "Shoulder Chapter"),
        (r"\bElbow\b", "Elbow Chapter"),
        (r"\bForearm\b|\bWrist\b|\bHand\b", "Forearm, Wrist, and Hand Chapter"),
        (r"\bHip\b|\bPelvis\b", "Hip and Pelvis Chapter"),
        (r"\bKnee\b", "Knee and Leg Chapter"),
        (r"\bAnkle\b|\bFoot\b", "Ankle and Foot Chapter"),
        (r"\bHead\b", "Head Chapter"),
        (r"\bPain\b", "Pain Chapter"),
        (r"\bFitness for Duty\b", "Fitness for Duty Chapter"),
        (r"\bMental\b|\bStress\b", "Mental Illness and Stress Chapter"),
        (r"\bHernia\b", "Hernia Chapter"),
        (r"\bEye\b", "Eye Chapter"),
        (r"\bBurns?\b", "Burns Chapter"),
        (r"\bPulmonary\b", "Pulmonary Chapter"),
        (r"\bChiropractic\b|\bPhysical Therapy Guidelines\b|\bPreface\b", "Preface"),
    )
)
# Words that carry no section information in an ODG citation remainder.
_ODG_NOISE = re.compile(
    r"\((?:Acute\s*(?:&|and)\s*Chronic|updated[^)]*|Online Version)\)|\bChapter\b|\bsection\b|"
    r"\bProcedure Summary\b|\bOnline Version\b|\bupdated \d+/\d+/\d+\b",
    re.I,
)
_ODG_SPLIT = re.compile(r"\s*(?:[,;:/]|\s-\s|\s-(?=[A-Z])|\.\s)\s*")

_FORM_FEED = "\x0c"
# Text cut off mid-sentence (a truncated letter) ends in a comma, hyphen or a function word;
# a letter that merely omits the final period does not.
_TRUNCATED = re.compile(r"(?:[,;\-/(]|\b(?:the|a|an|of|to|and|or|for|with|in|on|at|by|is|was|that|as))\s*$", re.I)
_TERMINAL = re.compile(r"[.!?:\"')\]]$")
_MD_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?=\S)")
_MD_SIGNS = re.compile(r"^\s{0,3}#{1,6}\s|\*\*[^*\n]+\*\*|^\s*\|.*\|\s*$", re.M)
_SPACES = re.compile(r"[ \t\u00a0]+")

_PDF_LOGGERS = ("pdfminer",)


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------


def read_letter(path: str | Path) -> Letter:
    """Read one letter from a .txt, .md or .pdf file. Raises :class:`LetterError`."""
    path = Path(path)
    text = _read_text(path)
    return parse_letter_text(text, source=str(path))


def iter_letters(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Letter | LetterError]]:
    """Yield ``(path, Letter or LetterError)`` for each file, in sorted order within directories.

    A directory is expanded to the letter files in it (not recursively). A bad file yields its
    error instead of stopping the batch.
    """
    for path in _expand(paths):
        try:
            yield path, read_letter(path)
        except LetterError as error:
            yield path, error
        except ImrRulesError as error:  # any other input error becomes a letter error
            yield path, LetterError(error.message, source=error.source, hint=error.hint)


def _expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() in LETTER_SUFFIXES and p.is_file())
        else:
            yield path


def _read_text(path: Path) -> str:
    if not path.exists():
        raise LetterError("file not found", source=Source(path=str(path)), hint="expected an IMR letter (.txt, .md or .pdf)")
    if not path.is_file():
        raise LetterError("not a file", source=Source(path=str(path)))
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LetterError(f"cannot read file: {error.strerror or error}", source=Source(path=str(path))) from None
    if not data.strip():
        raise LetterError("file is empty", source=Source(path=str(path)), hint="expected an IMR determination letter")
    if path.suffix.lower() == ".pdf" or data.startswith(b"%PDF"):
        return _pdf_text(path, data)
    if b"\x00" in data[:4096]:
        raise LetterError(
            "file is binary, not text",
            source=Source(path=str(path)),
            hint="expected an IMR letter as .txt, .md or .pdf",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Letters saved from Windows tools are often cp1252; fall back rather than fail.
        return data.decode("cp1252", errors="replace")


def _pdf_text(path: Path, data: bytes) -> str:
    if not data.startswith(b"%PDF"):
        raise LetterError("not a PDF file", source=Source(path=str(path)), hint="the file has a .pdf suffix but no %PDF header")
    try:
        from pdfminer.high_level import extract_text
    except ImportError:  # pragma: no cover - dependency declared in pyproject
        raise LetterError("reading PDF letters needs pdfminer.six", source=Source(path=str(path)), hint="pip install pdfminer.six") from None
    import io

    # The DWC PDFs carry a "no text extraction" flag that pdfminer logs a warning about on every
    # file; the letters are public records, so the warning is noise on the user's terminal.
    loggers = [logging.getLogger(name) for name in _PDF_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        text = extract_text(io.BytesIO(data))
    except Exception as error:  # pdfminer raises many unrelated types for broken files
        raise LetterError(
            f"cannot read PDF: {type(error).__name__}: {error}".rstrip(": "),
            source=Source(path=str(path)),
        ) from None
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
    if not text.strip():
        raise LetterError(
            "PDF has no text layer", source=Source(path=str(path)), hint="scanned letters need OCR first"
        )
    return text


# --------------------------------------------------------------------------------------------
# Canonical form: lines -> paragraphs
# --------------------------------------------------------------------------------------------


def _looks_like_markdown(text: str) -> bool:
    head = text[:20000]
    # Cheap substring checks first: pdfminer text almost never has these characters.
    if "**" not in head and "\n#" not in head and "|" not in head and not head.startswith("#"):
        return False
    return len(_MD_SIGNS.findall(head)) >= 2


def _markdown_to_plain(text: str) -> str:
    """Turn a Markdown copy of a letter into the plain, one-value-per-label form."""
    out: list[str] = []
    for line in text.splitlines():
        if _MD_TABLE_RULE.match(line) and set(line.strip()) <= set("|:- "):
            continue
        row = _MD_TABLE_ROW.match(line)
        if row:
            cells = [c.strip() for c in row.group("cells").split("|")]
            cells = [_MD_EMPHASIS.sub(r"\2", c) for c in cells if c]
            # A two-cell row is "label | value"; a wider one is kept as a line of cells.
            if len(cells) == 2:
                label = cells[0].rstrip(":")
                line = f"{label}: {cells[1]}"
            else:
                line = " ".join(cells)
            out.append(line)
            out.append("")  # each table row is its own paragraph
            continue
        line = _MD_HEADING.sub("", line)
        line = _MD_LIST.sub("", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        line = line.replace("\\", "")
        out.append(line)
    return "\n".join(out)


def _paragraphs(text: str) -> list[str]:
    """Split into paragraphs (lines joined by spaces), healing paragraphs split by a page break.

    pdfminer separates text boxes by a blank line and pages by a run of blank lines plus a form
    feed. A page break in mid-paragraph would otherwise cut an item heading or a rationale in
    two; it is joined when the text before it does not end a sentence or the text after it
    starts in lower case.
    """
    paragraphs: list[str] = []
    current: list[str] = []
    page_break = False
    for raw in text.split("\n"):
        if _FORM_FEED in raw:
            page_break = True
            raw = raw.replace(_FORM_FEED, "")
        line = raw.strip()
        if "  " in line or "\t" in line or "\u00a0" in line:
            line = _SPACES.sub(" ", line)
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if page_break and not current and paragraphs and _continues(paragraphs[-1], line):
            current = [paragraphs.pop()]
        page_break = False
        if current and line[0] in _LABEL_INITIALS and _ANY_LABEL.match(line):
            # "Decision rationale:" sometimes follows its guideline line with no blank line.
            paragraphs.append(" ".join(current))
            current = []
        current.append(line)
        if line.endswith(_OUTCOME_ENDINGS) and _HEADING_LINE_END.search(line):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _continues(before: str, after: str) -> bool:
    if after[:1].islower():
        return True
    if before.isupper() or _ITEM_HEADING.match(before) or _ANY_LABEL.match(after):
        return False
    return not _TERMINAL.search(before)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def parse_letter_text(text: str, source: str | None = None) -> Letter:
    """Parse the text of a letter (pdfminer layout or Markdown). Raises :class:`LetterError`.

    ``source`` names the file in errors and is kept on the letter.
    """
    if not isinstance(text, str) or not text.strip():
        raise LetterError("letter text is empty", source=Source(path=source), hint="expected an IMR determination letter")
    if "\x00" in text[:4096]:
        raise LetterError("text is binary", source=Source(path=source), hint="expected an IMR determination letter")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _looks_like_markdown(text):
        text = _markdown_to_plain(text)

    header_text = _header_text(text)
    case_number = _first(_CASE_NUMBER, header_text) or _first(_CASE_NUMBER, text)
    paragraphs = _paragraphs(text)
    issues_at = _section_start(paragraphs, _ISSUES_HEAD)
    if case_number is None and issues_at is None:
        raise LetterError(
            "not an IMR determination letter",
            source=Source(path=source),
            hint="expected a case number (CMyy-nnnnnnn) and an 'IMR ISSUES, DECISIONS AND RATIONALES' section",
        )

    warnings: list[str] = []
    if case_number is None:
        warnings.append("no case number (CMyy-nnnnnnn) found")
    dates = _parse_dates(header_text, warnings)
    licensure, specialty = _parse_reviewer(text)
    summary = _case_summary(paragraphs, issues_at)
    age, sex = _age_sex(summary)
    if issues_at is None:
        warnings.append("no 'IMR ISSUES, DECISIONS AND RATIONALES' section found")
        items: tuple[DisputedItem, ...] = ()
    else:
        items = _parse_items(paragraphs[issues_at + 1 :], warnings)
        if not items:
            warnings.append("no disputed items found")
    return Letter(
        case_number=case_number,
        dates=dates,
        priority=_priority(header_text),
        reviewer_licensure=licensure,
        reviewer_specialty=specialty,
        patient_age=age,
        patient_sex=sex,
        case_summary=summary,
        items=items,
        warnings=tuple(warnings),
        source=source,
    )


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0) if match else None


def _header_text(text: str) -> str:
    match = _HEADER_END.search(text)
    if match:
        return text[: match.start()]
    return "\n".join(text.split("\n")[:40])


def _priority(header: str) -> str | None:
    match = _PRIORITY.search(header)
    return match.group(1) if match else None


def _parse_dates(header: str, warnings: list[str]) -> LetterDates:
    """Match header labels to dates.

    A value on the label's own line belongs to it. The other labels take the dates that stand
    alone on a line, in reading order: pdfminer prints the label column and the value column
    separately, but keeps both in the same order.
    """
    values: dict[str, str | None] = {}
    pending: list[str] = []
    for name, label in _DATE_LABELS:
        match = label.search(header)
        if not match:
            continue
        inline = re.match(_INLINE_VALUE, header[match.end() :])
        if inline and "\n" not in header[match.end() : match.end() + inline.start(1)]:
            values[name] = inline.group(1)
        else:
            pending.append(name)
    # Dates standing alone, minus those already claimed inline on a label's line.
    loose = [m.group(1) for m in map(_STANDALONE_DATE.match, header.split("\n")) if m]
    for name, value in zip(pending, loose):
        values[name] = value
    iso: dict[str, str | None] = {}
    for name, _ in _DATE_LABELS:
        raw = values.get(name)
        iso[name] = _iso_date(raw) if raw else None
        if raw and iso[name] is None:
            warnings.append(f"{name.replace('_', ' ')}: '{raw}' is not a valid date")
    return LetterDates(**iso)


def _iso_date(text: str) -> str | None:
    month, day, year = (int(part) for part in text.split("/"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _split_list(value: str) -> tuple[str, ...]:
    parts = [p.strip(" .;") for p in re.split(r"\s*,\s*", value)]
    return tuple(p for p in parts if p)


def _parse_reviewer(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    licensure = _LICENSURE.search(text)
    specialty = _SPECIALTY.search(text)
    return (
        _split_list(licensure.group("v")) if licensure else (),
        _split_list(specialty.group("v")) if specialty else (),
    )


def _section_start(paragraphs: list[str], heading: re.Pattern[str]) -> int | None:
    for index, paragraph in enumerate(paragraphs):
        if heading.match(paragraph):
            return index
    return None


def _case_summary(paragraphs: list[str], issues_at: int | None) -> str:
    start = _section_start(paragraphs, _SUMMARY_HEAD)
    if start is None:
        return ""
    end = issues_at if issues_at is not None and issues_at > start else len(paragraphs)
    body = [p for p in paragraphs[start + 1 : end] if not _SUMMARY_INTRO.match(p)]
    return "\n\n".join(body)


def _age_sex(summary: str) -> tuple[int | None, str | None]:
    match = _AGE_SEX.search(summary)
    if not match:
        return None, None
    sex = match.group("sex").lower()
    sex = "male" if sex in ("male", "man", "gentleman") else "female"
    return int(match.group("age")), sex


# --------------------------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------------------------


@dataclass
class _ItemDraft:
    heading: str
    outcome: str | None
    claims: list[str] = field(default_factory=list)
    reviewer: list[str] = field(default_factory=list)
    rationale: list[str] = field(default_factory=list)
    target: list[str] | None = None


def _parse_items(paragraphs: list[str], warnings: list[str]) -> tuple[DisputedItem, ...]:
    drafts: list[_ItemDraft] = []
    for paragraph in paragraphs:
        if not drafts and _ISSUES_INTRO.search(paragraph):
            continue
        heading = _ITEM_HEADING.match(paragraph) if _ends_with_outcome(paragraph) else None
        if heading and not _ANY_LABEL.match(paragraph) and _is_heading_text(heading.group("desc")):
            drafts.append(_ItemDraft(heading.group("desc"), heading.group("outcome").lower()))
            continue
        if not drafts:
            continue
        draft = drafts[-1]
        for label, target in (
            (_CLAIMS_LABEL, draft.claims),
            (_REVIEWER_LABEL, draft.reviewer),
            (_RATIONALE_LABEL, draft.rationale),
        ):
            match = label.match(paragraph)
            if match:
                draft.target = target
                paragraph = paragraph[match.end() :]
                break
        if draft.target is not None:
            draft.target.append(paragraph)
        else:
            # Text between a heading and its first label: the heading wrapped onto a new box.
            draft.heading = f"{draft.heading} {paragraph}"
    return tuple(_finish_item(i, d, warnings) for i, d in enumerate(drafts, start=1))


def _ends_with_outcome(paragraph: str) -> bool:
    return paragraph.rstrip(" .").endswith(_OUTCOME_ENDINGS)


def _is_heading_text(desc: str) -> bool:
    # A rationale sentence that happens to end in "upheld" is not an item heading: headings are
    # short-ish and end in a colon before the outcome in every letter layout.
    return 0 < len(desc) < 600


def _finish_item(index: int, draft: _ItemDraft, warnings: list[str]) -> DisputedItem:
    description, original, authorized = _split_partial(draft.heading.strip())
    rationale = "\n\n".join(p.strip() for p in draft.rationale if p.strip())
    missing = [
        name
        for name, parts in (
            ("claims administrator guideline", draft.claims),
            ("reviewer guideline", draft.reviewer),
            ("decision rationale", draft.rationale),
        )
        if not parts
    ]
    if missing:
        warnings.append(f"item {index} ({_short(description)}): no {', no '.join(missing)}")
    elif _TRUNCATED.search(rationale[-20:]):
        warnings.append(f"item {index} ({_short(description)}): decision rationale ends mid-sentence")
    return DisputedItem(
        index=index,
        description=description,
        outcome=draft.outcome,
        claims_admin_citations=parse_citations(" ".join(draft.claims), party="claims_administrator"),
        reviewer_citations=parse_citations(" ".join(draft.reviewer), party="reviewer"),
        rationale=rationale,
        original_request=original,
        authorized_portion=authorized,
    )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _split_partial(heading: str) -> tuple[str, str | None, str | None]:
    """Split a partial-certification heading into (disputed portion, original, authorized)."""
    original = _ORIGINAL.search(heading)
    if not original:
        return heading, None, None
    rest = heading[original.end() :]
    authorized = None
    for pattern in (_AUTHORIZED_ACTIVE, _AUTHORIZED_PASSIVE):
        match = pattern.match(rest)
        if match:
            authorized = match.group("auth").strip()
            rest = rest[match.end() :]
            break
    remaining = _REMAINING.match(rest)
    disputed = remaining.group("rem").strip() if remaining else rest.strip()
    orig_text = _strip_lead_in(original.group("orig").strip())
    return disputed or orig_text, orig_text, authorized


def _strip_lead_in(text: str) -> str:
    # "The request for X was the original request" -> "X"
    return re.sub(r"^(?:The )?request for\s+", "", text, flags=re.I)


# --------------------------------------------------------------------------------------------
# Citations
# --------------------------------------------------------------------------------------------


def parse_citations(text: str, party: str = "reviewer") -> tuple[Citation, ...]:
    """Parse a 'guideline:' paragraph into citations, in the order the letter gives them."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return ()
    if _NO_EVIDENCE.search(text):
        return (Citation(tier="none", text=text),)
    citations: list[Citation] = []
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
        citations.append(Citation(tier="other", text=(preamble or text).strip()))
    return tuple(citations)


def _mtus_citations(text: str) -> list[Citation]:
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
    for match in _MTUS_TITLE_RE.finditer(text):
        if not starts:
            if match.start() == 0:
                starts.append(match)
            continue
        if match.group("year") and _AND_BEFORE.search(text, 0, match.start()):
            starts.append(match)
    return starts


def _canonical_title(title: str) -> str:
    for known in _MTUS_TITLES:
        if known.lower() == title.lower():
            return known
    return title


def _mtus_citation(title: str | None, year: int | None, rest: str, raw: str) -> Citation:
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
    return Citation(
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
    for name in _COMMA_SECTIONS:
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


def _non_mtus_citation(text: str) -> Citation:
    text = text.strip()
    if not _ODG.search(text):
        year = _YEAR.search(text)
        return Citation(tier="other", title=text or None, year=int(year.group(1)) if year else None, text=text)
    # Start at the ODG name ("ACOEM guidelines and the Official Disability Guidelines" -> ODG).
    start = _ODG.search(text).start()
    rest = _ODG_TITLE.sub("", text[start:], count=1)
    year_match = _YEAR.search(rest)
    chapter = None
    for pattern, name in _ODG_CHAPTERS:
        if pattern.search(rest):
            chapter = name
            break
    return Citation(
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
        part = _SPACES.sub(" ", part).strip()
        if not part or _YEAR.fullmatch(part):
            continue
        if any(pattern.fullmatch(part) for pattern, _ in _ODG_CHAPTERS):
            continue
        if re.fullmatch(r"(?:Low Back|Neck (?:and|&) Upper Back|Knee (?:and|&) Leg|Hip (?:and|&) Pelvis|"
                        r"Ankle (?:and|&) Foot|Forearm|Wrist|(?:and )?Hand|Lumbar (?:and|&) Thoracic|"
                        r"Low Back - Lumbar (?:and|&) Thoracic|Pain \(Chronic\)|Pain|Head|Shoulder|Elbow|"
                        r"Neck and upper back|Low back|Lumbar|Thoracic|Work Loss Data Institute.*)",
                        part, re.I):
            continue
        topics.append(part)
    return tuple(topics)


# --------------------------------------------------------------------------------------------
# JSON-ready form
# --------------------------------------------------------------------------------------------


def citation_to_dict(citation: Citation) -> dict:
    return {
        "tier": citation.tier,
        "title": citation.title,
        "year": citation.year,
        "chapter": citation.chapter,
        "sections": list(citation.sections),
        "pages": list(citation.pages),
        "text": citation.text,
    }


def item_to_dict(item: DisputedItem) -> dict:
    from imr_rules.letters.describe import describe_item, item_description_to_dict

    description = describe_item(item.description)
    if description.category == "other" and item.original_request:
        # A disputed portion can be a fragment ("with open carpal tunnel release"); the
        # original request names the service in full.
        description = describe_item(item.original_request)
    described = item_description_to_dict(description)
    return {
        "index": item.index,
        "description": item.description,
        "outcome": item.outcome,
        "category": described["category"],
        "subcategory": described["subcategory"],
        "modifiers": described["modifiers"],
        "quantity": described["quantity"],
        "frequency_per_week": described["frequency_per_week"],
        "duration_weeks": described["duration_weeks"],
        "body_region": described["body_region"],
        "body_regions": described["body_regions"],
        "laterality": described["laterality"],
        "drug": described["drug"],
        "partially_certified": item.partially_certified,
        "original_request": item.original_request,
        "authorized_portion": item.authorized_portion,
        "citations": {
            "claims_administrator": [citation_to_dict(c) for c in item.claims_admin_citations],
            "reviewer": [citation_to_dict(c) for c in item.reviewer_citations],
        },
        "rationale": item.rationale,
    }


def letter_to_dict(letter: Letter) -> dict:
    """A stable, JSON-ready dict of the letter (key order fixed; lists in letter order)."""
    return {
        "case_number": letter.case_number,
        "decision_date": letter.dates.decision_date,
        "date_assigned": letter.dates.date_assigned,
        "date_of_injury": letter.dates.date_of_injury,
        "ur_denial_date": letter.dates.ur_denial_date,
        "application_received": letter.dates.application_received,
        "priority": letter.priority,
        "reviewer": {
            "licensure": list(letter.reviewer_licensure),
            "specialty": list(letter.reviewer_specialty),
        },
        "patient": {"age": letter.patient_age, "sex": letter.patient_sex},
        "case_summary": letter.case_summary,
        "items": [item_to_dict(item) for item in letter.items],
        "warnings": list(letter.warnings),
        "source": letter.source,
    }
