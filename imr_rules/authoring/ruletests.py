"""Test cases that live in rule files (``tests:``), run against the whole rule set.

Each case is a small request (an item, facts, a date) and what must come out: the item's
decision, the status of named criteria of the rule that carries the case, the certifiable
quantity. The decision is the item's decision under the whole rule set, as a user would see it.

Beside pass/fail, a run measures *criterion coverage* (as ``opa test --coverage`` does for
policies): for every criterion, which statuses some case gave it. A criterion is *covered both
ways* when some case makes it pass and some case makes it fail (not met or not documented); a
"not recommended" criterion never passes, so its passing way is not applying at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from imr_rules.documents import Document
from imr_rules.engine import evaluate
from imr_rules.errors import ImrRulesError
from imr_rules.model import Criterion, Rule, Status
from imr_rules.requests.loading import request_from_document
from imr_rules.ruleset.kinds import KINDS
from imr_rules.ruleset.loading import MANIFEST, RuleSet, default_rules_dir, load_ruleset_collecting, rule_files, ruleset_root
from imr_rules.ruleset.packs import MANIFEST as PACK_MANIFEST, pack_root

FAILING = frozenset({Status.NOT_MET.value, Status.NOT_DOCUMENTED.value})


@dataclass(frozen=True)
class CaseFailure:
    what: str  # "decision", a criterion id, or "certifiable_quantity"
    expected: Any
    actual: Any
    line: int | None = None  # the line of the expectation that failed


@dataclass(frozen=True)
class CaseResult:
    rule_id: str
    name: str
    path: str
    line: int | None
    failures: tuple[CaseFailure, ...]
    statuses: Mapping[str, str]
    error: str | None = None
    # Every (rule id, criterion id, status) the case produced, for coverage (all rules, not only its own).
    observed: tuple[tuple[str, str, str], ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


@dataclass(frozen=True)
class CriterionCoverage:
    """Which statuses the cases gave one criterion."""

    rule_id: str
    criterion_id: str
    kind: str
    path: str | None
    line: int | None
    statuses: frozenset[str]

    @property
    def passing_status(self) -> str:
        return KINDS[self.kind].passing_status.value  # met; for not_recommended, not applicable

    @property
    def passes(self) -> bool:
        return self.passing_status in self.statuses

    @property
    def fails(self) -> bool:
        return bool(self.statuses & FAILING)

    @property
    def both_ways(self) -> bool:
        return self.passes and self.fails

    @property
    def ways(self) -> int:
        """How many of the two ways (passing, failing) some case exercises: 0, 1 or 2."""
        return int(self.passes) + int(self.fails)


@dataclass(frozen=True)
class RuleTestRun:
    """The outcome of ``rules test``: problems loading the rules, each case, each criterion's coverage."""

    rules: int
    errors: tuple[str, ...]
    cases: tuple[CaseResult, ...]
    coverage: tuple[CriterionCoverage, ...]
    # The rule set the cases ran under (named in every output, with its criteria packs).
    ruleset: Any = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if not c.passed)

    @property
    def uncovered(self) -> tuple[CriterionCoverage, ...]:
        return tuple(c for c in self.coverage if not c.both_ways)

    @property
    def coverage_percent(self) -> float:
        """The share of the two ways (pass, fail) of every criterion that some case exercises."""
        if not self.coverage:
            return 100.0
        return round(100.0 * sum(c.ways for c in self.coverage) / (2 * len(self.coverage)), 1)


@dataclass(frozen=True)
class RuleScope:
    """What to load (the whole rule set the named files belong to, and the criteria packs over it)
    and which files were named."""

    load: tuple[Path, ...]
    selected: frozenset[str] | None = field(default=None)  # None: every file loaded
    packs: tuple[Path, ...] = ()

    def includes(self, path: str | None) -> bool:
        return self.selected is None or (path is not None and str(Path(path).resolve()) in self.selected)


def rule_scope(paths: Iterable[str | Path] | None, packs: Iterable[str | Path] = ()) -> RuleScope:
    """The rule set to load for the named files or folders, and the criteria packs layered over it.

    A case is decided under the whole rule set, and conditions use the manifest's shared
    definitions, so naming one rule file loads the rule set it lives in (the nearest folder above
    with a ruleset.yaml) and keeps only that file's cases and findings. A file outside any rule
    set is loaded beside the bundled manifest, so {ref: ...} still resolves.

    A pack folder, or a file inside one, is layered over the bundled rules like a pack given with
    ``packs`` and only what was named is kept. With packs and no paths, the packs' files are kept:
    ``rules test --pack DIR`` runs that pack's cases, within the layered rule set.
    """
    paths = [Path(p) for p in paths or ()]
    packs = list(packs or ())
    inside = [p for p in paths if pack_root(p) is not None]
    for root in dict.fromkeys(pack_root(p) for p in inside):
        if not any(Path(os.path.realpath(p)) == root for p in packs):
            packs.append(root)
    rest = [p for p in paths if p not in inside]
    base = _bundled_scope(rest)
    if not packs or (rest and not inside):
        return RuleScope(base.load, base.selected, tuple(Path(p) for p in packs))
    named = inside if paths else [Path(p) for p in packs]
    chosen = frozenset(str(f.resolve()) for f in rule_files(named) + [pack_root(p) / PACK_MANIFEST for p in named if pack_root(p)])
    selected = chosen | (base.selected or frozenset()) if rest else chosen
    return RuleScope(base.load, selected, tuple(Path(p) for p in packs))


def _bundled_scope(paths: list[Path]) -> RuleScope:
    if not paths:
        return RuleScope((default_rules_dir(),))
    files = rule_files(paths)
    if any(f.name == MANIFEST for f in files):
        return RuleScope(tuple(paths))
    roots = {ruleset_root(p) for p in paths}
    selected = frozenset(str(f.resolve()) for f in files)
    if len(roots) == 1 and None not in roots:
        missing = tuple(p for p in paths if not p.exists())  # loaded as named, so "file not found" is reported
        return RuleScope((next(iter(roots)),) + missing, selected)
    manifest = default_rules_dir() / MANIFEST
    extra = (manifest,) if manifest.exists() else ()
    return RuleScope(tuple(paths) + extra, selected)


def case_request_data(case: Mapping[str, Any]) -> dict[str, Any]:
    """The request a case describes: ``request:`` as given, or one item with facts and a date."""
    if "request" in case:
        return dict(case["request"])
    data: dict[str, Any] = {"request_id": case.get("name", "case"), "items": [dict(case.get("item") or {"service": "unspecified"})]}
    if case.get("date"):
        data["request_date"] = case["date"]
    if case.get("facts"):
        data["facts"] = dict(case["facts"])
    return data


def run_rule_tests(ruleset: RuleSet) -> list[CaseResult]:
    results = []
    # Only files that compiled into a rule: an invalid file is reported by validation, and its
    # 'tests' may not even be a list.
    compiled = {(rule.path, rule.id) for rule in ruleset.rules}
    for document in ruleset.documents:
        data = document.data
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or (document.path, data["id"]) not in compiled:
            continue
        for index, case in enumerate(data.get("tests") or ()):
            if isinstance(case, Mapping):
                results.append(_run_case(ruleset, document, data["id"], index, case))
    return results


def run_tests(paths: Iterable[str | Path] | None = None, packs: Iterable[str | Path] = ()) -> RuleTestRun:
    """Load the rule set the paths belong to (with the criteria packs over it), run the cases of
    the named files, measure coverage."""
    scope = rule_scope(paths, packs)
    ruleset, errors = load_ruleset_collecting(scope.load, packs=scope.packs)
    cases = tuple(c for c in run_rule_tests(ruleset) if scope.includes(c.path))
    rules = [r for r in ruleset.rules if scope.includes(r.path)]
    return RuleTestRun(len(rules), tuple(e.one_line() for e in errors), cases, criterion_coverage(rules, cases), ruleset)


def criterion_coverage(rules: Iterable[Rule], cases: Iterable[CaseResult]) -> tuple[CriterionCoverage, ...]:
    seen: dict[tuple[str, str], set[str]] = {}
    for case in cases:
        for rule_id, criterion_id, status in case.observed:
            seen.setdefault((rule_id, criterion_id), set()).add(status)
    return tuple(
        _coverage_of(rule, criterion, frozenset(seen.get((rule.id, criterion.id), ())))
        for rule in sorted(rules, key=lambda r: r.id)
        for criterion in rule.criteria
    )


def _coverage_of(rule: Rule, criterion: Criterion, statuses: frozenset[str]) -> CriterionCoverage:
    return CriterionCoverage(rule.id, criterion.id, criterion.kind, rule.path, criterion.line, statuses)


def _run_case(ruleset: RuleSet, document: Document, rule_id: str, index: int, case: Mapping[str, Any]) -> CaseResult:
    line = document.line_of(("tests", index))
    name = case.get("name", f"case {index + 1}")
    request_document = Document(f"{document.path}:{line} ({name})", case_request_data(case))
    try:
        request = request_from_document(request_document, ruleset.vocabulary)
    except ImrRulesError as exc:
        return CaseResult(rule_id, name, document.path, line, (), {}, error=exc.one_line())
    try:
        determinations = evaluate(request, ruleset).determinations
    except Exception as exc:  # an engine bug fails this case, with its name, instead of ending the run
        return CaseResult(rule_id, name, document.path, line, (), {}, error=f"internal error: {type(exc).__name__}: {exc}")
    if not determinations:
        return CaseResult(rule_id, name, document.path, line, (), {}, error="the case's request has no item")
    determination = determinations[0]
    statuses = {f.criterion_id: f.status.value for f in determination.findings if f.rule_id == rule_id}
    observed = tuple(sorted({(f.rule_id, f.criterion_id, f.status.value) for d in determinations for f in d.findings}))
    expect = case.get("expect") or {}
    at = lambda *keys: document.line_of(("tests", index, "expect") + keys)  # noqa: E731
    failures = []
    if "decision" in expect and expect["decision"] != determination.outcome.value:
        failures.append(CaseFailure("decision", expect["decision"], determination.outcome.value, at("decision")))
    for criterion_id, status in sorted((expect.get("criteria") or {}).items()):
        actual = statuses.get(criterion_id, "absent")
        if actual != status:
            failures.append(CaseFailure(criterion_id, status, actual, at("criteria", criterion_id)))
    if "certifiable_quantity" in expect and expect["certifiable_quantity"] != determination.certifiable_quantity:
        failures.append(CaseFailure("certifiable_quantity", expect["certifiable_quantity"], determination.certifiable_quantity,
                                    at("certifiable_quantity")))
    return CaseResult(rule_id, name, document.path, line, tuple(failures), statuses, observed=observed)


def failure_lines(run: RuleTestRun, show_path: Callable[[str], str] = str) -> list[str]:
    """One line per failed expectation: ``path:line: rule-id: case 'name': what expected X, got Y``."""
    lines = []
    for case in run.failed:
        path = show_path(case.path)
        if case.error:
            lines.append(f"{path}:{case.line}: {case.rule_id}: case '{case.name}': cannot run: {case.error}")
        for failure in case.failures:
            what = "decision" if failure.what in ("decision", "certifiable_quantity") else f"criterion {failure.what}"
            if failure.what == "certifiable_quantity":
                what = "certifiable quantity"
            lines.append(
                f"{path}:{failure.line or case.line}: {case.rule_id}: case '{case.name}': "
                f"{what} expected {failure.expected}, got {failure.actual}"
            )
    return lines


def run_to_dict(run: RuleTestRun) -> dict[str, Any]:
    """The JSON shape of a run (stable keys, for CI and editors)."""
    from imr_rules.render.data import ruleset_identity

    return {
        "ruleset": ruleset_identity(run.ruleset) if run.ruleset is not None else None,
        "rules": run.rules,
        "cases": len(run.cases),
        "passed": len(run.cases) - len(run.failed),
        "failed": len(run.failed),
        "errors": list(run.errors),
        "failures": [
            {"path": c.path, "line": c.line, "rule_id": c.rule_id, "case": c.name, "error": c.error,
             "expectations": [{"what": f.what, "line": f.line, "expected": f.expected, "actual": f.actual} for f in c.failures]}
            for c in run.failed
        ],
        "coverage": {
            "percent": run.coverage_percent,
            "criteria": len(run.coverage),
            "both_ways": len(run.coverage) - len(run.uncovered),
            "uncovered": [
                {"rule_id": c.rule_id, "criterion": c.criterion_id, "path": c.path, "line": c.line,
                 "statuses": sorted(c.statuses), "missing": missing_ways(c)}
                for c in run.uncovered
            ],
        },
    }


def missing_ways(coverage: CriterionCoverage) -> list[str]:
    """What no case shows yet: the passing status, a failing one, or both."""
    missing = []
    if not coverage.passes:
        missing.append(coverage.passing_status)
    if not coverage.fails:
        missing.append("not_met|not_documented")
    return missing
