"""The engine: a pure function from (request, rule set) to a :class:`Report`.

For each item: pick the rules that apply (category, codes or keywords; the edition in force on
the request date; MTUS first, ODG where MTUS is silent or where a rule supplements it), evaluate
every criterion with three-valued logic, and combine. There is no global state: the same request
and rule set always give the same report, so the function maps onto pandas, Dask or Spark as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from .derived import item_facts
from .diagnoses import diagnosis_notes
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
    notes += diagnosis_notes(request)
    return Report(request, determinations, ruleset.version, ruleset.hash, notes)


@dataclass(frozen=True)
class Decision:
    """The decision for one item without its wording: the fast path for batch analysis.

    ``statuses`` holds, rule by rule, each criterion's status and certifiable quantity.
    """

    outcome: Outcome
    rules: tuple[Rule, ...]
    statuses: tuple[tuple[Status, ...], ...]
    certifiable: tuple[tuple[int | None, ...], ...]
    certifiable_quantity: int | None


def decide(request: Request, item: Item, ruleset: RuleSet) -> Decision:
    """Select the rules for an item and evaluate every criterion; no text is produced."""
    facts = item_facts(request, item)[0]
    rules = applicable_rules(item, facts, ruleset, request)
    all_statuses, all_certifiable, outcomes = [], [], []
    for rule in rules:
        statuses, certifiable = _criterion_statuses(rule, facts)
        all_statuses.append(statuses)
        all_certifiable.append(certifiable)
        outcomes.append(_rule_outcome(rule, statuses))
    if not rules:
        outcome = Outcome.NO_APPLICABLE_RULE
    elif all(o is Outcome.MEDICALLY_NECESSARY for o in outcomes):
        outcome = Outcome.MEDICALLY_NECESSARY
    else:
        outcome = Outcome.NOT_MEDICALLY_NECESSARY
    quantity = None
    if outcome is Outcome.NOT_MEDICALLY_NECESSARY:
        quantity = _certifiable_quantity(all_statuses, all_certifiable)
    return Decision(outcome, rules, tuple(all_statuses), tuple(all_certifiable), quantity)


def evaluate_item(request: Request, item: Item, ruleset: RuleSet) -> Determination:
    """The decision for one item with its findings, remedies and rationale."""
    decision = decide(request, item, ruleset)
    facts, evidence = item_facts(request, item)
    results = tuple(
        _rule_result(rule, statuses, certifiable, item, facts, evidence, request)
        for rule, statuses, certifiable in zip(decision.rules, decision.statuses, decision.certifiable)
    )
    unit = decision.rules[0].unit if decision.rules else "units"
    remedies = tuple(dict.fromkeys(f.remedy for r in results for f in r.findings if f.remedy))
    return Determination(
        item=item,
        outcome=decision.outcome,
        rule_results=results,
        certifiable_quantity=decision.certifiable_quantity,
        remedies=remedies,
        rationale=rationale(item, results, decision.outcome, decision.certifiable_quantity, unit),
        notes=_notes(item, decision.rules),
    )


def applicable_rules(item: Item, facts: Mapping[str, Any], ruleset: RuleSet, request: Request) -> tuple[Rule, ...]:
    """The rules that decide this item: primary (MTUS) and supplements, else fallbacks (ODG)."""
    # Selection depends only on these; remembering it per rule set keeps evaluation to the criteria.
    key = (item.category, item.codes, item.service if item.category is None else None, request.request_date)
    selection = ruleset.memo.get(key)
    if selection is None:
        selection = ruleset.memo[key] = _candidate_rules(item, ruleset, request.request_date)
    candidates, chosen = selection
    if chosen is not None:
        return chosen
    return _by_role([rule for rule in candidates if rule.when is None or rule.when(facts) is not False])


def _candidate_rules(item: Item, ruleset: RuleSet, day) -> tuple[tuple[Rule, ...], tuple[Rule, ...] | None]:
    """The rules selected by category/code/keyword and date; and, if none has a ``when``, the choice."""
    candidates = tuple(rule for rule in ruleset.rules if _selects(rule, item) and rule.edition_on(day) is not None)
    if any(rule.when is not None for rule in candidates):
        return candidates, None
    return candidates, _by_role(list(candidates))


_ROLE_ORDER = {Role.PRIMARY: 0, Role.FALLBACK: 1, Role.SUPPLEMENT: 2}


def _by_role(matched: list[Rule]) -> tuple[Rule, ...]:
    primaries = [r for r in matched if r.role is Role.PRIMARY]
    chosen = primaries if primaries else [r for r in matched if r.role is Role.FALLBACK]
    # A supplement only adds to a rule that decides; alone it would decide on a fraction of the
    # guideline's criteria, and an item must never look necessary for want of rules.
    if chosen:
        chosen += [r for r in matched if r.role is Role.SUPPLEMENT]
    return tuple(sorted(chosen, key=lambda r: (_ROLE_ORDER[r.role], r.id)))


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


_NOT_APPLICABLE = (Status.NOT_APPLICABLE, None)


def _criterion_statuses(rule: Rule, facts: Mapping[str, Any]) -> tuple[tuple[Status, ...], tuple[int | None, ...]]:
    statuses, certifiable = [], []
    for criterion in rule.criteria:
        if criterion.applies_when is not None and criterion.applies_when(facts) is not True:
            status, quantity = _NOT_APPLICABLE
        else:
            status, quantity = criterion.evaluate(facts)
        statuses.append(status)
        certifiable.append(quantity)
    return tuple(statuses), tuple(certifiable)


def _rule_outcome(rule: Rule, statuses: tuple[Status, ...]) -> Outcome:
    if rule.all_required:
        passed = all(s is Status.MET or s is Status.NOT_APPLICABLE for s in statuses)
    else:
        passed = rule.logic(dict(zip(rule.criterion_ids, statuses))) in (True, "skip")
    return Outcome.MEDICALLY_NECESSARY if passed else Outcome.NOT_MEDICALLY_NECESSARY


def _rule_result(rule: Rule, statuses, certifiable, item: Item, facts: Mapping[str, Any], evidence: Mapping[str, str], request: Request) -> RuleResult:
    findings = []
    for criterion, status, quantity in zip(rule.criteria, statuses, certifiable):
        values = template_values(criterion, facts, item, rule.unit, quantity)
        findings.append(
            Finding(
                rule_id=rule.id,
                criterion_id=criterion.id,
                requirement=criterion.requirement,
                status=status,
                statement=statement(criterion, status, values),
                values=tuple((name, facts[name]) for name in criterion.facts_used if name in facts),
                evidence=tuple((name, evidence[name]) for name in criterion.facts_used if name in evidence),
                remedy=remedy(criterion, status, quantity, values),
                certifiable_quantity=quantity,
                citation=criterion.citation,
            )
        )
    edition = rule.edition_on(request.request_date)
    return RuleResult(rule.id, rule.title, rule.role, edition.citation, rule.summary, tuple(findings), _rule_outcome(rule, statuses))


def _certifiable_quantity(statuses, certifiable) -> int | None:
    """Where only quantity limits fail, the largest quantity that meets them all (else None)."""
    failing = [
        quantity
        for rule_statuses, rule_quantities in zip(statuses, certifiable)
        for status, quantity in zip(rule_statuses, rule_quantities)
        if status is Status.NOT_MET or status is Status.NOT_DOCUMENTED
    ]
    if not failing or any(q is None for q in failing):
        return None
    quantity = min(failing)
    return quantity if quantity > 0 else None


def _notes(item: Item, rules: tuple[Rule, ...]) -> tuple[str, ...]:
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
