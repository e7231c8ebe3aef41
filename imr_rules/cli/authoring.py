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

from .common import check_format, dump_json, open_output, print_errors
from .rules_cmd import rules_app

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
    from ..ruletests import run_tests, run_to_dict

    check_format(format, ("text", "json"))
    run = run_tests(paths or None)
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


def _coverage_shortfalls(run, threshold: float | None, both_ways: bool) -> list[str]:
    shortfalls = []
    if threshold is not None and run.coverage_percent < threshold:
        shortfalls.append(f"criterion coverage {run.coverage_percent}% is below the threshold {threshold:g}%")
    if both_ways and run.uncovered:
        shortfalls.append(f"{len(run.uncovered)} criterion(s) not covered both ways")
    return shortfalls


def _print_test_run(run, shortfalls: list[str]) -> None:
    from rich.table import Table

    from ..render.terminal import make_console
    from ..ruletests import failure_lines, missing_ways

    if run.errors:
        print_errors(run.errors)
    console = make_console()
    for line in failure_lines(run):
        console.print(f"FAIL {line}", markup=False)
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
            table.add_column(column)
        for c in run.uncovered:
            table.add_row(c.rule_id, c.criterion_id, f"{c.path}:{c.line}", ", ".join(sorted(c.statuses)) or "-",
                          " and ".join(missing_ways(c)))
        console.print(table)
    for shortfall in shortfalls:
        console.print(f"FAIL {shortfall}", markup=False)
    verdict = "FAILED" if run.errors or run.failed or shortfalls else "ok"
    console.print(f"{verdict}: {passed}/{len(run.cases)} cases passed", markup=False)
