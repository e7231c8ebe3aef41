"""The fact vocabulary and the item categories: the names that requests write and rules refer to."""

from __future__ import annotations

import difflib
import os
from collections import namedtuple
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from imr_rules import package_files
from imr_rules.reference import datafiles
from imr_rules.errors import ImrRulesError, Source

SCOPES = ("request", "item", "derived")
TYPES = ("boolean", "integer", "number", "date", "string", "list")

CATEGORIES_FILE = "categories.yaml"  # reference/data/; the item categories, see its header


@lru_cache(maxsize=1)
def categories() -> dict[str, str]:
    """Item categories, id -> what it covers, in documented order (reference/data/categories.yaml).

    Requests write them and rules select items by them; imr_rules.letters.describe reads letter
    descriptions into them.
    """
    table = datafiles.load_table(CATEGORIES_FILE, "categories.schema.json")["categories"]
    return {name: " ".join(entry["description"].split()) for name, entry in table.items()}


@lru_cache(maxsize=1)
def drug_categories() -> tuple[str, ...]:
    """The categories marked ``drug: true``: the drug lexicon's classes, in documented order."""
    table = datafiles.load_table(CATEGORIES_FILE, "categories.schema.json")["categories"]
    return tuple(name for name, entry in table.items() if entry.get("drug"))


def __getattr__(name: str) -> Any:
    # CATEGORIES stays importable, read on first use: a check of a request without categories
    # never opens the table.
    if name == "CATEGORIES":
        return categories()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Named tuples, not dataclasses: creating a frozen dataclass compiles its methods, about 1 ms each
# at import, and every run loads the vocabulary.
class FactDefinition(namedtuple("FactDefinition", "name scope type description unit question remedy",
                                defaults=(None, None, None))):
    """One fact: its ``name``, ``scope`` (one of SCOPES), ``type`` (one of TYPES), ``description``
    and ``unit`` (or None). A fact that decides which criteria apply also has a ``question``
    (completing "It is not documented ...") and a ``remedy`` (what to document), used when the
    records do not document it."""

    __slots__ = ()


class Vocabulary(namedtuple("Vocabulary", "version facts")):
    """The fact vocabulary: its ``version`` (int) and ``facts``, FactDefinition by name."""

    __slots__ = ()

    def __contains__(self, name: str) -> bool:
        return name in self.facts

    def get(self, name: str) -> FactDefinition | None:
        return self.facts.get(name)

    def suggest(self, name: str) -> str | None:
        """The nearest known fact name, for a "did you mean" hint."""
        close = difflib.get_close_matches(name, list(self.facts), n=1, cutoff=0.6)
        return close[0] if close else None

    def unknown_fact_hint(self, name: str) -> str:
        suggestion = self.suggest(name)
        if suggestion:
            return f"did you mean '{suggestion}'? the fact vocabulary is listed by 'imr-rules facts'"
        return "the fact vocabulary is listed by 'imr-rules facts'"


def vocabulary_from_data(data: Mapping[str, Any]) -> Vocabulary:
    facts = {
        name: FactDefinition(
            name=name,
            scope=spec["scope"],
            type=spec["type"],
            description=" ".join(str(spec.get("description", "")).split()),
            unit=spec.get("unit"),
            question=_one_line(spec.get("question")),
            remedy=_one_line(spec.get("remedy")),
        )
        for name, spec in sorted(data["facts"].items())
    }
    return Vocabulary(int(data.get("version", 1)), facts)


def _one_line(text: Any) -> str | None:
    return None if text is None else " ".join(str(text).split())


def vocabulary_files() -> list[Any]:
    """The vocabulary files, sorted: core.yaml, then one file per area (drugs, imaging, ...)."""
    folder = package_files().joinpath("reference/data/vocabulary")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def decision_tables() -> list[tuple[str, bytes]]:
    """Every reference table a decision can read, by name, sorted: the vocabulary, the data tables
    (drug lexicon, formulary, postsurgical courses, guideline timeline, ...) and any official Drug
    List loaded through IMR_RULES_DRUG_LIST. The rule-set hash covers them all, because a change
    in any of them can change a decision, and the hash in a report must identify what decided."""
    folder = package_files().joinpath("reference/data")
    tables = [(f"vocabulary/{f.name}", f.read_bytes()) for f in vocabulary_files()]
    tables += sorted((f.name, f.read_bytes()) for f in folder.iterdir() if f.name.endswith(".yaml"))
    for name in filter(None, os.environ.get("IMR_RULES_DRUG_LIST", "").split(os.pathsep)):
        try:
            tables.append((f"drug-list:{name}", Path(name).read_bytes()))
        except OSError:
            tables.append((f"drug-list:{name}", b""))  # reported where the list is read, with the reason
    return tables


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """Every vocabulary file merged; a name defined twice is an error, not a silent override."""
    merged: dict[str, Any] = {}
    version = 1
    for file in vocabulary_files():
        data = _read_vocabulary_file(file)
        version = max(version, int(data.get("version", 1)))
        for name, spec in (data.get("facts") or {}).items():
            if name in merged:
                raise VocabularyError(f"fact '{name}' is defined twice (again here)", Source(str(file), None, f"facts.{name}"))
            if not isinstance(spec, dict) or spec.get("scope") not in SCOPES or spec.get("type") not in TYPES:
                raise VocabularyError(
                    f"fact '{name}' needs scope ({'|'.join(SCOPES)}) and type ({'|'.join(TYPES)})",
                    Source(str(file), None, f"facts.{name}"),
                )
            merged[name] = spec
    return vocabulary_from_data({"version": version, "facts": merged})


class VocabularyError(ImrRulesError):
    """A vocabulary file of the package is malformed (a packaging or authoring mistake)."""


def _read_vocabulary_file(file: Any) -> dict[str, Any]:
    try:
        data = datafiles.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise VocabularyError(f"malformed YAML: {exc.problem}", Source(str(file), mark.line + 1 if mark else None)) from None
    if not isinstance(data, dict):
        raise VocabularyError("expected a mapping with 'facts'", Source(str(file)))
    return data


def parse_date(value: Any, leading: bool = False) -> "dt.date | None":
    """The day an ISO ``YYYY-MM-DD`` string names (a date passes through), else None.

    With ``leading`` only the first ten characters count, so a timestamp gives its day. The one
    date reader of requests, rules, conditions, lint and coverage; callers that must refuse a bad
    date raise their own error, naming the place, when this gives None."""
    import datetime as dt

    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10] if leading else value)
    except ValueError:
        return None


def python_type_matches(fact_type: str, value: Any) -> bool:
    """Whether a documented value has the type its fact definition says (the one type check of
    fact values: requests, conditions and lint ask it)."""
    import datetime as dt

    if fact_type == "boolean":
        return isinstance(value, bool)
    if fact_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if fact_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if fact_type == "date":
        return isinstance(value, dt.date)
    if fact_type == "string":
        return isinstance(value, str)
    if fact_type == "list":
        return isinstance(value, (list, tuple))
    return True
