"""Reading letter files: text (UTF-8, or cp1252 from Windows tools), PDF and Markdown. Bad files
raise :class:`LetterError`, one line each.

A PDF's text comes from one of two engines (``letters.pdfbounds``): ``pdfium`` (pypdfium2, the
default where it is installed, about 15 times faster) or ``pdfminer`` (pdfminer.six, whose layout
the corpus text has: the reference the tests compare PDFium's parse with)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Iterator

from imr_rules.errors import ImrRulesError, LetterError, Source
from imr_rules.letters.model import Letter
from imr_rules.letters.parsing import parse_letter_text
from imr_rules.letters.pdfbounds import ENGINES as PDF_ENGINES
from imr_rules.letters.pdfbounds import default_engine as default_pdf_engine

__all__ = ["LETTER_SUFFIXES", "PDF_ENGINES", "default_pdf_engine", "iter_letters", "letter_paths", "letter_text", "read_letter"]

LETTER_SUFFIXES = (".txt", ".md", ".markdown", ".pdf")
_PDF_LOGGERS = ("pdfminer",)


def read_letter(path: str | Path, pdf_engine: str | None = None) -> Letter:
    """Read one letter from a .txt, .md or .pdf file. Raises :class:`LetterError`.

    ``pdf_engine``: ``"pdfium"`` or ``"pdfminer"`` (None: :func:`default_pdf_engine`)."""
    path = Path(path)
    text = letter_text(path, pdf_engine)
    return parse_letter_text(text, source=str(path))


def iter_letters(paths: Iterable[str | Path], pdf_engine: str | None = None) -> Iterator[tuple[Path, Letter | LetterError]]:
    """Yield ``(path, Letter or LetterError)`` for each file, in sorted order within directories.

    A directory is expanded to the letter files in it (not recursively). A bad file yields its
    error instead of stopping the batch.
    """
    for path in letter_paths(paths):
        try:
            yield path, read_letter(path, pdf_engine)
        except LetterError as error:
            yield path, error
        except ImrRulesError as error:  # any other input error becomes a letter error
            yield path, LetterError(error.message, source=error.source, hint=error.hint)


def letter_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each path; a directory gives the letter files in it (by suffix, sorted, not recursively)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() in LETTER_SUFFIXES and p.is_file())
        else:
            yield path


def letter_text(path: str | Path, pdf_engine: str | None = None) -> str:
    """The text of a letter file as the parser reads it (a PDF's in pdfminer's layout, bounded).
    Raises :class:`LetterError`."""
    path = Path(path)
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
        return _pdf_text(path, data, pdf_engine)
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


def _pdf_text(path: Path, data: bytes, engine: str | None) -> str:
    from imr_rules.letters.pdfbounds import check_engine, pdf_text

    if not data.startswith(b"%PDF"):
        raise LetterError("not a PDF file", source=Source(path=str(path)), hint="the file has a .pdf suffix but no %PDF header")
    try:
        engine = check_engine(engine)
    except ValueError as error:
        raise LetterError(str(error), source=Source(path=str(path))) from None

    # The DWC PDFs carry a "no text extraction" flag that pdfminer logs a warning about on every
    # file; the letters are public records, so the warning is noise on the user's terminal.
    loggers = [logging.getLogger(name) for name in _PDF_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        text = pdf_text(data, path, engine)  # bounded in time, memory, pages and text (pdfbounds.py)
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
    if not text.strip():
        raise LetterError(
            "PDF has no text layer", source=Source(path=str(path)), hint="scanned letters need OCR first"
        )
    return text
