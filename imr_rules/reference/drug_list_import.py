"""Read an official MTUS Drug List (the DWC spreadsheet, or its sheet saved as CSV) into a Drug
List file the formulary can use.

The DWC publishes each Drug List version as an Excel workbook. It is read as it is (.xlsx, with the
optional ``xlsx`` extra, openpyxl) or as CSV. Name the columns that hold the drug, its
Exempt/Non-Exempt status and the Special and Perioperative Fill marks (the defaults are guesses at
the DWC headings; headings match ignoring case, spaces and punctuation). The heading row is the
first row that holds the drug and status headings, so title rows above it are skipped; in a
workbook, the first sheet that has them (or the sheet named).
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


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
HEADER_SEARCH_ROWS = 20  # title rows above the headings: a few in the DWC workbooks


def read_drug_list(path: Path, version: str, effective_from: dt.date, columns: dict[str, str] | None = None,
                   sheet: str | None = None) -> Imported:
    """The Drug List in ``path`` (.xlsx or CSV) as formulary data: complete for its version."""
    mapping = {**DEFAULT_COLUMNS, **(columns or {})}
    wanted = (_key(mapping["drug"]), _key(mapping["status"]))
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        where, rows = _sheet_rows(path, sheet, wanted)
    elif path.suffix.lower() == ".xls":
        raise DrugListError(f"{path}: an .xls workbook (Excel 97-2003) cannot be read (save it as .xlsx or as CSV UTF-8)")
    else:
        if sheet is not None:
            raise DrugListError(f"{path}: --sheet names a sheet of a workbook; a CSV file has none (omit --sheet)")
        where, rows = str(path), _csv_rows(path)
    if not rows:
        raise DrugListError(f"{where}: the file is empty (save the Drug List sheet as CSV)")
    start = _header_row(rows, wanted)
    header = {_key(name): index for index, name in enumerate(rows[start])}
    index = {}
    for role, name in mapping.items():
        if _key(name) in header:
            index[role] = header[_key(name)]
        elif role in ("drug", "status"):
            raise DrugListError(
                f"{where}:{start + 1}: no column '{name}' for the {role} (columns: {', '.join(c for c in rows[start] if c)}); "
                f"name it with --{role.replace('_', '-')}-column")
    drugs: dict[str, dict[str, Any]] = {}
    imported = Imported({})
    for line, row in enumerate(rows[start + 1:], start=start + 2):
        cell = lambda role: row[index[role]].strip() if role in index and index[role] < len(row) else ""  # noqa: E731
        name, status_text = cell("drug"), cell("status")
        if not name:
            continue
        status = _status(status_text)
        if status is None:
            raise DrugListError(f"{where}:{line}: status '{status_text}' for {name} is neither Exempt nor Non-Exempt "
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
                imported.warnings.append(f"{where}:{line}: {name}: rows disagree (exempt and non-exempt); kept non_exempt")
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


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise DrugListError(f"{path}: cannot read as UTF-8 CSV: {exc} (save the Drug List sheet as CSV UTF-8)") from exc


def _header_row(rows: list[list[str]], wanted: tuple[str, str]) -> int:
    """The index of the first row holding the drug and status headings (else 0, reported as such)."""
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {_key(cell) for cell in row}
        if all(key in keys for key in wanted):
            return number
    return 0


def _sheet_rows(path: Path, sheet: str | None, wanted: tuple[str, str]) -> tuple[str, list[list[str]]]:
    """The rows of a workbook's sheet as text: the sheet named, else the first with the headings.

    openpyxl is imported here only: it is the optional ``xlsx`` extra, and CSV needs none of it."""
    try:
        import openpyxl
    except ImportError:
        raise DrugListError(f"{path}: reading a spreadsheet needs the optional xlsx extra "
                            "(pip install 'imr-rules[xlsx]'), or save the sheet as CSV UTF-8") from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
        raise DrugListError(f"{path}: cannot read as an .xlsx workbook ({type(exc).__name__}) "
                            "(open it in a spreadsheet program and save it as .xlsx or CSV UTF-8)") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise DrugListError(f"{path}: no sheet '{sheet}' (sheets: {', '.join(workbook.sheetnames)})")
        names = [sheet] if sheet is not None else workbook.sheetnames
        found = None
        for name in names:
            rows = _rows_of(path, workbook[name], name)
            if found is None:
                found = (name, rows)  # without the headings anywhere: the first sheet, reported as such
            if any(all(key in {_key(c) for c in row} for key in wanted) for row in rows[:HEADER_SEARCH_ROWS]):
                found = (name, rows)
                break
    finally:
        workbook.close()
    if found is None:
        raise DrugListError(f"{path}: the workbook has no sheet")
    return f"{path}[{found[0]}]", found[1]


def _rows_of(path: Path, worksheet: Any, name: str) -> list[list[str]]:
    """A sheet's rows as text. openpyxl reads a read-only sheet lazily, so a damaged sheet (its XML
    cut short, say) fails here, not when the workbook is opened: that is bad input, not a bug."""
    try:
        return [[_cell_text(value) for value in row] for row in worksheet.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl and the XML parser raise their own errors for a damaged sheet
        raise DrugListError(f"{path}[{name}]: cannot read the sheet ({type(exc).__name__}) "
                            "(open it in a spreadsheet program and save it as .xlsx or CSV UTF-8)") from None


def _cell_text(value: Any) -> str:
    """A cell as the CSV export would write it: text as is, whole numbers without '.0', empty as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
