"""imr-rules rules test | lint | doc: what rule authors run while writing rules.

``test`` runs the cases embedded in rule files and reports criterion coverage (like ``opa test
--coverage``); ``lint`` checks rule files statically (like ``sigma check``); ``doc`` writes a
Markdown catalogue of every rule for reviewers who do not read YAML.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli.common import check_format, dump_json, open_output, print_errors
from imr_rules.cli.rules_cmd import rules_app

EXIT_FAILED = 1
EXIT_INVALID = 2
PATHS_HELP = "Rule files or directories; default: the bundled rules/. A file is run within the rule set it belongs to."


@rules_app.command("test")
def test_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help=PATHS_HELP),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
    coverage_threshold: Optional[float] = typer.Option(
        None, "--coverage-threshold", min=0, max=100,
        help="Fail when criterion coverage (percent of the pass and fail ways of every criterion) is below this."),
    require_both_ways: bool = typer.Option(
        False, "--require-both-ways", help="Fail when some criterion is not made both to pass and to fail by a case."),
) -> None:
    """Run the test cases in rule files; report failures and criterion coverage.

    Exit 0 when all pass, 1 when a case fails (or coverage falls short), 2 when a rule file is invalid.
    """
    from imr_rules.authoring.ruletests import run_tests, run_to_dict

    check_format(format, ("text", "json"))
    run = _or_exit(lambda: run_tests(paths or None))
    shortfalls = _coverage_shortfalls(run, coverage_threshold, require_both_ways)
    if format == "json":
        data = run_to_dict(run)
        data["coverage"]["shortfalls"] = shortfalls
        dump_json(data, sys.stdout)
    else:
        _print_test_run(run, shortfalls)
    if run.errors:
        raise typer.Exit(EXIT_INVALID)
    if run.failed or shortfalls:
        raise typer.Exit(EXIT_FAILED)


def _or_exit(action):
    """Run an action; a problem outside the rule files (e.g. the fact vocabulary) exits 2 with one line."""
    from imr_rules.errors import ImrRulesError

    try:
        return action()
    except ImrRulesError as exc:
        print_errors([exc.one_line()])
        raise typer.Exit(EXIT_INVALID) from None


def shown_path(path: str | None) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    import os

    if not path:
        return "?"
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _coverage_shortfalls(run, threshold: float | None, both_ways: bool) -> list[str]:
    shortfalls = []
    if threshold is not None and run.coverage_percent < threshold:
        shortfalls.append(f"criterion coverage {run.coverage_percent}% is below the threshold {threshold:g}%")
    if both_ways and run.uncovered:
        shortfalls.append(f"{len(run.uncovered)} criterion(s) not covered both ways")
    return shortfalls


def _print_test_run(run, shortfalls: list[str]) -> None:
    from rich.table import Table

    from imr_rules.render.terminal import make_console
    from imr_rules.authoring.ruletests import failure_lines, missing_ways

    if run.errors:
        print_errors(run.errors)
    console = make_console()
    for line in failure_lines(run, shown_path):
        typer.echo(f"FAIL {line}")  # one line each, never wrapped: editors jump to path:line
    passed = len(run.cases) - len(run.failed)
    both = len(run.coverage) - len(run.uncovered)
    summary = Table(show_header=False, box=None)
    for label, value in (
        ("rules", run.rules), ("cases", len(run.cases)), ("passed", passed), ("failed", len(run.failed)),
        ("criteria", len(run.coverage)), ("covered both ways", both), ("coverage", f"{run.coverage_percent}%"),
    ):
        summary.add_row(label, str(value))
    console.print(summary)
    if run.uncovered:
        table = Table(title="Criteria not covered both ways", header_style="bold")
        for column in ("rule", "criterion", "where", "seen", "missing"):
            table.add_column(column, overflow="fold")
        for c in run.uncovered:
            table.add_row(c.rule_id, c.criterion_id, f"{shown_path(c.path)}:{c.line}", ", ".join(sorted(c.statuses)) or "-",
                          " + ".join(missing_ways(c)))
        console.print(table)
    for shortfall in shortfalls:
        typer.echo(f"FAIL {shortfall}")
    verdict = "FAILED" if run.errors or run.failed or shortfalls else "ok"
    typer.echo(f"{verdict}: {passed}/{len(run.cases)} cases passed")


@rules_app.command("lint")
def lint_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help=PATHS_HELP),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
    exclude: Optional[list[str]] = typer.Option(None, "--exclude", "-x", help="A check code to switch off (repeatable), e.g. IMR012."),
    list_checks: bool = typer.Option(False, "--list-checks", help="List the checks (code, severity, description) and exit."),
) -> None:
    """Check rule files statically: unknown facts, wrong types, missing citations or wording, ...

    One line per finding, "path:line: CODE rule-id: message (hint)"; exit 1 when a finding is an error.
    """
    from imr_rules.authoring.lint import CHECKS, finding_to_dict, has_errors, lint

    check_format(format, ("text", "json"))
    if list_checks:
        _print_checks(CHECKS, format)
        return
    unknown = sorted({c.upper() for c in exclude or ()} - {c.code for c in CHECKS})
    if unknown:
        raise typer.BadParameter(f"unknown check code(s) {', '.join(unknown)}; see --list-checks", param_hint="--exclude")
    findings = _or_exit(lambda: lint(paths or None, exclude=exclude or ()))
    if format == "json":
        dump_json({"findings": [finding_to_dict(f) for f in findings],
                   "errors": sum(f.severity == "error" for f in findings),
                   "warnings": sum(f.severity == "warning" for f in findings)}, sys.stdout)
    else:
        for finding in findings:
            typer.echo(finding.one_line())
        errors = sum(f.severity == "error" for f in findings)
        typer.echo(f"{errors} error(s), {len(findings) - errors} warning(s)" if findings else "ok: no findings", err=bool(findings))
    if has_errors(findings):
        raise typer.Exit(EXIT_FAILED)


def _print_checks(checks, format: str) -> None:
    rows = [{"code": c.code, "name": c.name, "severity": c.severity, "description": c.description} for c in checks]
    if format == "json":
        dump_json({"checks": rows}, sys.stdout)
        return
    for row in rows:
        typer.echo(f"{row['code']}  {row['name']:<22} {row['severity']:<8} {row['description']}")


@rules_app.command("doc")
def doc_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help="Rule files or directories; default: the bundled rules/."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the Markdown catalogue to this file."),
) -> None:
    """Write a Markdown catalogue of every rule and criterion, grouped by category, for reviewers."""
    from imr_rules.authoring.catalogue import catalogue_markdown
    from imr_rules.ruleset.loading import load_ruleset_collecting
    from imr_rules.authoring.ruletests import rule_scope

    ruleset, errors = _or_exit(lambda: load_ruleset_collecting(rule_scope(paths or None).load))
    stream = open_output(output)
    try:
        stream.write(catalogue_markdown(ruleset))
    finally:
        if stream is not sys.stdout:
            stream.close()
    if errors:  # the catalogue holds the rules that compiled; say which files it had to leave out
        print_errors(e.one_line() for e in errors)
        raise typer.Exit(EXIT_INVALID)
