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

from imr_rules.cli import EXIT_BAD_INPUT, EXIT_FAILED
from imr_rules.cli.common import check_format, dump_json, open_output, pack_option, print_errors
from imr_rules.cli.rules_cmd import rules_app

PATHS_HELP = ("Rule files or directories; default: the bundled rules/ (with packs and no paths: the packs' files). "
              "A file is run within the rule set it belongs to; a criteria pack folder is layered over the bundled rules.")


@rules_app.command("test")
def test_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help=PATHS_HELP),
    format: str = typer.Option("text", "--format", "-f", help="text, json, sarif (SARIF 2.1.0) or junit (JUnit XML)"),
    coverage_threshold: Optional[float] = typer.Option(
        None, "--coverage-threshold", min=0, max=100,
        help="Fail when criterion coverage (percent of the pass and fail ways of every criterion) is below this."),
    require_both_ways: bool = typer.Option(
        False, "--require-both-ways", help="Fail when some criterion is not made both to pass and to fail by a case."),
    pack: Optional[list[Path]] = pack_option(),
) -> None:
    """Run the test cases in rule files; report failures and criterion coverage.

    Exit 0 when all pass, 3 when a case fails (or coverage falls short), 2 when a rule file is invalid.
    """
    from imr_rules.authoring.ruletests import run_tests, run_to_dict

    check_format(format, ("text", "json", "sarif", "junit"))
    run = _or_exit(lambda: run_tests(paths or None, _packs(pack)))
    shortfalls = _coverage_shortfalls(run, coverage_threshold, require_both_ways)
    if format == "sarif":
        from imr_rules.render.sarif import test_run_sarif

        dump_json(test_run_sarif(run, shortfalls, require_both_ways, shown_path), sys.stdout)
    elif format == "junit":
        from imr_rules.render.junit import test_run_junit

        sys.stdout.write(test_run_junit(run, shortfalls, require_both_ways, shown_path))
    elif format == "json":
        data = run_to_dict(run)
        data["coverage"]["shortfalls"] = shortfalls
        dump_json(data, sys.stdout)
    else:
        from imr_rules.render.terminal import make_console, render_test_run

        if run.errors:
            print_errors(run.errors)
        if run.errors and not run.rules:
            raise typer.Exit(EXIT_BAD_INPUT)  # nothing loaded: an empty table would pass for a run
        if run.ruleset is not None:
            from imr_rules.render.data import ruleset_identity
            from imr_rules.render.text import ruleset_lines

            # The cases were decided by these rules; the run's own lines name its criteria packs.
            typer.echo("\n".join(ruleset_lines(ruleset_identity(run.ruleset), packs=False)))
        render_test_run(run, shortfalls, make_console(), shown_path)
    if run.errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    if run.failed or shortfalls:
        raise typer.Exit(EXIT_FAILED)


def _packs(options: Optional[list[Path]]) -> list[Path]:
    """The criteria packs of $IMR_RULES_PACKS and --pack."""
    from imr_rules.ruleset.loading import requested_packs

    return requested_packs(options)


def _or_exit(action):
    """Run an action; a problem outside the rule files (e.g. the fact vocabulary) exits 2 with one line."""
    from imr_rules.errors import ImrRulesError

    try:
        return action()
    except ImrRulesError as exc:
        print_errors([exc.one_line()])
        raise typer.Exit(EXIT_BAD_INPUT) from None


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


@rules_app.command("lint")
def lint_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help=PATHS_HELP),
    format: str = typer.Option("text", "--format", "-f", help="text, json, sarif (SARIF 2.1.0) or junit (JUnit XML)"),
    exclude: Optional[list[str]] = typer.Option(None, "--exclude", "-x", help="A check code to switch off (repeatable), e.g. IMR012."),
    list_checks: bool = typer.Option(False, "--list-checks", help="List the checks (code, severity, description) and exit."),
    pack: Optional[list[Path]] = pack_option(),
) -> None:
    """Check rule files statically: unknown facts, wrong types, missing citations or wording, ...

    One line per finding, "path:line: CODE rule-id: message (hint)"; exit 3 when a finding is an error.
    """
    from imr_rules.authoring.lint import CHECKS, has_errors, lint

    check_format(format, ("text", "json", "sarif", "junit"))
    if list_checks:
        _print_checks(CHECKS, "json" if format == "json" else "text")
        return
    unknown = sorted({c.upper() for c in exclude or ()} - {c.code for c in CHECKS})
    if unknown:
        raise typer.BadParameter(f"unknown check code(s) {', '.join(unknown)}; see --list-checks", param_hint="--exclude")
    findings = _or_exit(lambda: lint(paths or None, exclude=exclude or (), packs=_packs(pack)))
    ruleset = _linted_ruleset(paths, pack)
    if format == "sarif":
        from imr_rules.render.sarif import lint_sarif

        dump_json(lint_sarif(findings, CHECKS, shown_path), sys.stdout)
    elif format == "junit":
        from imr_rules.render.junit import lint_junit

        sys.stdout.write(lint_junit(findings, shown_path))
    elif format == "json":
        from imr_rules.render.data import lint_to_dict

        dump_json(lint_to_dict(findings, ruleset), sys.stdout)
    else:
        from imr_rules.render.text import lint_lines, lint_summary

        for line in lint_lines(findings):
            typer.echo(line)
        typer.echo(lint_summary(findings, ruleset), err=bool(findings))
    if has_errors(findings):
        raise typer.Exit(EXIT_FAILED)


def _linted_ruleset(paths, pack) -> dict | None:
    """The identity (name, version, hash) of the rule set the linted files belong to, as every
    report names the rules it read; None where some file of it does not load, since a hash of the
    rules that happened to load would name a rule set nobody wrote."""
    from imr_rules.authoring.ruletests import rule_scope
    from imr_rules.errors import ImrRulesError
    from imr_rules.render.data import ruleset_identity
    from imr_rules.ruleset.loading import load_ruleset_collecting

    try:
        scope = rule_scope(paths or None, _packs(pack))
        ruleset, errors = load_ruleset_collecting(scope.load, packs=scope.packs)
    except ImrRulesError:
        return None
    return None if errors else ruleset_identity(ruleset)


def _print_checks(checks, format: str) -> None:
    if format == "json":
        from imr_rules.render.data import lint_checks_to_dict

        dump_json(lint_checks_to_dict(checks), sys.stdout)
        return
    from imr_rules.render.text import check_list_lines

    for line in check_list_lines(checks):
        typer.echo(line)


@rules_app.command("doc")
def doc_rules(
    paths: Optional[list[Path]] = typer.Argument(None, help="Rule files or directories; default: the bundled rules/."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the Markdown catalogue to this file."),
    pack: Optional[list[Path]] = pack_option(),
) -> None:
    """Write a Markdown catalogue of every rule and criterion, grouped by category, for reviewers."""
    from imr_rules.authoring.catalogue import catalogue_markdown
    from imr_rules.ruleset.loading import load_ruleset_collecting
    from imr_rules.authoring.ruletests import rule_scope

    scope = rule_scope(paths or None, _packs(pack))
    ruleset, errors = _or_exit(lambda: load_ruleset_collecting(scope.load, packs=scope.packs))
    stream = open_output(output, paths or ())
    try:
        stream.write(catalogue_markdown(ruleset))
    finally:
        if stream is not sys.stdout:
            stream.close()
    if errors:  # the catalogue holds the rules that compiled; say which files it had to leave out
        print_errors(e.one_line() for e in errors)
        raise typer.Exit(EXIT_BAD_INPUT)
