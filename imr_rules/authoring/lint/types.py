"""IMR003: comparisons of the wrong type or unit."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.authoring.lint.walk import comparisons, condition_spots, leaf_facts, units_compatible
from imr_rules.documents import Document
from imr_rules.reference.vocabulary import parse_date, python_type_matches
from imr_rules.ruleset.conditions import ConditionError, compile_condition
from imr_rules.ruleset.kinds import kind_of


_NUMERIC = ("integer", "number")


@check("IMR003", "type-mismatch", ERROR, "A comparison uses a value or fact of the wrong type or unit for its fact.")
def type_mismatches(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        for path, spec in condition_spots(data):
            yield from _mismatches_in_condition(context, document, spec, path)
        for _, _, index, criterion in ((d, x, i, c) for d, x, i, c in context.criteria() if d is document):
            kind = kind_of(criterion)
            for key, message, hint in kind.lint_problems(criterion, context.vocabulary, units_compatible) if kind else ():
                yield Problem(document, ("criteria", index, key), message, hint)
    for manifest in context.manifests:
        for name, spec in ((manifest.data or {}).get("definitions") or {}).items() if isinstance(manifest.data, dict) else ():
            yield from _mismatches_in_condition(context, manifest, spec, ("definitions", name))


def _mismatches_in_condition(context: LintContext, document: Document, spec: Any, path: tuple) -> Iterator[Problem]:
    vocabulary = context.vocabulary
    for leaf_path, leaf in comparisons(spec, path):
        names = [(p, n) for p, n in leaf_facts(leaf, leaf_path)]
        if any(not isinstance(n, str) or n not in vocabulary for _, n in names):
            continue  # IMR002 reports unknown names; types of unknown facts cannot be judged
        try:
            compile_condition(leaf, vocabulary, {})
        except ConditionError as exc:
            yield Problem(document, leaf_path + exc.path, exc.message, exc.hint)
            continue
        yield from _unit_mismatch(context, document, leaf_path, names)
        yield from _value_mismatch(context, document, leaf_path, leaf)


def _unit_mismatch(context: LintContext, document: Document, path: tuple, names: list[tuple[tuple, str]]) -> Iterator[Problem]:
    units = [(p, n, context.vocabulary.get(n).unit) for p, n in names]
    for fact_path, name, unit in units[1:]:
        first_name, first_unit = units[0][1], units[0][2]
        if not units_compatible(first_unit, unit):
            yield Problem(document, fact_path, f"combines '{first_name}' ({first_unit}) with '{name}' ({unit})",
                          "compare or add facts of the same unit")


def _value_mismatch(context: LintContext, document: Document, path: tuple, leaf: Mapping) -> Iterator[Problem]:
    """Values the compiler accepts but that can never equal a value of the fact's type."""
    if "fact" not in leaf:
        return
    fact_type = context.vocabulary.get(leaf["fact"]).type
    for op in ("eq", "ne", "in"):
        if op not in leaf or isinstance(leaf[op], Mapping):
            continue
        values = leaf[op] if op == "in" and isinstance(leaf[op], list) else [leaf[op]]
        for value in values:
            if fact_type != "list" and not _value_fits(fact_type, value):
                yield Problem(document, path + (op,), f"compares the {fact_type} fact '{leaf['fact']}' with {value!r}",
                              f"write a {fact_type} value")
                break


def _value_fits(fact_type: str, value: Any) -> bool:
    """Whether a value written in a rule can equal a documented value of the fact's type (dates
    are written as text; an integer fact may be compared with any number)."""
    if fact_type == "date":
        return parse_date(value) is not None
    return python_type_matches("number" if fact_type in _NUMERIC else fact_type, value)