"""imr-rules rules …: list, show and validate rule files; imr-rules facts: the fact vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli.common import app, RULES_OPTION_HELP, check_format, dump_json, load_rules_or_exit, print_errors

rules_app = typer.Typer(help="List, show and validate rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def rule_summary(rule) -> dict:
    from imr_rules.render.data import citation_to_dict

    return {
        "id": rule.id,
        "title": rule.title,
        "categories": list(rule.categories),
        "tier": rule.tier.value,
        "role": rule.role.value,
        "confidence": rule.confidence,
        "editions": [
            {
                "from": e.effective_from.isoformat() if e.effective_from else None,
                "to": e.effective_to.isoformat() if e.effective_to else None,
                "citation": citation_to_dict(e.citation),
            }
            for e in rule.editions
        ],
        "criteria": len(rule.criteria),
        "path": rule.path,
    }


@rules_app.command("list")
def list_rules(
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
) -> None:
    """List the rules: id, category, guideline tier and role, editions."""
    import sys

    check_format(format, ("text", "json"))
    ruleset = load_rules_or_exit(rules)
    if format == "json":
        dump_json({"ruleset": {"name": ruleset.name, "version": ruleset.version, "hash": f"sha256:{ruleset.hash}"},
                   "rules": [rule_summary(r) for r in ruleset.rules]}, sys.stdout)
        return
    from rich.table import Table

    from imr_rules.render.terminal import make_console

    table = Table(title=f"{ruleset.name} {ruleset.version}", header_style="bold")
    for column in ("id", "categories", "tier", "role", "in force", "criteria"):
        table.add_column(column)
    for rule in ruleset.rules:
        spans = ", ".join(f"{e.effective_from or '…'} to {e.effective_to or 'now'}" for e in rule.editions)
        table.add_row(rule.id, ", ".join(rule.categories), rule.tier.value, rule.role.value, spans, str(len(rule.criteria)))
    make_console().print(table)


@rules_app.command("show")
def show_rule(
    rule_id: str = typer.Argument(..., help="The rule id (see 'imr-rules rules list')."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
) -> None:
    """Show one rule: its guideline, editions and every criterion."""
    import difflib
    import sys

    check_format(format, ("text", "json"))
    ruleset = load_rules_or_exit(rules)
    rule = ruleset.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, [r.id for r in ruleset.rules], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else " (see 'imr-rules rules list')"
        print_errors([f"no rule with id '{rule_id}'{hint}"])
        raise typer.Exit(2)
    data = rule_summary(rule)
    data["summary"] = rule.summary
    data["criteria"] = [
        {"id": c.id, "requirement": c.requirement, "kind": c.kind, "facts": list(c.facts_used),
         "params": dict(c.params), "confidence": c.confidence, "wording": dict(c.wording)}
        for c in rule.criteria
    ]
    if format == "json":
        dump_json(data, sys.stdout)
        return
    from rich.table import Table
    from rich.text import Text

    from imr_rules.render.terminal import make_console

    console = make_console()
    console.print(Text(f"{rule.id}: {rule.title}", style="bold"))
    console.print(f"{rule.tier.value} ({rule.role.value}); confidence {rule.confidence or 'unstated'}; {rule.path}")
    for edition in data["editions"]:
        console.print(f"  {edition['from'] or '…'} to {edition['to'] or 'now'}: {edition['citation']['text']}")
    console.print(Text(rule.summary, style="italic"))
    table = Table(header_style="bold", expand=True)
    for column in ("criterion", "requirement", "kind", "facts"):
        table.add_column(column)
    for criterion in data["criteria"]:
        table.add_row(criterion["id"], criterion["requirement"], criterion["kind"], ", ".join(criterion["facts"]))
    console.print(table)


@rules_app.command("validate")
def validate_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help="Rule files or directories; default: the bundled rules/."),
) -> None:
    """Validate rule files against the rule schema and the fact vocabulary; exit 2 on any problem."""
    from imr_rules.ruleset.loading import load_ruleset_collecting

    ruleset, errors = load_ruleset_collecting(paths or None)
    if errors:
        print_errors(e.one_line() for e in errors)
        raise typer.Exit(2)
    typer.echo(f"ok: {len(ruleset.rules)} rules, {sum(len(r.criteria) for r in ruleset.rules)} criteria, "
               f"rule set {ruleset.version} (sha256:{ruleset.hash[:12]})")


@app.command("facts")
def list_facts(format: str = typer.Option("text", "--format", "-f", help="text or json")) -> None:
    """List the fact vocabulary: every name a request may document and a rule may use."""
    import sys

    from imr_rules.reference.vocabulary import default_vocabulary

    check_format(format, ("text", "json"))
    vocabulary = default_vocabulary()
    rows = [{"name": f.name, "scope": f.scope, "type": f.type, "unit": f.unit, "description": f.description}
            for f in vocabulary.facts.values()]
    if format == "json":
        dump_json({"version": vocabulary.version, "facts": rows}, sys.stdout)
        return
    from rich.table import Table

    from imr_rules.render.terminal import make_console

    table = Table(title="Fact vocabulary", header_style="bold", expand=True)
    for column in ("name", "scope", "type", "description"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["scope"], row["type"] + (f" ({row['unit']})" if row["unit"] else ""), row["description"])
    make_console().print(table)
