"""Markdown: a check report, or a comparison with real decisions, for a ticket, a wiki page or an e-mail."""

from __future__ import annotations

from typing import Any

from imr_rules.render.wording import DECISION_LABEL, NOT_WEIGHED, guideline_lines, not_weighed_note, pack_lines, ruleset_line

STATUS_LABEL = {
    "met": "met",
    "not_met": "**not met**",
    "not_documented": "**not documented**",
    "not_applicable": "not applicable",
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
        *(f"- {line}" for line in pack_lines(ruleset)),
        "- This is a pre-check against guideline criteria, not a utilization review determination.",
    ]
    lines += [f"- Note: {note}" for note in report["notes"]]
    for item in report["items"]:
        lines += ["", f"## Item {item['id']}: {item['service']}", "", f"**Decision: {DECISION_LABEL[item['decision']]}**", ""]
        lines += [f"- {line}" for line in guideline_lines(item)] + [""]
        if item["certifiable_quantity"]:
            lines += [f"Certifiable portion: {item['certifiable_quantity']} of {item['quantity']}.", ""]
        if item["rules"]:
            lines += ["| Criterion | Status | Finding | Guideline |", "|---|---|---|---|"]
            citations = {r["id"]: r["citation"]["text"] for r in item["rules"]}
            for criterion in item["criteria"]:
                cited = criterion["citation"]["text"] if criterion["citation"] else citations[criterion["rule_id"]]
                status = STATUS_LABEL[criterion["status"]] + (" (if it applies)" if criterion["conditional"] else "")
                status += "" if criterion.get("decisive", True) else " (advisory, not deciding)"
                finding = criterion["statement"]
                outweighed = not_weighed_note(criterion)
                if outweighed:
                    status += f" - {NOT_WEIGHED}"
                    finding += f" (Not weighed: {outweighed}.)"
                lines.append(
                    f"| {_cell(criterion['id'])}: {_cell(criterion['requirement'])} | {status} "
                    f"| {_cell(finding)} | {_cell(cited)} |"
                )
            lines.append("")
        if item["to_meet_guideline"]:
            lines += ["To meet the guideline:", ""] + [f"- {r}" for r in item["to_meet_guideline"]] + [""]
        lines += ["**Rationale.** " + item["rationale"]]
        lines += [f"\n_Note: {note}_" for note in item["notes"]]
    return "\n".join(lines) + "\n"


def render_comparison_markdown(comparison) -> str:
    """The comparison with real IMR decisions: headline, confusion matrix, figures, disagreements."""
    from imr_rules.render.figures import FIGURE_HEADERS, figures_row, percent

    from imr_rules.render.fidelity import fidelity_lines

    from imr_rules.render.data import comparison_ruleset

    m = comparison.metrics
    ruleset = comparison_ruleset(comparison)
    overturned = sum(1 for i in comparison.independent if i.actual == "overturned")
    lines = [
        "# Comparison with real IMR decisions",
        "",
        f"Rule set {ruleset_line(ruleset)}. {len(comparison.items)} items, {len(comparison.dependent)} of them "
        f"decided with a disputed surgery (apart); {len(comparison.independent)} independent ({overturned} overturned): "
        f"{comparison.covered} covered by a rule, {comparison.not_covered} not covered "
        f"(coverage {percent(comparison.coverage)}).",
        *(f"{line}." for line in pack_lines(ruleset)),
        "",
        "## Confusion matrix (covered items)",
        "",
        "| IMR outcome | ours: medically necessary | ours: not medically necessary |",
        "|---|---:|---:|",
        f"| overturned | {m.true_overturned} | {m.missed_overturned} |",
        f"| upheld | {m.false_overturned} | {m.true_upheld} |",
        "",
        "## Agreement",
        "",
        "| category | items | overturned | " + " | ".join(FIGURE_HEADERS) + " |",
        "|---|" + "---:|" * (2 + len(FIGURE_HEADERS)),
    ]
    for c in comparison.by_category:
        lines.append(f"| {c.category} | {c.items} | {c.actual_overturned} | " + " | ".join(figures_row(c.metrics)) + " |")
    lines.append(f"| **all** | {len(comparison.independent)} | {overturned} | " + " | ".join(figures_row(m)) + " |")
    lines += ["", *fidelity_lines(comparison)]
    lines += ["", f"## Disagreements ({len(comparison.disagreements)})", ""]
    for item in comparison.disagreements:
        lines.append(
            f"- **{item.case_number} #{item.item_index}** {_cell(item.description)} [{item.category}]: "
            f"IMR {item.actual}, ours {item.ours.replace('_', ' ')} ({', '.join(item.rule_ids)}). "
            f"Reviewer cited: {_cell(item.reviewer_citation or '-')}."
        )
        for failing in item.failing_criteria:
            lines.append(f"  - `{failing.rule_id}/{failing.criterion_id}` {failing.status_text}: {_cell(failing.statement)}")
    return "\n".join(lines) + "\n"
