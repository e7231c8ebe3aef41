"""Derived facts: what the engine computes from a request's structure for each item.

Each deriver is a small function ``(request, item) -> {fact name: value}`` registered in
``DERIVERS``; every name it returns is declared in the fact vocabulary with ``scope: derived``.
A value that cannot be computed is left out, so it reads as *not documented*.
"""

from __future__ import annotations

from typing import Any, Callable

from imr_rules.model import Item, Request, replaced
from imr_rules.requests import derive_clinical, derive_core, derive_diagnoses, derive_drugs

Deriver = Callable[[Request, Item], dict[str, Any]]

# Every deriver, in the order their values are merged: listed here rather than discovered, so
# reading this line tells where each derived fact comes from. A new area adds its module here.
DERIVERS: tuple[Deriver, ...] = (
    *derive_core.DERIVERS,
    *derive_clinical.DERIVERS,
    *derive_diagnoses.DERIVERS,
    *derive_drugs.DERIVERS,
)


def item_facts(request: Request, item: Item) -> tuple[dict[str, Any], dict[str, str]]:
    """All fact values one item's criteria can read, and the evidence quote of each documented fact.

    Derived values first, then the request's facts, then the item's own (an item fact overrides).
    A loaded request carries them already (see :func:`with_item_facts`).
    """
    if item.values is not None:
        return item.values, item.evidence or {}
    return compute_item_facts(request, item)


def with_item_facts(request: Request) -> Request:
    """The request with every item's facts computed once, so evaluating never recomputes them."""
    items = tuple(replaced(item, values=values, evidence=evidence)
                  for item in request.items for values, evidence in [compute_item_facts(request, item)])
    return replaced(request, items=items)


def compute_item_facts(request: Request, item: Item) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    for function in DERIVERS:
        values.update(function(request, item))
    evidence: dict[str, str] = {}
    for facts in (request.facts, item.facts):
        for name, fact in facts.items():
            values[name] = fact.value
            if fact.evidence:
                evidence[name] = fact.evidence
            else:
                evidence.pop(name, None)
    return values, evidence
