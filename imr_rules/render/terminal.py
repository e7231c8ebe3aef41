"""The terminal views (rich), one function per result type: check reports, comparisons, letters, rules.

The check report: per item, each criterion led by its status, then the rationale.

Criteria are a list with a hanging indent rather than a table: it reads like the determination
letters, keeps findings legible in a narrow terminal, and renders several times faster than a
rich Table (which also costs a few milliseconds to import on every start). The other views import
rich's Table only when they are drawn. Plain-text views that need no rich are in ``render.text``.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from imr_rules.render.wording import NOT_WEIGHED, not_weighed_note, pack_lines, ruleset_line

INDENT = 4  # a criterion's requirement and finding, under its status line
STATUS_STYLE = {
    "met": ("met", "green"),
    "not_met": ("not met", "bold red"),
    "not_documented": ("not documented", "bold yellow"),
    "not_applicable": ("n/a", "dim"),
}
# A criterion whose applicability is not documented: its status is what it would be if it applied.
CONDITIONAL = " (if it applies)"
DECISION_STYLE = {
    "medically_necessary": ("MEDICALLY NECESSARY", "bold green"),
    "not_medically_necessary": ("NOT MEDICALLY NECESSARY", "bold red"),
    "no_applicable_rule": ("NO APPLICABLE RULE", "bold magenta"),
}


def make_console(file: Any = None, width: int | None = None) -> Console:
    """A console for reports; off a terminal it is plain and as wide as ``COLUMNS`` says, else 100
    columns, so output is stable."""
    # Reports hold only Text objects: no markup or emoji codes to parse (a "[MTUS]" in a finding
    # must print as written), and rich then never loads its emoji table.
    plain = {"highlight": False, "markup": False, "emoji": False, "soft_wrap": False}
    console = Console(file=file, **plain)
    if not console.is_terminal:
        console = Console(file=file, width=width or _columns() or 100, color_system=None, **plain)
    return console


def _columns() -> int | None:
    """The width ``COLUMNS`` gives (as a shell sets it for a pipe: ``COLUMNS=160 imr-rules … | less``)."""
    import os

    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


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
    for line in pack_lines(ruleset, short=True):
        console.print(Text(line, style="dim"))
    for note in report["notes"]:
        console.print(Text(f"Note: {note}", style="yellow"))
    for item in report["items"]:
        console.print(_item_panel(item))
    console.print(Text("A pre-check against guideline criteria, not a utilization review determination.", style="dim"))


def _item_panel(item: dict[str, Any]) -> Panel:
    label, style = DECISION_STYLE[item["decision"]]
    parts: list[Any] = _guideline_lines(item)
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


def _guideline_lines(item: dict[str, Any]) -> list[Any]:
    """The MTUS guideline in force for the item and, when no rule decides it, why."""
    from imr_rules.render.wording import guideline_lines  # shared with Markdown

    return [Text(line, style="cyan" if n == 0 else "magenta") for n, line in enumerate(guideline_lines(item))]


def _criteria(item: dict[str, Any]) -> list[Any]:
    """Each criterion: its status and id on one line; below, indented, the requirement, the finding
    and the values it used. Criteria that did not apply show only their requirement, dimmed (a
    reviewer sees what was considered); criteria whose applicability is not documented say
    "(if it applies)" after their status."""
    parts: list[Any] = []
    for criterion in item["criteria"]:
        label, style = STATUS_STYLE[criterion["status"]]
        if criterion["conditional"]:
            label += CONDITIONAL
        if not criterion.get("decisive", True):
            label += " (advisory, not deciding)"
        outweighed = not_weighed_note(criterion)
        if outweighed:
            label, style = f"{label} - {NOT_WEIGHED}", "yellow"
        parts.append(Text(label, style=style) + Text(f"  {criterion['id']}", style="bold"))
        if criterion["status"] == "not_applicable":
            body = Text(criterion["requirement"], style="dim")
        else:
            values = ", ".join(f"{k}={'not documented' if v is None else v}" for k, v in criterion["values"].items()) or "—"
            body = Text(criterion["requirement"], style="italic") + Text(f"\n{criterion['statement']}")
            if outweighed:
                body += Text(f"\nNot weighed: {outweighed}.", style="yellow")
            body += Text(f"\nValues used: {values}", style="dim")
        parts.append(Padding(body, (0, 0, 0, INDENT)))
    return parts


# ---- compare ---------------------------------------------------------------------------------


def render_comparison(comparison, stream: Any) -> None:
    """Our decisions beside IMR's: headline, confusion matrix, figures by category, disagreements."""
    from rich.table import Table

    from imr_rules.render.figures import FIGURE_HEADERS, figures_row, percent

    console = make_console(stream, width=120)
    m = comparison.metrics
    from imr_rules.render.data import comparison_ruleset

    ruleset = comparison_ruleset(comparison)
    console.print(Text(f"Comparison with real IMR decisions (rule set {ruleset_line(ruleset)})", style="bold"))
    for line in pack_lines(ruleset):
        console.print(Text(line, style="dim"))
    console.print(
        f"{len(comparison.items)} items, {len(comparison.dependent)} decided with a disputed surgery (apart); "
        f"{len(comparison.independent)} independent: {comparison.covered} covered by a rule, {comparison.not_covered} not "
        f"covered (coverage {percent(comparison.coverage)})"
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
        figures.add_row(c.category, str(c.items), str(c.actual_overturned), *figures_row(c.metrics))
    overturned = sum(1 for i in comparison.independent if i.actual == "overturned")
    figures.add_row("all", str(len(comparison.independent)), str(overturned), *figures_row(m), style="bold")
    console.print(figures)
    _disagreements(console, comparison)


def _disagreements(console: Console, comparison) -> None:
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
    from imr_rules.render.fidelity import fidelity_lines

    console.print()
    for line in fidelity_lines(comparison):
        console.print(Text(line))
    uncovered = [i for i in comparison.independent if not i.covered]
    if uncovered:
        console.print()
        console.print(Text(f"Not covered ({len(uncovered)})", style="bold"))
        for item in uncovered:
            console.print(f"   {item.case_number} #{item.item_index} [{item.category}] {item.description} ({item.actual})")


# ---- parse -----------------------------------------------------------------------------------

# The rationale is folded to this many characters in the letter view, unless shown in full.
RATIONALE_FOLD = 400
OUTCOME_STYLE = {"upheld": "bold red", "overturned": "bold green"}


def render_letter(console: Console, letter: dict[str, Any], full: bool = False) -> None:
    """A readable view of one letter (as ``letter_to_dict`` gives it): header fields, then each item."""
    from rich.table import Table

    console.print(Text.assemble(("Case ", "bold"), (letter["case_number"] or "(no case number)", "bold"),
                                f"  ({letter['source']})"))
    header = Table.grid(padding=(0, 2))
    header.add_column(style="dim")
    header.add_column()
    patient = letter["patient"]
    for label, value in (
        ("Decision date", letter["decision_date"]),
        ("Date assigned", letter["date_assigned"]),
        ("Date of injury", letter["date_of_injury"]),
        ("UR denial date", letter["ur_denial_date"]),
        ("Application received", letter["application_received"]),
        ("Priority", letter["priority"]),
        ("Patient", " ".join(str(v) for v in (patient["age"], patient["sex"]) if v is not None) or None),
        ("Reviewer", ", ".join(letter["reviewer"]["specialty"] + letter["reviewer"]["licensure"]) or None),
    ):
        header.add_row(label, value if value is not None else "-")
    console.print(header)
    for item in letter["items"]:
        _letter_item(console, item, full)
    if letter["warnings"]:
        console.print(Text(f"{len(letter['warnings'])} warning(s): " + "; ".join(letter["warnings"]), style="yellow"))
    console.print()


def _letter_item(console: Console, item: dict[str, Any], full: bool) -> None:
    outcome = item["outcome"] or "unknown"
    console.print()
    console.print(Text.assemble(
        (f"{item['index']}. ", "bold"), item["description"], "  ",
        (outcome.upper(), OUTCOME_STYLE.get(outcome, "bold")),
    ))
    details = [f"category {item['category']}"]
    if item["body_region"]:
        details.append(f"region {item['body_region']}")
    if item["quantity"] is not None:
        details.append(f"quantity {item['quantity']}")
    if item["drug"]:
        drug = item["drug"]
        details.append(f"drug {drug['brand'] or drug['generic']}" + (f" ({drug['generic']})" if drug["brand"] and drug["generic"] else ""))
    if item["partially_certified"]:
        details.append("partially certified")
    console.print(Text("   " + "; ".join(details), style="dim"))
    for citation in item["citations"]["reviewer"]:
        console.print(Text(f"   Reviewer cites: {_letter_citation(citation)}", style="cyan"))
    rationale = item["rationale"] if full else _fold(item["rationale"], RATIONALE_FOLD)
    if rationale:
        console.print(Text("   " + rationale))


def _fold(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _letter_citation(citation: dict[str, Any]) -> str:
    if citation["tier"] == "none":
        return "no medical evidence cited"
    parts = [citation["title"] or citation["text"] or citation["tier"]]
    if citation["year"]:
        parts[0] += f" ({citation['year']})"
    if citation["chapter"]:
        parts.append(citation["chapter"])
    parts.extend(citation["sections"])
    if citation["pages"]:
        parts.append("pages " + ", ".join(citation["pages"]))
    text = ", ".join(p for p in parts if p)
    return f"[{citation['tier']}] {text}"


# ---- rules and facts -------------------------------------------------------------------------


def render_rule_list(ruleset, console: Console) -> None:
    """One row per rule: id, tier, role, criteria, then its categories and the periods its editions
    are in force. Plain columns, not a table: an id (what ``rules show`` needs) is never cut; the
    last column wraps at the console's width, between words only."""
    rules = list(ruleset.rules)
    id_width = max([len("id"), *(len(r.id) for r in rules)])
    rows = [(r.id, r.tier.value, r.role.value, str(len(r.criteria)),
             (f"pack {r.pack}: " if r.pack else "") + ", ".join(r.categories) + "; " + ", ".join(
                 f"{e.effective_from or '…'} to {e.effective_to or 'now'}" for e in r.editions)) for r in rules]
    head = ("id", "tier", "role", "criteria", "categories; in force")
    widths = [id_width, *(max(len(row[i]) for row in [head, *rows]) for i in (1, 2, 3))]
    console.print(Text(f"{ruleset.name} {ruleset.version}: {len(rules)} rules", style="bold"), soft_wrap=True)
    # The full hash on a line of its own (71 characters): the listing names the rules it read, as every report does.
    console.print(Text(f"sha256:{ruleset.hash}", style="dim"), soft_wrap=True)
    from imr_rules.render.data import ruleset_identity

    for line in pack_lines(ruleset_identity(ruleset)):
        console.print(Text(line, style="dim"), soft_wrap=True)
    for n, row in enumerate([head, *rows]):
        lead = "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  "
        console.print(Text(_hanging(lead, row[4], console.width), style="bold" if n == 0 else ""), soft_wrap=True)


def _hanging(lead: str, text: str, width: int) -> str:
    """``lead`` then ``text`` wrapped to ``width`` under its own start, breaking only between words
    (a name is never cut or hyphenated); where too little room is left beside ``lead``, ``text``
    goes on the lines below it, indented by four."""
    import textwrap

    indent = len(lead) if width - len(lead) >= 20 else 4
    lines = textwrap.wrap(text, max(width - indent, 20), break_long_words=False, break_on_hyphens=False) or [""]
    if indent != len(lead):
        return lead.rstrip() + "".join("\n" + " " * indent + line for line in lines)
    return lead + ("\n" + " " * indent).join(lines)


def render_rule(rule: dict[str, Any], console: Console) -> None:
    """One rule (as ``rule_detail`` gives it): its guideline, editions and every criterion, each
    with its requirement, kind and the facts it reads (whole names, never cut)."""
    console.print(Text(f"{rule['id']}: {rule['title']}", style="bold"))
    console.print(f"{rule['tier']} ({rule['role']}); confidence {rule['confidence'] or 'unstated'}; {rule['path']}")
    for edition in rule["editions"]:
        console.print(f"  {edition['from'] or '…'} to {edition['to'] or 'now'}: {edition['citation']['text']}")
    console.print(Text(rule["summary"], style="italic"))
    id_width = max([len("criterion"), *(len(c["id"]) for c in rule["criteria"])])
    for criterion in rule["criteria"]:
        console.print(Text(""))
        lead = criterion["id"].ljust(id_width) + "  "
        console.print(Text(_hanging(lead, f"{criterion['requirement']} ({criterion['kind']})", console.width)),
                      soft_wrap=True)
        if criterion["facts"]:
            console.print(Text(_hanging(" " * len(lead) + "facts: ", ", ".join(criterion["facts"]), console.width),
                               style="dim"), soft_wrap=True)


def render_facts(facts: list[dict[str, Any]], console: Console) -> None:
    """The fact vocabulary (rows as ``vocabulary_to_dict`` gives them), grouped by scope, then by
    the category whose rules read each fact (a fact read by several: "shared"; by none: "read by
    no rule"); one entry a fact: its name and type, its description wrapped below."""
    from imr_rules.reference.vocabulary import SCOPES, categories

    known = {name: n for n, name in enumerate(["", *categories(), "shared", "read by no rule"])}
    scope_heading = {"request": "Request facts (facts:)", "item": "Item facts (items[].facts:)",
                     "derived": "Derived facts (computed from the request; rules read them, requests cannot write them)"}
    for scope in SCOPES:
        rows = [row for row in facts if row["scope"] == scope]
        if not rows:
            continue
        console.print(Text(f"{scope_heading[scope]}: {len(rows)}", style="bold"), soft_wrap=True)
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            cats = row.get("categories")
            group = "" if cats is None else cats[0] if len(cats) == 1 else "shared" if cats else "read by no rule"
            groups.setdefault(group, []).append(row)
        for group in sorted(groups, key=lambda g: (known.get(g, len(known)), g)):
            if group:
                console.print(Text(f"  {group}", style="bold cyan"), soft_wrap=True)
            for row in groups[group]:
                kind = row["type"] + (f", {row['unit']}" if row["unit"] else "")
                console.print(Text(f"    {row['name']}", style="bold") + Text(f"  ({kind})"), soft_wrap=True)
                if row.get("categories") and len(row["categories"]) > 1:
                    console.print(Text(_hanging("        read by: ", ", ".join(row["categories"]), console.width),
                                       style="dim"), soft_wrap=True)
                console.print(Text(_hanging("        ", row["description"], console.width)), soft_wrap=True)
        console.print(Text(""))


def render_categories(listing: dict[str, Any], console: Console) -> None:
    """The item categories (as ``categories_listing`` gives them): name and what it covers, then
    its rules and their keywords, wrapped between words."""
    for row in listing["categories"]:
        label = row["name"] + ("  (drug)" if row["drug"] else "")
        console.print(Text(label, style="bold") + Text(f"  {row['description']}"), soft_wrap=True)
        rules = ", ".join(row["rules"]) or "none: its items are no_applicable_rule, with the guideline in force"
        console.print(Text(_hanging("    rules: ", rules, console.width)), soft_wrap=True)
        if row["keywords"]:
            console.print(Text(_hanging("    keywords: ", ", ".join(row["keywords"]), console.width), style="dim"),
                          soft_wrap=True)


# ---- rules test ------------------------------------------------------------------------------


def render_test_run(run, shortfalls: list[str], console: Console, show_path) -> None:
    """Failures one line each (never wrapped: editors jump to path:line), a summary, the criteria
    not yet covered both ways, then any coverage shortfall and the verdict."""
    from rich.table import Table

    from imr_rules.authoring.ruletests import failure_lines, missing_ways

    out = console.file
    for line in failure_lines(run, show_path):
        _line(out, f"FAIL {line}")
    if run.ruleset is not None and run.ruleset.packs:
        from imr_rules.render.data import ruleset_identity

        for line in pack_lines(ruleset_identity(run.ruleset)):
            _line(out, line)
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
            table.add_row(c.rule_id, c.criterion_id, f"{show_path(c.path)}:{c.line}", ", ".join(sorted(c.statuses)) or "-",
                          " + ".join(missing_ways(c)))
        console.print(table)
    for shortfall in shortfalls:
        _line(out, f"FAIL {shortfall}")
    verdict = "FAILED" if run.errors or run.failed or shortfalls else "ok"
    _line(out, f"{verdict}: {passed}/{len(run.cases)} cases passed")


def _line(stream: Any, text: str) -> None:
    stream.write(text + "\n")
    stream.flush()
