"""An on-disk cache of validated rule documents, keyed by the rule set's content hash, and of
that hash by the rule files' sizes and modification times (so unchanged files are not re-read).

It only saves work: a missing, stale, unreadable or unwritable cache means the rules are parsed
and validated again, with the same result. Set IMR_RULES_CACHE to choose the folder, or to
"off" to disable it.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from functools import partial
from typing import Any, Callable

from imr_rules.digest import sha256
from imr_rules.documents import Document

FORMAT = 2


def cache_dir() -> Path | None:
    configured = os.environ.get("IMR_RULES_CACHE")
    if configured:
        return None if configured.lower() in ("off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "imr-rules"


def file_stamp(files: list[Any]) -> str | None:
    """Each file's path, size and modification time (ns), one line each; None if one cannot be
    stat'ed (missing, or inside a zip file)."""
    lines = []
    for file in files:
        try:
            status = os.stat(file)
        except (OSError, TypeError):
            return None
        lines.append(f"{file}\0{status.st_size}\0{status.st_mtime_ns}")
    return "\n".join(lines)


_DIGESTS_KEPT = 32  # stamps of recently hashed rule sets (a checkout, an install, a test's copy...)


def known_digest(stamp: str) -> str | None:
    """The content digest recorded for exactly these files in this state, if any."""
    digest = _read_digests().get(_stamp_key(stamp))
    return digest if isinstance(digest, str) and len(digest) == 64 else None


def remember_digest(stamp: str, digest: str) -> None:
    digests = _read_digests()
    digests[_stamp_key(stamp)] = digest
    _write(_digests_file(), dict(list(digests.items())[-_DIGESTS_KEPT:]))


def _stamp_key(stamp: str) -> str:
    return sha256(stamp.encode("utf-8")).hexdigest()[:32]


def _digests_file() -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / "digests.marshal"


def _read_digests() -> dict[str, str]:
    file = _digests_file()
    try:
        found = marshal.loads(file.read_bytes()) if file is not None else None
    except (OSError, EOFError, ValueError, TypeError):
        found = None
    return found if isinstance(found, dict) else {}


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
    _write(file, payload)


def _write(file: Path | None, payload: Any) -> None:
    if file is None:
        return
    import tempfile  # only when writing: most runs only read

    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=file.parent, delete=False, suffix=".tmp") as handle:
            handle.write(marshal.dumps(payload))
        os.replace(handle.name, file)
    except (OSError, ValueError):
        pass


def _for_compiling(document: Document) -> tuple[str, Any, list]:
    """A document without its embedded tests, and the lines of its fields to depth two (a rule's
    id, each criterion): what compiling a rule reads. Tests and lint read the complete document."""
    data = document.data
    if isinstance(data, dict) and "tests" in data:
        data = {key: value for key, value in data.items() if key != "tests"}
    lines = [(path, line) for path, line in document.lines.items() if len(path) <= 2 and path[:1] != ("tests",)]
    return document.path, data, lines
