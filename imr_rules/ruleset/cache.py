"""An on-disk cache of validated rule documents (and, through reference/datafiles.py, of parsed
data tables), keyed by a hash of their content.

It only saves work: a missing, unreadable or unwritable cache means the rules are parsed and
validated again, with the same result. Entries are keyed by content, never by file sizes or
modification times: a rule edited in place within the same second and to the same size must not
be served from an old entry under a hash that looks right. The rule files are read and hashed on
every run (about 2 ms); what the cache saves is parsing and validating them.

It lives in $IMR_RULES_CACHE, else $XDG_CACHE_HOME/imr-rules, else ~/.cache/imr-rules; set
IMR_RULES_CACHE=off to disable it. It is bounded (:data:`MAX_ENTRIES`, :data:`MAX_BYTES`): each
write removes the least recently used entries beyond either bound. Deleting the folder is safe.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from functools import partial
from hashlib import sha256
from typing import Any, Callable

from imr_rules.documents import Document

FORMAT = 2

# Bounds on the folder: a rule-set entry is about 750 KB, a data table's a few KB to 1 MB.
MAX_ENTRIES = 64
MAX_BYTES = 32 * 1024 * 1024


def cache_dir() -> Path | None:
    configured = os.environ.get("IMR_RULES_CACHE")
    if configured:
        return None if configured.lower() in ("off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "imr-rules"


def _file(digest: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"ruleset-{digest[:32]}.marshal"


def read(digest: str, paths: list[str]) -> tuple[list[Document], Callable[[], list[Document]]] | None:
    """The cached documents for this hash and these file paths, or None.

    Two views: the documents as compiling needs them (without the embedded tests, with the lines
    of the top two levels: about a third of the whole), and a function that decodes the complete
    documents, which only rule authors' commands (test, lint, doc) need.
    """
    file = _file(digest)
    if file is None:
        return None
    try:
        payload = marshal.loads(file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("digest") != digest:
        return None
    try:
        if payload["paths"] != paths:
            return None  # same content under other names: error messages must name these files
        compiling = [Document(path, data, dict(lines)) for path, data, lines in payload["compile"]]
        complete = payload["complete"]
    except (KeyError, TypeError, ValueError):  # a damaged file that still unmarshals
        return None
    if not isinstance(complete, bytes):
        return None
    _touch(file)
    return compiling, partial(_complete, complete)


def _complete(encoded: bytes) -> list[Document]:
    return [Document(path, data, dict(lines)) for path, data, lines in marshal.loads(encoded)]


def write(digest: str, documents: list[Document]) -> None:
    file = _file(digest)
    if file is None:
        return
    payload: dict[str, Any] = {
        "format": FORMAT,
        "digest": digest,
        "paths": [d.path for d in documents],
        "compile": [_for_compiling(d) for d in documents],
        "complete": marshal.dumps([(d.path, d.data, list(d.lines.items())) for d in documents]),
    }
    store(file, payload)


def store(file: Path, payload: Any) -> None:
    """Write a marshal-able payload to a cache file atomically, then keep the folder bounded.

    Never raises: a payload marshal cannot encode, or a folder that cannot be written, just means
    nothing is cached."""
    try:
        encoded = marshal.dumps(payload)
    except ValueError:
        return
    import tempfile  # only when writing: most runs only read

    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=file.parent, delete=False, suffix=".tmp") as handle:
            handle.write(encoded)
        os.replace(handle.name, file)
    except OSError:
        return
    prune(file.parent)


def prune(folder: Path, max_entries: int | None = None, max_bytes: int | None = None) -> None:
    """Remove the least recently used entries of a cache folder beyond the bounds."""
    max_entries = MAX_ENTRIES if max_entries is None else max_entries
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    entries = []
    try:
        with os.scandir(folder) as found:
            for entry in found:
                if entry.name.endswith(".marshal") and entry.is_file(follow_symlinks=False):
                    status = entry.stat(follow_symlinks=False)
                    entries.append((status.st_mtime_ns, entry.name, status.st_size))
    except OSError:
        return
    entries.sort(reverse=True)  # the most recently used first
    kept_bytes = 0
    for index, (_, name, size) in enumerate(entries):
        if index == 0 or (index < max_entries and kept_bytes + size <= max_bytes):
            kept_bytes += size  # the newest entry always stays: it was just written for use
            continue
        try:
            os.remove(folder / name)
        except OSError:
            pass


def _touch(file: Path) -> None:
    """Mark an entry as used now, so that pruning removes the entries not used for longest."""
    try:
        os.utime(file)
    except OSError:
        pass


def _for_compiling(document: Document) -> tuple[str, Any, list]:
    """A document without its embedded tests, and the lines of its fields to depth two (a rule's
    id, each criterion): what compiling a rule reads. Tests and lint read the complete document."""
    data = document.data
    if isinstance(data, dict) and "tests" in data:
        data = {key: value for key, value in data.items() if key != "tests"}
    lines = [(path, line) for path, line in document.lines.items() if len(path) <= 2 and path[:1] != ("tests",)]
    return document.path, data, lines
