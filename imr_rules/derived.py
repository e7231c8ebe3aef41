"""Derived facts: what the engine computes from a request's structure for each item.

Each deriver is a small function ``(request, item) -> {fact name: value}`` registered in
``DERIVERS``; every name it returns is declared in the fact vocabulary with ``scope: derived``.
A value that cannot be computed is left out, so it reads as *not documented*.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import replace
from typing import Any, Callable

from .model import Item, Request

Deriver = Callable[[Request, Item], dict[str, Any]]
DERIVERS: list[Deriver] = []


def deriver(function: Deriver) -> Deriver:
    DERIVERS.append(function)
    return function


@deriver
def item_fields(request: Request, item: Item) -> dict[str, Any]:
    values: dict[str, Any] = {"item.service": item.service, "item.codes": item.codes}
    for name, value in (
        ("item.category", item.category),
        ("item.body_region", item.body_region),
        ("item.laterality", item.laterality),
        ("item.quantity", item.quantity),
        ("item.frequency_per_week", item.frequency_per_week),
        ("item.duration_weeks", item.duration_weeks),
    ):
        if value is not None:
            values[name] = value
    prior = item.facts.get("prior_sessions") or request.facts.get("prior_sessions")
    if item.quantity is not None and prior is not None:
        values["item.total_with_prior"] = item.quantity + prior.value
    return values


@deriver
def patient_and_dates(request: Request, item: Item) -> dict[str, Any]:
    values: dict[str, Any] = {}
    patient = request.patient
    if patient.age is not None:
        values["patient.age"] = patient.age
    if patient.sex is not None:
        values["patient.sex"] = patient.sex
    if request.request_date is not None:
        values["request.date"] = request.request_date
    if patient.date_of_injury is not None:
        values["injury.date"] = patient.date_of_injury
        if request.request_date is not None:
            values["injury.weeks_since"] = round((request.request_date - patient.date_of_injury).days / 7, 1)
    return values


@deriver
def diagnoses(request: Request, item: Item) -> dict[str, Any]:
    codes = tuple(d.code for d in request.diagnoses if d.code)
    texts = [d.text for d in request.diagnoses if d.text]
    values: dict[str, Any] = {}
    if codes:
        values["diagnosis.codes"] = codes
    if texts:
        values["diagnosis.text"] = "; ".join(texts)
    return values


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
    items = tuple(replace(item, values=values, evidence=evidence)
                  for item in request.items for values, evidence in [compute_item_facts(request, item)])
    return replace(request, items=items)


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


def _load_area_derivers() -> None:
    """Import every ``imr_rules/derive_<area>.py`` so its @deriver functions register.

    Each area of the rule library (drugs, diagnoses, ...) keeps its derivations in a module of its
    own; discovering them here means adding an area never edits this file.
    """
    for name in _area_module_names():
        importlib.import_module(f"{__package__}.{name}")


def _area_module_names() -> list[str]:
    """The derive_<area> modules, sorted: a listing of the package's folder.

    (pkgutil.iter_modules finds them in any kind of package, zip files too, but importing and
    running it costs a millisecond per start; it remains the fallback where there is no folder.)
    """
    package = sys.modules[__package__]
    try:
        files = [name for folder in package.__path__ for name in os.listdir(folder)]
    except OSError:
        import pkgutil

        return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("derive_"))
    return sorted({name[:-3] for name in files if name.startswith("derive_") and name.endswith(".py")})


_load_area_derivers()
