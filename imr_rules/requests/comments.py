"""The YAML ``#`` trap: after a space, ``#`` starts a comment, so ``service: Norco 10/325mg #120``
reads as "Norco 10/325mg" and the quantity is lost without an error. A request item left without a
quantity whose source lines carry such a comment gets a report note naming the file and line."""

from __future__ import annotations

import re
from typing import Sequence

from imr_rules.documents import Document

# A comment that reads like an RFA quantity: "#120", "# 90", "#30 tabs".
_QUANTITY_COMMENT = re.compile(r"(?:^|\s)#\s*(\d+)\b")


def lost_quantity_notes(document: Document, items: Sequence) -> tuple[str, ...]:
    """One note per item without a quantity whose own lines end in a quantity-like comment."""
    if not document.text or "#" not in document.text:
        return ()
    source = document.text.splitlines()
    notes = []
    for index, item in enumerate(items):
        if item.quantity is not None or (item.drug is not None and item.drug.quantity is not None):
            continue
        lines = sorted({line for path, line in document.lines.items() if path[:2] == ("items", index)})
        for line in lines:
            found = _comment_quantity(source[line - 1]) if 0 < line <= len(source) else None
            if found is not None:
                notes.append(
                    f"{document.path}:{line}: items[{index}]: no quantity was read, but the line ends in the YAML "
                    f"comment '#{found}' (after a space, # starts a comment): quote the value "
                    f"(\"… #{found}\") or give quantity: {found}"
                )
                break
    return tuple(notes)


def _comment_quantity(line: str) -> str | None:
    """The number of a quantity-like comment on a YAML line, when its # is outside quotes."""
    for match in _QUANTITY_COMMENT.finditer(line):
        before = line[: match.start(0) + 1]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0:
            return match.group(1)
    return None
