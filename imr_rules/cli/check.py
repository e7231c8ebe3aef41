"""imr-rules check: evaluate request files and print a report."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import RULES_OPTION_HELP, check_format, dump_json, load_rules_or_exit, open_output, print_errors

CHECK_FORMATS = ("text", "json", "jsonl", "markdown")
REQUEST_SUFFIXES = (".yaml", ".yml", ".json")


def request_paths(inputs: list[Path]) -> list[Path]:
    """Files as given; a directory contributes its request files, sorted."""
    paths: list[Path] = []
    for path in inputs:
        if path.is_dir():
            paths.extend(sorted(p for p in path.rglob("*") if p.suffix in REQUEST_SUFFIXES and p.is_file()))
        else:
            paths.append(path)
    return paths


@app.command()
def check(
    requests: list[Path] = typer.Argument(..., help="Request files (YAML or JSON) or directories of them."),
    format: str = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(CHECK_FORMATS)}."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
) -> None:
    """Check each requested item against the guideline criteria and explain the decision."""
    from ..engine import evaluate
    from ..errors import ImrRulesError
    from ..render import report_to_dict
    from ..request import load_request

    check_format(format, CHECK_FORMATS)
    ruleset = load_rules_or_exit(rules)
    stream = open_output(output)
    reports, errors = [], []
    for path in request_paths(requests):
        try:
            request = load_request(path, ruleset.vocabulary)
        except ImrRulesError as exc:
            errors.append(exc.one_line())
            continue
        report = report_to_dict(evaluate(request, ruleset), ruleset.name)
        if format == "jsonl":
            dump_json(report, stream, pretty=False)
        else:
            reports.append(report)
    _write(format, reports, errors, stream)
    if output is not None:
        stream.close()
    print_errors(errors)
    if errors:
        raise typer.Exit(2)


def _write(format: str, reports: list[dict], errors: list[str], stream) -> None:
    if format == "json":
        if len(reports) == 1 and not errors:
            dump_json(reports[0], stream)
        elif reports or errors:
            dump_json({"reports": reports, "errors": errors}, stream)
    elif format == "markdown":
        from ..render.markdown import render_markdown

        stream.write("\n".join(render_markdown(r) for r in reports))
    elif format == "text":
        from ..render.terminal import make_console, render_report

        console = make_console(stream)
        for report in reports:
            render_report(console, report)
