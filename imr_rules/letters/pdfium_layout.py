"""A PDF page's text by PDFium (pypdfium2), laid out in text boxes as pdfminer lays it out.

The letter parser (``letters.layout`` and ``letters.parsing``) reads paragraphs: pdfminer writes
each text box followed by a blank line, and each page followed by a form feed. PDFium is about
15 times faster but gives its lines in reading order with no boxes, so here consecutive lines are
put in one box by pdfminer's own test (``LTTextLineHorizontal.find_neighbors`` with the default
``LAParams``, line margin 0.5): the two lines are of the same height within half a line, no more
than half a line apart vertically, overlap horizontally, and are aligned on the left, the right or
the centre. A line's height is its font size (as pdfminer measures a character); its bottom is
the baseline less a quarter of it (the descent cancels out when lines of one font are compared).

PDFium joins a word hyphenated across a line break into one line, marking the hyphen U+FFFE; the
line is split there again, with a plain hyphen, as pdfminer prints it.

On the 194 corpus letters the parse is the same as pdfminer's in every field but two passages:
where a redaction leaves a gap in a line, pdfminer moves the words after the gap to the end of the
page, and PDFium keeps them in place (tests/test_pdf_engines.py names the letters).
"""

from __future__ import annotations

import ctypes
import math
import re
from typing import Iterator, NamedTuple

LINE_MARGIN = 0.5  # pdfminer's LAParams.line_margin
_DESCENT = 0.25  # of the font size, below the baseline
# A line break, or a hyphen PDFium joined across one (it marks it U+FFFE).
_BREAK = re.compile("\r\n|\ufffe")
_HYPHEN_JOIN = "\ufffe"


class Line(NamedTuple):
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def open_pdf(data: bytes):
    """The PDFium document of ``data`` (encrypted letters with an empty password open as they are)."""
    import pypdfium2

    return pypdfium2.PdfDocument(data)


def page_count(document) -> int:
    return len(document)


def pages_text(document) -> Iterator[str]:
    """Each page's text in pdfminer's layout: boxes separated by a blank line, then a form feed."""
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        try:
            yield _page_text(list(_lines(textpage)))
        finally:
            textpage.close()
            page.close()


def _page_text(lines: list[Line]) -> str:
    out: list[str] = []
    previous = None
    for line in lines:
        if previous is not None and not same_box(previous, line):
            out.append("")
        out.append(line.text)
        previous = line
    return "\n".join(out) + "\n\n\x0c" if out else "\x0c"


def same_box(above: Line, below: Line) -> bool:
    """pdfminer's neighbour test between two consecutive lines (``find_neighbors``)."""
    tolerance = LINE_MARGIN * (above.y1 - above.y0)
    if abs((below.y1 - below.y0) - (above.y1 - above.y0)) > tolerance:
        return False
    if below.y1 < above.y0 - tolerance or below.y0 > above.y1 + tolerance:
        return False
    if below.x1 < above.x0 or below.x0 > above.x1:
        return False
    return (
        abs(below.x0 - above.x0) <= tolerance
        or abs(below.x1 - above.x1) <= tolerance
        or abs((below.x0 + below.x1) - (above.x0 + above.x1)) / 2 <= tolerance
    )


def _lines(textpage) -> Iterator[Line]:
    """The page's lines with their geometry, split where PDFium joined a hyphenated word."""
    text = textpage.get_text_range()
    start = 0
    for match in _BREAK.finditer(text):
        yield from _line(textpage, text, start, match.start(), hyphen=match.group() == _HYPHEN_JOIN)
        start = match.end()
    yield from _line(textpage, text, start, len(text), hyphen=False)


def _line(textpage, text: str, start: int, end: int, hyphen: bool) -> Iterator[Line]:
    body = text[start:end]
    first = start + len(body) - len(body.lstrip(" "))
    last = start + len(body.rstrip(" ")) - 1
    if first > last:
        return
    size = _font_size(textpage, first)
    baseline = _baseline(textpage, first)
    x0 = textpage.get_charbox(first, loose=True)[0]
    x1 = textpage.get_charbox(last, loose=True)[2]
    y0 = baseline - _DESCENT * size
    yield Line(body + "-" if hyphen else body, x0, y0, x1, y0 + size)


def _font_size(textpage, index: int) -> float:
    """The size the character is drawn at: the font size times the vertical scale of its text
    object (the letters set 1-point fonts scaled to 12, or 12-point fonts unscaled)."""
    import pypdfium2.raw as raw

    a, b, c, d, _, _ = textpage.get_textobj(index).get_matrix().get()
    size = raw.FPDFText_GetFontSize(textpage.raw, index) * math.hypot(c, d)
    return size or 1.0


def _baseline(textpage, index: int) -> float:
    import pypdfium2.raw as raw

    x, y = ctypes.c_double(), ctypes.c_double()
    raw.FPDFText_GetCharOrigin(textpage.raw, index, x, y)
    return y.value
