"""Reading the package's YAML data tables (vocabulary, drug lexicon, diagnosis groups, ...) fast.

A one-request check must start in a fraction of a second, and constructing Python objects from
YAML costs more than the whole report. So a table is parsed once (with libyaml where installed)
and its data kept in the on-disk cache (see cache.py) under the hash of its text; later runs load
it with marshal. The cache never changes a result: a miss just parses the text again.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """yaml.safe_load of a package data table, cached on disk by the hash of its text."""
    from .cache import cache_dir

    folder = cache_dir()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    file = None if folder is None else folder / f"data-{digest}.marshal"
    if file is not None:
        try:
            return marshal.loads(file.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader class
    if file is not None:
        _write(file, data)
    return data


def _write(file: Any, data: Any) -> None:
    try:
        payload = marshal.dumps(data)
    except ValueError:
        return  # e.g. dates in the table: not marshal-able, simply not cached
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=file.parent, delete=False, suffix=".tmp") as handle:
            handle.write(payload)
        os.replace(handle.name, file)
    except OSError:
        pass
