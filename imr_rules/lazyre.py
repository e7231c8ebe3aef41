"""Regular expressions compiled on first use.

A one-request check touches a few of the project's hundreds of patterns, and compiling them all
at import costs more than the check itself. ``lazy(pattern, flags)`` behaves like the compiled
pattern; the first attribute asked for compiles it with ``re.compile``, and the instance then
holds the compiled pattern's methods directly, so later calls cost what a compiled pattern's do.
Only the public ``re`` API is used: nothing here depends on the interpreter's internals.
"""

from __future__ import annotations

import re
from typing import Any


class LazyPattern:
    __slots__ = ("_source", "_flags", "_compiled", "__dict__")

    def __init__(self, source: str, flags: int = 0):
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.compiled(), name)
        self.__dict__[name] = value
        return value


def lazy(source: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(source, flags)
