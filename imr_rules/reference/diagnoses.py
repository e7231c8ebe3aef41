"""Diagnosis codes: check them and map them to the diagnosis groups the guidelines' criteria use.

The CPMTG limits physical medicine by diagnosis ("myalgia and myositis, 9-10 visits over 8
weeks"), so a request's ICD-10-CM (or legacy ICD-9-CM) codes are mapped to groups through a
prefix table, ``data/diagnosis_groups.yaml``; a diagnosis given only in words is matched by the
table's text patterns.

Validating ICD-10-CM codes uses the CMS code list bundled with the optional ``simple-icd-10-cm``
package. Importing that package parses a 10 MB XML file (about 3 s), which a command-line tool
cannot afford on every run, so this module reads only the package's plain code list (found
without importing the package) into a set, once, when a request actually carries codes. Without
the package, codes are checked for shape only.

An invalid code is reported as a note on the report, never as an error: a reviewer still gets
the determinations, and the note names the diagnosis and what is wrong with the code.
"""

from __future__ import annotations

import array
import importlib.util
import os
import re
from collections import namedtuple
from functools import lru_cache
from pathlib import Path
from typing import Iterable


from imr_rules import package_files
from imr_rules.reference import datafiles
from imr_rules.lazyre import lazy  # patterns compile on first use (start-up cost)
from imr_rules.model import Diagnosis, Request

ICD10 = "icd10"
ICD9 = "icd9"

# ICD-10-CM: a letter, a digit, a letter or digit, then up to four more after an optional dot.
_ICD10_SHAPE = lazy(r"^[A-TV-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
# ICD-9-CM: 3 digits (+ up to 2 decimals), V + 2 digits (+ 2 decimals), E + 3 digits (+ 1 decimal).
_ICD9_SHAPE = lazy(r"^(?:[0-9]{3}(?:\.?[0-9]{1,2})?|V[0-9]{2}(?:\.?[0-9]{1,2})?|E[0-9]{3}(?:\.?[0-9])?)$")
_SYSTEM_ALIASES = {
    "icd10": ICD10, "icd-10": ICD10, "icd10cm": ICD10, "icd-10-cm": ICD10,
    "icd9": ICD9, "icd-9": ICD9, "icd9cm": ICD9, "icd-9-cm": ICD9,
}


# A guideline diagnosis group: its name and description, its ICD-10 and ICD-9 code prefixes
# (compacted), and the pattern of its diagnosis text (or None). A named tuple, not a dataclass:
# creating a dataclass costs about 1 ms at import, more than mapping a request's diagnoses.
Group = namedtuple("Group", "name description icd10 icd9 text")


def compact(code: str) -> str:
    """A code as the tables compare it: upper case, no dot, no spaces."""
    return code.strip().upper().replace(".", "").replace(" ", "")


def code_system(code: str, declared: str | None = None) -> str | None:
    """icd10 or icd9: the declared system if it names one, else what the code's shape says."""
    if declared and declared.strip().lower() in _SYSTEM_ALIASES:
        return _SYSTEM_ALIASES[declared.strip().lower()]
    text = code.strip().upper()
    if _ICD9_SHAPE.match(text) and not text[0].isalpha():
        return ICD9
    if _ICD10_SHAPE.match(text):
        return ICD10
    if _ICD9_SHAPE.match(text):
        return ICD9
    return None


@lru_cache(maxsize=1)
def groups() -> tuple[Group, ...]:
    text = package_files().joinpath("reference/data/diagnosis_groups.yaml").read_text(encoding="utf-8")
    data = datafiles.safe_load(text)
    return tuple(
        Group(
            name=name,
            description=spec.get("description", ""),
            icd10=tuple(compact(str(p)) for p in spec.get("icd10", ())),
            icd9=tuple(compact(str(p)) for p in spec.get("icd9", ())),
            text=lazy(spec["text"], re.I) if spec.get("text") else None,
        )
        for name, spec in data["groups"].items()
    )


def groups_of(diagnosis: Diagnosis) -> tuple[str, ...]:
    """The groups one diagnosis belongs to: by its valid code where it has one, else by its words."""
    if diagnosis.code and code_problem(diagnosis) is None:
        code = compact(diagnosis.code)
        system = code_system(diagnosis.code, diagnosis.system)
        prefixes = (lambda g: g.icd9) if system == ICD9 else (lambda g: g.icd10)
        found = tuple(g.name for g in groups() if any(code.startswith(p) for p in prefixes(g)))
        if found or not diagnosis.text:
            return found
    if diagnosis.text:
        return tuple(g.name for g in groups() if g.text and g.text.search(diagnosis.text))
    return ()


def request_groups(diagnoses: Iterable[Diagnosis]) -> tuple[str, ...]:
    """Every group of every diagnosis, in the table's order, each once."""
    return _request_groups(tuple(diagnoses))


@lru_cache(maxsize=4096)
def _request_groups(diagnoses: tuple[Diagnosis, ...]) -> tuple[str, ...]:
    # Cached: every item of a request (and many requests of a batch) share the same diagnoses.
    found = {name for diagnosis in diagnoses for name in groups_of(diagnosis)}
    return tuple(g.name for g in groups() if g.name in found)


# ---------------------------------------------------------------------------------- validation


def _code_list_path() -> Path | None:
    """The CMS code list inside simple-icd-10-cm, located without importing the package."""
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        # A listing, not Path.glob: glob compiles a pattern, which costs more than the search.
        folder = Path(location, "data")
        try:
            names = sorted(n for n in os.listdir(folder) if n.startswith("code-list-") and n.endswith(".txt"))
        except OSError:
            continue
        if names:
            return folder / names[-1]
    return None


_PREFIX = 3  # an ICD-10-CM category: the code list is indexed by its lines' first three characters


class _CodeList:
    """Membership in the CMS code list (one code per line), reading only the lines that can match.

    A set of its 98,000 codes costs about a tenth of a second, and even one pass over its 800 KB
    costs milliseconds, more than a whole check. So its lines are indexed by category once, the
    index kept in the data cache under the file's size and time, and a lookup reads just its
    category's few lines. Lines compare as CMS writes them, without spaces and line ends.
    """

    def __init__(self, path: Path):
        self._path = path
        stat = path.stat()
        key = datafiles.content_key("icd10-code-list-index", str(path), str(stat.st_size), str(stat.st_mtime_ns))
        prefixes, spans = datafiles.cached(key, lambda: _index_lines(path.read_bytes()))
        self._prefixes = prefixes  # "\nA00\nA01\n...\n": the prefixes, in the order of spans
        self._spans = array.array("q", spans)  # start and end byte of each prefix's lines
        self._answers: dict[str, bool] = {}

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str) or not code or "-" in code or "\n" in code:
            return False
        # A batch meets the same few hundred codes again and again, and each lookup reads the file:
        # the answers are remembered (up to a bound, so a stream of distinct codes cannot grow memory).
        known = self._answers.get(code)
        if known is None:
            line = code.encode("ascii", "replace")
            known = self._lines(line[:_PREFIX].decode("latin-1")).find(b"\n" + line + b"\n") >= 0
            if len(self._answers) >= _ANSWERS_KEPT:
                self._answers.clear()
            self._answers[code] = known
        return known

    def _lines(self, prefix: str) -> bytes:
        """The normalised lines starting with the prefix (and perhaps others), between newlines."""
        at = self._prefixes.find("\n" + prefix + "\n")
        if at < 0:
            return b""
        index = self._prefixes.count("\n", 0, at)
        start, end = self._spans[2 * index], self._spans[2 * index + 1]
        with open(self._path, "rb") as handle:
            handle.seek(start)
            return b"\n" + _normalised(handle.read(end - start)) + b"\n"


_ANSWERS_KEPT = 8192


def _normalised(text: bytes) -> bytes:
    return text.replace(b"\r\n", b"\n").replace(b" ", b"")


# A run of lines that share their first three characters, or one shorter line; for a text whose
# lines end in LF or CRLF and hold no spaces (then a line's prefix is what it begins with).
_RUN_OF_LINES = lazy(rb"^(?:(?P<prefix>[^\r\n]{%d})[^\n]*(?:\n(?P=prefix)[^\n]*)*|(?P<short>[^\r\n]{0,%d})\r?$)"
                     % (_PREFIX, _PREFIX - 1), re.M)


def _index_lines(text: bytes) -> tuple[str, bytes]:
    """For each prefix of the normalised lines, the byte span of the file's lines that have it."""
    if b" " in text or text.count(b"\r") != text.count(b"\r\n"):
        spans = _spans_line_by_line(text)
    else:
        spans = _spans_by_runs(text)  # the same spans, 10 ms instead of 80 for CMS's list
    offsets = array.array("q", [n for span in spans.values() for n in span])
    return "\n" + "".join(prefix + "\n" for prefix in spans), offsets.tobytes()


def _spans_by_runs(text: bytes) -> dict[str, list[int]]:
    spans: dict[str, list[int]] = {}
    for run in _RUN_OF_LINES.finditer(text):
        prefix = (run.group("prefix") or run.group("short")).decode("latin-1")
        if prefix:
            _extend(spans, prefix, run.start(), min(run.end() + 1, len(text)))
    return spans


def _spans_line_by_line(text: bytes) -> dict[str, list[int]]:
    spans: dict[str, list[int]] = {}
    start = 0
    for raw in text.split(b"\n"):
        end = min(start + len(raw) + 1, len(text))  # with its newline
        if raw:
            _extend(spans, _normalised(raw + b"\n")[:-1][:_PREFIX].decode("latin-1"), start, end)
        start = end
    return spans


def _extend(spans: dict[str, list[int]], prefix: str, start: int, end: int) -> None:
    span = spans.setdefault(prefix, [start, end])
    span[1] = max(span[1], end)


@lru_cache(maxsize=1)
def icd10_codes() -> _CodeList | None:
    """All ICD-10-CM codes (categories, subcategories and billable codes, no dots), or None."""
    path = _code_list_path()
    if path is None:
        return None
    return _CodeList(path)


def code_problem(diagnosis: Diagnosis) -> str | None:
    """What is wrong with a diagnosis code, in words, or None when it is fine (or absent)."""
    if not diagnosis.code:
        return None
    system = code_system(diagnosis.code, diagnosis.system)
    shown = diagnosis.code + (f" ({diagnosis.text})" if diagnosis.text else "")
    if system is None:
        return f"diagnosis code {shown} is neither an ICD-10-CM nor an ICD-9-CM code"
    if system == ICD9:
        if not _ICD9_SHAPE.match(diagnosis.code.strip().upper()):
            return f"diagnosis code {shown} is not a well-formed ICD-9-CM code"
        return None
    if not _ICD10_SHAPE.match(diagnosis.code.strip().upper()):
        return f"diagnosis code {shown} is not a well-formed ICD-10-CM code"
    known = icd10_codes()
    if known is not None and compact(diagnosis.code) not in known:
        return f"diagnosis code {shown} is not in the ICD-10-CM code set"
    return None


def diagnosis_notes(request: Request) -> tuple[str, ...]:
    """Notes for the report: invalid codes (by position), and codes that map to no guideline group."""
    notes = []
    for index, diagnosis in enumerate(request.diagnoses):
        problem = code_problem(diagnosis)
        if problem:
            notes.append(
                f"diagnoses[{index}]: {problem}; criteria that depend on the diagnosis group treat it as not documented."
            )
    return tuple(notes)
