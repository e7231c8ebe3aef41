"""Reading the documents a draft is made from (plain text, Markdown, PDF) and its requested items
(RFA lines in a text file, items in a YAML/JSON file, or an IMR letter's items in dispute).

Spans and evidence refer to the text read here: for a PDF, the text ``imr-rules parse`` reads
(``letters.reading.letter_text``: PDFium or pdfminer, bounded in time, memory, pages and text).
Errors are one line naming the file and the fix, and never quote the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imr_rules.errors import InputFileError, Source


@dataclass(frozen=True)
class SourceDocument:
    name: str
    text: str


def read_document(path: str | Path, pdf_engine: str | None = None) -> SourceDocument:
    path = Path(path)
    where = Source(str(path))
    if not path.is_file():
        raise InputFileError("file not found" if not path.exists() else "not a file", where, "give a .txt, .md or .pdf document")
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError("file is empty", where, "give a clinical document or an IMR letter")
    if path.suffix.lower() == ".pdf" or data.startswith(b"%PDF"):
        return SourceDocument(str(path), _pdf_text(path, where, pdf_engine))
    if b"\x00" in data[:4096]:
        raise InputFileError("file is binary, not text", where, "give a .txt, .md or .pdf document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return SourceDocument(str(path), text)


def _pdf_text(path: Path, where: Source, pdf_engine: str | None) -> str:
    from imr_rules.errors import LetterError
    from imr_rules.letters.reading import letter_text

    try:
        return letter_text(path, pdf_engine)
    except LetterError as error:  # the same one-line message, as an input-file error of the draft
        raise InputFileError(error.message, where, error.hint or "give a PDF with a text layer") from None


def items_from_file(path: str | Path) -> list[dict[str, Any]]:
    """Item specs (request format) from ``--items``: YAML/JSON (a request, or a list of items) or
    RFA lines, one requested service per line ("Norco 10/325mg #120")."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        from imr_rules.documents import load_document

        document = load_document(path)
        data = document.data
        items = data.get("items") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("service") for i in items):
            raise InputFileError("expected a list of items, each with a service", Source(str(path), None, "items"),
                                 "write items: [{service: ...}, ...]")
        return [dict(item) for item in items]
    text = read_document(path).text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    items = [item_from_line(line) for line in lines if line and not line.startswith("#")]
    if not items:
        raise InputFileError("no requested items", Source(str(path)), "write one requested service per line")
    return items


def item_from_line(line: str) -> dict[str, Any]:
    """An item spec from one RFA line or a letter's item description, normalised as ``parse`` does."""
    from imr_rules.letters.describe import describe_item

    described = describe_item(line)
    item: dict[str, Any] = {"service": line}
    if described.category and described.category != "other":
        item["category"] = described.category
    if described.body_region:
        item["body_region"] = described.body_region
    if described.quantity is not None:
        item["quantity"] = described.quantity
    drug = described.drug
    if drug is not None:
        spec = {"name": drug.brand or drug.generic}
        if drug.strength is not None and drug.strength.value is not None:
            spec["strength"] = f"{drug.strength.value:g} {drug.strength.unit or ''}".strip()
        if drug.quantity is not None:
            spec["quantity"] = drug.quantity
        item["drug"] = spec
    return item
