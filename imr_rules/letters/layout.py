"""Page-layout repair: a letter's text, whatever its source, as one canonical list of paragraphs.

pdfminer prints labels and values in separate columns and breaks pages in mid-paragraph; a
Markdown copy has tables, headings and emphasis. Both become plain paragraphs here, so that one
parser (``letters.parsing``) reads every source and a PDF and its text give the same items.
"""

from __future__ import annotations

import re

# An item heading: "<description>: Upheld" ending its paragraph.
ITEM_HEADING = re.compile(r"^(?P<desc>.*?)\s*:\s*(?P<outcome>Upheld|Overturned)\s*\.?$", re.I | re.S)
_HEADING_LINE_END = re.compile(r":\s*(?:Upheld|Overturned)\s*$", re.I)
OUTCOME_ENDINGS = ("Upheld", "Overturned", "upheld", "overturned", "UPHELD", "OVERTURNED")
# The first letters of the labels below: a cheap test before the regular expression.
_LABEL_INITIALS = frozenset("CcMmEeRrDd")
ANY_LABEL = re.compile(
    r"^(?:Claims Administrator guideline|(?:MAXIMUS|Expert Reviewer|Reviewer) guideline|Decision rationale)\s*:",
    re.I,
)

_FORM_FEED = "\x0c"
_TERMINAL = re.compile(r"[.!?:\"')\]]$")
_MD_TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?=\S)")
_MD_SIGNS = re.compile(r"^\s{0,3}#{1,6}\s|\*\*[^*\n]+\*\*|^\s*\|.*\|\s*$", re.M)
SPACES = re.compile(r"[ \t\u00a0]+")


def looks_like_markdown(text: str) -> bool:
    head = text[:20000]
    # Cheap substring checks first: pdfminer text almost never has these characters.
    if "**" not in head and "\n#" not in head and "|" not in head and not head.startswith("#"):
        return False
    return len(_MD_SIGNS.findall(head)) >= 2


def markdown_to_plain(text: str) -> str:
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


def paragraphs(text: str) -> list[str]:
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
            line = SPACES.sub(" ", line)
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if page_break and not current and paragraphs and _continues(paragraphs[-1], line):
            current = [paragraphs.pop()]
        page_break = False
        if current and line[0] in _LABEL_INITIALS and ANY_LABEL.match(line):
            # "Decision rationale:" sometimes follows its guideline line with no blank line.
            paragraphs.append(" ".join(current))
            current = []
        current.append(line)
        if line.endswith(OUTCOME_ENDINGS) and _HEADING_LINE_END.search(line):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _continues(before: str, after: str) -> bool:
    if after[:1].islower():
        return True
    if before.isupper() or ITEM_HEADING.match(before) or ANY_LABEL.match(after):
        return False
    return not _TERMINAL.search(before)
