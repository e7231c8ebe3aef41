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
from pathlib import Path
from typing import Any, Callable

import yaml

from imr_rules.digest import sha256  # not hashlib: its OpenSSL bindings cost milliseconds per start

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """yaml.safe_load of a package data table, cached on disk by the hash of its text."""
    return cached(content_key(text), lambda: yaml.load(text, Loader=_Loader))  # noqa: S506 - a safe loader class


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
