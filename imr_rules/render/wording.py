"""Wording shared by the text formats (terminal, Markdown), built from the JSON-ready report."""

from __future__ import annotations

from typing import Any

DECISION_LABEL = {
    "medically_necessary": "Medically necessary",
    "not_medically_necessary": "Not medically necessary",
    "no_applicable_rule": "No applicable rule",
}
REASON_LABEL = {
    "criteria_not_encoded": "criteria not encoded",
    "outside_mtus": "outside the MTUS",
    "unrecognised_item": "unrecognised item",
}


NOT_WEIGHED = "not weighed"


def not_weighed_note(criterion: dict[str, Any]) -> str:
    """For a finding a documented failure outweighs: 'the request fails on PM-10 whatever the
    records show about this'; for one moot within its rule: 'with IM-L1 not met, this cannot
    change the outcome: the rule can be met only through IM-L3' (empty for a weighed finding)."""
    if criterion.get("weighed", True):
        return ""
    from imr_rules.rationale import decided_by_ids, ways_to_meet

    if criterion.get("only_through"):
        return (f"with {decided_by_ids(criterion['decided_by'])} not met, this cannot change the outcome: "
                f"{ways_to_meet(criterion['only_through'], 'the rule')}")
    return f"the request fails on {decided_by_ids(criterion['decided_by'])} whatever the records show about this"


def guideline_lines(item: dict[str, Any]) -> list[str]:
    """'Guideline in force: ...' for every item; for one no rule decides, the reason and what to apply."""
    guideline = item.get("guideline_in_force")
    lines = []
    if guideline is not None:
        verify = " (to verify)" if guideline["verify"] else ""
        lines.append(f"Guideline in force (8 CCR 9792.21.1): {guideline['text']}{verify}")
    else:
        lines.append("Guideline in force: none (the request date is before the MTUS)")
    formulary = item.get("formulary")
    if formulary is not None and formulary["status"] != "not_in_force":
        lines.append(formulary_line(formulary))
    for definition in item.get("definitions_in_force") or ():
        verify = " (to verify)" if definition["verify"] else ""
        until = f" to {definition['effective_to']}" if definition["effective_to"] else ""
        lines.append(f"Definition in force: {definition['term']}, {definition['section']} (from "
                     f"{definition['effective_from']}{until}) [{definition['source'].split()[0]}]{verify}")
    reason = item.get("reason")
    if reason:
        from imr_rules.reference.guidelines import reason_text

        lines.append(f"No rule decides this item ({REASON_LABEL.get(reason, reason)}): {reason_text(reason)}.")
    return lines


FORMULARY_LABEL = {
    "exempt": "Exempt",
    "non_exempt": "Non-Exempt",
    "unlisted": "unlisted",
    "compounded": "compounded",
    "unknown": "unknown (no source establishes it; load the official Drug List)",
}


def formulary_line(formulary: dict[str, Any]) -> str:
    """'MTUS Drug Formulary (Drug List v13): Non-Exempt, Special Fill 4 days; ...'."""
    parts = [FORMULARY_LABEL.get(formulary["status"], formulary["status"])]
    if formulary.get("special_fill_days"):
        parts.append(f"Special Fill {formulary['special_fill_days']} days")
    if formulary.get("perioperative_fill_days"):
        parts.append(f"Perioperative Fill {formulary['perioperative_fill_days']} days")
    if formulary.get("recalled_status"):
        parts.append(f"recalled as {formulary['recalled_status']}, unverified")
    review = formulary.get("prospective_review_required")
    if review is not None:
        parts.append("prospective review required" if review else "no prospective review required")
    listed = f"Drug List {formulary['drug_list']}" if formulary.get("drug_list") else "8 CCR 9792.27.9"
    return f"MTUS Drug Formulary ({listed}): " + "; ".join(parts) + f" [{(formulary.get('source') or '').split()[0]}]"


def pack_lines(ruleset: dict[str, Any], short: bool = False) -> list[str]:
    """One line per criteria pack a rule set was built with (JSON ``ruleset.packs``): name,
    version, hash (``short``: its start, as the terminal shows the rule set's) and licence note,
    so a reader of any report sees whose criteria decided."""
    return [f"Criteria pack {p['name']} {p['version']} ({p['hash'][:19] + '…' if short else p['hash']}): {p['licence']}"
            for p in ruleset.get("packs") or ()]


def ruleset_line(ruleset: dict[str, Any]) -> str:
    """'NAME VERSION (sha256:…)', plus '+ N criteria pack(s)' when packs are layered over it."""
    packs = ruleset.get("packs") or ()
    extra = f" + {len(packs)} criteria pack{'s' if len(packs) != 1 else ''}" if packs else ""
    return f"{ruleset['name']} {ruleset['version']}{extra} ({ruleset['hash']})"
