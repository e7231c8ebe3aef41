"""The JSON text of every machine-readable output: one formatting, shared by all commands.

``json_text`` is a document (indented), ``json_line`` one JSON Lines record. Both refuse values
that are not finite (NaN and Infinity are not JSON: such a value is a bug to report, never output
for a script to choke on) and write non-ASCII text as itself (UTF-8), not as escapes.
"""

from __future__ import annotations

import json
from typing import Any

# One encoder per shape, made once: json.dumps with keyword arguments builds a new encoder on
# every call.
_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_DOCUMENT = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)


def json_text(data: Any) -> str:
    """An indented JSON document, ending in a newline."""
    return _DOCUMENT.encode(data) + "\n"


def json_line(data: Any) -> str:
    """One compact JSON Lines record, ending in a newline."""
    return _LINE.encode(data) + "\n"
