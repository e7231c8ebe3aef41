"""Errors as data: every error names the file, the place in it and what was expected.

One root, :class:`ImrRulesError`, so callers (and the CLI) catch one type. Each error renders as
one line, ``file:line: field.path: message (hint)``, never as a traceback.
"""

from __future__ import annotations

from typing import NamedTuple


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
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())

    def __str__(self) -> str:
        return self.one_line()


class InputFileError(ImrRulesError):
    """A file cannot be read: missing, empty, binary, or not YAML/JSON."""


class RequestError(ImrRulesError):
    """A request does not match the request schema or the fact vocabulary."""


class RuleError(ImrRulesError):
    """A rule file does not match the rule schema, or rules conflict (duplicate ids)."""


class LetterError(ImrRulesError):
    """A file is not an IMR determination letter, or cannot be read as one."""


class CaseError(ImrRulesError):
    """An annotated case file is malformed or does not match its letter."""
