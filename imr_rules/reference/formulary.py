"""MTUS Drug Formulary statuses by Drug List version and date (8 CCR 9792.27.1-9792.27.23).

The bundled table (``reference/data/drug_formulary.yaml``) is partial and says so: a status no
source establishes is *unknown*, never a guess. A user with the official DWC Drug List can load it
(``imr-rules formulary import``, which writes a list file; ``IMR_RULES_DRUG_LIST`` names the files
to use, separated by the path separator). A loaded list is complete for its version, so from its
date a drug it does not name is *unlisted*.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from imr_rules import package_files
from imr_rules.records import record
from imr_rules.reference import datafiles

ENV = "IMR_RULES_DRUG_LIST"


@record
class FormularyStatus:
    """A drug's status on the Drug List in force on a day, with where it comes from."""

    status: str  # exempt | non_exempt | unlisted | compounded | unknown | not_in_force
    drug_list: str | None = None  # the Drug List version in force ("v13"), or the loaded list's name
    source: str | None = None
    special_fill: int | None = None  # supply limit in days where the list marks the drug
    perioperative_fill: int | None = None
    recalled_status: str | None = None  # a REC status, shown but never used

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "drug_list": self.drug_list,
            "source": self.source,
            "special_fill_days": self.special_fill,
            "perioperative_fill_days": self.perioperative_fill,
            "recalled_status": self.recalled_status,
        }


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(str(text)) if text else None


@lru_cache(maxsize=1)
def bundled() -> Mapping[str, Any]:
    text = package_files().joinpath("reference/data/drug_formulary.yaml").read_text(encoding="utf-8")
    return datafiles.safe_load(text)


@lru_cache(maxsize=8)
def _loaded(spec: str) -> tuple[Mapping[str, Any], ...]:
    """The official lists named by IMR_RULES_DRUG_LIST, latest first."""
    lists = []
    for name in filter(None, spec.split(os.pathsep)):
        path = Path(name)
        try:
            data = datafiles.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            from imr_rules.errors import ImrRulesError

            raise ImrRulesError(f"{name}: cannot read the Drug List named by {ENV}: {exc} (fix the path, or unset {ENV})") from exc
        except yaml.YAMLError as exc:
            raise _not_a_list(name, f"{_line(exc)}: malformed YAML: {getattr(exc, 'problem', None) or 'unreadable'}") from None
        _check_shape(name, data)
        lists.append(data)
    return tuple(sorted(lists, key=lambda d: str(d["drug_lists"][0]["from"]), reverse=True))


def _check_shape(name: str, data: Any) -> None:
    """A list named by IMR_RULES_DRUG_LIST must be a Drug List file (drug_formulary.schema.json):
    any other YAML would fail deep in a decision, as an internal error, instead of here."""
    from jsonschema.exceptions import best_match

    from imr_rules.documents import schema_validator

    error = best_match(schema_validator("drug_formulary.schema.json").iter_errors(data))
    if error is not None:
        field = ".".join(str(part) for part in error.absolute_path) or "top level"
        # The schema's own words only where they name a key: elsewhere they repeat the value.
        problem = error.message if error.validator == "required" else f"fails the schema's {error.validator!r} check"
        raise _not_a_list(name, f": {field}: {problem}")


def _not_a_list(name: str, problem: str):
    from imr_rules.errors import ImrRulesError

    return ImrRulesError(f"{name}{problem} (not a Drug List file as imr-rules formulary import writes it; "
                         f"fix it, or unset {ENV})")


def _line(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f":{mark.line + 1}" if mark is not None else ""


def loaded_lists() -> tuple[Mapping[str, Any], ...]:
    return _loaded(os.environ.get(ENV, ""))


def list_in_force(table: Mapping[str, Any], day: dt.date | None) -> Mapping[str, Any] | None:
    """The Drug List version of a table in force on a day (without a day, the latest)."""
    chosen = None
    for entry in table["drug_lists"]:
        if day is None or _date(entry["from"]) <= day:
            chosen = entry
    return chosen


def status(generic: str | None, day: dt.date | None, compounded: bool = False) -> FormularyStatus:
    """The formulary status of a drug (a lexicon generic name) dispensed on a day."""
    start = _date(bundled()["in_force_from"])
    if day is not None and day < start:
        return FormularyStatus("not_in_force")
    if compounded:
        return FormularyStatus("compounded", source="REG 8 CCR 9792.27.9 (compounded drugs always need prospective review)")
    for table in loaded_lists():
        version = list_in_force(table, day)
        if version is not None:
            return _from_table(table, version, generic, day)
    return _from_table(bundled(), list_in_force(bundled(), day), generic, day)


def _from_table(table: Mapping[str, Any], version: Mapping[str, Any], generic: str | None, day: dt.date | None) -> FormularyStatus:
    entries = [e for e in table["drugs"].get(generic or "", ()) if day is None or _date(e["from"]) <= day]
    name = version["version"]
    if not entries:
        absent = "unlisted" if table.get("complete") else "unknown"
        return FormularyStatus(absent, name, version.get("source"))
    entry = entries[-1]
    source = entry.get("source") or version.get("source")
    if str(source).startswith("REC"):
        return FormularyStatus("unknown", name, source, recalled_status=entry["status"])
    return FormularyStatus(entry["status"], name, source, entry.get("special_fill"), entry.get("perioperative_fill"))


def item_formulary(facts: Mapping[str, Any], day) -> dict[str, Any] | None:
    """A drug item's MTUS Drug Formulary status on the day, and whether UR was required (None for
    an item that is not a drug)."""
    if "drug.generic" not in facts:
        return None
    found = status(facts["drug.generic"], day, facts.get("drug.compounded") is True)
    return {**found.as_dict(), "prospective_review_required": facts.get("drug.prospective_review_required")}
