"""Reading YAML/JSON documents safely, keeping the line of every field for error messages.

Requests, rule files and case files all come through here, so every "file:line: field" message
in the project is made the same way. YAML is loaded with the safe loader only.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

import yaml

from imr_rules import package_files
from imr_rules.errors import ImrRulesError, InputFileError, Source, enum_value_shown, value_kind
from imr_rules.limits import (MAX_DEPTH, MAX_DOCUMENT_BYTES, NumberOutOfBounds, check_data, check_node_graph,
                              plainly_within_size, read_float, read_int, short_key)

Path_ = tuple[Any, ...]

# libyaml's safe loader where it is installed (several times faster), else the pure-Python one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# A NamedTuple rather than a dataclass: every start defines it, and defining a dataclass costs
# about a millisecond (its methods are compiled from generated source).
class Document(NamedTuple):
    """A parsed file: its data and the 1-based line of each field path (a tuple of keys/indices)."""

    path: str
    data: Any
    lines: Mapping[Path_, int] = MappingProxyType({})
    text: str = ""  # the source text, where the document was parsed from one
    # Read by parse_document or parse_json_record: the data is within the bounds of
    # imr_rules.limits and holds text, never dates, so no reader needs to check it again.
    checked: bool = False

    def line_of(self, path: Path_) -> int | None:
        """The line of a field, or of its nearest enclosing field that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def source(self, path: Path_ = ()) -> Source:
        return Source(self.path, self.line_of(path), format_field_path(path) or None)


def format_field_path(path: Path_) -> str:
    """("items", 0, "quantity") -> "items[0].quantity"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def read_text(path: str | Path) -> str:
    """The text of a file, or an InputFileError saying why it cannot be used."""
    name = str(path)
    file_path = Path(path)
    if not file_path.exists():
        raise InputFileError("file not found", Source(name), "check the path")
    if file_path.is_dir():
        raise InputFileError("is a directory, not a file", Source(name), "name a .yaml or .json file")
    try:
        if file_path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise InputFileError(f"is larger than {MAX_DOCUMENT_BYTES // 2**20} MB", Source(name),
                                 "a request, rule or case file is a few KB")
        raw = file_path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror}", Source(name),
                             "check the file's permissions, or name another file") from None
    if b"\x00" in raw:
        raise InputFileError("is a binary file, not YAML or JSON text", Source(name), "name a .yaml or .json text file")
    try:
        # A byte-order mark is dropped by hand: decoding as "utf-8-sig" loads another codec module.
        text = raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"is not UTF-8 text (byte {exc.start})", Source(name), "save the file as UTF-8"
        ) from None
    if not text.strip():
        raise InputFileError("is empty", Source(name), "expected a YAML or JSON document")
    return text


def parse_document(text: str, name: str) -> Document:
    """Parse YAML (JSON is a subset) into data plus a line map; one-line errors on bad syntax.

    The composed node graph is checked (:mod:`imr_rules.limits`: depth, expanded size, duplicate
    keys, numbers) before it is turned into data, so no hostile file is ever expanded.
    """
    kind = "JSON" if name.endswith(".json") else "YAML"
    if len(text) > MAX_DOCUMENT_BYTES:
        raise InputFileError(f"is larger than {MAX_DOCUMENT_BYTES // 2**20} MB", Source(name),
                             "a request, rule or case file is a few KB")
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                check_node_graph(node, name)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "malformed"
        column = f" (column {mark.column + 1})" if mark else ""
        raise InputFileError(f"malformed {kind}: {problem}{column}", Source(name, line),
                             syntax_hint(problem, kind, line)) from None
    except yaml.YAMLError as exc:
        raise InputFileError(f"malformed {kind}: {_reason(exc)}", Source(name), syntax_hint("", kind, None)) from None
    except RecursionError:  # the pure-Python loader composes recursively; libyaml stops at 1000 levels itself
        raise InputFileError(f"nested more than {MAX_DEPTH} levels deep", Source(name),
                             "a request, rule or case needs only a few levels") from None
    except (ValueError, OverflowError, TypeError) as exc:  # a value the loader matched but cannot build (2016-13-45)
        raise InputFileError(f"malformed {kind}: a value cannot be read ({_reason(exc)})", Source(name),
                             "check dates (YYYY-MM-DD) and numbers") from None
    if data is None:
        raise InputFileError("holds no document", Source(name), "expected a YAML or JSON mapping")
    lines: dict[Path_, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return Document(name, dates_to_text(data), lines, text, checked=True)


def syntax_hint(problem: str, kind: str, line: int | None) -> str:
    """The fix for a YAML or JSON syntax error, at the line the parser stopped (the mistake is
    often just above it: an unclosed bracket or quote is only noticed later)."""
    where = f" at or just above line {line}" if line else ""
    if "tab character" in problem:
        return f"indent line {line} with spaces, not tabs" if line else "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return f"fix the indentation{where}, or quote a value that holds ': '"
    return f"fix the {kind} syntax{where}: check indentation, quotes and brackets"


def parse_json_record(text: str, name: str, line: int | None = None) -> Document:
    """One JSON Lines record as a document (no line map: the whole record is one line)."""
    numbers_checked = True
    try:
        if text.startswith("\ufeff"):  # what json.loads refuses before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        try:
            data = _RECORD_DECODER.decode(text)
        except NumberOutOfBounds:
            # Read again, numbers as they are: an error of syntax later in the line comes first,
            # and the walk below names the number's place.
            data = _ANY_NUMBER_DECODER.decode(text)
            numbers_checked = False
    except _NotFinite:
        raise InputFileError("not a finite number", Source(name, line), "write a number") from None
    except _DuplicateKey as exc:
        raise InputFileError(f"duplicate key '{short_key(exc.key)}'", Source(name, line),
                             "keep one; otherwise the last value would silently win") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(f"malformed JSON: {exc.msg} (column {exc.colno})", Source(name, line),
                             "each line must be one JSON request object") from None
    except RecursionError:
        raise InputFileError(f"nested more than {MAX_DEPTH} levels deep", Source(name, line)) from None
    except ValueError as exc:  # an integer beyond Python's digit limit
        raise InputFileError(f"malformed JSON: a value cannot be read ({_reason(exc)})", Source(name, line)) from None
    if not numbers_checked or not plainly_within_size(text):
        check_data(data, lambda path: Source(name, line, format_field_path(path) or None))
    return Document(f"{name}:{line}" if line is not None else name, data, checked=True)


class _NotFinite(Exception):
    """NaN or Infinity in a record: not JSON (parse_json_record names the place)."""


class _DuplicateKey(Exception):
    """A key given twice in one object of a record (parse_json_record names the place)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_constant(constant: str) -> Any:
    raise _NotFinite(constant)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)  # built in C: a key given twice shows as a shorter dict
    if len(record) != len(pairs):
        seen: set[str] = set()
        raise _DuplicateKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return record


# Made once: json.loads with hooks builds a new decoder (and its scanner) for every record. The
# hooks raise exceptions of their own, which parse_json_record turns into the record's one-line
# error. Numbers are checked against the bounds as they are read, so that a record of plain size
# needs no walk after decoding; the second decoder reads a record holding a number out of bounds.
_ANY_NUMBER_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)
_RECORD_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates,
                                   parse_int=read_int, parse_float=read_float)


def _reason(exc: Exception) -> str:
    """The library's reason, short; it names a rule broken (month must be in 1..12), not the value."""
    return str(exc).split("\n")[0][:80]


def dates_to_text(value: Any) -> Any:
    """YAML reads an unquoted 2016-12-01 as a date; schemas (and JSON) want text, so give text."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dates_to_text(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def load_document(path: str | Path) -> Document:
    return parse_document(read_text(path), str(path))


def _record_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _record_lines(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            lines[path + (index,)] = child.start_mark.line + 1
            _record_lines(child, path + (index,), lines)


@lru_cache(maxsize=8)
def packaged_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in imr_rules/schemas/ (request, rule, ruleset, case)."""
    return json.loads(package_files().joinpath(f"schemas/{name}").read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def schema_validator(name: str) -> Any:
    """A jsonschema validator for a packaged schema; jsonschema is imported only when one is needed."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(packaged_schema(name))


def schema_errors(document: Document, validator: Any, error_type: type[ImrRulesError]) -> list[ImrRulesError]:
    """Validate a document; one error per problem, each naming file, line and field path.

    Errors are grouped by the field they concern and the most relevant one per group is kept
    (jsonschema's ``best_match``), so an ``anyOf`` failure does not flood the user.
    """
    from jsonschema.exceptions import best_match  # heavy import: only when validating

    errors = validator.iter_errors(document.data)
    grouped: dict[tuple, list] = {}
    for error in errors:
        grouped.setdefault(tuple(error.absolute_path), []).append(error)
    result = []
    for path, group in grouped.items():
        # An unknown field beside a missing one is most often a typo of it: report the typo.
        typos = [e for e in group if e.validator == "additionalProperties"]
        best = typos[0] if typos else best_match(group)
        result.append(error_type(_describe_schema_error(best), document.source(tuple(best.absolute_path))))
    return sorted(result, key=lambda e: (e.source.line or 0, e.source.field or ""))


def _describe_schema_error(error: Any) -> str:
    """What was expected at the place, never the value found there (it may be clinical text of any
    length): its kind at most ("text (214 characters)")."""
    keyword, expected = error.validator, error.validator_value
    if keyword == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        import difflib  # only on this error path

        close = [difflib.get_close_matches(str(name), known, n=1) for name in extra]
        suggestions = [f"'{c[0]}'" for c in close if c]
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        names = ", ".join(f"'{short_key(name)}'" for name in extra[:5]) + (", …" if len(extra) > 5 else "")
        return f"unknown field(s) {names}{hint}; expected one of: {', '.join(known)}"
    if keyword == "required":
        missing = [name for name in expected if isinstance(error.instance, dict) and name not in error.instance]
        return f"'{missing[0] if missing else expected[0]}' is required but missing"
    if keyword == "type":
        return f"expected {expected}, got {value_kind(error.instance)}"
    if keyword == "enum":
        return f"expected one of {', '.join(map(str, expected))}, got {enum_value_shown(error.instance)}"
    if keyword == "const":
        return f"expected {expected!r}"
    if keyword in _LIMIT_WORDS:
        return f"expected {_LIMIT_WORDS[keyword]} {expected}, got {value_kind(error.instance)}"
    if keyword == "pattern":
        return f"expected text of the form {expected} (got {value_kind(error.instance)})"
    if keyword == "format":
        return f"expected a {expected}, got {value_kind(error.instance)}"
    return f"does not satisfy the schema's '{keyword}' (got {value_kind(error.instance)})"


_LIMIT_WORDS = {
    "minimum": "a number of at least", "maximum": "a number of at most",
    "exclusiveMinimum": "a number above", "exclusiveMaximum": "a number below",
    "minLength": "text of at least this many characters:", "maxLength": "text of at most this many characters:",
    "minItems": "a list of at least this many entries:", "maxItems": "a list of at most this many entries:",
    "minProperties": "a mapping of at least this many fields:", "maxProperties": "a mapping of at most this many fields:",
}
