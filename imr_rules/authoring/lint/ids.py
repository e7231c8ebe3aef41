"""IMR004: duplicate rule and criterion ids."""

from __future__ import annotations

from typing import Iterator

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.authoring.lint.walk import as_list
from imr_rules.documents import Document


@check("IMR004", "duplicate-id", ERROR, "Two rules share an id, or two criteria of one rule do.")
def duplicate_ids(context: LintContext) -> Iterator[Problem]:
    by_id: dict[str, list[Document]] = {}
    for document, data in context.rules():
        if isinstance(data.get("id"), str):
            by_id.setdefault(data["id"], []).append(document)
    for rule_id, documents in by_id.items():
        for document in documents if len(documents) > 1 else ():
            others = ", ".join(f"{d.path}:{d.line_of(('id',))}" for d in documents if d is not document)
            yield Problem(document, ("id",), f"duplicate rule id '{rule_id}'", f"also in {others}")
    for document, data in context.rules():
        seen: dict[str, int] = {}
        for index, criterion in enumerate(as_list(data.get("criteria"))):
            criterion_id = criterion.get("id") if isinstance(criterion, dict) else None
            if isinstance(criterion_id, str):
                if criterion_id in seen:
                    yield Problem(document, ("criteria", index, "id"), f"duplicate criterion id '{criterion_id}'",
                                  f"first at line {document.line_of(('criteria', seen[criterion_id], 'id'))}")
                seen.setdefault(criterion_id, index)
