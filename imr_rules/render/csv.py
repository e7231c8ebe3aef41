"""CSV: one row per compared item, for spreadsheets and pandas."""

from __future__ import annotations

import csv
from typing import TextIO

COMPARISON_COLUMNS = (
    "case_number", "item_index", "category", "actual", "ours", "agree", "covered", "rule_ids",
    "failing_criteria", "reviewer_citation", "decision_date", "ruleset_version", "depends_on", "no_facts",
    "reasons", "ruleset_hash", "packs",
)


def write_comparison_csv(comparison, stream: TextIO) -> None:
    from imr_rules.render.data import comparison_ruleset

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COMPARISON_COLUMNS)
    ruleset = comparison_ruleset(comparison)
    # Every row names the rule set whole (hash covering the packs, each pack as name version hash):
    # a row copied into another sheet still says which criteria decided it.
    packs = ";".join(f"{p['name']} {p['version']} {p['hash']}" for p in ruleset["packs"])
    for item in comparison.items:
        writer.writerow([
            item.case_number,
            item.item_index,
            item.category or "",
            item.actual,
            item.ours,
            "" if item.agree is None else str(item.agree).lower(),
            str(item.covered).lower(),
            ";".join(item.rule_ids),
            ";".join(f"{f.rule_id}/{f.criterion_id}:{f.status}" for f in item.failing_criteria),
            item.reviewer_citation or "",
            item.decision_date or "",
            comparison.ruleset_version,
            "" if item.depends_on is None else item.depends_on,
            item.no_facts or "",
            "" if item.reasons is None else ";".join(r.label for r in item.reasons),
            ruleset["hash"],
            packs,
        ])
