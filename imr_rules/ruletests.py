"""Test cases that live in rule files (``tests:``), run against the whole rule set.

Each case is a small request (an item, facts, a date) and what must come out: the item's
decision, the status of named criteria of the rule that carries the case, the certifiable
quantity. The decision is the item's decision under the whole rule set, as a user would see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .documents import Document
from .engine import evaluate
from .errors import ImrRulesError
from .request import request_from_document
from .rules import RuleSet


@dataclass(frozen=True)
class CaseFailure:
    what: str  # "decision", a criterion id, or "certifiable_quantity"
    expected: Any
    actual: Any


@dataclass(frozen=True)
class CaseResult:
    rule_id: str
    name: str
    path: str
    line: int | None
    failures: tuple[CaseFailure, ...]
    statuses: Mapping[str, str]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


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
    for document in ruleset.documents:
        data = document.data
        if not isinstance(data, dict) or "id" not in data:
            continue
        for index, case in enumerate(data.get("tests") or ()):
            results.append(_run_case(ruleset, document, data["id"], index, case))
    return results


def _run_case(ruleset: RuleSet, document: Document, rule_id: str, index: int, case: Mapping[str, Any]) -> CaseResult:
    line = document.line_of(("tests", index))
    name = case.get("name", f"case {index + 1}")
    request_document = Document(f"{document.path}:{line} ({name})", case_request_data(case))
    try:
        request = request_from_document(request_document, ruleset.vocabulary)
    except ImrRulesError as exc:
        return CaseResult(rule_id, name, document.path, line, (), {}, error=exc.one_line())
    determination = evaluate(request, ruleset).determinations[0]
    statuses = {f.criterion_id: f.status.value for f in determination.findings if f.rule_id == rule_id}
    expect = case.get("expect") or {}
    failures = []
    if "decision" in expect and expect["decision"] != determination.outcome.value:
        failures.append(CaseFailure("decision", expect["decision"], determination.outcome.value))
    for criterion_id, status in sorted((expect.get("criteria") or {}).items()):
        actual = statuses.get(criterion_id, "absent")
        if actual != status:
            failures.append(CaseFailure(criterion_id, status, actual))
    if "certifiable_quantity" in expect and expect["certifiable_quantity"] != determination.certifiable_quantity:
        failures.append(CaseFailure("certifiable_quantity", expect["certifiable_quantity"], determination.certifiable_quantity))
    return CaseResult(rule_id, name, document.path, line, tuple(failures), statuses)
