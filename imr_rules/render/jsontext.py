"""The JSON text of every machine-readable output: one formatting, shared by all commands.

``json_text`` is a document (indented), ``json_line`` one JSON Lines record. Both refuse values
that are not finite (NaN and Infinity are not JSON: such a value is a bug to report, never output
for a script to choke on) and write non-ASCII text as itself (UTF-8), not as escapes.

A JSON Lines record is written by orjson where that gives the same text as the standard library,
which is about 7x slower on a report and was a tenth of a whole ``check --format jsonl`` batch
(issue 15). orjson formats a float below 1e-4 differently (0.00001, not 1e-05) and writes NaN and
Infinity as null, so a record holding such a float, or any value that is not plain JSON, is
written by the standard library, exactly as before; so is anything orjson refuses (an integer
beyond 64 bits, a key that is not text, a lone surrogate).
"""

from __future__ import annotations

import json
import math
from typing import Any

# One encoder per shape, made once: json.dumps with keyword arguments builds a new encoder on
# every call.
_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_DOCUMENT = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)

# The smallest float magnitude that orjson and the standard library write alike (below it the
# library writes 1e-05, orjson 0.00001).
_SMALLEST_ALIKE = 1e-4


def json_text(data: Any) -> str:
    """An indented JSON document, ending in a newline."""
    return _DOCUMENT.encode(data) + "\n"


def json_line(data: Any) -> str:
    """One compact JSON Lines record, ending in a newline."""
    if same_in_orjson(data):
        fast = _orjson_line(data)
        if fast is not None:
            return fast
    return _LINE.encode(data) + "\n"


def same_in_orjson(data: Any) -> bool:
    """Whether orjson writes ``data`` as the standard library does: only dicts, lists, text, whole
    numbers, booleans, None and floats that are finite and zero or at least 1e-4 in magnitude.
    Exact types only: a subclass (an enum, say) goes to the standard library, as does anything
    unusual. Iterative, so depth alone can never raise RecursionError."""
    stack = [data]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is str or kind is int or value is None or kind is bool:
            continue
        if kind is dict:
            extend(value.values())
        elif kind is list:
            extend(value)
        elif kind is not float or not (value == 0.0 or _SMALLEST_ALIKE <= abs(value) < math.inf):
            return False  # NaN fails both comparisons
    return True


def _orjson_line(data: Any) -> str | None:
    """orjson's compact record (its separators are the standard library's with (",", ":"), and it
    writes non-ASCII text as itself), or None where orjson refuses the value or is not installed
    (an install without it writes the same bytes, only slower, rather than stop with an error)."""
    orjson = _orjson()
    if orjson is None:
        return None
    try:
        return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE).decode("utf-8")
    except orjson.JSONEncodeError:
        return None


_ORJSON_MODULE: list = []  # [] until first looked for, then [the module or None]


def _orjson():
    """orjson, imported on first use (commands that write no JSON Lines never load it); None where
    it is not installed. Looked for once: a failed import is not cached by Python and would search
    the path again for every record."""
    if not _ORJSON_MODULE:
        try:
            import orjson
        except ImportError:
            orjson = None
        _ORJSON_MODULE.append(orjson)
    return _ORJSON_MODULE[0]
