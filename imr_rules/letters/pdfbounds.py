"""Text from a PDF letter, within bounds: a small hostile PDF must not hang the run or eat memory.

Two extractors (engines) give the text: PDFium (pypdfium2, ``letters.pdfium_layout``), fast, and
pdfminer.six, the reference whose layout the corpus text has. A compressed stream can expand a
thousandfold (a 112 KB file grew past 590 MB and 180 s), and the DWC letters are encrypted, so
their streams cannot be measured before the extractor decrypts them. So either engine runs in a
forked child process (``letters.pdfworker``: one child serves a thread's PDFs in turn), bounded in:
- time: :data:`SECONDS` of processor time per letter, then it is stopped;
- memory: :data:`MEMORY_BYTES` of address space beyond the child's size when it started;
- pages: :data:`MAX_PAGES` (a determination letter has a handful);
- text: :data:`MAX_TEXT_CHARS` characters extracted.
Each bound gives one clear :class:`LetterError`. Where ``os.fork`` does not exist (Windows) the
page and text bounds still hold, in process.
"""

from __future__ import annotations

import importlib.util
import io
import os
from pathlib import Path
from typing import Iterator

from imr_rules.errors import LetterError, Source

MAX_PDF_BYTES = 20 * 2**20
MAX_PAGES = 100
MAX_TEXT_CHARS = 4 * 2**20
SECONDS = 6.0
MEMORY_BYTES = 768 * 2**20
# The child is stopped by its processor time (SECONDS), which a loaded machine does not stretch;
# the wall clock is only a backstop (a child blocked on something other than work).
WALL_FACTOR = 10
_TOO_MUCH_MEMORY = f"reading the PDF needs more than {MEMORY_BYTES // 2**20} MB of memory"

PDFIUM, PDFMINER = "pdfium", "pdfminer"
ENGINES = (PDFIUM, PDFMINER)


def default_engine() -> str:
    """PDFium where pypdfium2 is installed (same items as pdfminer, about 15 times faster), else pdfminer."""
    return PDFIUM if importlib.util.find_spec("pypdfium2") is not None else PDFMINER


def check_engine(engine: str | None) -> str:
    """``engine``, or the default for None; a ValueError names the choices and the missing package."""
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r} (choose {' or '.join(ENGINES)})")
    if engine == PDFIUM and importlib.util.find_spec("pypdfium2") is None:
        raise ValueError("the pdfium PDF engine needs pypdfium2 (pip install pypdfium2), or choose pdfminer")
    return engine


class _Refused(Exception):
    """A bound was reached inside the extraction; ``reason`` is what the user is told."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def pdf_text(data: bytes, path: str | Path, engine: str | None = None) -> str:
    """The text of a PDF (``data``) in pdfminer's layout, by ``engine`` (default:
    :func:`default_engine`), or a LetterError naming the bound hit."""
    engine = check_engine(engine)
    where = Source(path=str(path))
    if len(data) > MAX_PDF_BYTES:
        raise LetterError(f"PDF is larger than {MAX_PDF_BYTES // 2**20} MB", source=where,
                          hint="a determination letter is a few hundred KB")
    if engine == PDFIUM:
        import pypdfium2  # noqa: F401 - loaded once here, so that each forked child need not (0.1 s)
    if not hasattr(os, "fork"):
        return _in_process(data, where, engine)
    kind, text = _in_child(data, engine)
    if kind == "ok":
        return text
    raise LetterError(text, source=where, hint="is this an IMR determination letter?")


def _in_process(data: bytes, where: Source, engine: str) -> str:
    try:
        return _extract(data, engine)
    except _Refused as refused:
        raise LetterError(refused.reason, source=where) from None


def _extract(data: bytes, engine: str) -> str:
    """The engine's text, page by page, stopping at the page and text bounds."""
    pages = _pdfium_pages(data) if engine == PDFIUM else _pdfminer_pages(data)
    texts: list[str] = []
    size = 0
    for text in pages:
        texts.append(text)
        size += len(text)
        if size > MAX_TEXT_CHARS:
            raise _Refused(f"PDF holds more than {MAX_TEXT_CHARS // 2**20} M characters of text")
    return "".join(texts)


def _too_many_pages() -> _Refused:
    return _Refused(f"PDF has more than {MAX_PAGES} pages")


def _pdfminer_pages(data: bytes) -> Iterator[str]:
    """pdfminer's extract_text, a page at a time."""
    from pdfminer.converter import TextConverter
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    output = io.StringIO()
    manager = PDFResourceManager(caching=True)
    device = TextConverter(manager, output, codec="utf-8", laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    for number, page in enumerate(PDFPage.get_pages(io.BytesIO(data), maxpages=MAX_PAGES + 1, caching=True), start=1):
        if number > MAX_PAGES:
            raise _too_many_pages()
        interpreter.process_page(page)
        yield output.getvalue()
        output.seek(0)
        output.truncate()


def _pdfium_pages(data: bytes) -> Iterator[str]:
    from imr_rules.letters import pdfium_layout

    document = pdfium_layout.open_pdf(data)
    try:
        if pdfium_layout.page_count(document) > MAX_PAGES:  # counted from the page tree, before any page is read
            raise _too_many_pages()
        yield from pdfium_layout.pages_text(document)
    finally:
        document.close()


def _job(data: bytes, engine: str) -> tuple[bool, str]:
    """Run in the bounded child: (True, text), or (False, the reason it was refused)."""
    try:
        return True, _extract(data, engine)
    except _Refused as refused:
        return False, refused.reason
    except MemoryError:
        return False, _TOO_MUCH_MEMORY
    except BaseException as error:  # noqa: BLE001 - the engines raise many unrelated types for broken files
        return False, f"cannot read PDF ({type(error).__name__})"


def _in_child(data: bytes, engine: str) -> tuple[str, str]:
    """(``"ok"``, text) or (``"refused"``, reason): the engine run in a bounded child (pdfworker)."""
    from imr_rules.letters import pdfworker

    try:
        ok, text = pdfworker.run(_job, data, engine, SECONDS, MEMORY_BYTES, WALL_FACTOR)
    except pdfworker.Stopped as stopped:
        if stopped.by_time:
            return "refused", f"reading the PDF took more than {SECONDS:g} seconds of processor time"
        return "refused", _TOO_MUCH_MEMORY  # died without a word: the address-space cap is the likely cause
    return ("ok" if ok else "refused"), text
