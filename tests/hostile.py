"""Hostile inputs made on the spot (never stored): PDFs with bombs, alias bombs, deep nesting."""

from __future__ import annotations

import zlib


def make_pdf(content: bytes | list[bytes], pages: int = 1, compress: bool = True) -> bytes:
    """A minimal PDF whose every page draws the same content stream (FlateDecode when ``compress``),
    or, given a list of content streams, one page for each."""
    contents = content if isinstance(content, list) else [content]
    streams = [zlib.compress(c, 9) if compress else c for c in contents]
    filters = b"/Filter /FlateDecode " if compress else b""
    pages = len(contents) if isinstance(content, list) else pages
    first_page = 4 + len(streams)
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    objects += [b"<< " + filters + b"/Length %d >>\nstream\n" % len(s) + s + b"\nendstream" for s in streams]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 3 0 R >> >> >>" % (4 + min(i, len(streams) - 1)) for i in range(pages)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_page(text: str) -> bytes:
    """A content stream that writes ``text`` line by line."""
    lines = [b"BT /F1 10 Tf 72 720 Td 12 TL"]
    lines += [b"(" + line.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]") + b") '"
              for line in text.splitlines()]
    return b"\n".join(lines + [b"ET"])


def letter_pdf(text: str, lines_per_page: int = 55) -> bytes:
    """A letter's text as a PDF, a page per ``lines_per_page`` lines (a blank line leaves a gap, so
    paragraphs stay apart as text boxes). Parentheses become brackets (``text_page``)."""
    lines = text.splitlines()
    return make_pdf([text_page("\n".join(lines[i:i + lines_per_page])) for i in range(0, len(lines), lines_per_page)])


def expanding_pdf(megabytes: int = 64) -> bytes:
    """A PDF of about 100 KB whose content stream expands to ``megabytes`` MB of drawing operators."""
    return make_pdf(b"0 0 m 1 1 l S\n" * (megabytes * 2**20 // 14))


def billion_laughs(levels: int = 9) -> str:
    text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, levels):
        text += f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]\n"
    return text


# ---- mutation and the oracle shared by tests/test_fuzz.py and benchmarks/fuzz.py ----------------

import copy  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable, NamedTuple  # noqa: E402

# Planted in string values: an error line that shows it has echoed (possibly clinical) input text.
# It holds spaces, as clinical text does (a single short word given for a fixed word may be shown).
MARKER = "QZXJ clinical note"
# An error line longer than this is an echo of the input whatever it says.
MAX_ERROR_LINE = 1000

HOSTILE_VALUES: list[Any] = [
    0, -1, -7.5, 10**30, 2**63, float("nan"), float("inf"), float("-inf"), 1e308, True, None, "", [], {},
    "9999-12-31", "0001-01-01", "2099-01-01", "2016-02-30", "12/01/2016", MARKER + " x" * 5000,
    MARKER, [MARKER] * 3, {"value": MARKER, "evidence": MARKER * 50}, {"value": -3}, {"value": float("nan")},
]


def mutate_data(data: Any, rng: random.Random, rounds: int = 3) -> Any:
    """Replace, delete or deepen random places in a parsed document."""
    data = copy.deepcopy(data)
    for _ in range(rounds):
        places = list(_places(data, ()))
        if not places:
            return rng.choice(HOSTILE_VALUES)
        path = rng.choice(places)
        parent = _get(data, path[:-1]) if path else None
        choice = rng.random()
        if not path:
            data = rng.choice(HOSTILE_VALUES)
        elif choice < 0.55:
            parent[path[-1]] = rng.choice(HOSTILE_VALUES)
        elif choice < 0.7 and isinstance(parent, dict):
            del parent[path[-1]]
        elif choice < 0.8:
            value: Any = parent[path[-1]]
            for _ in range(rng.choice([2, 70])):
                value = [value]
            parent[path[-1]] = value
        elif isinstance(parent[path[-1]], str):
            parent[path[-1]] = MARKER + " " + parent[path[-1]]
        elif not isinstance(parent[path[-1]], (list, dict)):
            parent[path[-1]] = str(parent[path[-1]])  # a number or a date as text
    return data


def _places(value: Any, path: tuple) -> Any:
    yield path
    if len(path) > 40:
        return  # a place already deepened by an earlier round
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _places(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _places(child, path + (index,))


def _get(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


def mutate_text(text: str, rng: random.Random) -> bytes:
    """Byte-level damage: truncation, a bad byte, a duplicated or dropped line, an alias bomb."""
    raw = text.encode("utf-8")
    lines = raw.splitlines(keepends=True) or [raw]
    choice = rng.randrange(7)
    if choice == 0:
        return raw[: rng.randrange(len(raw) + 1)]
    if choice == 1:
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at:]
    if choice == 2:
        at = rng.randrange(len(lines))
        return b"".join(lines[: at + 1] + lines[at:])
    if choice == 3:
        at = rng.randrange(len(lines))
        return b"".join(lines[:at] + lines[at + 1:])
    if choice == 4:
        return raw + b"\n" + billion_laughs(rng.choice([3, 9])).encode()
    if choice == 5:
        return raw.replace(b": ", b": &x ", 1) + b"\nloop: &y [*y]\n"
    return raw + b"\nextra: " + b"[" * 700 + b"]" * 700 + b"\n"


def to_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


class Verdict(NamedTuple):
    """What one input gave: a traceback (a bug), a wrong answer, an echoed value, the time taken."""

    traceback: str | None = None
    wrong: str | None = None
    echoed: bool = False
    seconds: float = 0.0


def judge(call: Callable[[], Any], check_result: Callable[[Any], str | None] | None = None,
          private: bool = True) -> Verdict:
    """Run one input: only ImrRulesError may be raised, its line short and (for inputs that hold
    patient data: requests, cases) free of planted text. Rule files are authored, not patient
    data: an error may quote a short name from them, but never at length."""
    from imr_rules.errors import ImrRulesError

    start = time.perf_counter()
    try:
        result = call()
    except ImrRulesError as error:
        lines = error.one_line().splitlines()  # a rule set's errors: one line per problem
        return Verdict(echoed=any((private and MARKER in line) or len(line) > MAX_ERROR_LINE for line in lines),
                       seconds=time.perf_counter() - start)
    except Exception as error:  # noqa: BLE001 - exactly what the fuzzing looks for
        return Verdict(traceback=f"{type(error).__name__}: {str(error)[:120]}", seconds=time.perf_counter() - start)
    wrong = check_result(result) if check_result else None
    return Verdict(wrong=wrong, seconds=time.perf_counter() - start)


def report_problems(report: Any) -> str | None:
    """A wrong answer in a report: a value JSON cannot hold, or a certification nobody documented."""
    from imr_rules.render import report_to_dict

    data = report_to_dict(report)
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        return "a value that is not finite in the JSON report"
    request = report.request
    for determination, item in zip(report.determinations, request.items):
        if item.quantity is not None and (not isinstance(item.quantity, (int, float)) or item.quantity <= 0
                                          or (isinstance(item.quantity, float) and not math.isfinite(item.quantity))):
            return "an impossible quantity was decided"
    return None


def check_request(load: Callable[[], Any], ruleset: Any) -> Verdict:
    from imr_rules.engine import evaluate

    return judge(lambda: evaluate(load(), ruleset), report_problems)
