"""imr-rules check: evaluate requests (files, directories, JSON Lines) and print reports."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli import EXIT_BAD_INPUT, EXIT_INTERNAL
from imr_rules.cli.common import app, RULES_OPTION_HELP, pack_option, check_format, dump_json, load_rules_or_exit, open_output, print_errors, progress

CHECK_FORMATS = ("text", "json", "jsonl", "markdown", "html")


@app.command()
def check(
    requests: list[str] = typer.Argument(..., help="Request files (YAML, JSON, JSON Lines), directories of them, or - for JSON Lines on standard input."),
    format: str = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(CHECK_FORMATS)}."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    pack: Optional[list[Path]] = pack_option(),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=0, help="Worker processes (0 = one per core)."),
) -> None:
    """Check each requested item against the guideline criteria and explain the decision.

    Reports come out in input order; with --format jsonl they stream one line per request, so
    memory stays flat however long the input. Bad inputs are reported one line each on standard
    error (exit code 2) and the others are still checked.
    """
    from imr_rules import batch

    check_format(format, CHECK_FORMATS)
    ruleset = load_rules_or_exit(rules, pack)
    names = batch.expand(requests)
    stream = open_output(output, [*requests, *names])
    outcomes = batch.check_many(batch.tasks(names), ruleset, jobs, [str(p) for p in rules or []],
                                render=_rendered_where_checked(format))
    writer = _Writer(format, stream)
    errors, internal = batch.empty_folders(requests), 0
    if errors and format != "json":
        print_errors(errors)
    read = 0
    with progress(len(names), stream) as advance:
        for outcome in outcomes:
            read += 1
            if outcome.error is None:
                outcome = _written(writer, outcome)
            if outcome.error:
                errors.extend(outcome.error.split("\n"))
                internal += outcome.internal
                if format != "json":
                    print_errors([outcome.error])
            advance()
    if not read and not errors:  # an empty .jsonl file or standard input: no report is no answer
        errors.append(_nothing_read(requests))
        if format != "json":
            print_errors(errors)
    writer.close(errors)
    if output is not None:
        stream.close()
    if format == "json":
        print_errors(errors)
    _exit_for(errors, internal)


def _nothing_read(inputs: list[str]) -> str:
    shown = ", ".join("<stdin>" if name == "-" else name for name in inputs)
    return f"{shown}: no request read (a .jsonl file or standard input gives one JSON request a line)"


def _written(writer: "_Writer", outcome):
    """Write one report; a report that cannot be written (a value that is not finite) is a bug in
    that input's evaluation, reported in its place while the batch goes on."""
    from imr_rules import batch

    try:
        writer.write(outcome)
    except ValueError as exc:
        return batch.Outcome(outcome.name, None, batch.internal_error_line(outcome.name, exc), internal=True)
    return outcome


def _exit_for(errors: list[str], internal: int) -> None:
    """Exit 1 when any input met a bug (with the count), else 2 when any input was bad."""
    import sys

    if internal:
        sys.stderr.write(f"error: {internal} of the inputs met an internal error (exit code 1); the others were checked\n")
        raise typer.Exit(EXIT_INTERNAL)
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)


def _rendered_where_checked(format: str):
    """The report -> text function for formats whose text is made where the request is checked
    (in a worker, with --jobs), so that the parent only writes finished text in input order. The
    text report needs the output stream's console and --format json one document of all reports:
    those are made here, from the reports."""
    if format == "jsonl":
        from imr_rules.render.jsontext import report_line

        return report_line
    if format == "markdown":
        from imr_rules.render.markdown import render_markdown

        return render_markdown
    return None


class _Writer:
    """Writes reports as they come, except --format json and html, which are one document at the end
    (html: one page per run, listing the inputs that could not be checked)."""

    def __init__(self, format: str, stream) -> None:
        self.format = format
        self.stream = stream
        self.kept: list[dict] = []
        self.console = None
        self.count = 0

    def write(self, outcome) -> None:
        """Write one outcome: its finished text (jsonl, markdown), else its report."""
        self.count += 1
        report = outcome.report
        if self.format == "jsonl":
            self.stream.write(outcome.text)
        elif self.format in ("json", "html"):
            self.kept.append(report)
        elif self.format == "markdown":
            if self.count > 1:
                self.stream.write("\n")
            self.stream.write(outcome.text)
        else:
            from imr_rules.render.terminal import make_console, render_report

            self.console = self.console or make_console(self.stream)
            render_report(self.console, report)
        if self.format == "jsonl":
            self.stream.flush()  # a reader downstream sees each report as soon as it is made

    def close(self, errors: list[str]) -> None:
        if self.format == "html":
            from imr_rules.render.check_html import render_check_html

            self.stream.write(render_check_html(self.kept, errors))
        if self.format != "json":
            return
        if len(self.kept) == 1 and not errors:
            dump_json(self.kept[0], self.stream)
        elif self.kept or errors:
            dump_json({"reports": self.kept, "errors": errors}, self.stream)
