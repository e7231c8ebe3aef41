"""The reviewer's terminal report (rich): per item, each criterion led by its status, then the rationale.

Criteria are a list with a hanging indent rather than a table: it reads like the determination
letters, keeps findings legible in a narrow terminal, and renders several times faster than a
rich Table (which also costs a few milliseconds to import on every start).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

INDENT = 4  # a criterion's requirement and finding, under its status line
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
        parts.append(Text(""))
        parts.extend(_criteria(item))
        parts.append(Text(""))
    if item["certifiable_quantity"]:
        parts.append(Text(f"Certifiable portion: {item['certifiable_quantity']} of {item['quantity']}", style="bold"))
    if item["to_meet_guideline"]:
        parts.append(Text("To meet the guideline: " + "; ".join(item["to_meet_guideline"]), style="yellow"))
    parts.append(Text("Rationale: ", style="bold") + Text(item["rationale"]))
    for note in item["notes"]:
        parts.append(Text(f"Note: {note}", style="dim"))
    title = Text.assemble(f"Item {item['id']}: {item['service']}  ", (label, style))
    return Panel(Group(*parts), title=title, title_align="left", border_style=style.replace("bold ", ""))


def _criteria(item: dict[str, Any]) -> list[Any]:
    """Each criterion: its status and id on one line; below, indented, the requirement, the finding
    and the values it used. Criteria that did not apply show only their requirement, dimmed (a
    reviewer sees what was considered)."""
    parts: list[Any] = []
    for criterion in item["criteria"]:
        label, style = STATUS_STYLE[criterion["status"]]
        parts.append(Text(label, style=style) + Text(f"  {criterion['id']}", style="bold"))
        if criterion["status"] == "not_applicable":
            body = Text(criterion["requirement"], style="dim")
        else:
            values = ", ".join(f"{k}={v}" for k, v in criterion["values"].items()) or "—"
            body = Text(criterion["requirement"], style="italic") + Text(f"\n{criterion['statement']}")
            body += Text(f"\nValues used: {values}", style="dim")
        parts.append(Padding(body, (0, 0, 0, INDENT)))
    return parts


def render_errors(console: Console, messages: list[str]) -> None:
    for message in messages:
        console.print(Text("error: ", style="bold red") + Text(message))
