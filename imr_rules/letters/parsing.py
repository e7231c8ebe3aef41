"""Reading a letter's text into a :class:`Letter`: header (case number, dates, priority, reviewer),
the clinical case summary, and each disputed item with its outcome, citations and rationale.

The text is first made canonical paragraphs (``letters.layout``), so one parser serves pdfminer
text, PDFs and Markdown. Bad input raises :class:`~imr_rules.errors.LetterError` (one line, never
a traceback); a damaged letter is returned with what could be read, plus ``warnings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from imr_rules.errors import LetterError, Source
from imr_rules.letters.citations import parse_citations
from imr_rules.letters.completeness import truncation_warnings
from imr_rules.letters.layout import ANY_LABEL, ITEM_HEADING, OUTCOME_ENDINGS, looks_like_markdown, markdown_to_plain
from imr_rules.letters.layout import paragraphs as split_paragraphs
from imr_rules.letters.model import DisputedItem, Letter, LetterDates

_CASE_NUMBER = re.compile(r"\bCM\d{2}-\d{5,8}\b")
_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
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


_CLAIMS_LABEL = re.compile(r"^Claims Administrator guideline\s*:\s*", re.I)
_REVIEWER_LABEL = re.compile(r"^(?:MAXIMUS|Expert Reviewer|Reviewer) guideline\s*:\s*", re.I)
_RATIONALE_LABEL = re.compile(r"^Decision rationale\s*:\s*", re.I)

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
# Text cut off mid-sentence (a truncated letter) ends in a comma, hyphen or a function word;
# a letter that merely omits the final period does not.
_TRUNCATED = re.compile(r"(?:[,;\-/(]|\b(?:the|a|an|of|to|and|or|for|with|in|on|at|by|is|was|that|as))\s*$", re.I)


def parse_letter_text(text: str, source: str | None = None) -> Letter:
    """Parse the text of a letter (pdfminer layout or Markdown). Raises :class:`LetterError`.

    ``source`` names the file in errors and is kept on the letter.
    """
    if not isinstance(text, str) or not text.strip():
        raise LetterError("letter text is empty", source=Source(path=source), hint="expected an IMR determination letter")
    if "\x00" in text[:4096]:
        raise LetterError("text is binary", source=Source(path=source), hint="expected an IMR determination letter")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if looks_like_markdown(text):
        text = markdown_to_plain(text)

    header_text = _header_text(text)
    case_number = _first(_CASE_NUMBER, header_text) or _first(_CASE_NUMBER, text)
    paragraphs = split_paragraphs(text)
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
    warnings.extend(truncation_warnings(text, [item.rationale for item in items]))
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
        heading = ITEM_HEADING.match(paragraph) if _ends_with_outcome(paragraph) else None
        if heading and not ANY_LABEL.match(paragraph) and _is_heading_text(heading.group("desc")):
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
    return paragraph.rstrip(" .").endswith(OUTCOME_ENDINGS)


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
