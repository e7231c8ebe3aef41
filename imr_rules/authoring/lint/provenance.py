"""IMR005, IMR012: where a rule's text comes from (citations that locate it; recalled text noted)."""

from __future__ import annotations

from typing import Any, Iterator

from imr_rules.authoring.lint.base import ERROR, WARNING, LintContext, Problem, check
from imr_rules.authoring.lint.walk import as_list


@check("IMR005", "missing-citation", ERROR, "A criterion has no citation with a section or pages (its own or its edition's).")
def missing_citations(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        if _locates(criterion.get("citation")):
            continue
        editions = [e for e in as_list(data.get("editions")) if isinstance(e, dict)]
        vague = [i for i, e in enumerate(editions) if not _locates(e.get("citation"))]
        if vague or not editions:
            which = f"edition {vague[0] + 1}'s citation" if vague else "the rule (no editions)"
            yield Problem(document, ("criteria", index), f"criterion '{criterion.get('id')}' has no citation with a section or pages",
                          f"{which} names neither; add section or pages there or a citation to the criterion")


def _locates(citation: Any) -> bool:
    return isinstance(citation, dict) and any(str(citation.get(k) or "").strip() for k in ("section", "pages"))


@check("IMR012", "rec-without-note", WARNING, "A rule relies on recalled guideline text (REC) but has no confidence_note.")
def rec_without_note(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        recalled = data.get("confidence") == "REC" or any(
            isinstance(c, dict) and c.get("confidence") == "REC" for c in as_list(data.get("criteria")))
        if recalled and not str(data.get("confidence_note") or "").strip():
            yield Problem(document, ("confidence",) if "confidence" in data else ("id",), "REC rule without a confidence_note",
                          "say where the recalled text comes from and what must be confirmed")
