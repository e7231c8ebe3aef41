"""IMR004: duplicate rule and criterion ids."""

from __future__ import annotations

from typing import Iterator

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.authoring.lint.walk import as_list
from imr_rules.documents import Document


@check("IMR004", "duplicate-id", ERROR, "Two rules of one rule set or pack share an id, or two criteria of one rule do.")
def duplicate_ids(context: LintContext) -> Iterator[Problem]:
    # Ids shared between the bundled rules and a pack, or between packs, are IMR014's: whether
    # they conflict depends on the pack's overrides.
    by_id: dict[tuple, list[Document]] = {}
    for document, data in context.rules():
        if isinstance(data.get("id"), str):
            by_id.setdefault((context.origin.get(document.path), data["id"]), []).append(document)
    for (_, rule_id), documents in by_id.items():
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


@check("IMR014", "pack-conflict", ERROR,
       "A criteria pack conflicts with the bundled rules or another pack: a rule id not listed under overrides:, "
       "an id two packs define, an override naming no rule, a shared condition redefined, two packs of one name.")
def pack_conflicts(context: LintContext) -> Iterator[Problem]:
    # The conflict is reported on the file it was found in, read as lint read it, so the finding
    # names the rule (its id) or the pack manifest it concerns.
    read = {d.path: d for d in (*context.rule_documents, *context.pack_manifests)}
    for error in context.pack_problems:
        document = read.get(error.source.path) or Document(error.source.path or "?", None)
        yield Problem(document, (), error.message, error.hint, line=error.source.line)
