"""imr-rules compare: our decisions beside the real IMR outcomes of annotated cases."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Iterator, Optional, TextIO

import typer

from imr_rules.cli.common import app, RULES_OPTION_HELP, check_format, dump_json, load_rules_or_exit, open_output, print_errors

COMPARE_FORMATS = ("text", "json", "markdown", "csv")
CSV_COLUMNS = (
    "case_number", "item_index", "category", "actual", "ours", "agree", "covered", "rule_ids",
    "failing_criteria", "reviewer_citation", "decision_date", "ruleset_version",
)
# Fewer items than this finish before a progress bar would be worth drawing.
PROGRESS_MIN_ITEMS = 50


@app.command()
def compare(
    cases: list[Path] = typer.Argument(..., help="Annotated case files (YAML/JSON) or directories of them."),
    format: str = typer.Option("text", "--format", "-f", help=f"Output format: {', '.join(COMPARE_FORMATS)}."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the output to this file."),
) -> None:
    """Decide each annotated IMR item with the rules and measure agreement with the actual outcome.

    Ours 'not medically necessary' ~ upheld, 'medically necessary' ~ overturned; items with no
    applicable rule are counted as not covered. Prints the confusion matrix, accuracy, balanced
    accuracy, overturn recall/precision and Cohen's kappa, overall and per category, and every
    disagreement with the criteria that drove our decision.
    """
    from imr_rules.evaluation.cases import iter_cases
    from imr_rules.evaluation.compare import compare_cases

    check_format(format, COMPARE_FORMATS)
    ruleset = load_rules_or_exit(rules)
    loaded, errors = [], []
    for path, result in iter_cases(cases, ruleset.vocabulary):
        if isinstance(result, Exception):
            errors.append(result.one_line())
        else:
            loaded.append(result)
    total = sum(len(case.items) for case in loaded)
    with _progress(total) as advance:
        comparison = compare_cases(loaded, ruleset, progress=advance)
    stream = open_output(output)
    WRITERS[format](comparison, stream)
    if output is not None:
        stream.close()
    print_errors(errors)
    if errors:
        raise typer.Exit(2)


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Any]:
    """A rich progress bar on stderr, only for long runs on a terminal; output stays clean."""
    if total < PROGRESS_MIN_ITEMS or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Deciding items", total=total)
        yield lambda: bar.advance(task)


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _figures_row(metrics) -> list[str]:
    return [
        str(metrics.n),
        _percent(metrics.accuracy),
        _percent(metrics.balanced_accuracy),
        _percent(metrics.overturn_recall),
        _percent(metrics.overturn_precision),
        _number(metrics.kappa),
    ]


FIGURE_HEADERS = ["covered", "accuracy", "balanced acc.", "overturn recall", "overturn precision", "kappa"]


def _criteria_text(item, limit: int | None = None) -> str:
    failing = item.failing_criteria[:limit] if limit else item.failing_criteria
    text = "; ".join(f"{f.rule_id}/{f.criterion_id}: {f.status.replace('_', ' ')}" for f in failing)
    if limit and len(item.failing_criteria) > limit:
        text += f"; +{len(item.failing_criteria) - limit} more"
    return text or "all criteria met"


def write_text(comparison, stream: TextIO) -> None:
    from rich.table import Table
    from rich.text import Text

    from imr_rules.render.terminal import make_console

    console = make_console(stream, width=120)
    m = comparison.metrics
    console.print(Text(f"Comparison with real IMR decisions (rule set {comparison.ruleset_version})", style="bold"))
    console.print(
        f"{len(comparison.items)} items; {comparison.covered} covered by a rule, {comparison.not_covered} not "
        f"covered (coverage {_percent(comparison.coverage)})"
    )
    matrix = Table(title="Confusion matrix (covered items)", title_justify="left")
    matrix.add_column("IMR outcome")
    matrix.add_column("ours: medically necessary", justify="right")
    matrix.add_column("ours: not medically necessary", justify="right")
    matrix.add_row("overturned", str(m.true_overturned), str(m.missed_overturned))
    matrix.add_row("upheld", str(m.false_overturned), str(m.true_upheld))
    console.print(matrix)

    figures = Table(title="Agreement", title_justify="left")
    figures.add_column("category")
    figures.add_column("items", justify="right")
    figures.add_column("overturned", justify="right")
    for header in FIGURE_HEADERS:
        figures.add_column(header, justify="right")
    for c in comparison.by_category:
        figures.add_row(c.category, str(c.items), str(c.actual_overturned), *_figures_row(c.metrics))
    overturned = sum(1 for i in comparison.items if i.actual == "overturned")
    figures.add_row("all", str(len(comparison.items)), str(overturned), *_figures_row(m), style="bold")
    console.print(figures)

    disagreements = comparison.disagreements
    console.print(Text(f"Disagreements ({len(disagreements)})", style="bold"))
    for item in disagreements:
        console.print()
        console.print(Text.assemble(
            (f"{item.case_number} #{item.item_index} ", "bold"), item.description,
            f"  [{item.category}]",
        ))
        console.print(f"   IMR: {item.actual}; ours: {item.ours.replace('_', ' ')} ({', '.join(item.rule_ids)})")
        if item.reviewer_citation:
            console.print(Text(f"   Reviewer cited: {item.reviewer_citation}", style="cyan"))
        for failing in item.failing_criteria:
            console.print(Text(f"   - {failing}: {failing.statement}"))
        if not item.failing_criteria:
            console.print(Text("   - every criterion met", style="green"))
    uncovered = [i for i in comparison.items if not i.covered]
    if uncovered:
        console.print()
        console.print(Text(f"Not covered ({len(uncovered)})", style="bold"))
        for item in uncovered:
            console.print(f"   {item.case_number} #{item.item_index} [{item.category}] {item.description} ({item.actual})")


def write_json(comparison, stream: TextIO) -> None:
    from imr_rules.evaluation.compare import comparison_to_dict

    dump_json(comparison_to_dict(comparison), stream)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_markdown(comparison, stream: TextIO) -> None:
    m = comparison.metrics
    overturned = sum(1 for i in comparison.items if i.actual == "overturned")
    lines = [
        "# Comparison with real IMR decisions",
        "",
        f"Rule set {comparison.ruleset_version}. {len(comparison.items)} items ({overturned} overturned); "
        f"{comparison.covered} covered by a rule, {comparison.not_covered} not covered "
        f"(coverage {_percent(comparison.coverage)}).",
        "",
        "## Confusion matrix (covered items)",
        "",
        "| IMR outcome | ours: medically necessary | ours: not medically necessary |",
        "|---|---:|---:|",
        f"| overturned | {m.true_overturned} | {m.missed_overturned} |",
        f"| upheld | {m.false_overturned} | {m.true_upheld} |",
        "",
        "## Agreement",
        "",
        "| category | items | overturned | " + " | ".join(FIGURE_HEADERS) + " |",
        "|---|" + "---:|" * (2 + len(FIGURE_HEADERS)),
    ]
    for c in comparison.by_category:
        lines.append(f"| {c.category} | {c.items} | {c.actual_overturned} | " + " | ".join(_figures_row(c.metrics)) + " |")
    lines.append(f"| **all** | {len(comparison.items)} | {overturned} | " + " | ".join(_figures_row(m)) + " |")
    lines += ["", f"## Disagreements ({len(comparison.disagreements)})", ""]
    for item in comparison.disagreements:
        lines.append(
            f"- **{item.case_number} #{item.item_index}** {_md(item.description)} [{item.category}]: "
            f"IMR {item.actual}, ours {item.ours.replace('_', ' ')} ({', '.join(item.rule_ids)}). "
            f"Reviewer cited: {_md(item.reviewer_citation or '-')}."
        )
        for failing in item.failing_criteria:
            lines.append(f"  - `{failing.rule_id}/{failing.criterion_id}` {failing.status.replace('_', ' ')}: {_md(failing.statement)}")
    stream.write("\n".join(lines) + "\n")


def write_csv(comparison, stream: TextIO) -> None:
    import csv

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in comparison.items:
        writer.writerow([
            item.case_number,
            item.item_index,
            item.category or "",
            item.actual,
            item.ours,
            "" if item.agree is None else str(item.agree).lower(),
            str(item.covered).lower(),
            ";".join(item.rule_ids),
            ";".join(f"{f.rule_id}/{f.criterion_id}:{f.status}" for f in item.failing_criteria),
            item.reviewer_citation or "",
            item.decision_date or "",
            comparison.ruleset_version,
        ])


WRITERS = {"text": write_text, "json": write_json, "markdown": write_markdown, "csv": write_csv}
