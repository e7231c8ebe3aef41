"""imr-rules compare: our decisions beside the real IMR outcomes of annotated cases."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, TextIO

import typer

from imr_rules.cli import EXIT_BAD_INPUT, EXIT_INTERNAL
from imr_rules.cli.common import app, RULES_OPTION_HELP, pack_option, check_format, dump_json, load_rules_or_exit, open_output, print_errors, progress

COMPARE_FORMATS = ("text", "json", "markdown", "csv", "html")
# Fewer case files than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_CASES = 20


@app.command()
def compare(
    cases: list[Path] = typer.Argument(..., help="Annotated case files (YAML/JSON) or directories of them."),
    format: str = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(COMPARE_FORMATS)}."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    pack: Optional[list[Path]] = pack_option(),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the output to this file."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes (0 = one per core)."),
) -> None:
    """Decide each annotated IMR item with the rules and measure agreement with the actual outcome.

    Ours 'not medically necessary' ~ upheld, 'medically necessary' ~ overturned; items with no
    applicable rule are counted as not covered. Prints the confusion matrix, accuracy, balanced
    accuracy, overturn recall/precision and Cohen's kappa, overall and per category, and every
    disagreement with the criteria that drove our decision.
    """
    from imr_rules.batch import empty_folders
    from imr_rules.evaluation.cases import CASE_SUFFIXES, case_paths
    from imr_rules.evaluation.compare import compare_files

    check_format(format, COMPARE_FORMATS)
    ruleset = load_rules_or_exit(rules, pack)
    paths = case_paths(cases)
    # As check and parse: a folder holding no case file is named (exit 2); the other cases are still compared.
    empty = empty_folders(cases, case_paths, CASE_SUFFIXES, "case", stdin=False)
    with progress(len(paths), None, label="Comparing cases", minimum=PROGRESS_MIN_CASES, counted=True) as advance:
        comparison, errors, internal = compare_files(paths, ruleset, jobs, [str(p) for p in rules or []], progress=advance)
    stream = open_output(output, cases)
    WRITERS[format](comparison, stream)
    if output is not None:
        stream.close()
    print_errors(empty + errors + internal)
    if internal:
        import sys

        sys.stderr.write(f"error: {len(internal)} of the cases met an internal error (exit code 1); the others were compared\n")
        raise typer.Exit(EXIT_INTERNAL)
    if errors or empty:
        raise typer.Exit(EXIT_BAD_INPUT)


def _write_text(comparison, stream: TextIO) -> None:
    from imr_rules.render.terminal import render_comparison

    render_comparison(comparison, stream)


def _write_json(comparison, stream: TextIO) -> None:
    from imr_rules.render.data import comparison_to_dict

    dump_json(comparison_to_dict(comparison), stream)


def _write_markdown(comparison, stream: TextIO) -> None:
    from imr_rules.render.markdown import render_comparison_markdown

    stream.write(render_comparison_markdown(comparison))


def _write_csv(comparison, stream: TextIO) -> None:
    from imr_rules.render.csv import write_comparison_csv

    write_comparison_csv(comparison, stream)


def _write_html(comparison, stream: TextIO) -> None:
    from imr_rules.render.compare_html import render_comparison_html

    stream.write(render_comparison_html(comparison))


# One renderer per format; each imports only what it needs (json output never loads rich).
WRITERS = {"text": _write_text, "json": _write_json, "markdown": _write_markdown, "csv": _write_csv, "html": _write_html}
