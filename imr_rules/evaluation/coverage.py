"""Rule coverage: for item descriptions, the share (by category) for which some rule applies.

Each description is read by :func:`imr_rules.letters.describe.describe_item` (category, body region,
quantity), turned into a one-item request, and given to :func:`imr_rules.engine.applicable_rules`.
An item is *covered* when at least one rule decides it. Nothing is evaluated: coverage says where
the rule library speaks, not what it decides.

An "associated surgical service: X" item is described as ``surgery_associated`` with X's own
category as subcategory; where no rule covers the associated service itself, it counts as
covered when a rule covers X (post-operative physical therapy, a cold therapy unit, a sling).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from imr_rules.requests.derived import item_facts
from imr_rules.engine import applicable_rules
from imr_rules.model import Item, Patient, Request
from imr_rules.ruleset.loading import RuleSet
from imr_rules.reference.vocabulary import parse_date

ASSOCIATED = "surgery_associated"


@dataclass(frozen=True)
class Description:
    """One item description to measure, with the date of service when it is known."""

    text: str
    day: dt.date | None = None
    source: str | None = None


@dataclass(frozen=True)
class ItemCoverage:
    description: Description
    category: str
    rule_ids: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.rule_ids)


@dataclass
class Tally:
    total: int = 0
    covered: int = 0

    @property
    def share(self) -> float:
        return round(self.covered / self.total, 4) if self.total else 0.0

    def to_dict(self) -> dict:
        return {"total": self.total, "covered": self.covered, "share": self.share}


@dataclass
class CoverageReport:
    items: list[ItemCoverage] = field(default_factory=list)
    # The rule set measured (as reports name it: name, version, hash, packs); every report names it.
    ruleset: dict = field(default_factory=dict)

    @property
    def overall(self) -> Tally:
        return Tally(len(self.items), sum(i.covered for i in self.items))

    def by_category(self) -> dict[str, Tally]:
        tallies: dict[str, Tally] = {}
        for item in self.items:
            tally = tallies.setdefault(item.category, Tally())
            tally.total += 1
            tally.covered += item.covered
        return dict(sorted(tallies.items(), key=lambda kv: (-kv[1].total, kv[0])))

    def to_dict(self) -> dict:
        overall = self.overall
        return {
            "ruleset": self.ruleset,
            **overall.to_dict(),
            "categories": {name: tally.to_dict() for name, tally in self.by_category().items()},
            "uncovered": [
                {"description": i.description.text, "category": i.category, **({"source": i.description.source} if i.description.source else {})}
                for i in self.items if not i.covered
            ],
        }


def measure(descriptions: Iterable[Description], ruleset: RuleSet) -> CoverageReport:
    from imr_rules.render.data import ruleset_identity

    report = CoverageReport(ruleset=ruleset_identity(ruleset))
    for description in descriptions:
        report.items.append(item_coverage(description, ruleset))
    return report


def item_coverage(description: Description, ruleset: RuleSet) -> ItemCoverage:
    from imr_rules.letters.describe import describe_item  # the describer is optional for the rest of the library

    described = describe_item(description.text, ruleset)  # classified with this rule set's keywords too
    rules = _rules_for(description, described.category, described, ruleset)
    if not rules and described.category == ASSOCIATED and described.subcategory:
        rules = _rules_for(description, described.subcategory, described, ruleset)
    return ItemCoverage(description, described.category, tuple(rule.id for rule in rules))


def _rules_for(description: Description, category: str, described, ruleset: RuleSet):
    item = Item(
        id="1",
        service=described.text or description.text,
        category=category,
        body_region=described.body_region,
        laterality=described.laterality,
        quantity=described.quantity,
        frequency_per_week=described.frequency_per_week,
        duration_weeks=described.duration_weeks,
        unit=described.unit,
    )
    request = Request(id="coverage", request_date=description.day, patient=Patient(), diagnoses=(), items=(item,))
    facts, _ = item_facts(request, item)
    return applicable_rules(item, facts, ruleset, request)


# ------------------------------------------------------------------------------------ inputs


def descriptions_from_file(path: str | Path) -> Iterator[Description]:
    """One description per line; a ``.jsonl`` file gives each record's ``item`` or ``description``."""
    from imr_rules.documents import parse_json_record
    from imr_rules.errors import InputFileError, Source

    path = Path(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise InputFileError(f"is not UTF-8 text (byte {exc.start})", Source(str(path), number),
                                     "save the file as UTF-8") from None
            if not line or line.startswith("#"):
                continue
            if path.suffix == ".jsonl":
                record = parse_json_record(line, str(path), number).data
                if not isinstance(record, dict):
                    raise InputFileError("expected a JSON object", Source(str(path), number),
                                         'each line: {"item": ..., "decision_date": ...}')
                text = record.get("item") or record.get("description") or ""
                day = parse_date(record.get("decision_date") or record.get("date"), leading=True)
                yield Description(text, day, f"{path.name}:{number}")
            else:
                yield Description(line, None, f"{path.name}:{number}")


def descriptions_from_letters(paths: Iterable[str | Path], errors: list | None = None) -> Iterator[Description]:
    """The disputed items of IMR letters, dated by the letter's decision date. A letter that cannot
    be read is appended to ``errors`` (a :class:`LetterError` naming the file), and the others
    are still read; without ``errors`` it raises."""
    from imr_rules.letters import iter_letters

    for path, letter in iter_letters(paths):
        if isinstance(letter, Exception):
            if errors is None:
                raise letter
            errors.append(letter)
            continue
        day = parse_date(letter.dates.decision_date, leading=True)
        for item in letter.items:
            yield Description(item.description, day, f"{Path(path).name}#{item.index}")
