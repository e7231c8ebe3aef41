"""Read an official MTUS Drug List (saved as CSV) into a Drug List file the formulary can use.

The DWC publishes each Drug List version as a spreadsheet. Save its sheet as CSV; name the columns
that hold the drug, its Exempt/Non-Exempt status and the Special and Perioperative Fill marks (the
defaults are guesses at the DWC headings; headings match ignoring case, spaces and punctuation).
Drug names map to the lexicon's generic names where it knows them, else they are kept lower-cased.
Several rows for one drug (strengths, forms) with different statuses keep the stricter one
(Non-Exempt), and the conflict is reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imr_rules.errors import ImrRulesError

DEFAULT_COLUMNS = {
    "drug": "Drug Ingredient",
    "status": "Exempt/Non-Exempt",
    "special_fill": "Special Fill",
    "perioperative_fill": "Perioperative Fill",
}
FILL_DAYS = 4  # a fill marked without a number of days: the 4-day supply of the lists (SEC S19, S14)


class DrugListError(ImrRulesError):
    """A Drug List file that cannot be read as mapped."""


@dataclass
class Imported:
    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _status(text: str) -> str | None:
    key = _key(text)
    if key.startswith("non") and "exempt" in key:
        return "non_exempt"
    if key == "exempt":
        return "exempt"
    return None


def _fill(text: str | None) -> int | None:
    value = (text or "").strip()
    if not value or _key(value) in {"no", "n", "none", "0"}:
        return None
    number = re.search(r"\d+", value)
    return int(number.group()) if number else FILL_DAYS


def _generic(name: str) -> str:
    from imr_rules.reference import drugs as lexicon

    found = lexicon.lookup(name)
    return found.generic if found is not None else " ".join(name.lower().split())


def read_drug_list(path: Path, version: str, effective_from: dt.date, columns: dict[str, str] | None = None) -> Imported:
    """The Drug List in ``path`` (CSV) as formulary data: complete for its version."""
    mapping = {**DEFAULT_COLUMNS, **(columns or {})}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise DrugListError(f"{path}: cannot read as UTF-8 CSV: {exc} (save the Drug List sheet as CSV UTF-8)") from exc
    if not rows:
        raise DrugListError(f"{path}: the file is empty (save the Drug List sheet as CSV)")
    header = {_key(name): index for index, name in enumerate(rows[0])}
    index = {}
    for role, name in mapping.items():
        if _key(name) in header:
            index[role] = header[_key(name)]
        elif role in ("drug", "status"):
            raise DrugListError(
                f"{path}:1: no column '{name}' for the {role} (columns: {', '.join(rows[0])}); "
                f"name it with --{role.replace('_', '-')}-column")
    drugs: dict[str, dict[str, Any]] = {}
    imported = Imported({})
    for line, row in enumerate(rows[1:], start=2):
        cell = lambda role: row[index[role]].strip() if role in index and index[role] < len(row) else ""  # noqa: E731
        name, status_text = cell("drug"), cell("status")
        if not name:
            continue
        status = _status(status_text)
        if status is None:
            raise DrugListError(f"{path}:{line}: status '{status_text}' for {name} is neither Exempt nor Non-Exempt "
                                "(check --status-column)")
        entry = {"status": status, "from": effective_from.isoformat(), "source": f"REG MTUS Drug List {version} ({path.name})"}
        for role in ("special_fill", "perioperative_fill"):
            days = _fill(cell(role))
            if days:
                entry[role] = days
        generic = _generic(name)
        previous = drugs.get(generic)
        if previous is not None:
            if previous["status"] != status:
                imported.warnings.append(f"{path}:{line}: {name}: rows disagree (exempt and non-exempt); kept non_exempt")
                entry["status"] = "non_exempt"
            entry = {**previous, **entry}  # fills marked on any row are kept
        drugs[generic] = entry
    imported.data = {
        "version": 2,
        "in_force_from": "2018-01-01",
        "complete": True,
        "drug_lists": [{"version": version, "from": effective_from.isoformat(), "source": f"REG MTUS Drug List {version} ({path.name})"}],
        "drugs": {generic: [entry] for generic, entry in sorted(drugs.items())},
    }
    return imported
