"""imr-rules draft: a request drafted from clinical documents, for a reviewer to confirm.

Only this command imports the drafting machinery (medspaCy, the optional ``draft`` extra).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli import EXIT_BAD_INPUT
from imr_rules.cli.common import app, open_output, print_errors


@app.command()
def draft(
    documents: Optional[list[Path]] = typer.Argument(None, help="Clinical documents: .txt, .md or .pdf (an IMR letter is one)."),
    items: Optional[Path] = typer.Option(None, "--items", "-i", help="Requested items: RFA lines (.txt, one per line) or YAML/JSON items; default: the letter's items in dispute."),
    date: Optional[str] = typer.Option(None, "--date", help="Request date YYYY-MM-DD (selects the guideline edition); default: the letter's UR date."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the request YAML here (default: standard output)."),
    threshold: float = typer.Option(0.6, "--threshold", help="Facts below this confidence are written as comments to confirm."),
    evaluate: Optional[Path] = typer.Option(None, "--evaluate", help="Instead: precision and recall against annotated cases (a folder such as examples/cases)."),
    details: bool = typer.Option(False, "--details", help="With --evaluate: list every drafted fact the annotation does not confirm."),
    compare_letters: Optional[list[Path]] = typer.Option(None, "--compare-letters", help="Instead: draft each IMR letter (files or folders), decide its items and compare with the letter's outcomes; repeatable."),
    cases: Optional[Path] = typer.Option(None, "--cases", help="With --compare-letters: the annotated cases, to set the hand-annotated figures beside the drafted ones."),
) -> None:
    """Draft a request from clinical documents: items, facts with evidence and confidence."""
    import datetime as dt

    from imr_rules.errors import ImrRulesError

    try:
        from imr_rules.drafting.pipeline import require_medspacy

        require_medspacy()
    except ImportError as error:
        print_errors([str(error)])
        raise typer.Exit(EXIT_BAD_INPUT)
    _refuse_missing_inputs(evaluate, compare_letters, cases)
    if evaluate is not None:
        from imr_rules.drafting.evaluate import evaluate_cases, format_evaluation

        typer.echo(format_evaluation(evaluate_cases(evaluate, threshold), details))
        return
    if compare_letters:
        from imr_rules.drafting.letters_compare import compare_letters as run_comparison, format_letter_comparison, hand_annotated

        annotated = hand_annotated(cases) if cases is not None else None
        comparison = run_comparison(compare_letters, threshold)
        for line in comparison.left_out:  # each letter the count leaves out, by name (stderr: the report stays clean)
            typer.echo(f"note: {line}", err=True)
        typer.echo(format_letter_comparison(comparison, annotated))
        return
    if not documents:
        print_errors(["no documents given: pass clinical documents (.txt, .md, .pdf) or --evaluate DIR"])
        raise typer.Exit(EXIT_BAD_INPUT)
    if date is not None:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            print_errors([f"--date: invalid date {date!r} (write YYYY-MM-DD)"])
            raise typer.Exit(EXIT_BAD_INPUT)
    from imr_rules.drafting.draft import draft_request
    from imr_rules.drafting.write import draft_to_yaml

    try:
        text = draft_to_yaml(draft_request(documents, items, date), threshold)
    except ImrRulesError as error:
        print_errors([error.one_line()])
        raise typer.Exit(EXIT_BAD_INPUT)
    if output is None:
        typer.echo(text, nl=False)
    else:  # as every -o: refused if a folder or an input, written atomically, mode 0600 (clinical facts)
        stream = open_output(output, documents)
        stream.write(text)
        stream.close()


def _refuse_missing_inputs(evaluate: Path | None, letters: list[Path] | None, cases: Path | None) -> None:
    """The measuring options read folders: one that is missing or holds nothing of its kind is bad
    input (exit 2), never figures over 0 letters that pass for a measurement."""
    from imr_rules.batch import empty_folders
    from imr_rules.evaluation.cases import CASE_SUFFIXES, case_paths
    from imr_rules.letters import letter_paths
    from imr_rules.letters.reading import LETTER_SUFFIXES

    named = [(option, path) for option, paths in (("--evaluate", [evaluate]), ("--compare-letters", letters or []),
                                                  ("--cases", [cases])) for path in paths if path is not None]
    problems = [f"{path}: no such file or folder (check the {option} path)" for option, path in named if not path.exists()]
    for option, path in named:
        if path.exists() and option == "--compare-letters":
            problems += empty_folders([path], letter_paths, LETTER_SUFFIXES, "letter", stdin=False)
        elif path.exists():
            problems += empty_folders([path], case_paths, CASE_SUFFIXES, "case", stdin=False)
    if problems:
        print_errors(problems)
        raise typer.Exit(EXIT_BAD_INPUT)
