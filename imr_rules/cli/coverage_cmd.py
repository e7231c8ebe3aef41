"""imr-rules coverage: the share of item descriptions, by category, for which some rule applies."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli import EXIT_BAD_INPUT
from imr_rules.cli.common import app, RULES_OPTION_HELP, pack_option, check_format, dump_json, load_rules_or_exit, print_errors

COVERAGE_FORMATS = ("text", "json")


@app.command()
def coverage(
    descriptions: Optional[list[str]] = typer.Argument(None, help="Item descriptions, e.g. \"MRI of the lumbar spine\"."),
    file: Optional[list[Path]] = typer.Option(None, "--file", "-i", help="A file of descriptions, one per line (.jsonl: each record's 'item'); repeatable."),
    letters: Optional[list[Path]] = typer.Option(None, "--letters", "-l", help="IMR letters (.txt, .md, .pdf) or directories of them; repeatable."),
    format: str = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(COVERAGE_FORMATS)}."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    pack: Optional[list[Path]] = pack_option(),
    show_uncovered: bool = typer.Option(False, "--uncovered", help="List the descriptions no rule covers (text format)."),
) -> None:
    """Report, by category, the share of items for which some rule applies (nothing is evaluated)."""
    from imr_rules.errors import ImrRulesError
    from imr_rules.evaluation.coverage import Description, descriptions_from_file, descriptions_from_letters, measure

    check_format(format, COVERAGE_FORMATS)
    refused = [_path_hint(text) for text in descriptions or ()]
    if any(refused):
        print_errors(hint for hint in refused if hint)
        raise typer.Exit(EXIT_BAD_INPUT)
    items = [Description(text) for text in descriptions or ()]
    for path in file or ():
        if path.is_dir():
            print_errors([f"{path}: is a folder, not a file of descriptions (a folder of IMR letters goes with '--letters {path}')"])
            raise typer.Exit(EXIT_BAD_INPUT)
        if not path.is_file():
            print_errors([f"{path}: no such file (check the --file path)"])
            raise typer.Exit(EXIT_BAD_INPUT)
        try:
            items.extend(descriptions_from_file(path))
        except ImrRulesError as error:  # a line that is not UTF-8 or not JSON: one line, exit 2
            print_errors([error.one_line()])
            raise typer.Exit(EXIT_BAD_INPUT) from None
    missing = [path for path in letters or () if not path.exists()]
    if missing:  # like --file: else a mistyped folder only said "no item descriptions given"
        print_errors([f"{path}: no such file or folder (check the --letters path)" for path in missing])
        raise typer.Exit(EXIT_BAD_INPUT)
    # As parse: a letter that cannot be read, or a folder holding none, is one line each and exit
    # 2, and the readable letters are still covered.
    unread: list[str] = _folders_without_letters(letters or ())
    if letters:
        errors: list[ImrRulesError] = []
        items.extend(descriptions_from_letters(letters, errors))
        unread.extend(_letter_error_line(error) for error in errors)
    if not items:
        # Where every letter named was unreadable, their lines say why; "no item descriptions given"
        # beside them would tell a user who did pass --letters to pass it.
        print_errors(unread or ["no item descriptions given: pass descriptions, --file or --letters"])
        raise typer.Exit(EXIT_BAD_INPUT)
    report = measure(items, load_rules_or_exit(rules, pack))
    print_errors(unread)
    if format == "json":
        import sys

        dump_json(report.to_dict(), sys.stdout)
    else:
        from imr_rules.render.text import coverage_lines

        for line in coverage_lines(report, show_uncovered):
            typer.echo(line)
    if unread:
        raise typer.Exit(EXIT_BAD_INPUT)


def _folders_without_letters(paths) -> list[str]:
    from imr_rules.batch import empty_folders
    from imr_rules.letters import letter_paths
    from imr_rules.letters.reading import LETTER_SUFFIXES

    return empty_folders(paths, letter_paths, LETTER_SUFFIXES, "letter", stdin=False)


def _letter_error_line(error) -> str:
    """A letter's error naming its file, with the fix (skip the file, or pass the letters readable)."""
    line = error.one_line()
    return line if error.hint else f"{line} (fix or remove the file; the other letters were covered)"


# What a file of letters or descriptions ends with; no item description does.
_FILE_SUFFIXES = (".txt", ".md", ".pdf", ".jsonl", ".json", ".yaml", ".yml")


def _path_hint(text: str) -> str | None:
    """Why a positional argument is refused: it names a file or folder (a description would be
    measured as words and count 0% covered without a word), or it looks like a missing file."""
    path = Path(text)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # too long or not a path at all: a description
        return None
    if exists:
        if path.is_dir():
            return f"{text}: names a folder, not an item description: pass a folder of IMR letters with '--letters {text}'"
        return (f"{text}: names a file, not an item description: pass IMR letters with "
                f"'--letters {text}', a file of descriptions (one a line, or .jsonl) with '--file {text}'")
    if path.suffix.lower() in _FILE_SUFFIXES:
        return f"{text}: no such file (letters go with --letters, files of descriptions with --file)"
    return None
