"""Reading the documents a draft is made from (plain text, Markdown, PDF) and its requested items
(RFA lines in a text file, items in a YAML/JSON file, or an IMR letter's items in dispute).

Spans and evidence refer to the text read here: for a PDF, the text pdfminer.six extracts (as
``imr-rules parse`` reads letters). Errors are one line naming the file and the fix, and never
quote the document.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imr_rules.errors import InputFileError, Source


@dataclass(frozen=True)
class SourceDocument:
    name: str
    text: str


def read_document(path: str | Path) -> SourceDocument:
    path = Path(path)
    where = Source(str(path))
    if not path.is_file():
        raise InputFileError("file not found" if not path.exists() else "not a file", where, "give a .txt, .md or .pdf document")
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError("file is empty", where, "give a clinical document or an IMR letter")
    if path.suffix.lower() == ".pdf" or data.startswith(b"%PDF"):
        return SourceDocument(str(path), _pdf_text(data, where))
    if b"\x00" in data[:4096]:
        raise InputFileError("file is binary, not text", where, "give a .txt, .md or .pdf document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return SourceDocument(str(path), text)


def _pdf_text(data: bytes, where: Source) -> str:
    from pdfminer.high_level import extract_text

    logger = logging.getLogger("pdfminer")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        text = extract_text(io.BytesIO(data))
    except Exception as error:  # pdfminer raises many unrelated types for broken files
        raise InputFileError(f"cannot read PDF ({type(error).__name__})", where, "give a PDF with a text layer") from None
    finally:
        logger.setLevel(level)
    if not text.strip():
        raise InputFileError("PDF has no text layer", where, "scanned documents need OCR first")
    return text


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
