"""Declarative conditions over request facts, compiled once into fast three-valued functions.

A condition is data, never code:

    {all: [c, ...]}  {any: [c, ...]}  {not: c}  {ref: name}      Kleene logic
    {fact: NAME, OP: OPERAND}                                  a comparison
    {sum: [NAME, NAME], OP: OPERAND}                           the sum of facts, compared

OP is one of: is, eq, ne, lt, le, gt, ge, in, contains, contains_any, matches, starts_with,
documented. An OPERAND may itself be ``{fact: NAME}``.

A fact that is not documented makes a comparison *unknown* (``None``), and unknown propagates by
Kleene logic (false AND unknown = false; true OR unknown = true), as in CEL and CQL. Only
``documented`` asks about presence itself and is never unknown.
"""

from __future__ import annotations

import operator
import re
from itertools import repeat
from typing import Any, Callable, Iterable, Mapping

from imr_rules.lazyre import lazy
from imr_rules.reference.vocabulary import Vocabulary, parse_date, python_type_matches

Facts = Mapping[str, Any]
Compiled = Callable[[Facts], "bool | None"]

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
OPERATORS = ("is", *COMPARISONS, "in", "contains", "contains_any", "matches", "starts_with", "documented")
_NUMERIC_TYPES = ("integer", "number")


class ConditionError(Exception):
    """A condition that cannot be compiled; ``path`` is where inside the condition."""

    def __init__(self, message: str, path: tuple = (), hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint


class CompileContext:
    """What compiling one condition keeps track of: the facts it reads, the definitions it is inside."""

    __slots__ = ("vocabulary", "definitions", "facts_used", "_compiling")

    def __init__(self, vocabulary: Vocabulary, definitions: Mapping[str, Any], facts_used: set[str]):
        self.vocabulary = vocabulary
        self.definitions = definitions
        self.facts_used = facts_used
        self._compiling: tuple[str, ...] = ()


def compile_condition(spec: Any, vocabulary: Vocabulary, definitions: Mapping[str, Any] | None = None) -> tuple[Compiled, tuple[str, ...]]:
    """Compile a condition; return the function and the sorted names of the facts it reads."""
    context = CompileContext(vocabulary, definitions or {}, set())
    function = _compile(spec, context, ())
    return function, tuple(sorted(context.facts_used))


def _compile(spec: Any, context: CompileContext, path: tuple) -> Compiled:
    if not isinstance(spec, Mapping) or not spec:
        raise ConditionError("a condition must be a non-empty mapping", path)
    if "all" in spec or "any" in spec:
        key = "all" if "all" in spec else "any"
        _only_keys(spec, {key}, path)
        parts = spec[key]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"'{key}' takes a non-empty list of conditions", path + (key,))
        compiled = tuple(_compile(part, context, path + (key, i)) for i, part in enumerate(parts))
        return _kleene_over(compiled, decisive=key == "any")
    if "not" in spec:
        _only_keys(spec, {"not"}, path)
        inner = _compile(spec["not"], context, path + ("not",))
        return lambda facts: None if (value := inner(facts)) is None else not value
    if "ref" in spec:
        _only_keys(spec, {"ref"}, path)
        return _compile_ref(spec["ref"], context, path)
    if "const" in spec:
        _only_keys(spec, {"const"}, path)
        value = spec["const"]
        return lambda facts: value
    return _compile_comparison(spec, context, path)


def _only_keys(spec: Mapping, allowed: set[str], path: tuple) -> None:
    extra = sorted(set(spec) - allowed)
    if extra:
        raise ConditionError(f"unexpected key(s) {', '.join(extra)} beside {', '.join(sorted(allowed))}", path)


def _compile_ref(name: Any, context: CompileContext, path: tuple) -> Compiled:
    if name not in context.definitions:
        known = ", ".join(sorted(context.definitions)) or "none"
        raise ConditionError(f"unknown definition '{name}'", path + ("ref",), f"known definitions: {known}")
    if name in context._compiling:
        raise ConditionError(f"definition '{name}' refers to itself", path + ("ref",))
    context._compiling += (name,)
    try:
        return _compile(context.definitions[name], context, path)
    finally:
        context._compiling = context._compiling[:-1]


def _fact_type(name: Any, context: CompileContext, path: tuple) -> str:
    if not isinstance(name, str):
        raise ConditionError("a fact name must be a string", path)
    definition = context.vocabulary.get(name)
    if definition is None:
        raise ConditionError(f"unknown fact '{name}'", path, context.vocabulary.unknown_fact_hint(name))
    context.facts_used.add(name)
    return definition.type


def _compile_comparison(spec: Mapping, context: CompileContext, path: tuple) -> Compiled:
    name = None  # the fact compared, where the subject is one fact (not a sum)
    if "fact" in spec:
        subject_key = "fact"
        name = spec["fact"]
        fact_type = _fact_type(name, context, path + ("fact",))
        read = _reader(name)
    elif "sum" in spec:
        subject_key = "sum"
        names = spec["sum"]
        if not isinstance(names, list) or len(names) < 2:
            raise ConditionError("'sum' takes a list of two or more fact names", path + ("sum",))
        for i, part in enumerate(names):
            if _fact_type(part, context, path + ("sum", i)) not in _NUMERIC_TYPES:
                raise ConditionError(f"'sum' needs numeric facts; '{part}' is not", path + ("sum", i))
        fact_type = "number"
        read = _sum_reader(tuple(names))
    else:
        raise ConditionError(
            "a condition needs one of: all, any, not, ref, const, fact, sum", path,
            "e.g. {fact: home_exercise_program, is: true}",
        )
    ops = [key for key in spec if key != subject_key]
    if len(ops) != 1:
        raise ConditionError(
            f"a comparison takes exactly one operator beside '{subject_key}', got {', '.join(ops) or 'none'}",
            path, f"operators: {', '.join(OPERATORS)}",
        )
    op = ops[0]
    if op not in OPERATORS:
        raise ConditionError(f"unknown operator '{op}'", path + (op,), f"operators: {', '.join(OPERATORS)}")
    operand = spec[op]
    if op == "documented":
        if not isinstance(operand, bool):
            raise ConditionError("'documented' takes true or false", path + (op,))
        if name is not None:
            return lambda facts: (facts.get(name) is not None) == operand
        return lambda facts: (read(facts) is not None) == operand
    operand_read = _operand(operand, fact_type, op, context, path + (op,))
    test = _test(op, operand, path + (op,))
    if name is not None and isinstance(operand_read, _Constant) and operand_read.value is not None:
        return _compare_with_constant(name, test, operand_read.value)

    def compare(facts: Facts) -> bool | None:
        value = read(facts)
        if value is None:
            return None
        other = operand_read(facts)
        if other is None:
            return None
        try:
            return test(value, other)
        except TypeError:
            # A request value of the wrong type was rejected at load time; this is the last guard.
            return None

    return compare


def _compare_with_constant(name: str, test: Callable[[Any, Any], bool], constant: Any) -> Compiled:
    """The comparison of one fact with a constant (nearly every comparison of the rules), without
    a call to read the fact and one to read the constant: a request evaluates a dozen."""
    def compare(facts: Facts) -> bool | None:
        value = facts.get(name)
        if value is None:
            return None
        try:
            return test(value, constant)
        except TypeError:
            # A request value of the wrong type was rejected at load time; this is the last guard.
            return None

    return compare


class _Constant:
    """An operand that is a value, not a fact: read as a function, or its value taken as it is."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __call__(self, facts: Facts) -> Any:
        return self.value


def _reader(name: str) -> Callable[[Facts], Any]:
    return lambda facts: facts.get(name)


def _sum_reader(names: tuple[str, ...]) -> Callable[[Facts], Any]:
    def total(facts: Facts) -> Any:
        values = [facts.get(n) for n in names]
        return None if any(v is None for v in values) else sum(values)

    return total


def _operand(operand: Any, fact_type: str, op: str, context: CompileContext, path: tuple) -> Callable[[Facts], Any]:
    if isinstance(operand, Mapping):
        if set(operand) != {"fact"}:
            raise ConditionError("an operand is a value or {fact: NAME}", path)
        other_type = _fact_type(operand["fact"], context, path + ("fact",))
        if fact_type in _NUMERIC_TYPES and other_type not in _NUMERIC_TYPES:
            raise ConditionError(f"compares a number with the {other_type} fact '{operand['fact']}'", path)
        return _reader(operand["fact"])
    _check_operand_type(operand, fact_type, op, path)
    if op in ("matches",):
        return _Constant(operand)
    return _Constant(_as_date(operand) if fact_type == "date" else operand)


def _as_date(value: Any) -> Any:
    """An ISO date text as a date; anything else unchanged (the operand check then reports it)."""
    day = parse_date(value)
    return value if day is None else day


def _check_operand_type(operand: Any, fact_type: str, op: str, path: tuple) -> None:
    """Reject comparisons that can never be true because the types differ (e.g. quantity is 'six')."""
    if op == "is":
        if not isinstance(operand, bool) or fact_type != "boolean":
            raise ConditionError(
                f"'is' compares a boolean fact with true/false; this fact is {fact_type}", path,
                "use eq/lt/le/gt/ge for numbers and strings",
            )
        return
    if op in ("lt", "le", "gt", "ge"):
        ok = (fact_type in _NUMERIC_TYPES and python_type_matches("number", operand)) or (
            fact_type == "date" and parse_date(operand) is not None
        )
        if not ok:
            raise ConditionError(f"'{op}' needs a {'date' if fact_type == 'date' else 'number'} for a {fact_type} fact, got {operand!r}", path)
        return
    if op in ("in", "contains_any"):
        if not isinstance(operand, list):
            raise ConditionError(f"'{op}' takes a list", path)
        return
    if op in ("matches", "starts_with"):
        if not isinstance(operand, (str, list)):
            raise ConditionError(f"'{op}' takes a string", path)
        if fact_type not in ("string", "list"):
            raise ConditionError(f"'{op}' applies to text facts; this fact is {fact_type}", path)
        return
    if op in ("eq", "ne") and fact_type in _NUMERIC_TYPES and not python_type_matches("number", operand):
        raise ConditionError(f"compares a {fact_type} fact with {operand!r}", path)


def _test(op: str, operand: Any, path: tuple) -> Callable[[Any, Any], bool]:
    if op == "is":
        return operator.is_
    if op in COMPARISONS:
        return COMPARISONS[op]
    if op == "in":
        return lambda value, options: value in options
    if op == "contains":
        return lambda value, wanted: wanted in value
    if op == "contains_any":
        # ``any(w in value for w in wanted)``, without a generator's call per option
        return lambda value, wanted: any(map(operator.contains, repeat(value), wanted))
    if op == "starts_with":
        prefixes = tuple(operand) if isinstance(operand, list) else (operand,)
        return lambda value, _: _starts_with(value, prefixes)
    if op == "matches":
        # Compiled on first use (start-up cost); the syntax is checked when a rule file is first
        # validated (rules.check_patterns), before its compiled form is cached.
        if not isinstance(operand, str):
            raise ConditionError("'matches' takes a regular expression (a string)", path)
        return _matcher(lazy(operand, re.I))
    raise ConditionError(f"unknown operator '{op}'", path)  # pragma: no cover - OPERATORS guards


def _starts_with(value: Any, prefixes: tuple[str, ...]) -> bool:
    values = value if isinstance(value, (list, tuple)) else (value,)
    return any(str(v).upper().startswith(p.upper()) for v in values for p in prefixes)


def check_pattern(operand: Any, path: tuple) -> None:
    """Raise ConditionError if a 'matches' operand is not a valid regular expression."""
    try:
        re.compile(operand, re.I)
    except (re.error, TypeError) as exc:
        raise ConditionError(f"invalid regular expression: {exc}", path) from None


# Texts whose match a 'matches' condition remembers: a batch repeats its services' wording, and
# the long keyword alternations cost more than the rest of the condition. Bounded per condition,
# and low: the rules hold some 50 such conditions, and a stream of distinct texts must not grow
# memory by more than a few MiB.
_MATCH_MEMO_LIMIT = 256


def _matcher(pattern: re.Pattern) -> Callable[[Any, Any], bool]:
    found: dict[str, bool] = {}

    def matches(value: Any, _: Any) -> bool:
        for text in map(str, value if isinstance(value, (list, tuple)) else (value,)):
            match = found.get(text)
            if match is None:
                if len(found) >= _MATCH_MEMO_LIMIT:
                    found.clear()
                match = found[text] = pattern.search(text) is not None
            if match:
                return True
        return False

    return matches


def kleene(values: Iterable[Any], decisive: bool) -> bool | None:
    """Three-valued ``all`` (decisive=False) or ``any`` (decisive=True): a decisive value decides;
    otherwise the result is unknown (None) if some value is unknown. Stops at the decisive value."""
    unknown = False
    for value in values:
        if value is decisive:
            return decisive
        if value is None:
            unknown = True
    return None if unknown else not decisive


def _kleene_over(parts: tuple[Compiled, ...], decisive: bool) -> Compiled:
    # kleene() over the parts' values, written out: criteria combine parts on every evaluation,
    # and a generator to feed kleene() cost a hundredth of a batch (issue 15).
    def combined(facts: Facts) -> bool | None:
        unknown = False
        for part in parts:
            value = part(facts)
            if value is decisive:
                return decisive
            if value is None:
                unknown = True
        return None if unknown else not decisive

    return combined


def unguarded_facts(spec: Any, definitions: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The facts whose absence can leave a condition unknown, sorted (shared definitions included).

    A comparison is *guarded* when an ``all`` beside it asks ``documented`` of the same fact: its
    author handled the fact's absence there (``all: [{fact: X, documented: true}, {fact: X, gt: 0}]``
    is false, never unknown, without X). A fact counts when some comparison of it is not guarded.
    The engine names these facts when an ``applies_when`` is unknown.
    """
    definitions = definitions or {}
    found: set[str] = set()

    def walk(node: Any, documented_here: frozenset[str], seen: tuple[str, ...]) -> None:
        if isinstance(node, list):
            for value in node:
                walk(value, documented_here, seen)
            return
        if not isinstance(node, Mapping):
            return
        if "all" in node and isinstance(node["all"], list):
            tested = frozenset(part["fact"] for part in node["all"]
                               if isinstance(part, Mapping) and "documented" in part and isinstance(part.get("fact"), str))
            walk(node["all"], tested, seen)
            return
        if "any" in node or "not" in node:
            walk(node.get("any", node.get("not")), frozenset(), seen)
            return
        ref = node.get("ref")
        if isinstance(ref, str):
            if ref in definitions and ref not in seen:
                walk(definitions[ref], documented_here, seen + (ref,))
            return
        if "documented" in node:
            return
        names = [node["fact"]] if isinstance(node.get("fact"), str) else list(node.get("sum") or ())
        names += [value["fact"] for value in node.values() if isinstance(value, Mapping) and isinstance(value.get("fact"), str)]
        found.update(name for name in names if isinstance(name, str) and name not in documented_here)

    walk(spec, frozenset(), ())
    return tuple(sorted(found))
