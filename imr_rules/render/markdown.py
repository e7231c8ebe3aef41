"""Markdown: the same report for a ticket, a wiki page or an e-mail."""

from __future__ import annotations

from typing import Any

STATUS_LABEL = {
    "met": "met",
    "not_met": "**not met**",
    "not_documented": "**not documented**",
    "not_applicable": "not applicable",
}
DECISION_LABEL = {
    "medically_necessary": "Medically necessary",
    "not_medically_necessary": "Not medically necessary",
    "no_applicable_rule": "No applicable rule",
}


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    ruleset = report["ruleset"]
    request = report["request"]
    lines = [
        f"# imr-rules check: request {request['id']}",
        "",
        f"- Source: `{request['source']}`",
        f"- Request date: {request['request_date'] or 'not given'}",
        f"- Rule set: {ruleset['name']} {ruleset['version']} (`{ruleset['hash']}`)",
        "- This is a pre-check against guideline criteria, not a utilization review determination.",
    ]
    lines += [f"- Note: {note}" for note in report["notes"]]
    for item in report["items"]:
        lines += ["", f"## Item {item['id']}: {item['service']}", "", f"**Decision: {DECISION_LABEL[item['decision']]}**", ""]
        if item["certifiable_quantity"]:
            lines += [f"Certifiable portion: {item['certifiable_quantity']} of {item['quantity']}.", ""]
        if item["rules"]:
            lines += ["| Criterion | Status | Finding | Guideline |", "|---|---|---|---|"]
            citations = {r["id"]: r["citation"]["text"] for r in item["rules"]}
            for criterion in item["criteria"]:
                cited = criterion["citation"]["text"] if criterion["citation"] else citations[criterion["rule_id"]]
                lines.append(
                    f"| {_cell(criterion['id'])}: {_cell(criterion['requirement'])} | {STATUS_LABEL[criterion['status']]} "
                    f"| {_cell(criterion['statement'])} | {_cell(cited)} |"
                )
            lines.append("")
        if item["to_meet_guideline"]:
            lines += ["To meet the guideline:", ""] + [f"- {r}" for r in item["to_meet_guideline"]] + [""]
        lines += ["**Rationale.** " + item["rationale"]]
        lines += [f"\n_Note: {note}_" for note in item["notes"]]
    return "\n".join(lines) + "\n"
