"""Reading the package's YAML data tables (vocabulary, drug lexicon, diagnosis groups, ...) fast.

A one-request check must start in a fraction of a second, and constructing Python objects from
YAML costs more than the whole report. So a table is parsed once (with libyaml where installed)
and its data kept in the on-disk cache (see cache.py) under the hash of its text; later runs load
it with marshal. What is computed from a table (the drug lexicon's name index, the ICD-10 code
list's line index, compiled regex programs) is kept the same way by :func:`cached`, under a key
made of everything it depends on. The cache never changes a result: a miss just computes again.
"""

from __future__ import annotations

import marshal
from hashlib import sha256
from pathlib import Path
from typing import Any, Callable

import yaml

from imr_rules import package_files
from imr_rules.errors import ImrRulesError, Source

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """yaml.safe_load of a package data table, cached on disk by the hash of its text."""
    return cached(content_key(text), lambda: yaml.load(text, Loader=_Loader))  # noqa: S506 - a safe loader class


class DataFileError(ImrRulesError):
    """A package data table does not match its schema (an editing mistake in reference/data/)."""


def load_table(name: str, schema: str) -> Any:
    """The data table ``reference/data/<name>``, checked against ``schemas/<schema>``.

    The check runs only when the table or its schema changed since the last run (the result is
    cached under the hash of both), so a start pays for neither YAML nor jsonschema. A table that
    breaks its schema raises :class:`DataFileError` naming the file, line and field.
    """
    package = package_files()
    file = package / "reference" / "data" / name
    text = file.read_text(encoding="utf-8")
    schema_text = (package / "schemas" / schema).read_text(encoding="utf-8")
    return cached(content_key("table", text, schema_text), lambda: _validated(text, schema_text, str(file)))


def _validated(text: str, schema_text: str, path: str) -> Any:
    import json

    from jsonschema import Draft202012Validator

    from imr_rules.documents import parse_document, schema_errors

    try:
        document = parse_document(text, path)
    except ImrRulesError as error:
        raise DataFileError(error.message, error.source, "fix the YAML syntax") from None
    problems = schema_errors(document, Draft202012Validator(json.loads(schema_text)), DataFileError)
    if problems:
        raise problems[0]
    return document.data


def content_key(*parts: str) -> str:
    """A cache key for data computed from these texts (a hash of them)."""
    return sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def cached(key: str, build: Callable[[], Any]) -> Any:
    """``build()``, kept in the on-disk cache under ``key`` (a hash of everything it depends on)."""
    data = load_cached(key)
    if data is None:
        data = build()
        store_cached(key, data)
    return data


def load_cached(key: str) -> Any:
    """What the cache holds under ``key``, or None (a miss, an unreadable file, the cache off)."""
    file = _cache_file(key)
    if file is None:
        return None
    try:
        return marshal.loads(file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def store_cached(key: str, data: Any) -> None:
    file = _cache_file(key)
    if file is not None:
        from imr_rules.ruleset.cache import store

        store(file, data)  # e.g. dates in a table: not marshal-able, simply not cached


def cache_enabled() -> bool:
    return _cache_file("") is not None


def _cache_file(key: str) -> Path | None:
    from imr_rules.ruleset.cache import cache_dir

    folder = cache_dir()
    return None if folder is None else folder / f"data-{key}.marshal"
