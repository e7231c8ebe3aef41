"""Wording shared by the text formats (terminal, Markdown), built from the JSON-ready report."""

from __future__ import annotations

from typing import Any

REASON_LABEL = {
    "criteria_not_encoded": "criteria not encoded",
    "outside_mtus": "outside the MTUS",
    "unrecognised_item": "unrecognised item",
}


def guideline_lines(item: dict[str, Any]) -> list[str]:
    """'Guideline in force: ...' for every item; for one no rule decides, the reason and what to apply."""
    guideline = item.get("guideline_in_force")
    lines = []
    if guideline is not None:
        verify = " (to verify)" if guideline["verify"] else ""
        lines.append(f"Guideline in force (8 CCR 9792.21.1): {guideline['text']}{verify}")
    else:
        lines.append("Guideline in force: none (the request date is before the MTUS)")
    reason = item.get("reason")
    if reason:
        from imr_rules.reference.guidelines import reason_text

        lines.append(f"No rule decides this item ({REASON_LABEL.get(reason, reason)}): {reason_text(reason)}.")
    return lines
