"""Plain-text views that need no rich (so the commands that print them never import it).

Each returns lines; the command line prints them. One line per finding, never wrapped, so that
editors and CI logs can jump to ``path:line``.
"""

from __future__ import annotations


def ruleset_lines(ruleset: dict, packs: bool = True) -> list[str]:
    """The rule set a report was made with (as ``ruleset_identity`` gives it), its full hash, then
    (``packs``) one line per criteria pack: the first lines of every text report that reads the rules."""
    from imr_rules.render.wording import pack_lines, ruleset_line

    return [f"Rule set {ruleset_line(ruleset)}", *(pack_lines(ruleset) if packs else ())]


def coverage_lines(report, show_uncovered: bool = False) -> list[str]:
    """The rule set; items, covered and share by category, then overall; optionally every
    uncovered description."""
    width = max([len("category")] + [len(name) for name in report.by_category()])
    lines = ruleset_lines(report.ruleset) if report.ruleset else []
    lines.append(f"{'category':<{width}}  {'items':>6}  {'covered':>7}  {'share':>6}")
    for name, tally in report.by_category().items():
        lines.append(f"{name:<{width}}  {tally.total:>6}  {tally.covered:>7}  {tally.share:>6.1%}")
    overall = report.overall
    lines.append(f"{'all':<{width}}  {overall.total:>6}  {overall.covered:>7}  {overall.share:>6.1%}")
    if show_uncovered:
        lines.extend(f"uncovered [{item.category}] {item.description.text}" for item in report.items if not item.covered)
    return lines


def lint_lines(findings) -> list[str]:
    """``path:line: CODE rule-id: message (hint)``, one per finding."""
    return [finding.one_line() for finding in findings]


def lint_summary(findings, ruleset: dict | None = None) -> str:
    """The last line of ``rules lint``: the counts, and the rule set linted (or that it does not load)."""
    from imr_rules.render.wording import ruleset_line

    errors = sum(f.severity == "error" for f in findings)
    counts = f"{errors} error(s), {len(findings) - errors} warning(s)" if findings else "ok: no findings"
    named = f"rule set {ruleset_line(ruleset)}" if ruleset else "the rule set does not load as a whole, so it has no hash"
    return f"{counts}; {named}"


def check_list_lines(checks) -> list[str]:
    """The lint checks: code, name, severity, description."""
    return [f"{c.code}  {c.name:<22} {c.severity:<8} {c.description}" for c in checks]


def ruleset_summary(ruleset) -> str:
    """What ``rules validate`` says of a valid rule set."""
    from imr_rules.render.data import ruleset_identity
    from imr_rules.render.wording import pack_lines

    summary = (f"ok: {len(ruleset.rules)} rules, {sum(len(r.criteria) for r in ruleset.rules)} criteria, "
               f"rule set {ruleset.version} (sha256:{ruleset.hash[:12]})")
    return "\n".join([summary, *pack_lines(ruleset_identity(ruleset))])
