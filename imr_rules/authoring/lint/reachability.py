"""IMR008, IMR009: rules nothing can select, criteria that can never apply."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from imr_rules.authoring.lint.base import ERROR, WARNING, LintContext, Problem, check
from imr_rules.authoring.lint.walk import as_list, constant_value, did_you_mean


@check("IMR008", "unselectable-rule", ERROR, "No category, code or keyword can select the rule, or it names an unknown category.")
def unselectable_rules(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        applies = data.get("applies_to") if isinstance(data.get("applies_to"), dict) else {}
        categories = [c for c in as_list(applies.get("categories")) if isinstance(c, str)]
        unknown = [c for c in categories if context.categories is not None and c not in context.categories]
        for category in unknown:
            index = categories.index(category)
            yield Problem(document, ("applies_to", "categories", index), f"unknown category '{category}'",
                          did_you_mean(category, context.categories or ()) or "categories are listed in imr_rules/reference/data/categories.yaml",
                          WARNING)
        if isinstance(data.get("category"), str) and context.categories is not None and data["category"] not in context.categories:
            yield Problem(document, ("category",), f"unknown category '{data['category']}'",
                          did_you_mean(data["category"], context.categories) or "see imr_rules/reference/data/categories.yaml", WARNING)
        selectable = len(categories) > len(unknown) or as_list(applies.get("codes")) or as_list(applies.get("keywords"))
        if not selectable:
            yield Problem(document, ("applies_to",), "no category, code or keyword can select this rule",
                          "name a known category, a code or a keyword under applies_to")
        elif constant_value(applies.get("when"), context.definitions) is False:
            yield Problem(document, ("applies_to", "when"), "applies_to.when is always false: the rule never applies")


@check("IMR009", "unreachable-criterion", ERROR, "A criterion can never apply, or the rule's logic never reads it.")
def unreachable_criteria(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        if "applies_when" in criterion and constant_value(criterion["applies_when"], context.definitions) is False:
            yield Problem(document, ("criteria", index, "applies_when"),
                          f"criterion '{criterion.get('id')}' never applies: applies_when is always false")
    for document, data in context.rules():
        logic = data.get("logic", "all")
        if logic == "all" or not isinstance(logic, Mapping):
            continue
        named = set(_logic_ids(logic))
        for index, criterion in enumerate(as_list(data.get("criteria"))):
            if isinstance(criterion, dict) and criterion.get("id") not in named:
                yield Problem(document, ("criteria", index, "id"), f"the logic never references criterion '{criterion.get('id')}'",
                              "its status cannot change the decision; add it to logic or remove it", WARNING)


def _logic_ids(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for parts in node.values():
            for part in as_list(parts):
                yield from _logic_ids(part)
