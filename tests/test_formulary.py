"""The MTUS Drug Formulary: dated Drug Lists, no guessed status, loading an official list, `formulary` in reports."""

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.reference import formulary

FIXTURES = Path(__file__).parent / "fixtures"
D = dt.date.fromisoformat
SCHEMA = json.loads(resources.files("imr_rules").joinpath("schemas/drug_formulary.schema.json").read_text())


def _errors(data):
    from jsonschema import Draft202012Validator

    return list(Draft202012Validator(SCHEMA).iter_errors(data))


def test_the_bundled_table_matches_its_schema_and_its_lists_are_dated_in_order():
    data = yaml.safe_load(resources.files("imr_rules").joinpath("reference/data/drug_formulary.yaml").read_text())
    assert _errors(data) == []
    dates = [entry["from"] for entry in data["drug_lists"]]
    assert dates == sorted(dates) and dates[0] == data["in_force_from"] == "2018-01-01"
    assert data["complete"] is False


@pytest.mark.parametrize(
    "day, version",
    [("2018-01-01", "v1"), ("2018-05-14", "v1"), ("2018-05-15", "v2"), ("2020-11-01", "v7"), ("2024-10-31", "v11.1"), ("2026-11-20", "v13")],
)
def test_the_drug_list_in_force_by_date(day, version):
    assert formulary.status("gabapentin", D(day)).drug_list == version


def test_statuses_are_established_or_unknown():
    assert formulary.status("gabapentin", D("2017-12-31")).status == "not_in_force"
    assert formulary.status("gabapentin", D("2026-11-20")).status == "non_exempt"
    recalled = formulary.status("hydrocodone/acetaminophen", D("2026-11-20"))
    assert (recalled.status, recalled.recalled_status) == ("unknown", "non_exempt")
    assert recalled.special_fill is None  # nothing recalled is used
    assert formulary.status("hydromorphone", D("2026-11-20")).status == "unknown"  # not "unlisted": the table is partial
    assert formulary.status("gabapentin", D("2026-11-20"), compounded=True).status == "compounded"


def _import(tmp_path, *extra, csv=FIXTURES / "drug-list-fictitious.csv"):
    out = tmp_path / "v-test.yaml"
    args = ["formulary", "import", str(csv), "--list-version", "v-test", "--effective-from", "2025-08-06", "-o", str(out), *extra]
    return CliRunner().invoke(app, args), out


def test_import_an_official_list_and_use_it_from_its_date(tmp_path, monkeypatch):
    result, out = _import(tmp_path)
    assert result.exit_code == 0, result.output
    assert "rows disagree" in result.output  # cyclobenzaprine: the stricter status is kept, and said
    data = yaml.safe_load(out.read_text())
    assert _errors(data) == [] and data["complete"] is True
    assert data["drugs"]["hydrocodone/acetaminophen"][0] == {
        "status": "non_exempt", "from": "2025-08-06", "source": "REG MTUS Drug List v-test (drug-list-fictitious.csv)",
        "special_fill": 4, "perioperative_fill": 4}
    assert data["drugs"]["cyclobenzaprine"][0]["status"] == "non_exempt"
    monkeypatch.setenv(formulary.ENV, str(out))
    assert formulary.status("naproxen", D("2026-11-20")).status == "exempt"
    assert formulary.status("hydromorphone", D("2026-11-20")).status == "unlisted"
    assert formulary.status("naproxen", D("2025-08-05")).drug_list == "v12"  # before the loaded list: the bundled one
    shown = CliRunner().invoke(app, ["formulary", "status", "Norco", "--date", "2026-11-20"])
    assert shown.output.startswith("hydrocodone/acetaminophen: non_exempt; Drug List v-test")


def test_import_with_a_column_mapping(tmp_path):
    csv = tmp_path / "list.csv"
    csv.write_text("Ingredient;Status\n".replace(";", ",") + "Gabapentin,Non-Exempt\nNaproxen,Exempt\n")
    result, out = _import(tmp_path, "--drug-column", "Ingredient", "--status-column", "status", csv=csv)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(out.read_text())["drugs"]["gabapentin"][0]["status"] == "non_exempt"


@pytest.mark.parametrize(
    "text, extra, message",
    [
        ("Name,Exempt/Non-Exempt\nGabapentin,Non-Exempt\n", (), "1: no column 'Drug Ingredient' for the drug"),
        ("Drug Ingredient,Exempt/Non-Exempt\nGabapentin,Maybe\n", (), ":2: status 'Maybe' for Gabapentin"),
        ("", (), "the file is empty"),
        ("Drug Ingredient,Exempt/Non-Exempt\n", ("--effective-from", "2025-13-01"), "is not a date"),
    ],
)
def test_bad_drug_list_input_is_one_line_and_exit_2(tmp_path, text, extra, message):
    csv = tmp_path / "bad.csv"
    csv.write_text(text)
    args = ["formulary", "import", str(csv), "--list-version", "v-test", "-o", str(tmp_path / "o.yaml")]
    args += list(extra) if extra else ["--effective-from", "2025-08-06"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_every_drug_item_reports_its_formulary_status(tmp_path):
    request = tmp_path / "r.yaml"
    request.write_text(
        "request_id: f\nrequest_date: 2026-11-20\npatient: {date_of_injury: 2024-01-02}\nitems:\n"
        "  - {service: 'Gabapentin 300 mg #90', category: anticonvulsant, drug: {name: gabapentin, strength: 300 mg, quantity: 90}}\n"
        "  - {service: 'Norco 5/325 mg #12', category: opioid}\n"
        "  - {service: Massage therapy, category: massage, quantity: 6}\n"
    )
    result = CliRunner().invoke(app, ["check", str(request), "--format", "json"])
    items = json.loads(result.output)["items"]
    assert items[0]["formulary"]["status"] == "non_exempt" and items[0]["formulary"]["drug_list"] == "v13"
    assert items[0]["formulary"]["prospective_review_required"] is True
    assert items[1]["formulary"]["status"] == "unknown" and items[1]["formulary"]["prospective_review_required"] is None
    assert items[2]["formulary"] is None
    text = CliRunner().invoke(app, ["check", str(request)]).output
    assert "MTUS Drug Formulary (Drug List v13): Non-Exempt; prospective review required [SEC]" in text
    markdown = CliRunner().invoke(app, ["check", str(request), "--format", "markdown"]).output
    assert "MTUS Drug Formulary (Drug List v13): unknown" in markdown


def _workbook(path, rows, title="MTUS Drug List v-test (FICTITIOUS rows for the tests)"):
    openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra (openpyxl) is not installed")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Read me first"])
    sheet = book.create_sheet("Drug List")
    sheet.append([title])  # a title row above the headings, as the DWC workbooks have
    sheet.append([])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_import_the_workbook_as_published_gives_what_its_csv_gives(tmp_path):
    import csv as csv_module

    with (FIXTURES / "drug-list-fictitious.csv").open(newline="", encoding="utf-8") as handle:
        rows = [[int(c) if c.isdigit() else (c or None) for c in row] for row in csv_module.reader(handle)]
    book = _workbook(tmp_path / "drug-list-fictitious.xlsx", rows)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    from_csv, csv_out = _import(tmp_path / "a")
    from_book, book_out = _import(tmp_path / "b", csv=book)
    assert from_book.exit_code == 0, from_book.output
    csv_data, book_data = yaml.safe_load(csv_out.read_text()), yaml.safe_load(book_out.read_text())
    assert book_data["drugs"] == {
        name: [{**entry, "source": entry["source"].replace(".csv", ".xlsx")} for entry in entries]
        for name, entries in csv_data["drugs"].items()}
    assert "drug-list-fictitious.xlsx[Drug List]:" in from_book.output  # the rows disagree warning names the sheet


def test_a_workbook_sheet_can_be_named_and_problems_are_one_line(tmp_path):
    book = _workbook(tmp_path / "list.xlsx", [["Drug Ingredient", "Exempt/Non-Exempt"], ["Gabapentin", "Maybe"]])
    result, _ = _import(tmp_path, "--sheet", "Drug List", csv=book)
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {book}[Drug List]:4: status 'Maybe' for Gabapentin is neither Exempt nor Non-Exempt (check --status-column)"
    missing, _ = _import(tmp_path, "--sheet", "Drugs", csv=book)
    assert missing.exit_code == 2 and "no sheet 'Drugs' (sheets: Notes, Drug List)" in missing.output
    old = tmp_path / "list.xls"
    old.write_bytes(b"not really")
    assert "save it as .xlsx or as CSV UTF-8" in _import(tmp_path, csv=old)[0].output


def test_a_workbook_whose_sheet_is_damaged_is_bad_input_not_an_internal_error(tmp_path):
    # openpyxl reads a read-only sheet lazily: the workbook opens, and the sheet's cut-short XML
    # fails only when its rows are read.
    import zipfile

    book = _workbook(tmp_path / "whole.xlsx", [["Drug Ingredient", "Exempt/Non-Exempt"], ["Gabapentin", "Non-Exempt"]])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, data[: len(data) // 2] if item.filename.startswith("xl/worksheets/") else data)
    result, _ = _import(tmp_path, csv=damaged)
    assert result.exit_code == 2, result.output
    assert result.output.strip().startswith(f"error: {damaged}[Notes]: cannot read the sheet (")
    assert result.output.strip().endswith("(open it in a spreadsheet program and save it as .xlsx or CSV UTF-8)")


@pytest.mark.parametrize("text, problem", [
    ("drugs: 5\n", "list.yaml: top level: 'version' is a required property"),
    ("x: [\n", "list.yaml:2: malformed YAML"),
    ("- 1\n", "list.yaml: top level: fails the schema's 'type' check"),
])
def test_a_drug_list_that_is_not_one_is_bad_input_not_an_internal_error(tmp_path, text, problem):
    import os
    import subprocess
    import sys

    listing = tmp_path / "list.yaml"
    listing.write_text(text)
    env = {**os.environ, formulary.ENV: str(listing)}
    request = Path(__file__).parent.parent / "examples/requests/drug-anticonvulsant-2021-pregabalin-transition.yaml"
    for args in (["formulary", "status", "Norco", "--date", "2026-01-01"], ["check", str(request)]):
        result = subprocess.run([sys.executable, "-m", "imr_rules.cli", *args], env=env, capture_output=True, text=True)
        assert result.returncode == 2, result.stderr
        line = result.stderr.strip().splitlines()[-1]
        assert problem in line and line.endswith("(not a Drug List file as imr-rules formulary import writes it; "
                                                 "fix it, or unset IMR_RULES_DRUG_LIST)"), line


def test_an_output_folder_that_does_not_exist_is_bad_input(tmp_path):
    result, out = _import(tmp_path / "missing")
    assert result.exit_code == 2
    assert result.output.strip().endswith(f"error: {out}: cannot write: No such file or directory (check the --output path)")


def test_the_output_is_never_the_input_and_is_written_whole(tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_bytes((FIXTURES / "drug-list-fictitious.csv").read_bytes())
    args = ["formulary", "import", str(listing), "--list-version", "v-test", "--effective-from", "2025-08-06", "-o", str(listing)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip().endswith(f"error: {listing}: the output would overwrite the input {listing} (write the output elsewhere)")
    assert listing.read_bytes() == (FIXTURES / "drug-list-fictitious.csv").read_bytes()
    written, out = _import(tmp_path)
    assert written.exit_code == 0 and yaml.safe_load(out.read_text())["complete"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "v-test.yaml"]  # no temporary file left


def test_without_the_xlsx_extra_a_workbook_is_refused_with_what_to_do(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    book = tmp_path / "list.xlsx"
    book.write_bytes(b"PK")
    result, _ = _import(tmp_path, csv=book)
    assert result.exit_code == 2
    assert "needs the optional xlsx extra (pip install 'imr-rules[xlsx]'), or save the sheet as CSV UTF-8" in result.output
