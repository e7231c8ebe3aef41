"""Criterion kinds: each a small compiler, registered by name, used by YAML rules.

Like jsonschema's keyword functions: a rule's criterion says ``kind: quantity_limit`` and gives
its parameters; the kind turns them into a function ``facts -> (Status, certifiable quantity)``.
Adding a kind means adding one function here; adding a criterion means editing YAML only.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

from imr_rules.ruleset.conditions import ConditionError, compile_condition
from imr_rules.model import Status
from imr_rules.reference.vocabulary import Vocabulary

Evaluate = Callable[[Mapping[str, Any]], tuple[Status, "int | None"]]


# A NamedTuple rather than a dataclass: every start defines it, and defining a dataclass costs
# about a millisecond (its methods are compiled from generated source).
class CompiledKind(NamedTuple):
    evaluate: Evaluate
    facts_used: tuple[str, ...]
    params: Mapping[str, Any]


KindCompiler = Callable[[Mapping[str, Any], Vocabulary, Mapping[str, Any]], CompiledKind]
KINDS: dict[str, KindCompiler] = {}

# The fields each kind reads from a criterion, beyond the common ones (for the schema and lint).
KIND_FIELDS: dict[str, tuple[str, ...]] = {}


def kind(name: str, fields: tuple[str, ...]) -> Callable[[KindCompiler], KindCompiler]:
    def register(function: KindCompiler) -> KindCompiler:
        KINDS[name] = function
        KIND_FIELDS[name] = fields
        return function

    return register


_MET = (Status.MET, None)
_NOT_MET = (Status.NOT_MET, None)
_NOT_DOCUMENTED = (Status.NOT_DOCUMENTED, None)


@kind("condition", ("condition",))
def condition_kind(spec: Mapping[str, Any], vocabulary: Vocabulary, definitions: Mapping[str, Any]) -> CompiledKind:
    """Met when the condition is true, not met when false, not documented when unknown."""
    if "condition" not in spec:
        raise ConditionError("a 'condition' criterion needs a condition", ())
    test, facts = _compile_at(spec["condition"], vocabulary, definitions, ("condition",))

    def evaluate(values: Mapping[str, Any]) -> tuple[Status, int | None]:
        result = test(values)
        return _MET if result is True else _NOT_MET if result is False else _NOT_DOCUMENTED

    return CompiledKind(evaluate, facts, {})


@kind("quantity_limit", ("max", "fact", "prior", "unless"))
def quantity_limit_kind(spec: Mapping[str, Any], vocabulary: Vocabulary, definitions: Mapping[str, Any]) -> CompiledKind:
    """The quantity requested (plus, with ``prior``, what was already done) is at most ``max``.

    An unspecified quantity is *not documented* (the request does not say how much). Over the
    limit, ``unless`` (e.g. documented exceptional factors) can still make it met; otherwise the
    criterion is not met and the certifiable quantity is what is left under the limit.
    """
    limit = spec.get("max")
    if not isinstance(limit, (int, float)) or isinstance(limit, bool):
        raise ConditionError("'max' must be a number", ("max",))
    fact = spec.get("fact", "item.quantity")
    prior = spec.get("prior")
    names = [fact] + ([prior] if prior else [])
    for key, name in (("fact", fact), ("prior", prior)):
        if name is None:
            continue
        definition = vocabulary.get(name)
        if definition is None:
            raise ConditionError(f"unknown fact '{name}'", (key,), vocabulary.unknown_fact_hint(name))
        if definition.type not in ("integer", "number"):
            raise ConditionError(f"'{key}' must name a numeric fact; '{name}' is {definition.type}", (key,))
    unless, unless_facts = (None, ())
    if "unless" in spec:
        unless, unless_facts = _compile_at(spec["unless"], vocabulary, definitions, ("unless",))

    def evaluate(values: Mapping[str, Any]) -> tuple[Status, int | None]:
        requested = values.get(fact)
        if requested is None:
            return _NOT_DOCUMENTED
        already = 0
        if prior:
            already = values.get(prior)
            if already is None:
                return _NOT_DOCUMENTED
        if requested + already <= limit:
            return _MET
        if unless is not None and unless(values) is True:
            return _MET
        remaining = int(limit - already)
        return Status.NOT_MET, (remaining if remaining > 0 else 0)

    params = {"max": limit, "fact": fact}
    if prior:
        params["prior"] = prior
    return CompiledKind(evaluate, tuple(sorted(set(names) | set(unless_facts))), params)


@kind("not_recommended", ())
def not_recommended_kind(spec: Mapping[str, Any], vocabulary: Vocabulary, definitions: Mapping[str, Any]) -> CompiledKind:
    """The guideline does not recommend the item at all (where ``applies_when`` selects it)."""

    def evaluate(values: Mapping[str, Any]) -> tuple[Status, int | None]:
        return _NOT_MET

    return CompiledKind(evaluate, (), {})


def _compile_at(spec: Any, vocabulary: Vocabulary, definitions: Mapping[str, Any], prefix: tuple):
    try:
        return compile_condition(spec, vocabulary, definitions)
    except ConditionError as exc:
        raise ConditionError(exc.message, prefix + exc.path, exc.hint) from None
