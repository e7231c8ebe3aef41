"""Compiling a rule's criteria into one plain Python function, for speed.

The closures of ``conditions`` and ``kinds`` are the reference semantics. For batch runs over
hundreds of thousands of items, calling a closure per condition node costs more than the
comparisons themselves, so each rule is also translated into a single function that computes
every criterion's status in straight-line code. The translation is mechanical and safe: the
source text holds only identifiers we generate, fact names already checked against the
vocabulary (written as string literals), and numbers; every other value (regular expressions,
dates, lists, a kind this module does not know) is passed in as a constant ``K[i]``. Tests check
that both paths give the same statuses, decisions and certifiable quantities on many generated
requests.

Three things keep the generated code short without changing a result:

- a three-valued condition need not be stored: a :class:`Chain` holds the tests that decide it
  (``F1 is True`` -> true, ``F1 is None`` -> unknown, else false), and whoever consumes it
  writes only the test it needs;
- a fact read or condition computed earlier in the same block, or in an enclosing one, is reused
  (:meth:`_Emitter.recall`): ``prior_sessions > 0`` is computed once for two rules;
- each criterion's kind says which statuses it can have and whether its certifiable quantity can
  be other than None, so the verdict and the certifiable quantity are plain inline tests.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from .lazyre import compile_cached, lazy
from .model import Status

_SIMPLE_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class Unsupported(Exception):
    """A construct this module does not translate; the caller keeps the reference closure."""


# ---- boolean expressions as text ---------------------------------------------------------------
def _joined(parts: Sequence[str], word: str, neutral: str, absorbing: str) -> str:
    """Tests joined by ``or`` / ``and``, simplified: repeats and the neutral constant dropped, the
    absorbing constant decides alone."""
    parts = [p for p in dict.fromkeys(parts) if p != neutral]
    if absorbing in parts:
        return absorbing
    if not parts:
        return neutral
    return parts[0] if len(parts) == 1 else "(" + f" {word} ".join(parts) + ")"


def _any_of(parts: Sequence[str]) -> str:
    return _joined(parts, "or", "False", "True")


def _all_of(parts: Sequence[str]) -> str:
    return _joined(parts, "and", "True", "False")


_IDENTITY_TEST = lazy(r"(\w+) is (not )?(\w+)")


def _negated(expression: str) -> str:
    if expression in ("True", "False"):
        return "False" if expression == "True" else "True"
    simple = _IDENTITY_TEST.fullmatch(expression)
    if simple:
        subject, negative, other = simple.groups()
        return f"{subject} is {'' if negative else 'not '}{other}"
    return f"(not {expression})"


# ---- three-valued results (NamedTuples: the module is imported on every start, and defining a
# dataclass costs about a millisecond) ----------------------------------------------------------------------
class Value:
    """A condition's result held in a variable, exactly as the reference closure computes it:
    True, False, None, or (a comparison of unusual values) something else, which every consumer
    treats as the reference does because it asks only ``is True`` / ``is False`` / ``is None``."""

    def __init__(self, var: str):
        self.var = var

    def holds(self, outcome: bool | None) -> str:
        return f"{self.var} is {outcome!r}"

    def select(self, if_true: str, if_false: str, if_unknown: str) -> str:
        return f"{if_true} if {self.var} is True else ({if_false} if {self.var} is False else {if_unknown})"


class Chain(NamedTuple):
    """A condition whose result is exactly True, False or None, decided without storing it: the
    first test that holds gives its outcome, else ``otherwise``. ``exclusive``: at most one test
    can hold, so each test alone says its outcome (no need to rule out the earlier ones)."""

    tests: tuple[tuple[str, bool | None], ...]
    otherwise: bool | None
    exclusive: bool = False

    def holds(self, outcome: bool | None) -> str:
        ruled_out: list[str] = []  # the earlier tests, negated
        for expression, result in self.tests:
            if result is outcome:
                return expression if self.exclusive else _all_of(ruled_out + [expression])
            ruled_out.append(_negated(expression))
        return _all_of(ruled_out) if self.otherwise is outcome else "False"

    def select(self, if_true: str, if_false: str, if_unknown: str) -> str:
        choice = {True: if_true, False: if_false, None: if_unknown}
        expression = choice[self.otherwise]
        for test, result in reversed(self.tests):
            later = f"({expression})" if " " in expression else expression
            expression = f"{choice[result]} if {test} else {later}"
        return expression

    def negated(self) -> Chain:
        flip = {True: False, False: True, None: None}
        return Chain(tuple((test, flip[result]) for test, result in self.tests), flip[self.otherwise], self.exclusive)


Truth = Value | Chain


# ---- statuses as small numbers -----------------------------------------------------------------
# The generated code holds each status as its index in STATUSES: a tuple of small ints hashes in C,
# which makes the statuses a cheap key for the table of decisions (see _Decisions). Status members
# hash through a Python-level Enum.__hash__.
STATUSES = (Status.MET, Status.NOT_MET, Status.NOT_DOCUMENTED, Status.NOT_APPLICABLE)
_STATUS_CODES = {status: code for code, status in enumerate(STATUSES)}


class CriterionCode(NamedTuple):
    """Where a criterion's generated code leaves its result: the variable of its status code and
    the expression of its certifiable quantity (a variable, or "None" where it is always None)."""

    status: str
    quantity: str
    # "limit": an int or None; "any": whatever a reference closure returns
    quantity_kind: str | None = None


# ---- the emitter -------------------------------------------------------------------------------
class _Emitter:
    def __init__(self, definitions: Mapping[str, Any], vocabulary: Any):
        self.lines: list[str] = []
        self.constants: list[Any] = []
        self.definitions = definitions
        self.vocabulary = vocabulary  # the facts' types: see operand()
        self.counter = 0
        self.fact_names: dict[str, str] = {}
        # The open blocks, one id per indent level: a value computed in a block is known in that
        # block and in blocks nested in it, after it is computed; never in a sibling branch.
        self.blocks: list[int] = [0]
        self.block_count = 0
        self.known: dict[Any, tuple[tuple[int, ...], Any]] = {}

    def temp(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def const(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def literal(self, value: Any) -> str:
        """A Python literal for simple values, a constant slot for anything else."""
        if isinstance(value, bool) or value is None or isinstance(value, int):
            return repr(value)
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_. -]*", value):
            return repr(value)
        return self.const(value)

    def emit(self, indent: int, line: str) -> None:
        del self.blocks[indent + 1:]
        self.lines.append("    " * indent + line)
        if line.endswith(":"):  # a block header (if/elif/else/try/def): what follows is a new block
            self.block_count += 1
            self.blocks.append(self.block_count)

    def mark(self) -> tuple:
        return len(self.lines), list(self.blocks), dict(self.known)

    def rollback(self, mark: tuple) -> None:
        """Forget the lines emitted since ``mark``, and what they computed."""
        count, self.blocks, self.known = mark
        del self.lines[count:]

    # ---- reuse of what was computed before ----------------------------------------------------
    def _path(self, indent: int) -> tuple[int, ...]:
        return tuple(self.blocks[: indent + 1])

    def recall(self, key: Any, indent: int) -> Any:
        found = self.known.get(key)
        if found is None:
            return None
        path, value = found
        return value if self._path(indent)[: len(path)] == path else None

    def remember(self, key: Any, indent: int, value: Any) -> Any:
        self.known[key] = (self._path(indent), value)
        return value

    def read(self, name: str, indent: int) -> str:
        """The variable holding a fact, read here unless already read in this block or an enclosing one."""
        var = self.fact_names.setdefault(name, f"F{len(self.fact_names)}")
        if self.recall(("fact", name), indent) is None:
            self.emit(indent, f"{var} = f.get({self.literal(name)})")
            self.remember(("fact", name), indent, var)
        return var

    # ---- conditions: each gives a Value or a Chain ---------------------------------------------
    def condition(self, spec: Any, indent: int) -> Truth:
        key = ("condition", json.dumps(spec, sort_keys=True, default=repr))
        known = self.recall(key, indent)
        if known is None:
            known = self.remember(key, indent, self._condition(spec, indent))
        return known

    def _condition(self, spec: Any, indent: int) -> Truth:
        if "all" in spec or "any" in spec:
            key = "all" if "all" in spec else "any"
            parts = [self.part(part, indent) for part in spec[key]]
            decisive = key == "any"  # the outcome one part alone decides
            return Chain(((_any_of([p.holds(decisive) for p in parts]), decisive),
                          (_any_of([p.holds(None) for p in parts]), None)), not decisive)
        if "not" in spec:
            inner = self.condition(spec["not"], indent)
            if isinstance(inner, Chain):
                return inner.negated()
            target = self.temp()
            self.emit(indent, f"{target} = None if {inner.var} is None else (not {inner.var})")
            return Value(target)
        if "ref" in spec:
            return self.condition(self.definitions[spec["ref"]], indent)
        if "const" in spec:
            if spec["const"] is None or isinstance(spec["const"], bool):
                return Chain((), spec["const"])
            target = self.temp()
            self.emit(indent, f"{target} = {self.literal(spec['const'])}")
            return Value(target)
        return self.comparison(spec, indent)

    def part(self, spec: Any, indent: int) -> Truth:
        """A condition used inside another: a chain of several tests is stored once rather than
        repeated in each test of the enclosing condition."""
        truth = self.condition(spec, indent)
        if isinstance(truth, Chain) and len(truth.tests) > 1 and not truth.exclusive:
            target = self.temp()
            self.emit(indent, f"{target} = {truth.select('True', 'False', 'None')}")
            return Value(target)
        return truth

    def subject(self, spec: Mapping[str, Any], indent: int) -> tuple[str, str]:
        if "fact" in spec:
            return "fact", self.read(spec["fact"], indent)
        parts = [self.read(name, indent) for name in spec["sum"]]
        target = self.temp()
        unknown = " or ".join(f"{p} is None" for p in parts)
        self.emit(indent, f"{target} = None if ({unknown}) else ({' + '.join(parts)})")
        return "sum", target

    def comparison(self, spec: Mapping[str, Any], indent: int) -> Truth:
        key, value = self.subject(spec, indent)
        op = next(k for k in spec if k != key)
        operand = spec[op]
        if op == "documented":  # (value is not None) is operand: never unknown
            return Chain(((f"{value} is not None" if operand else f"{value} is None", True),), False)
        if op == "is" and isinstance(operand, bool):  # None if value is None else (value is operand)
            return Chain(((f"{value} is {operand!r}", True), (f"{value} is None", None)), False, exclusive=True)
        target = self.temp()
        if isinstance(operand, Mapping):
            other = self.read(operand["fact"], indent)
            guard = f"{value} is None or {other} is None"
        else:
            other = self.operand(operand, op, self.fact_type(spec[key]) if key == "fact" else "number")
            guard = f"{value} is None"
        self.emit(indent, f"{target} = None if ({guard}) else ({self.test(op, value, other, operand)})")
        return Value(target)

    def fact_type(self, name: str) -> str | None:
        definition = self.vocabulary.get(name)
        return definition.type if definition is not None else None

    def operand(self, operand: Any, op: str, fact_type: str | None) -> str:
        # A date-like text is a date only where the fact is a date, as in conditions._operand.
        if op in ("in", "contains_any"):
            return self.const(tuple(operand))
        if isinstance(operand, str) and op in _SIMPLE_COMPARISONS and fact_type == "date":
            try:
                return self.const(dt.date.fromisoformat(operand)) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", operand) else self.literal(operand)
            except ValueError:
                return self.literal(operand)
        return self.literal(operand)

    def test(self, op: str, value: str, other: str, operand: Any) -> str:
        if op == "is":
            return f"{value} is {other}"
        if op in _SIMPLE_COMPARISONS:
            return f"{value} {_SIMPLE_COMPARISONS[op]} {other}"
        if op == "in":
            return f"{value} in {other}"
        if op == "contains":
            return f"{other} in {value}"
        if op == "contains_any":
            return f"any(w in {value} for w in {other})"
        if op == "matches":
            pattern = compile_cached(operand, re.I)  # the program cache: see lazyre
            general = self.const(_memoised_match(pattern))
            return f"{general}({value})"
        if op == "starts_with":
            from .conditions import _starts_with

            prefixes = tuple(operand) if isinstance(operand, list) else (operand,)
            return f"{self.const(lambda v, p=prefixes: _starts_with(v, p))}({value})"
        raise Unsupported(op)


def _memoised_match(pattern: re.Pattern) -> Callable[[Any], bool]:
    """pattern matching with a bounded memo: a batch repeats the same service texts again and again."""
    from .conditions import _matches

    seen: dict[str, bool] = {}

    def match(value: Any) -> bool:
        if value.__class__ is not str:
            return _matches(pattern, value)
        found = seen.get(value)
        if found is None:
            if len(seen) > 4096:
                seen.clear()
            found = seen[value] = pattern.search(value) is not None
        return found

    return match


# ---- criterion kinds ---------------------------------------------------------------------------
# Each emitter writes statements that set s<target> (the status code) and, for a kind whose
# certifiable quantity can be other than None, q<target>; it is registered with that quantity kind.
_KIND_EMITTERS: dict[str, tuple[Callable[[_Emitter, Mapping[str, Any], int, str, Any], None], str | None]] = {}


def _kind(name: str, quantity_kind: str | None = None):
    def register(function):
        _KIND_EMITTERS[name] = (function, quantity_kind)
        return function

    return register


@_kind("condition")
def _emit_condition(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    value = em.condition(spec["condition"], indent)
    em.emit(indent, f"s{target} = {value.select('MET', 'NOT_MET', 'ND')}")


@_kind("quantity_limit", "limit")
def _emit_quantity_limit(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    requested = em.read(spec.get("fact", "item.quantity"), indent)
    limit = spec["max"]
    if spec.get("prior"):
        already = em.read(spec["prior"], indent)
        em.emit(indent, f"if {requested} is None or {already} is None:")
        total, remaining = f"{requested} + {already}", f"max(int({em.literal(limit)} - {already}), 0)"
    else:
        em.emit(indent, f"if {requested} is None:")
        # Without prior use the reference adds 0: the same comparison for any value a request can
        # hold (a value that cannot be added to 0 cannot be compared with a number either).
        total = requested
        remaining = repr(max(int(limit), 0)) if math.isfinite(limit) else f"max(int({em.literal(limit)}), 0)"
    em.emit(indent + 1, f"s{target} = ND; q{target} = None")
    em.emit(indent, f"elif {total} <= {em.literal(limit)}:")
    em.emit(indent + 1, f"s{target} = MET; q{target} = None")
    em.emit(indent, "else:")
    if "unless" in spec:
        unless = em.condition(spec["unless"], indent + 1)
        em.emit(indent + 1, f"if {unless.holds(True)}:")
        em.emit(indent + 2, f"s{target} = MET; q{target} = None")
        em.emit(indent + 1, "else:")
        indent += 1
    em.emit(indent + 1, f"s{target} = NOT_MET; q{target} = {remaining}")


@_kind("not_recommended")
def _emit_not_recommended(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    em.emit(indent, f"s{target} = NOT_MET")


def _emit_fallback(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    em.emit(indent, f"s{target}, q{target} = {em.const(fallback)}(f)")
    em.emit(indent, f"s{target} = CODE[s{target}]")


def _emit_rule_body(em: _Emitter, specs: Sequence[Mapping[str, Any]], evaluators: Sequence[Callable],
                    applies: Sequence[Callable | None], prefix: str, indent: int) -> list[CriterionCode]:
    """Statements that set each criterion's status (and quantity where it can be other than None)."""
    criteria = []
    for index, spec in enumerate(specs):
        target = f"{prefix}{index}"
        emitter, quantity_kind = _KIND_EMITTERS.get(spec.get("kind", "condition"), (_emit_fallback, "any"))
        level = indent
        if "applies_when" in spec:
            if spec.get("applies_if_undocumented"):
                em.emit(level, f"if {em.const(applies[index])}(f) is not True:")
            else:
                when = em.condition(spec["applies_when"], level)
                em.emit(level, f"if {_negated(when.holds(True))}:")
            em.emit(level + 1, f"s{target} = NA; q{target} = None" if quantity_kind else f"s{target} = NA")
            em.emit(level, "else:")
            level += 1
        mark = em.mark()
        try:
            emitter(em, spec, level, target, evaluators[index])
        except Unsupported:
            em.rollback(mark)
            quantity_kind = "any"
            _emit_fallback(em, spec, level, target, evaluators[index])
        criteria.append(CriterionCode(f"s{target}", f"q{target}" if quantity_kind else "None", quantity_kind))
    return criteria


_NAMESPACE = {"MET": _STATUS_CODES[Status.MET], "NOT_MET": _STATUS_CODES[Status.NOT_MET],
              "ND": _STATUS_CODES[Status.NOT_DOCUMENTED], "NA": _STATUS_CODES[Status.NOT_APPLICABLE],
              "STATUS": STATUSES, "CODE": _STATUS_CODES}


def _build(em: _Emitter, name: str, extra: Mapping[str, Any] | None = None) -> Callable:
    namespace = dict(_NAMESPACE, K=em.constants, **(extra or {}))
    source = "\n".join(em.lines)
    exec(compile(source, f"<imr-rules {name}>", "exec"), namespace)  # noqa: S102 - generated, see module doc
    function = namespace[name]
    function.source = source
    return function


def _tuple(items: Sequence[str]) -> str:
    return f"({', '.join(items)},)"


def compile_rule_function(
    specs: Sequence[Mapping[str, Any]],
    evaluators: Sequence[Callable],
    applies: Sequence[Callable | None],
    definitions: Mapping[str, Any],
    reference: Callable[[Mapping[str, Any]], tuple],
    vocabulary: Any,
) -> Callable[[Mapping[str, Any]], tuple[tuple[Status, ...], tuple[int | None, ...]]]:
    """One function ``facts -> (statuses, certifiable quantities)`` for a rule's criteria.

    ``reference`` is the closure-based evaluation; the generated function falls back to it on a
    value of an unexpected type, so both paths always agree.
    """
    em = _Emitter(definitions, vocabulary)
    em.emit(0, "def rule_statuses(f):")
    em.emit(1, "try:")
    criteria = _emit_rule_body(em, specs, evaluators, applies, "c", 2)
    em.emit(1, "except TypeError:")
    em.emit(2, f"return {em.const(reference)}(f)")
    em.emit(1, f"return {_tuple([f'STATUS[{c.status}]' for c in criteria])}, {_tuple([c.quantity for c in criteria])}")
    return _build(em, "rule_statuses")


def compile_choice_function(conditions: Sequence[Mapping[str, Any] | None], definitions: Mapping[str, Any],
                            reference: Callable, vocabulary: Any) -> Callable:
    """One function ``facts -> tuple of bools``: for each condition, whether it is not False (a
    rule whose ``when`` is not ruled out applies; None stands for a rule without one).

    ``reference(facts)`` gives the same tuple by the closures, used on a value of an unexpected type.
    """
    em = _Emitter(definitions, vocabulary)
    em.emit(0, "def choose_rules(f):")
    em.emit(1, "try:")
    kept = ["True" if spec is None else _negated(em.condition(spec, 2).holds(False)) for spec in conditions]
    em.emit(2, f"return {_tuple(kept)}")
    em.emit(1, "except TypeError:")
    em.emit(2, f"return {em.const(reference)}(f)")
    return _build(em, "choose_rules")


def compile_decision_function(rules: Sequence[Any], definitions: Mapping[str, Any], combine: Callable,
                              reference: Callable, vocabulary: Any) -> Callable:
    """One function ``facts -> decision`` for a fixed selection of rules, all criteria inline.

    ``combine(statuses, quantities)`` makes the decision from each rule's criterion statuses and
    certifiable quantities, as the reference path does; ``reference(facts)`` is the reference
    path, used on a value of an unexpected type.

    The generated code evaluates every criterion on every call, then looks the decision up by the
    statuses and quantities it found: few combinations occur, and building a decision (five
    tuples and a NamedTuple) costs as much as evaluating a rule's criteria.
    """
    em = _Emitter(definitions, vocabulary)
    em.emit(0, "def decide_selection(f):")
    em.emit(1, "try:")
    layout = [_emit_rule_body(em, rule.criterion_specs, [c.evaluate for c in rule.criteria],
                              [c.applies_when for c in rule.criteria], f"r{number}_", 2)
              for number, rule in enumerate(rules)]
    criteria = [c for rule_criteria in layout for c in rule_criteria]
    key = [c.status for c in criteria] + [c.quantity for c in criteria if c.quantity_kind]
    # A quantity from a reference closure may be 1 or 1.0 or True: equal keys, different results.
    key += [f"{c.quantity}.__class__" for c in criteria if c.quantity_kind == "any"]
    # Inside the try: a quantity that cannot be hashed takes the reference path too.
    em.emit(2, f"return DECISIONS[{_tuple(key)}]")
    em.emit(1, "except TypeError:")
    em.emit(2, f"return {em.const(reference)}(f)")
    return _build(em, "decide_selection", {"DECISIONS": _Decisions(layout, combine)})


# The table of decisions is bounded: quantities can take many values over a long batch.
_DECISIONS_LIMIT = 4096


class _Decisions(dict):
    """Decisions of one selection of rules, by the status codes and quantities that decide them.

    A decision is made by ``combine`` (the reference logic: verdict and certifiable quantity) the
    first time its statuses and quantities occur; later lookups return that same immutable value.
    Every criterion is still evaluated on every call: only the assembly of the result is shared.
    """

    def __init__(self, layout: Sequence[Sequence[CriterionCode]], combine: Callable):
        super().__init__()
        self.layout = [[c.quantity_kind is not None for c in rule] for rule in layout]
        self.count = sum(len(rule) for rule in layout)
        self.combine = combine

    def __missing__(self, key: tuple) -> Any:
        codes, quantities = iter(key[: self.count]), iter(key[self.count:])
        statuses = tuple(tuple(STATUSES[next(codes)] for _ in rule) for rule in self.layout)
        certifiable = tuple(tuple(next(quantities) if has_quantity else None for has_quantity in rule)
                            for rule in self.layout)
        if len(self) >= _DECISIONS_LIMIT:
            self.clear()
        decision = self[key] = self.combine(statuses, certifiable)
        return decision
