"""Derived fact ``diagnosis.groups``: the guideline diagnosis groups of the request's diagnoses."""

from __future__ import annotations

from typing import Any

from imr_rules.reference.diagnoses import request_groups
from imr_rules.model import Item, Request


def diagnosis_groups(request: Request, item: Item) -> dict[str, Any]:
    # Always a list (possibly empty) when the request names diagnoses: "no group matched" is a
    # documented answer; without any diagnosis the groups are not documented.
    if not request.diagnoses:
        return {}
    return {"diagnosis.groups": request_groups(request.diagnoses)}


DERIVERS = (diagnosis_groups,)
