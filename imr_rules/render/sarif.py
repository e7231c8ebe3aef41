"""SARIF 2.1.0 for code-scanning views: ``rules lint`` findings and ``rules test`` results.

Every result that concerns a file carries its path (relative to the working directory where it is
inside it, as the user typed it) and line. The output is deterministic: no timestamps, no absolute
base directory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from imr_rules import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning"}  # any other severity is a note
_LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<message>.*)$", re.S)

# rules test: what each kind of result means
TEST_RULES = (
    ("case-failed", "error", "An embedded test case's expectation (decision, criterion status, certifiable quantity) does not hold."),
    ("case-error", "error", "An embedded test case cannot run (its request is invalid, or the engine failed)."),
    ("invalid-rule-file", "error", "A rule file cannot be loaded."),
    ("criterion-not-covered-both-ways", "warning", "No case makes this criterion pass, or none makes it fail."),
    ("coverage-shortfall", "error", "Criterion coverage falls short of --coverage-threshold or --require-both-ways."),
)


def lint_sarif(findings, checks, show_path: Callable[[str], str] = str) -> dict[str, Any]:
    """``rules lint`` findings as one SARIF run; the checks are its rules."""
    rules = [{"id": c.code, "name": c.name, "shortDescription": {"text": c.description},
              "defaultConfiguration": {"level": LEVEL.get(c.severity, "note")}} for c in checks]
    index = {c.code: n for n, c in enumerate(checks)}
    results = []
    for f in findings:
        text = f"{f.rule_id or '-'}: {f.message}" + (f" ({f.hint})" if f.hint else "")
        result = {"ruleId": f.code, "level": LEVEL.get(f.severity, "note"), "message": {"text": text}}
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        result.update(_locations(f.path, f.line, show_path))
        results.append(result)
    return _log("rules lint", rules, results)


def test_run_sarif(run, shortfalls: list[str], require_both_ways: bool,
                   show_path: Callable[[str], str] = str) -> dict[str, Any]:
    """``rules test``: each failed expectation, case that cannot run, rule file that cannot load and
    criterion not covered both ways (an error under --require-both-ways), and any shortfall."""
    from imr_rules.authoring.ruletests import missing_ways

    rules = [{"id": rid, "shortDescription": {"text": text}, "defaultConfiguration": {"level": level}}
             for rid, level, text in TEST_RULES]
    index = {rid: n for n, (rid, _, _) in enumerate(TEST_RULES)}

    def result(rule_id: str, text: str, path, line, level: str | None = None) -> dict[str, Any]:
        found = {"ruleId": rule_id, "ruleIndex": index[rule_id], "level": level or TEST_RULES[index[rule_id]][1],
                 "message": {"text": text}}
        found.update(_locations(path, line, show_path))
        return found

    results = []
    for error in run.errors:
        located = _LOCATED.match(error)
        if located:
            results.append(result("invalid-rule-file", located["message"], located["path"], int(located["line"])))
        else:
            results.append(result("invalid-rule-file", error, None, None))
    for case in run.failed:
        if case.error:
            results.append(result("case-error", f"{case.rule_id}: case '{case.name}': cannot run: {case.error}",
                                  case.path, case.line))
        for failure in case.failures:
            what = {"decision": "decision", "certifiable_quantity": "certifiable quantity"}.get(
                failure.what, f"criterion {failure.what}")
            results.append(result(
                "case-failed",
                f"{case.rule_id}: case '{case.name}': {what} expected {failure.expected}, got {failure.actual}",
                case.path, failure.line or case.line))
    for c in run.uncovered:
        results.append(result(
            "criterion-not-covered-both-ways",
            f"{c.rule_id}: criterion {c.criterion_id} is not covered both ways: no case gives {' or '.join(missing_ways(c))}",
            c.path, c.line, "error" if require_both_ways else None))
    for shortfall in shortfalls:
        results.append(result("coverage-shortfall", shortfall, None, None))
    return _log("rules test", rules, results, run.ruleset)


def _locations(path: str | None, line: int | None, show_path: Callable[[str], str]) -> dict[str, Any]:
    if not path:
        return {}
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(show_path(path))}}
    if line:
        location["region"] = {"startLine": int(line)}
    return {"locations": [{"physicalLocation": location}]}


def _uri(path: str) -> str:
    """A relative path as a relative URI reference (forward slashes); an absolute one as file://."""
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate.as_uri()
    return candidate.as_posix().replace("%", "%25").replace(" ", "%20")


def _log(command: str, rules: list[dict], results: list[dict], ruleset=None) -> dict[str, Any]:
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "imr-rules", "version": __version__, "semanticVersion": __version__,
                                "fullName": f"imr-rules {command}", "rules": rules}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
    if ruleset is not None:  # the rule set the cases ran under, with its criteria packs
        from imr_rules.render.data import ruleset_identity

        log["runs"][0]["properties"] = {"ruleset": ruleset_identity(ruleset)}
    return log
