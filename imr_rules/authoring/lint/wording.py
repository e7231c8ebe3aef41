"""IMR006, IMR011: the wording of failures (present for every way a criterion fails; placeholders it can fill)."""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from imr_rules.authoring.lint.base import ERROR, WARNING, LintContext, Problem, check
from imr_rules.authoring.lint.walk import (
    CONDITION_FIELDS, can_be_unknown, criterion_facts, did_you_mean, documented_by, facts_read, ref_paths,
)
from imr_rules.ruleset.kinds import kind_of


# Values a criterion's wording may name beside the facts it reads (see rationale.template_values).
TEMPLATE_VALUES = frozenset({"unit", "service", "quantity", "certifiable"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


@check("IMR006", "missing-wording", ERROR, "A criterion has no wording for a way it can fail (not_met, not_documented).")
def missing_wording(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        wording = criterion.get("wording") if isinstance(criterion.get("wording"), dict) else {}
        where = ("criteria", index, "wording") if "wording" in criterion else ("criteria", index)
        name = criterion.get("id")
        if not str(wording.get("not_met") or "").strip():
            yield Problem(document, where, f"criterion '{name}' has no 'not_met' wording", "say in a sentence why it fails")
        if not str(wording.get("not_documented") or "").strip() and _can_be_not_documented(criterion, context.definitions):
            yield Problem(document, where, f"criterion '{name}' can be not documented but has no 'not_documented' wording",
                          "complete 'there is no documentation of ...'", WARNING)


def _can_be_not_documented(criterion: dict, definitions: Mapping[str, Any]) -> bool:
    kind = kind_of(criterion)
    if kind is None:
        return False
    if kind.facts_named(criterion):
        return True  # a fact read by name can be undocumented
    # applies_when: {fact: X, documented: true} means a condition only runs where X is known.
    known = documented_by(criterion.get("applies_when"))
    return any(
        can_be_unknown(criterion.get(key), definitions) and not (known and facts_read(criterion.get(key), definitions) <= known)
        for key in kind.deciding_conditions
    )


@check("IMR011", "unknown-placeholder", ERROR,
       "Wording names a {placeholder} that is neither a fact the criterion reads nor a template value (warning if a vocabulary fact).")
def unknown_placeholders(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        refs = {n for key in CONDITION_FIELDS for _, n in ref_paths(criterion.get(key), ())}
        if refs - set(context.definitions):
            continue  # what the criterion reads is unknown until IMR002's unknown definition is fixed
        known = criterion_facts(criterion, context.definitions) | TEMPLATE_VALUES | _kind_values(criterion)
        texts = [(("criteria", index, "wording", k), v) for k, v in (criterion.get("wording") or {}).items()] \
            if isinstance(criterion.get("wording"), dict) else []
        if "remedy" in criterion:
            texts.append((("criteria", index, "remedy"), criterion["remedy"]))
        for path, text in texts:
            for name in _PLACEHOLDER.findall(text if isinstance(text, str) else ""):
                if name in known:
                    continue
                message = f"placeholder '{{{name}}}' is neither a fact criterion '{criterion.get('id')}' reads nor a template value"
                if name in context.vocabulary:  # filled when documented, shown as {name} when not
                    yield Problem(document, path, message, "it shows as written when the request does not document it", WARNING)
                else:
                    yield Problem(document, path, message, did_you_mean(name, known) or f"known: {', '.join(sorted(known))}")


def _kind_values(criterion: dict) -> set[str]:
    kind = kind_of(criterion)
    return kind.template_names(criterion) if kind else set()
