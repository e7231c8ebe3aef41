"""Errors as data: every error names the file, the place in it and what was expected.

One root, :class:`ImrRulesError`, so callers (and the CLI) catch one type. Each error renders as
one line, ``file:line: field.path: message (hint)``, never as a traceback.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

# How much of a bad value an error may show: its form, never its content (it may be clinical text).
SHAPE_SHOWN = 12
QUOTE_SHOWN = 40
_LONG_QUOTE = re.compile(r"'[^'\n]{%d,}'" % QUOTE_SHOWN)


# A NamedTuple rather than a dataclass: every start defines it, and defining a dataclass costs
# about a millisecond (its methods are compiled from generated source).
class Source(NamedTuple):
    """Where a problem is: a file, and optionally a line and a field path inside it."""

    path: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.path:
            parts.append(self.path if self.line is None else f"{self.path}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)


class ImrRulesError(Exception):
    """Root of all errors raised for bad input (rule files, requests, letters, case files)."""

    exit_code = 2

    def __init__(self, message: str, source: Source | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source or Source()
        self.hint = hint

    def one_line(self) -> str:
        where = str(self.source)
        # A name quoted from the input (a key, a rule reference) is shown, but never at any length.
        message = _LONG_QUOTE.sub(lambda m: m.group(0)[:QUOTE_SHOWN] + "…'", self.message)
        text = f"{where}: {message}" if where else message
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())

    def __str__(self) -> str:
        return self.one_line()


class InputFileError(ImrRulesError):
    """A file cannot be read: missing, empty, binary, or not YAML/JSON."""


class RequestError(ImrRulesError):
    """A request does not match the request schema or the fact vocabulary."""


class RequestErrors(RequestError):
    """Every problem found in one request, in line order, so that one run shows them all.

    ``one_line`` gives one line per problem (joined by newlines); the first problem is the message.
    """

    def __init__(self, errors: "list[ImrRulesError]"):
        self.errors = sorted(errors, key=lambda e: (e.source.line or 0, str(e.source)))
        first = self.errors[0]
        super().__init__(first.message, first.source, first.hint)

    def one_line(self) -> str:
        return "\n".join(error.one_line() for error in self.errors)


def raise_all(errors: "list[ImrRulesError]") -> None:
    """Raise nothing, the one problem, or every problem of a request together."""
    flat = [e for error in errors for e in (error.errors if isinstance(error, RequestErrors) else [error])]
    if len(flat) == 1:
        raise flat[0]
    if flat:
        raise RequestErrors(flat)


class RuleError(ImrRulesError):
    """A rule file does not match the rule schema, or rules conflict (duplicate ids)."""


class LetterError(ImrRulesError):
    """A file is not an IMR determination letter, or cannot be read as one."""


class CaseError(ImrRulesError):
    """An annotated case file is malformed or does not match its letter."""


def value_kind(value: Any) -> str:
    """What a value is, for an error that must not repeat it: "text (214 characters)", "a number"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"text ({len(value)} characters)"
    if isinstance(value, (list, tuple)):
        return f"a list ({len(value)} entries)"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def text_shape(value: Any) -> str:
    """The form of a short value with its content masked: '03/15/2017' -> '99/99/9999'."""
    text = str(value)
    shape = re.sub(r"[A-Za-z]", "a", re.sub(r"\d", "9", text[:SHAPE_SHOWN]))
    return repr(shape + ("…" if len(text) > SHAPE_SHOWN else ""))


def enum_value_shown(value: Any) -> str:
    """A value given where a fixed word was expected: shown when it is itself a short word ('MTSU'
    for MTUS is a typo worth seeing), else only its kind (text with spaces may be clinical)."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.\-]{1,20}", value):
        return repr(value)
    return value_kind(value)
