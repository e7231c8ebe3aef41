"""imr-rules rules …: list, show and validate rule files; imr-rules facts: the fact vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli import EXIT_BAD_INPUT
from imr_rules.cli.common import app, RULES_OPTION_HELP, check_format, dump_json, load_rules_or_exit, print_errors

rules_app = typer.Typer(help="List, show and validate rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


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
        from imr_rules.render.data import ruleset_listing

        dump_json(ruleset_listing(ruleset), sys.stdout)
        return
    from imr_rules.render.terminal import make_console, render_rule_list

    render_rule_list(ruleset, make_console())


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
        raise typer.Exit(EXIT_BAD_INPUT)
    from imr_rules.render.data import rule_detail

    data = rule_detail(rule)
    if format == "json":
        dump_json(data, sys.stdout)
        return
    from imr_rules.render.terminal import make_console, render_rule

    render_rule(data, make_console())


@rules_app.command("validate")
def validate_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help="Rule files or directories; default: the bundled rules/."),
) -> None:
    """Validate rule files against the rule schema and the fact vocabulary; exit 2 on any problem."""
    from imr_rules.ruleset.loading import load_ruleset_collecting

    ruleset, errors = load_ruleset_collecting(paths or None)
    if errors:
        print_errors(e.one_line() for e in errors)
        raise typer.Exit(EXIT_BAD_INPUT)
    from imr_rules.render.text import ruleset_summary

    typer.echo(ruleset_summary(ruleset))


@app.command("facts")
def list_facts(format: str = typer.Option("text", "--format", "-f", help="text or json")) -> None:
    """List the fact vocabulary: every name a request may document and a rule may use."""
    import sys

    from imr_rules.reference.vocabulary import default_vocabulary

    from imr_rules.render.data import vocabulary_to_dict

    check_format(format, ("text", "json"))
    data = vocabulary_to_dict(default_vocabulary())
    if format == "json":
        dump_json(data, sys.stdout)
        return
    from imr_rules.render.terminal import make_console, render_facts

    render_facts(data["facts"], make_console())
