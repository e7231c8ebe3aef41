"""Regular expressions compiled on first use, from a cache of compiled programs.

A one-request check touches a few of the project's hundreds of patterns, and compiling them all
at import costs more than the check itself. ``lazy(pattern, flags)`` behaves like the compiled
pattern; the first attribute asked for compiles it, and the instance then holds the compiled
pattern's methods directly, so later calls cost what a compiled pattern's do.

Even the few a check needs cost milliseconds: ``re.compile`` parses the pattern and generates the
regex engine's program in Python, 0.1-0.5 ms per pattern. That program depends only on the
pattern, its flags and the Python build, so it is kept in the on-disk data cache (datafiles.py)
under those, and a later process hands it straight to the engine, in microseconds. A program is
only ever cached after checking that it builds a pattern equal to ``re.compile``'s (patterns
compare their programs), and anything unexpected falls back to ``re.compile``: the cache can
make a pattern cheaper, never different.
"""

from __future__ import annotations

import array
import atexit
import marshal
import re
import sys
from functools import lru_cache
from typing import Any

try:  # the regex engine's internals, as re.compile uses them (CPython)
    import _sre
    from re import _compiler, _parser
except ImportError:  # another implementation: plain re.compile
    _sre = None


class LazyPattern:
    __slots__ = ("_source", "_flags", "_compiled", "__dict__")

    def __init__(self, source: str, flags: int = 0):
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = _PROGRAMS.compile(self._source, int(self._flags))
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.compiled(), name)
        self.__dict__[name] = value
        return value


def lazy(source: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(source, flags)


def compile_cached(source: str, flags: int = 0) -> re.Pattern:
    """``re.compile`` through the program cache, for a pattern needed at once (e.g. read from a rule)."""
    return _PROGRAMS.compile(source, int(flags))


# What _sre.compile takes besides the pattern: (flags, code as bytes, group count, group index,
# index group). The cache keeps each one marshalled under "flags:pattern", so that loading the
# cache makes two objects per pattern and only the patterns used are unpacked.
Program = tuple
_FORMAT = "2"


class _ProgramCache:
    """Compiled regex programs by (pattern, flags), loaded from the data cache on first use.

    Programs compiled here that the cache lacked are added to it when the process ends, so the
    cache fills in as requests of new kinds come by, with one write per process at most.
    """

    def __init__(self) -> None:
        self._programs: dict[str, bytes] | None = None
        self._new: dict[str, bytes] = {}

    def compile(self, source: str, flags: int) -> re.Pattern:
        key = f"{flags}:{source}"
        packed = self._cached().get(key)
        if packed is not None:
            try:
                return _from_program(source, marshal.loads(packed))
            except Exception:  # noqa: BLE001 - an unreadable entry: compile as re does
                pass
        pattern = re.compile(source, flags)
        program = _program(source, flags, pattern)
        if program is not None:
            self._remember(key, program)
        return pattern

    def _cached(self) -> dict[str, bytes]:
        if self._programs is None:
            key = _cache_key()
            found = None if key is None else _datafiles().load_cached(key)
            self._programs = found if isinstance(found, dict) else {}
        return self._programs

    def _remember(self, key: str, program: Program) -> None:
        if not self._new:
            atexit.register(self.save)
        self._new[key] = self._cached()[key] = marshal.dumps(program)

    def save(self) -> None:
        """Add this process's new programs to the cache (merged with what other processes added)."""
        key = _cache_key()
        if not self._new or key is None:
            return
        datafiles = _datafiles()
        stored = datafiles.load_cached(key)
        programs = {**(stored if isinstance(stored, dict) else {}), **self._new}
        datafiles.store_cached(key, programs)
        self._new = {}


def _datafiles() -> Any:
    from . import datafiles  # imported on first compile: lazyre itself must stay cheap to import

    return datafiles


@lru_cache(maxsize=1)
def _cache_key() -> str | None:
    if _sre is None or array.array("I").itemsize != _sre.CODESIZE:
        return None
    return _datafiles().content_key("sre-programs", _FORMAT, sys.version, str(_sre.MAGIC), str(_sre.CODESIZE))


def _program(source: str, flags: int, pattern: re.Pattern) -> Program | None:
    """The program re.compile built for the pattern, computed as re._compiler.compile does.

    None when it cannot be computed or does not build a pattern equal to re.compile's.
    """
    if _cache_key() is None or not _datafiles().cache_enabled():
        return None  # nowhere to keep it: not worth a second compile
    try:
        parsed = _parser.parse(source, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        program = (int(flags | parsed.state.flags), array.array("I", code).tobytes(),
                   parsed.state.groups - 1, groupindex, tuple(indexgroup))
        return program if _from_program(source, program) == pattern else None
    except Exception:  # noqa: BLE001 - internals of another Python version: no cache, no harm
        return None


def _from_program(source: str, program: Program) -> re.Pattern:
    flags, code, groups, groupindex, indexgroup = program
    return _sre.compile(source, flags, array.array("I", code).tolist(), groups, groupindex, indexgroup)


_PROGRAMS = _ProgramCache()
