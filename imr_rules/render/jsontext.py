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

A check report needs no walk (``report_line``): ``report_to_dict`` makes it of JSON values only
(its ``plain`` refuses NaN, infinity and objects that are not JSON), orjson is told to refuse every
subclass, dataclass and date itself, and the one difference left, a float below 1e-4, shows in
orjson's text (0.0000..., or an exponent 1.5e-7 where the standard library writes 1.5e-07).
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


def report_line(report: dict) -> str:
    """One check report, the dict ``report_to_dict`` made (unchanged since), as a JSON Lines record:
    ``json_line``'s text without its walk over every value. That dict holds only JSON values (text,
    whole numbers, booleans, None, finite floats, lists, dicts keyed by text), so orjson writes the
    standard library's text but for a float below 1e-4, which its text shows; anything else orjson
    is asked to refuse (a subclass, say, where the dict was changed) also goes to ``json_line``."""
    fast = _orjson_line(report, strict=True)
    if fast is None or _may_hold_a_small_float(fast):
        return json_line(report)
    return fast


def _may_hold_a_small_float(line: str) -> bool:
    """Whether orjson's ``line`` may hold a float below 1e-4 in magnitude: orjson writes one as
    0.0000... (1e-05 as 0.00001) or with a negative exponent after a digit (1.5e-7), and no other
    float so (it writes 0.0001 and up as the standard library does, 1e+16 with a plus). Text in
    the record that merely looks so ("a 1e-3 dilution") only takes the slower path."""
    if "0.0000" in line:
        return True
    at = line.find("e-")
    while at >= 0:
        if line[at - 1] in _DIGITS:
            return True
        at = line.find("e-", at + 2)
    return False


_DIGITS = frozenset("0123456789")


def _orjson_line(data: Any, strict: bool = False) -> str | None:
    """orjson's compact record (its separators are the standard library's with (",", ":"), and it
    writes non-ASCII text as itself), or None where orjson refuses the value or is not installed
    (an install without it writes the same bytes, only slower, rather than stop with an error).
    ``strict``: orjson also refuses subclasses (of text, numbers, lists, dicts), dataclasses and
    dates, which it would otherwise write and the standard library writes otherwise or refuses;
    it still writes enum members and UUIDs (see ``report_line``)."""
    found = _orjson()
    if found is None:
        return None
    orjson, options = found
    try:
        return orjson.dumps(data, option=options[strict]).decode("utf-8")
    except orjson.JSONEncodeError:
        return None


_ORJSON_MODULE: list = []  # [] until first looked for, then [(the module, its options) or None]


def _orjson():
    """orjson and its options (plain, strict), imported on first use (commands that write no JSON
    Lines never load it); None where it is not installed. Looked for once: a failed import is not
    cached by Python and would search the path again for every record."""
    if not _ORJSON_MODULE:
        try:
            import orjson
        except ImportError:
            _ORJSON_MODULE.append(None)
        else:
            plain = orjson.OPT_APPEND_NEWLINE
            strict = (plain | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
                      | orjson.OPT_PASSTHROUGH_DATETIME)
            _ORJSON_MODULE.append((orjson, (plain, strict)))
    return _ORJSON_MODULE[0]
