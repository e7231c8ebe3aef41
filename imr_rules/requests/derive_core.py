"""Derived facts every item has: the item's own fields, the patient and dates, the diagnoses.

Like the other ``derive_<area>`` modules, it lists its derivers in ``DERIVERS``; ``derived.py``
joins the lists.
"""

from __future__ import annotations

from typing import Any

from imr_rules.model import Item, Request


def documented(request: Request, item: Item, name: str) -> Any:
    """A documented fact's value, the item's own first (as item_facts gives it), else None. Asked
    with ``in`` and ``[]``: a mapping proxy's ``get`` looks the method up at every call."""
    facts = item.facts
    if name in facts:
        return facts[name].value
    facts = request.facts
    return facts[name].value if name in facts else None


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
    prior = documented(request, item, "prior_sessions") if item.quantity is not None else None
    if prior is not None:
        # Visits of the same original request already authorized belong to the course too.
        authorized = documented(request, item, "authorized_visits")
        values["item.total_with_prior"] = item.quantity + prior + (authorized if authorized is not None else 0)
    return values


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


def diagnoses(request: Request, item: Item) -> dict[str, Any]:
    codes = tuple(d.code for d in request.diagnoses if d.code)
    texts = [d.text for d in request.diagnoses if d.text]
    values: dict[str, Any] = {}
    if codes:
        values["diagnosis.codes"] = codes
    if texts:
        values["diagnosis.text"] = "; ".join(texts)
    return values


DERIVERS = (item_fields, patient_and_dates, diagnoses,)
