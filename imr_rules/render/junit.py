"""JUnit XML for CI test reports: ``rules test`` (a test case per embedded case) and ``rules lint``
(a test case per finding). Each test case carries ``file`` and ``line`` attributes (as pytest's
and GitLab's readers take them); failure messages start with ``path:line``. Deterministic: no
timestamps or durations.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Callable


def lint_junit(findings, show_path: Callable[[str], str] = str) -> str:
    """One test suite per rule file with findings, one test case per finding: an error fails, a
    warning passes with its text as output. No finding: one passing case."""
    root = ET.Element("testsuites", name="imr-rules rules lint")
    by_file: dict[str, list] = {}
    for finding in findings:
        by_file.setdefault(show_path(finding.path) if finding.path else "(rule set)", []).append(finding)
    if not by_file:
        suite = _suite(root, "imr-rules rules lint", 1, 0, 0)
        ET.SubElement(suite, "testcase", classname="lint", name="no findings")
    for path, found in by_file.items():
        errors = [f for f in found if f.severity == "error"]
        suite = _suite(root, path, len(found), len(errors), 0)
        for f in found:
            where = f"{path}:{f.line}" if f.line else path
            case = ET.SubElement(suite, "testcase", _case_attributes(f"lint.{f.rule_id or 'rule-set'}",
                                                                     f"{f.code} line {f.line or '-'}", f.path and path, f.line))
            text = f"{where}: {f.code} {f.rule_id or '-'}: {f.message}" + (f" ({f.hint})" if f.hint else "")
            if f.severity == "error":
                ET.SubElement(case, "failure", message=text, type=f.code).text = text
            else:
                ET.SubElement(case, "system-out").text = f"{f.severity}: {text}"
    _totals(root)
    return _xml(root)


def test_run_junit(run, shortfalls: list[str], require_both_ways: bool, show_path: Callable[[str], str] = str) -> str:
    """One test suite per rule file (a test case per embedded case: a failed expectation fails it,
    a case that cannot run is an error); then a "coverage" suite, a case per criterion (failing
    when it is not covered both ways under --require-both-ways) and one per shortfall; rule files
    that cannot load are errors of a "load" suite."""
    from imr_rules.authoring.ruletests import failure_lines, missing_ways

    root = ET.Element("testsuites", name="imr-rules rules test")
    if run.errors:
        suite = _suite(root, "load", len(run.errors), 0, len(run.errors))
        for n, error in enumerate(run.errors, 1):
            case = ET.SubElement(suite, "testcase", classname="load", name=f"rule file {n}")
            ET.SubElement(case, "error", message=error, type="invalid-rule-file").text = error
    by_file: dict[str, list] = {}
    for case in run.cases:
        by_file.setdefault(case.path, []).append(case)
    for path, cases in by_file.items():
        shown = show_path(path)
        failed = [c for c in cases if c.failures and not c.error]
        errored = [c for c in cases if c.error]
        suite = _suite(root, shown, len(cases), len(failed), len(errored))
        for case in cases:
            element = ET.SubElement(suite, "testcase", _case_attributes(case.rule_id, case.name, shown, case.line))
            if case.passed:
                continue
            lines = failure_lines(_only(run, case), show_path)
            kind = "error" if case.error else "failure"
            ET.SubElement(element, kind, message=lines[0], type="case-error" if case.error else "case-failed").text = "\n".join(lines)
    coverage_failures = len(run.uncovered) if require_both_ways else 0
    suite = _suite(root, "coverage", len(run.coverage) + len(shortfalls), coverage_failures + len(shortfalls), 0)
    _ruleset_properties(suite, run.ruleset)
    for c in run.coverage:
        shown = show_path(c.path) if c.path else None
        element = ET.SubElement(suite, "testcase", _case_attributes(f"coverage.{c.rule_id}", c.criterion_id, shown, c.line))
        if not c.both_ways:
            text = (f"{shown}:{c.line}: {c.rule_id}: criterion {c.criterion_id} is not covered both ways: "
                    f"no case gives {' or '.join(missing_ways(c))}")
            if require_both_ways:
                ET.SubElement(element, "failure", message=text, type="criterion-not-covered-both-ways").text = text
            else:
                ET.SubElement(element, "system-out").text = text
    for shortfall in shortfalls:
        element = ET.SubElement(suite, "testcase", classname="coverage", name="threshold")
        ET.SubElement(element, "failure", message=shortfall, type="coverage-shortfall").text = shortfall
    _totals(root)
    return _xml(root)


def _ruleset_properties(suite: ET.Element, ruleset) -> None:
    """The rule set the cases ran under, with each criteria pack, as JUnit properties."""
    if ruleset is None:
        return
    from imr_rules.render.data import ruleset_identity

    identity = ruleset_identity(ruleset)
    properties = ET.SubElement(suite, "properties")
    for key in ("name", "version", "hash"):
        ET.SubElement(properties, "property", name=f"ruleset.{key}", value=identity[key])
    for pack in identity["packs"]:
        ET.SubElement(properties, "property", name=f"pack.{pack['name']}", value=f"{pack['version']} {pack['hash']}")


def _only(run, case):
    """A run holding one failed case, for failure_lines (its wording, one line per expectation)."""
    from dataclasses import replace

    return replace(run, cases=(case,), errors=())


def _case_attributes(classname: str, name: str, path: str | None, line: int | None) -> dict[str, str]:
    attributes = {"classname": classname, "name": name}
    if path:
        attributes["file"] = path
    if line:
        attributes["line"] = str(line)
    return attributes


def _suite(root: ET.Element, name: str, tests: int, failures: int, errors: int) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name, tests=str(tests), failures=str(failures),
                         errors=str(errors), skipped="0")


def _totals(root: ET.Element) -> None:
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key)) for s in root.iter("testsuite"))))


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
