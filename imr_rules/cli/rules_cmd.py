"""imr-rules rules …: list, show and validate rule files; imr-rules facts and categories: the names
requests write."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from imr_rules.cli import EXIT_BAD_INPUT
from imr_rules.cli.common import app, RULES_OPTION_HELP, pack_option, check_format, dump_json, load_rules_or_exit, print_errors

rules_app = typer.Typer(help="List, show and validate rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("list")
def list_rules(
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    pack: Optional[list[Path]] = pack_option(),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
) -> None:
    """List the rules: id, category, guideline tier and role, editions."""
    import sys

    check_format(format, ("text", "json"))
    ruleset = load_rules_or_exit(rules, pack)
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
    pack: Optional[list[Path]] = pack_option(),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
) -> None:
    """Show one rule: its guideline, editions and every criterion."""
    import difflib
    import sys

    check_format(format, ("text", "json"))
    ruleset = load_rules_or_exit(rules, pack)
    rule = ruleset.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, [r.id for r in ruleset.rules], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else " (see 'imr-rules rules list')"
        print_errors([f"no rule with id '{rule_id}'{hint}"])
        raise typer.Exit(EXIT_BAD_INPUT)
    from imr_rules.render.data import rule_detail, ruleset_identity

    data = rule_detail(rule)
    if format == "json":
        dump_json({"ruleset": ruleset_identity(ruleset), **data}, sys.stdout)
        return
    from imr_rules.render.terminal import make_console, render_rule

    _echo_ruleset(ruleset_identity(ruleset))
    render_rule(data, make_console())


@rules_app.command("validate")
def validate_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help="Rule files or directories; default: the bundled rules/."),
    pack: Optional[list[Path]] = pack_option(),
) -> None:
    """Validate rule files (and criteria packs, layered over them) against the rule and pack
    schemas and the fact vocabulary; exit 2 on any problem."""
    from imr_rules.ruleset.loading import load_ruleset_collecting
    from imr_rules.ruleset.loading import requested_packs
    from imr_rules.ruleset.packs import is_pack

    # A pack folder named as a path is validated as a pack, over the bundled rules.
    folders = [p for p in paths or () if is_pack(p)]
    files = [p for p in paths or () if not is_pack(p)]
    ruleset, errors = load_ruleset_collecting(files or None, packs=requested_packs([*folders, *(pack or ())]))
    if errors:
        print_errors(e.one_line() for e in errors)
        raise typer.Exit(EXIT_BAD_INPUT)
    from imr_rules.render.text import ruleset_summary

    typer.echo(ruleset_summary(ruleset))


@app.command("facts")
def list_facts(
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
    grep: Optional[str] = typer.Option(None, "--grep", "-g", help="Only facts whose name or description matches this pattern (a case-insensitive regular expression)."),
    category: Optional[str] = typer.Option(None, "--category", "-c", help="Only facts that the rules of this category read (see 'imr-rules categories')."),
    scope: Optional[str] = typer.Option(None, "--scope", help="Only facts of this scope: request, item or derived."),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    pack: Optional[list[Path]] = pack_option(),
) -> None:
    """List the fact vocabulary: every name a request may document and a rule may use, grouped by
    scope and by the category whose rules read it."""
    import re
    import sys

    from imr_rules.reference.vocabulary import SCOPES, categories, default_vocabulary

    from imr_rules.render.data import ruleset_identity, vocabulary_to_dict

    check_format(format, ("text", "json"))
    if scope is not None and scope not in SCOPES:
        print_errors([f"--scope: unknown scope '{scope}' (expected one of: {', '.join(SCOPES)})"])
        raise typer.Exit(EXIT_BAD_INPUT)
    if category is not None and category not in categories():
        import difflib

        close = difflib.get_close_matches(category, list(categories()), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        print_errors([f"--category: unknown category '{category}' ({hint}'imr-rules categories' lists them)"])
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        pattern = re.compile(grep, re.IGNORECASE) if grep is not None else None
    except re.error as exc:
        print_errors([f"--grep: not a regular expression: {exc} (escape special characters with a backslash)"])
        raise typer.Exit(EXIT_BAD_INPUT) from None
    ruleset = load_rules_or_exit(rules, pack)
    # Which categories read a fact depends on the rules: the listing names the rule set it used.
    data = {"ruleset": ruleset_identity(ruleset), **vocabulary_to_dict(default_vocabulary(), ruleset)}
    data["facts"] = [
        row for row in data["facts"]
        if (pattern is None or pattern.search(row["name"]) or pattern.search(row["description"]))
        and (category is None or category in row["categories"])
        and (scope is None or row["scope"] == scope)
    ]
    if format == "json":
        dump_json(data, sys.stdout)
        return
    from imr_rules.render.terminal import make_console, render_facts

    _echo_ruleset(data["ruleset"])
    if not data["facts"]:
        typer.echo("no fact matches (run 'imr-rules facts' without filters for them all)", err=True)
        return
    render_facts(data["facts"], make_console())


def _echo_ruleset(ruleset: dict) -> None:
    """The first lines of a text listing: the rule set it was made with."""
    from imr_rules.render.text import ruleset_lines

    for line in ruleset_lines(ruleset):
        typer.echo(line)


@app.command("categories")
def list_categories(
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", "-r", help=RULES_OPTION_HELP),
    pack: Optional[list[Path]] = pack_option(),
) -> None:
    """List the item categories (what items[].category may be): what each covers, the rules that
    select it and their keywords (words of a service text that select those rules)."""
    import sys

    from imr_rules.render.data import categories_listing

    check_format(format, ("text", "json"))
    listing = categories_listing(load_rules_or_exit(rules, pack))
    if format == "json":
        dump_json(listing, sys.stdout)
        return
    from imr_rules.render.terminal import make_console, render_categories

    _echo_ruleset(listing["ruleset"])
    render_categories(listing, make_console())
