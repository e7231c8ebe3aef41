"""The engine: a pure function from (request, rule set) to a :class:`Report`.

For each item: pick the rules that apply (category, codes or keywords; the edition in force on
the request date; MTUS first, ODG where MTUS is silent or where a rule supplements it), evaluate
every criterion with three-valued logic, and combine. There is no global state: the same request
and rule set always give the same report, so the function maps onto pandas, Dask or Spark as is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

from .derived import item_facts
from .model import (
    Determination,
    Finding,
    Item,
    Outcome,
    Report,
    Request,
    Role,
    Rule,
    RuleResult,
    Status,
)
from .rationale import rationale, remedy, statement, template_values
from .rules import RuleSet


def evaluate(request: Request, ruleset: RuleSet) -> Report:
    """Decide every item of a request; the one entry point of the library."""
    determinations = tuple(evaluate_item(request, item, ruleset) for item in request.items)
    notes = ()
    if request.request_date is None:
        notes = ("The request gives no request_date: the latest edition of each guideline was applied.",)
    return Report(request, determinations, ruleset.version, ruleset.hash, notes)


def evaluate_item(request: Request, item: Item, ruleset: RuleSet) -> Determination:
    facts, evidence = item_facts(request, item)
    rules = applicable_rules(item, facts, ruleset, request)
    results = tuple(_evaluate_rule(rule, item, facts, evidence, request) for rule in rules)
    unit = rules[0].unit if rules else "units"
    if not results:
        outcome = Outcome.NO_APPLICABLE_RULE
    elif all(r.outcome is Outcome.MEDICALLY_NECESSARY for r in results):
        outcome = Outcome.MEDICALLY_NECESSARY
    else:
        outcome = Outcome.NOT_MEDICALLY_NECESSARY
    certifiable = _certifiable_quantity(results) if outcome is Outcome.NOT_MEDICALLY_NECESSARY else None
    remedies = tuple(dict.fromkeys(f.remedy for r in results for f in r.findings if f.remedy))
    return Determination(
        item=item,
        outcome=outcome,
        rule_results=results,
        certifiable_quantity=certifiable,
        remedies=remedies,
        rationale=rationale(item, results, outcome, certifiable, unit),
        notes=_notes(item, rules, ruleset, request),
    )


def applicable_rules(item: Item, facts: Mapping[str, Any], ruleset: RuleSet, request: Request) -> tuple[Rule, ...]:
    """The rules that decide this item: primary (MTUS) and supplements, else fallbacks (ODG)."""
    day = request.request_date
    matched = [
        rule for rule in ruleset.rules
        if _selects(rule, item) and rule.edition_on(day) is not None and (rule.when is None or rule.when(facts) is not False)
    ]
    primaries = [r for r in matched if r.role is Role.PRIMARY]
    chosen = primaries if primaries else [r for r in matched if r.role is Role.FALLBACK]
    # A supplement only adds to a rule that decides; alone it would decide on a fraction of the
    # guideline's criteria, and an item must never look necessary for want of rules.
    if chosen:
        chosen += [r for r in matched if r.role is Role.SUPPLEMENT]
    order = {Role.PRIMARY: 0, Role.FALLBACK: 1, Role.SUPPLEMENT: 2}
    return tuple(sorted(chosen, key=lambda r: (order[r.role], r.id)))


def _selects(rule: Rule, item: Item) -> bool:
    """Category or code decides when the item has them; keywords of the service text otherwise."""
    if item.category is not None and item.category in rule.categories:
        return True
    if item.codes and set(item.codes) & set(rule.codes):
        return True
    if item.category is None and rule.keywords:
        return _keyword_pattern(rule.keywords).search(item.service) is not None
    return False


@lru_cache(maxsize=1024)
def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.I)


def _evaluate_rule(rule: Rule, item: Item, facts: Mapping[str, Any], evidence: Mapping[str, str], request: Request) -> RuleResult:
    edition = rule.edition_on(request.request_date)
    findings = []
    statuses: dict[str, Status] = {}
    for criterion in rule.criteria:
        if criterion.applies_when is not None and criterion.applies_when(facts) is not True:
            status, certifiable = Status.NOT_APPLICABLE, None
        else:
            status, certifiable = criterion.evaluate(facts)
        statuses[criterion.id] = status
        values = template_values(criterion, facts, item, rule.unit, certifiable)
        findings.append(
            Finding(
                rule_id=rule.id,
                criterion_id=criterion.id,
                requirement=criterion.requirement,
                status=status,
                statement=statement(criterion, status, values),
                values=tuple((name, facts[name]) for name in criterion.facts_used if name in facts),
                evidence=tuple((name, evidence[name]) for name in criterion.facts_used if name in evidence),
                remedy=remedy(criterion, status, certifiable, values),
                certifiable_quantity=certifiable,
                citation=criterion.citation,
            )
        )
    verdict = rule.logic(statuses)
    outcome = Outcome.MEDICALLY_NECESSARY if verdict in (True, "skip") else Outcome.NOT_MEDICALLY_NECESSARY
    return RuleResult(rule.id, rule.title, rule.role, edition.citation, rule.summary, tuple(findings), outcome)


def _certifiable_quantity(results: tuple[RuleResult, ...]) -> int | None:
    """Where only quantity limits fail, the largest quantity that meets them all (else None)."""
    failing = [f for r in results for f in r.findings if f.status in (Status.NOT_MET, Status.NOT_DOCUMENTED)]
    if not failing or any(f.certifiable_quantity is None for f in failing):
        return None
    quantity = min(f.certifiable_quantity for f in failing)
    return quantity if quantity > 0 else None


def _notes(item: Item, rules: tuple[Rule, ...], ruleset: RuleSet, request: Request) -> tuple[str, ...]:
    notes = []
    if item.quantity is None and rules:
        notes.append("The request does not state a quantity (or frequency and duration).")
    unconfirmed = sorted({r.id for r in rules if r.confidence == "REC"})
    if unconfirmed:
        notes.append(
            "Some criteria come from recalled guideline text, to be confirmed against a primary copy: "
            + ", ".join(unconfirmed) + "."
        )
    return tuple(notes)
