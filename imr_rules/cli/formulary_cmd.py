"""imr-rules formulary: load an official MTUS Drug List, and show a drug's status on a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli import EXIT_BAD_INPUT
from imr_rules.cli.common import app, open_output, print_errors

formulary_app = typer.Typer(help="MTUS Drug Formulary: load an official Drug List; look up a drug's status.", no_args_is_help=True)
app.add_typer(formulary_app, name="formulary")


@formulary_app.command("import")
def import_list(
    csv_file: Path = typer.Argument(..., help="The official Drug List: the DWC workbook (.xlsx, with the xlsx extra) or its sheet saved as CSV."),
    list_version: str = typer.Option(..., "--list-version", help="The Drug List version, e.g. v13."),
    effective_from: str = typer.Option(..., "--effective-from", help="The date it took effect (YYYY-MM-DD)."),
    output: Path = typer.Option(..., "--output", "-o", help="The Drug List file to write (YAML)."),
    drug_column: Optional[str] = typer.Option(None, "--drug-column", help="Heading of the drug name column."),
    status_column: Optional[str] = typer.Option(None, "--status-column", help="Heading of the Exempt/Non-Exempt column."),
    special_fill_column: Optional[str] = typer.Option(None, "--special-fill-column", help="Heading of the Special Fill column."),
    perioperative_fill_column: Optional[str] = typer.Option(None, "--perioperative-fill-column", help="Heading of the Perioperative Fill column."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="The workbook's sheet (default: the first with the drug and status headings)."),
) -> None:
    """Convert an official Drug List (.xlsx or CSV) into a list file; use it with IMR_RULES_DRUG_LIST=FILE."""
    import yaml

    from imr_rules.reference.drug_list_import import DrugListError, read_drug_list

    if not csv_file.is_file():
        problem = "is a folder" if csv_file.is_dir() else "file not found"
        print_errors([f"{csv_file}: {problem} (give the official Drug List: the DWC workbook (.xlsx) or its sheet saved as CSV)"])
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        day = dt.date.fromisoformat(effective_from)
    except ValueError:
        print_errors([f"--effective-from: '{effective_from}' is not a date (use YYYY-MM-DD)"])
        raise typer.Exit(EXIT_BAD_INPUT)
    columns = {role: name for role, name in (("drug", drug_column), ("status", status_column),
               ("special_fill", special_fill_column), ("perioperative_fill", perioperative_fill_column)) if name}
    try:
        imported = read_drug_list(csv_file, list_version, day, columns, sheet)
    except DrugListError as exc:
        print_errors([exc.one_line()])
        raise typer.Exit(EXIT_BAD_INPUT)
    for warning in imported.warnings:
        typer.echo(f"warning: {warning}", err=True)
    # Like every other -o: never the input, and written to a temporary file renamed at the end.
    stream = open_output(output, [csv_file])
    stream.write(yaml.safe_dump(imported.data, sort_keys=False))
    stream.close()
    typer.echo(f"{output}: {len(imported.data['drugs'])} drugs, Drug List {list_version} from {day.isoformat()}")


@formulary_app.command("status")
def show_status(
    drug: str = typer.Argument(..., help="A drug name (brand or generic)."),
    date: str = typer.Option(..., "--date", help="The dispensing or request date (YYYY-MM-DD)."),
) -> None:
    """A drug's formulary status on a date (set IMR_RULES_DRUG_LIST to use loaded official lists)."""
    from imr_rules.reference import drugs as lexicon
    from imr_rules.reference.formulary import status

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        print_errors([f"--date: '{date}' is not a date (use YYYY-MM-DD)"])
        raise typer.Exit(EXIT_BAD_INPUT)
    found = lexicon.lookup(drug)
    generic = found.generic if found is not None else " ".join(drug.lower().split())
    result = status(generic, day)
    recalled = f" (recalled, unverified: {result.recalled_status})" if result.recalled_status else ""
    typer.echo(f"{generic}: {result.status}{recalled}; Drug List {result.drug_list or '-'}; source {result.source or '-'}")
