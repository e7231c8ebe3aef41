"""Criterion kinds: each one object, registered by name, that the rest of the package asks.

Like jsonschema's keyword functions: a rule's criterion says ``kind: quantity_limit`` and gives
its parameters; the kind turns them into a function ``facts -> (Status, certifiable quantity)``.
Everything else a kind means lives here too, so no other module tests a kind's name: the fields it
reads, the facts it names, what lint checks of it, the placeholders and values its wording may
use, its default remedy, how the catalogue describes it, and which status lets an item through.
Adding a kind means adding one class here (and its name to the rule schema's enum, which a test
compares with :data:`KINDS`); adding a criterion means editing YAML only.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, NamedTuple

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


_MET = (Status.MET, None)
_NOT_MET = (Status.NOT_MET, None)
_NOT_DOCUMENTED = (Status.NOT_DOCUMENTED, None)
_NUMERIC = ("integer", "number")


class Kind:
    """What every kind answers; the defaults fit a kind that reads no fact by name."""

    name: str = ""
    # The criterion fields this kind reads, beyond the common ones (id, wording, applies_when...).
    fields: tuple[str, ...] = ()
    # Fields holding conditions (a criterion's applies_when is common to every kind).
    condition_fields: tuple[str, ...] = ()
    # Of those, the conditions whose unknown value makes the criterion *not documented*.
    deciding_conditions: tuple[str, ...] = ()
    # The status that shows the criterion letting an item through (rule-test coverage).
    passing_status: Status = Status.MET

    def compile(self, spec: Mapping[str, Any], vocabulary: Vocabulary, definitions: Mapping[str, Any]) -> CompiledKind:
        raise NotImplementedError

    def facts_named(self, spec: Mapping[str, Any]) -> set[str]:
        """The facts the criterion reads by name, outside its conditions; if any is not
        documented, the criterion is not documented."""
        return set()

    def lint_problems(self, spec: Mapping[str, Any], vocabulary: Vocabulary,
                      units_compatible: Callable[[Any, Any], bool]) -> Iterator[tuple[str, str, str | None]]:
        """Type problems of the kind's own fields, as (field, message, hint); unknown facts are
        reported elsewhere."""
        return iter(())

    def template_names(self, spec: Mapping[str, Any]) -> set[str]:
        """Placeholders the criterion's wording may use beside its facts (see template_values)."""
        return set()

    def template_values(self, params: Mapping[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
        """The values of those placeholders for one item."""
        return dict(params)

    def default_remedy(self, status: Status, certifiable: int | None) -> str | None:
        """A remedy (a template) when the criterion gives none; None: the generic one."""
        return None

    def not_met_statement(self, params: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
        """A more exact 'not met' statement (a template) than the criterion's own wording, where
        that wording needs values this item does not have; None: the criterion's wording."""
        return None

    def undocumented_statement(self, params: Mapping[str, Any], facts: Mapping[str, Any]) -> str | None:
        """A more exact 'not documented' statement (a template) than the criterion's own wording,
        for what is missing on this item; None: the criterion's wording."""
        return None

    def catalogue_lines(self, params: Mapping[str, Any], spec: Mapping[str, Any], unit: str,
                        plain_condition: Callable[[Any], str]) -> list[str]:
        """Lines the readable catalogue adds for this kind."""
        return [f"- Met when: {plain_condition(spec['condition'])}"] if "condition" in self.fields and "condition" in spec else []


KINDS: dict[str, Kind] = {}


def register(kind_class: type[Kind]) -> type[Kind]:
    KINDS[kind_class.name] = kind_class()
    return kind_class


def kind_of(spec: Mapping[str, Any]) -> Kind | None:
    """The kind a criterion (as written) names; None for a name no kind has (lint, invalid files)."""
    name = spec.get("kind", "condition")
    return KINDS.get(name) if isinstance(name, str) else None


@register
class ConditionKind(Kind):
    """Met when the condition is true, not met when false, not documented when unknown."""

    name = "condition"
    fields = ("condition",)
    condition_fields = ("condition",)
    deciding_conditions = ("condition",)

    def compile(self, spec, vocabulary, definitions):
        if "condition" not in spec:
            raise ConditionError("a 'condition' criterion needs a condition", ())
        test, facts = _compile_at(spec["condition"], vocabulary, definitions, ("condition",))

        def evaluate(values: Mapping[str, Any]) -> tuple[Status, int | None]:
            result = test(values)
            return _MET if result is True else _NOT_MET if result is False else _NOT_DOCUMENTED

        return CompiledKind(evaluate, facts, {})


@register
class QuantityLimit(Kind):
    """The quantity requested (plus, with ``prior``, what was already done) is at most ``max``.

    An unspecified quantity is *not documented* (the request does not say how much). Over the
    limit, ``unless`` (e.g. documented exceptional factors) can still make it met; otherwise the
    criterion is not met and the certifiable quantity is what is left under the limit.

    ``proportional: true`` says that the limited fact grows in proportion to the quantity requested
    (a drug's days' supply is its quantity over the daily use): the limit then counts in the fact's
    unit (days of a brief course) while the certifiable portion is given in the request's own unit
    (tablets), the same share of the quantity as the days left are of the days requested. So a
    limit in days certifies part of a request in tablets, as reviewers do.
    """

    name = "quantity_limit"
    fields = ("max", "fact", "prior", "unless", "proportional")
    condition_fields = ("unless",)

    def compile(self, spec, vocabulary, definitions):
        limit = spec.get("max")
        if not isinstance(limit, (int, float)) or isinstance(limit, bool):
            raise ConditionError("'max' must be a number", ("max",))
        fact = spec.get("fact", "item.quantity")
        prior = spec.get("prior")
        for key, name in (("fact", fact), ("prior", prior)):
            if name is None:
                continue
            definition = vocabulary.get(name)
            if definition is None:
                raise ConditionError(f"unknown fact '{name}'", (key,), vocabulary.unknown_fact_hint(name))
            if definition.type not in _NUMERIC:
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
                    # The visits already completed can only add to the request: one that alone
                    # exceeds the limit fails whatever they were ("12 more supervised therapy
                    # visits which would exceed the MTUS recommended number", CM17-0015198). How
                    # much of it could be certified is then unknown.
                    if requested > limit and (unless is None or unless(values) is not True):
                        return Status.NOT_MET, None
                    return _NOT_DOCUMENTED
            if requested + already <= limit:
                return _MET
            if unless is not None and unless(values) is True:
                return _MET
            remaining = int(limit - already)
            if remaining <= 0:
                return Status.NOT_MET, 0
            if proportional:
                return Status.NOT_MET, _share(values.get("item.quantity"), remaining, requested)
            return Status.NOT_MET, remaining

        proportional = spec.get("proportional") is True
        params = {"max": limit, "fact": fact}
        if prior:
            params["prior"] = prior
        if proportional:
            params["proportional"] = True
        if fact != "item.quantity":  # what the limit counts, for wording that names it (days)
            params["counting"] = vocabulary.get(fact).unit or "units"
        names = {fact} | ({prior} if prior else set()) | ({"item.quantity"} if proportional else set())
        return CompiledKind(evaluate, tuple(sorted(names | set(unless_facts))), params)

    def facts_named(self, spec):
        names = {spec.get("fact") if isinstance(spec.get("fact"), str) else "item.quantity"}
        if isinstance(spec.get("prior"), str):
            names.add(spec["prior"])
        return names

    def lint_problems(self, spec, vocabulary, units_compatible):
        named = [("fact", spec.get("fact", "item.quantity"))] + ([("prior", spec["prior"])] if "prior" in spec else [])
        known = [(key, name, vocabulary.get(name)) for key, name in named if isinstance(name, str) and name in vocabulary]
        for key, name, definition in known:
            if definition.type not in _NUMERIC:
                yield key, f"'{key}' must name a numeric fact; '{name}' is {definition.type}", None
        if len(known) == 2 and not units_compatible(known[0][2].unit, known[1][2].unit):
            yield ("prior", f"adds '{known[1][1]}' ({known[1][2].unit}) to '{known[0][1]}' ({known[0][2].unit})",
                   "prior must count what the limit counts")

    def template_names(self, spec):
        return {"max", "fact", "requested", "counting"} | ({"prior", "total", "remaining"} if "prior" in spec else set())

    def template_values(self, params, facts):
        values = dict(params)
        if params["fact"] in facts:
            values["requested"] = facts[params["fact"]]
        if "prior" in params and params["prior"] in facts:
            values["prior"] = facts[params["prior"]]
            # what the limit counts: the requested quantity, or the fact it limits (days' supply)
            if params["fact"] in facts:
                values["total"] = facts[params["fact"]] + facts[params["prior"]]
            values["remaining"] = max(0, params["max"] - facts[params["prior"]])
        return values

    def undocumented_statement(self, params, facts):
        # The requested quantity is known but not the visits already completed (a prior course
        # without a count): the wording, written for a missing quantity, would misstate the gap.
        if "prior" in params and facts.get(params["fact"]) is not None and facts.get(params["prior"]) is None:
            return "the number of {unit} already completed"
        return None

    def not_met_statement(self, params, facts):
        # Not met on the request alone (the visits already completed are not documented): the
        # wording, written for a known total, would misstate it.
        if "prior" in params and facts.get(params["prior"]) is None:
            if "counting" in params:  # a limit on another count than the quantity (days' supply)
                return ("The {requested} {counting} requested by themselves exceed the {max} {counting} the"
                        " guideline supports; the {counting} already used (not documented) could only add to them.")
            return ("The {quantity} {unit} requested by themselves exceed the {max} the guideline"
                    " supports; the {unit} already completed (not documented) could only add to them.")
        return None

    def default_remedy(self, status, certifiable):
        if status is Status.NOT_MET and certifiable:
            return f"reduce the request to {certifiable} {{unit}}"
        if status is Status.NOT_DOCUMENTED:
            return "state the quantity requested (and the number of sessions already completed)"
        return None

    def catalogue_lines(self, params, spec, unit, plain_condition):
        text = f"at most {_number(params.get('max'))} {unit} ({params.get('fact', 'item.quantity')})"
        if params.get("prior"):
            text += f", counting those already completed ({params['prior']})"
        if "unless" in spec:
            text += f"; more when {plain_condition(spec['unless'])}"
        if params.get("proportional"):
            text += f"; over it, the same share of the {unit} requested is certifiable"
        return [f"- Limit: {text}"]


def _share(quantity: Any, remaining: float, requested: float) -> int | None:
    """The part of ``quantity`` that ``remaining`` is of ``requested`` (rounded down: never more
    than the limit allows); None where the quantity is not stated."""
    if quantity is None or not requested:
        return None
    return int(quantity * remaining / requested + 1e-9)


@register
class NotRecommended(Kind):
    """The guideline does not recommend the item at all (where ``applies_when`` selects it).

    It lets an item through by not applying, so its passing status is *not applicable*."""

    name = "not_recommended"
    passing_status = Status.NOT_APPLICABLE

    def compile(self, spec, vocabulary, definitions):
        def evaluate(values: Mapping[str, Any]) -> tuple[Status, int | None]:
            return _NOT_MET

        return CompiledKind(evaluate, (), {})


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _compile_at(spec: Any, vocabulary: Vocabulary, definitions: Mapping[str, Any], prefix: tuple):
    try:
        return compile_condition(spec, vocabulary, definitions)
    except ConditionError as exc:
        raise ConditionError(exc.message, prefix + exc.path, exc.hint) from None
