"""The reviewer's terminal report (rich): a table of criteria per item, then the rationale."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

STATUS_STYLE = {
    "met": ("met", "green"),
    "not_met": ("not met", "bold red"),
    "not_documented": ("not documented", "bold yellow"),
    "not_applicable": ("n/a", "dim"),
}
DECISION_STYLE = {
    "medically_necessary": ("MEDICALLY NECESSARY", "bold green"),
    "not_medically_necessary": ("NOT MEDICALLY NECESSARY", "bold red"),
    "no_applicable_rule": ("NO APPLICABLE RULE", "bold magenta"),
}


def make_console(file: Any = None, width: int | None = None) -> Console:
    """A console for reports; off a terminal it is plain and 100 columns wide, so output is stable."""
    # Reports hold only Text objects: no markup or emoji codes to parse (a "[MTUS]" in a finding
    # must print as written), and rich then never loads its emoji table.
    plain = {"highlight": False, "markup": False, "emoji": False, "soft_wrap": False}
    console = Console(file=file, **plain)
    if not console.is_terminal:
        console = Console(file=file, width=width or 100, color_system=None, **plain)
    return console


def render_report(console: Console, report: dict[str, Any]) -> None:
    ruleset = report["ruleset"]
    request = report["request"]
    console.print(
        Text.assemble(
            ("Request ", "bold"), (str(request["id"]), "bold"),
            f"  ({request['source']}; request date {request['request_date'] or 'not given'})",
        )
    )
    console.print(Text(f"Rule set {ruleset['name']} {ruleset['version']} ({ruleset['hash'][:19]}…)", style="dim"))
    for note in report["notes"]:
        console.print(Text(f"Note: {note}", style="yellow"))
    for item in report["items"]:
        console.print(_item_panel(item))
    console.print(Text("A pre-check against guideline criteria, not a utilization review determination.", style="dim"))


def _item_panel(item: dict[str, Any]) -> Panel:
    label, style = DECISION_STYLE[item["decision"]]
    parts: list[Any] = []
    if item["rules"]:
        parts.append(Text("Guideline: " + "; ".join(f"{r['citation']['text']} [{r['citation']['tier']}]" for r in item["rules"]), style="cyan"))
        parts.append(_criteria_table(item))
    if item["certifiable_quantity"]:
        parts.append(Text(f"Certifiable portion: {item['certifiable_quantity']} of {item['quantity']}", style="bold"))
    if item["to_meet_guideline"]:
        parts.append(Text("To meet the guideline: " + "; ".join(item["to_meet_guideline"]), style="yellow"))
    parts.append(Text("Rationale: ", style="bold") + Text(item["rationale"]))
    for note in item["notes"]:
        parts.append(Text(f"Note: {note}", style="dim"))
    title = Text.assemble(f"Item {item['id']}: {item['service']}  ", (label, style))
    return Panel(Group(*parts), title=title, title_align="left", border_style=style.replace("bold ", ""))


def _criteria_table(item: dict[str, Any]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=True, show_lines=False)
    table.add_column("Criterion", ratio=3)
    table.add_column("Status", no_wrap=True)
    table.add_column("Finding", ratio=4)
    table.add_column("Values used", ratio=2)
    for criterion in item["criteria"]:
        label, style = STATUS_STYLE[criterion["status"]]
        if criterion["status"] == "not_applicable":
            # Shown (a reviewer sees what was considered) but quiet: it did not bear on the decision.
            table.add_row(Text(f"{criterion['id']} {criterion['requirement']}", style="dim"), Text(label, style=style))
            continue
        values = ", ".join(f"{k}={v}" for k, v in criterion["values"].items()) or "—"
        table.add_row(Text(f"{criterion['id']} {criterion['requirement']}"), Text(label, style=style), Text(criterion["statement"]), Text(values))
    return table


def render_errors(console: Console, messages: list[str]) -> None:
    for message in messages:
        console.print(Text("error: ", style="bold red") + Text(message))
