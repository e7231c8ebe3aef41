"""Which guideline governs an item on a date (8 CCR 9792.21.1), from the MTUS adoption timeline.

The timeline and the routing of items to MTUS sections are data
(``imr_rules/reference/data/guidelines.yaml``, schema ``schemas/guidelines.schema.json``). This
module only looks things up: :func:`guideline_in_force` names the MTUS guideline and edition a
reviewer must apply to an item, whether or not a rule here encodes its criteria, and
:func:`no_rule_reason` says why an item has no applicable rule. The engine calls both once per item.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Iterable, Mapping

from imr_rules import package_files
from imr_rules.records import record
from imr_rules.reference import datafiles

CHRONIC_WEEKS = 13  # "chronic pain": pain lasting three months or more from its onset (8 CCR 9792.20)


@record
class GuidelineInForce:
    """One MTUS guideline edition: what a reviewer applies to an item on the request date."""

    topic: str
    title: str
    version: str
    section: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    verify: bool = False
    note: str | None = None

    def __str__(self) -> str:
        text = f"{self.title} ({self.version}), {self.section}, in force from {self.effective_from.isoformat()}"
        return text + f" [{self.source.split()[0]}]"


@lru_cache(maxsize=1)
def table() -> Mapping[str, Any]:
    """The parsed guidelines table (cached on disk like the other data tables)."""
    text = package_files().joinpath("reference/data/guidelines.yaml").read_text(encoding="utf-8")
    return datafiles.safe_load(text)


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _on(entries, day: dt.date | None) -> Mapping[str, Any] | None:
    """The entry (from/to dates) in force on a day (without a day, the latest), or None."""
    chosen = None
    for entry in entries:
        start, end = _date(entry["from"]), _date(entry.get("to"))
        if day is None or (start <= day and (end is None or day <= end)):
            chosen = entry
    return chosen


@record
class DefinitionInForce:
    """A definition of 8 CCR 9792.20 (e.g. functional improvement) as in force on the request date."""

    term: str
    section: str
    text: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    verify: bool = False
    note: str | None = None

    def __str__(self) -> str:
        until = f" to {self.effective_to.isoformat()}" if self.effective_to else ""
        return (f"{self.term}, {self.section} (in force from {self.effective_from.isoformat()}{until}) "
                f"[{self.source.split()[0]}]: {self.text}")


def definitions_in_force(facts_read: Iterable[str], day: dt.date | None) -> tuple[DefinitionInForce, ...]:
    """The 9792.20 definitions in force on a day whose fact some applying criterion reads."""
    read = set(facts_read)
    found = []
    for key, spec in (table().get("definitions") or {}).items():
        entry = _on(spec["editions"], day) if spec["fact"] in read else None
        if entry is not None:
            found.append(_definition(key, spec["editions"].index(entry)))
    return tuple(sorted(found, key=lambda d: d.term))


@lru_cache(maxsize=256)  # a few definitions, each with a few editions: made once, not per item
def _definition(key: str, position: int) -> DefinitionInForce:
    """A definition's edition, by its position in the table (never ambiguous, as a start date
    shared by two editions would be)."""
    spec = table()["definitions"][key]
    entry = spec["editions"][position]
    return DefinitionInForce(
        term=spec["term"], section=entry["section"], text=" ".join(entry["text"].split()),
        effective_from=_date(entry["from"]), effective_to=_date(entry.get("to")), source=entry["source"],
        verify=bool(entry.get("verify")), note=entry.get("note"))


def edition(topic: str, day: dt.date | None) -> GuidelineInForce | None:
    """The edition of a topic in force on a day (without a day, the latest), or None."""
    spec = table()["topics"][topic]
    chosen = _on(spec["editions"], day)
    if chosen is None:
        return None
    return GuidelineInForce(
        topic=topic,
        title=chosen["title"],
        version=chosen["version"],
        section=chosen.get("section", spec["section"]),
        effective_from=_date(chosen["from"]),
        effective_to=_date(chosen.get("to")),
        source=chosen["source"],
        verify=bool(chosen.get("verify") or spec.get("section_verify")),
        note=chosen.get("note"),
    )


def guideline_in_force(
    category: str | None,
    day: dt.date | None,
    *,
    body_region: str | None = None,
    postsurgical: bool = False,
    weeks_since_injury: float | None = None,
) -> GuidelineInForce | None:
    """The MTUS guideline governing an item of this category on this day (None before the MTUS).

    An item no route knows (no category, or ``other``) gets the general approaches (9792.22).
    """
    chronic = None if weeks_since_injury is None else weeks_since_injury >= CHRONIC_WEEKS
    return _guideline_in_force(category, day, body_region, postsurgical, chronic)


# Every item of a batch asks; the answer depends on these few values only (the table is read once).
@lru_cache(maxsize=4096)
def _guideline_in_force(category: str | None, day: dt.date | None, body_region: str | None, postsurgical: bool,
                        chronic: bool | None) -> GuidelineInForce | None:
    if before_mtus(day):
        return None
    for route in table()["routes"]:
        if category not in route["categories"]:
            continue
        if route.get("postsurgical") and not postsurgical:
            continue
        if route.get("chronic") and chronic is not True:
            continue
        found = _route_edition(route, body_region, day)
        if found is not None:
            return found
    return edition("general", day)


def _route_edition(route: Mapping[str, Any], body_region: str | None, day: dt.date | None) -> GuidelineInForce | None:
    if route["topic"] != "region":
        return edition(route["topic"], day)
    topic = table()["regions"].get(body_region or "")
    found = edition(topic, day) if topic else None
    if found is None and route.get("fallback"):
        found = edition(route["fallback"], day)
    return found


def before_mtus(day: dt.date | None) -> bool:
    return day is not None and day < _date(table()["mtus_adopted"])


def no_rule_reason(category: str | None, day: dt.date | None) -> str:
    """Why no rule decides an item: outside_mtus, unrecognised_item or criteria_not_encoded."""
    if before_mtus(day):
        return "outside_mtus"
    if category is None or category == "other":
        return "unrecognised_item"
    return "criteria_not_encoded"


def reason_text(reason: str) -> str:
    """The reason's explanation, as the reports give it."""
    return " ".join(table()["reasons"][reason].split())


def search_sequence() -> Mapping[str, Any]:
    """8 CCR 9792.21.1 as the table states it (section, from, source, text)."""
    return table()["search_sequence"]
