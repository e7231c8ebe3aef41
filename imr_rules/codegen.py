"""Compiling a rule's criteria into one plain Python function, for speed.

The closures of ``conditions`` and ``kinds`` are the reference semantics. For batch runs over
hundreds of thousands of items, calling a closure per condition node costs more than the
comparisons themselves, so each rule is also translated into a single function that computes
every criterion's status in straight-line code. The translation is mechanical and safe: the
source text holds only identifiers we generate, fact names already checked against the
vocabulary (written as string literals), and numbers; every other value (regular expressions,
dates, lists, a kind this module does not know) is passed in as a constant ``K[i]``. Tests check
that both paths give the same statuses on many generated requests.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Mapping, Sequence

from .model import Status

_SIMPLE_COMPARISONS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class Unsupported(Exception):
    """A construct this module does not translate; the caller keeps the reference closure."""


class _Emitter:
    def __init__(self, definitions: Mapping[str, Any]):
        self.lines: list[str] = []
        self.constants: list[Any] = []
        self.definitions = definitions
        self.counter = 0
        # Every fact is read once, at the top of the function (see header()).
        self.reads: dict[str, str] = {}

    def temp(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def const(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def literal(self, value: Any) -> str:
        """A Python literal for simple values, a constant slot for anything else."""
        if isinstance(value, bool) or value is None:
            return repr(value)
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_. -]*", value):
            return repr(value)
        return self.const(value)

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    # ---- conditions: each returns the name of a variable holding True / False / None --------
    def condition(self, spec: Any, indent: int) -> str:
        if "all" in spec or "any" in spec:
            key = "all" if "all" in spec else "any"
            parts = [self.condition(part, indent) for part in spec[key]]
            decisive, other = ("False", "True") if key == "all" else ("True", "False")
            target = self.temp()
            any_decisive = " or ".join(f"{p} is {decisive}" for p in parts)
            any_unknown = " or ".join(f"{p} is None" for p in parts)
            self.emit(indent, f"{target} = {decisive} if ({any_decisive}) else (None if ({any_unknown}) else {other})")
            return target
        if "not" in spec:
            inner = self.condition(spec["not"], indent)
            target = self.temp()
            self.emit(indent, f"{target} = None if {inner} is None else (not {inner})")
            return target
        if "ref" in spec:
            return self.condition(self.definitions[spec["ref"]], indent)
        if "const" in spec:
            target = self.temp()
            self.emit(indent, f"{target} = {self.literal(spec['const'])}")
            return target
        return self.comparison(spec, indent)

    def read(self, name: str, indent: int) -> str:
        if name not in self.reads:
            self.reads[name] = f"F{len(self.reads)}"
        return self.reads[name]

    def header(self, indent: int) -> list[str]:
        return ["    " * indent + f"{var} = f.get({self.literal(name)})" for name, var in self.reads.items()]

    def subject(self, spec: Mapping[str, Any], indent: int) -> tuple[str, str]:
        if "fact" in spec:
            return "fact", self.read(spec["fact"], indent)
        parts = [self.read(name, indent) for name in spec["sum"]]
        target = self.temp()
        unknown = " or ".join(f"{p} is None" for p in parts)
        self.emit(indent, f"{target} = None if ({unknown}) else ({' + '.join(parts)})")
        return "sum", target

    def comparison(self, spec: Mapping[str, Any], indent: int) -> str:
        key, value = self.subject(spec, indent)
        op = next(k for k in spec if k != key)
        operand = spec[op]
        target = self.temp()
        if op == "documented":
            self.emit(indent, f"{target} = ({value} is not None) is {bool(operand)}")
            return target
        if isinstance(operand, Mapping):
            other = self.read(operand["fact"], indent)
            guard = f"{value} is None or {other} is None"
        else:
            other = self.operand(operand, op)
            guard = f"{value} is None"
        self.emit(indent, f"{target} = None if ({guard}) else ({self.test(op, value, other, operand)})")
        return target

    def operand(self, operand: Any, op: str) -> str:
        if op in ("in", "contains_any"):
            return self.const(tuple(operand))
        if isinstance(operand, str) and op in _SIMPLE_COMPARISONS:
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
            pattern = re.compile(operand, re.I)
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


_KIND_EMITTERS: dict[str, Callable[[_Emitter, Mapping[str, Any], int, str, Any], None]] = {}


def _kind(name: str):
    def register(function):
        _KIND_EMITTERS[name] = function
        return function

    return register


@_kind("condition")
def _emit_condition(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    value = em.condition(spec["condition"], indent)
    em.emit(indent, f"s{target} = MET if {value} is True else NOT_MET if {value} is False else ND")
    em.emit(indent, f"q{target} = None")


@_kind("quantity_limit")
def _emit_quantity_limit(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    requested = em.read(spec.get("fact", "item.quantity"), indent)
    limit = em.literal(spec["max"])
    if spec.get("prior"):
        already = em.read(spec["prior"], indent)
        em.emit(indent, f"if {requested} is None or {already} is None:")
    else:
        already = "0"
        em.emit(indent, f"if {requested} is None:")
    em.emit(indent + 1, f"s{target} = ND; q{target} = None")
    em.emit(indent, f"elif {requested} + {already} <= {limit}:")
    em.emit(indent + 1, f"s{target} = MET; q{target} = None")
    em.emit(indent, "else:")
    if "unless" in spec:
        unless = em.condition(spec["unless"], indent + 1)
        em.emit(indent + 1, f"if {unless} is True:")
        em.emit(indent + 2, f"s{target} = MET; q{target} = None")
        em.emit(indent + 1, "else:")
        indent += 1
    em.emit(indent + 1, f"s{target} = NOT_MET; q{target} = max(int({limit} - {already}), 0)")


@_kind("not_recommended")
def _emit_not_recommended(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    em.emit(indent, f"s{target} = NOT_MET; q{target} = None")


def _emit_fallback(em: _Emitter, spec: Mapping[str, Any], indent: int, target: str, fallback: Any) -> None:
    em.emit(indent, f"s{target}, q{target} = {em.const(fallback)}(f)")


def _emit_rule_body(em: _Emitter, specs: Sequence[Mapping[str, Any]], evaluators: Sequence[Callable],
                    applies: Sequence[Callable | None], prefix: str, indent: int) -> tuple[list[str], list[str]]:
    """Statements that set s<prefix><i> / q<prefix><i> (status, certifiable quantity) per criterion."""
    targets = []
    for index, spec in enumerate(specs):
        target = f"{prefix}{index}"
        targets.append(target)
        level = indent
        if "applies_when" in spec:
            if spec.get("applies_if_undocumented"):
                em.emit(level, f"if {em.const(applies[index])}(f) is not True:")
            else:
                when = em.condition(spec["applies_when"], level)
                em.emit(level, f"if {when} is not True:")
            em.emit(level + 1, f"s{target} = NA; q{target} = None")
            em.emit(level, "else:")
            level += 1
        emitter = _KIND_EMITTERS.get(spec.get("kind", "condition"), _emit_fallback)
        mark = len(em.lines)
        try:
            emitter(em, spec, level, target, evaluators[index])
        except Unsupported:
            del em.lines[mark:]
            _emit_fallback(em, spec, level, target, evaluators[index])
    return [f"s{t}" for t in targets], [f"q{t}" for t in targets]


_NAMESPACE = {"MET": Status.MET, "NOT_MET": Status.NOT_MET, "ND": Status.NOT_DOCUMENTED, "NA": Status.NOT_APPLICABLE}


def _build(em: _Emitter, name: str, body_start: int, extra: Mapping[str, Any] | None = None) -> Callable:
    """Put the hoisted reads at the top of the body and compile the function."""
    lines = em.lines[:body_start] + em.header(2) + em.lines[body_start:]
    namespace = dict(_NAMESPACE, K=em.constants, **(extra or {}))
    source = "\n".join(lines)
    exec(compile(source, f"<imr-rules {name}>", "exec"), namespace)  # noqa: S102 - generated, see module doc
    function = namespace[name]
    function.source = source
    return function


def compile_rule_function(
    specs: Sequence[Mapping[str, Any]],
    evaluators: Sequence[Callable],
    applies: Sequence[Callable | None],
    definitions: Mapping[str, Any],
    reference: Callable[[Mapping[str, Any]], tuple],
) -> Callable[[Mapping[str, Any]], tuple[tuple[Status, ...], tuple[int | None, ...]]]:
    """One function ``facts -> (statuses, certifiable quantities)`` for a rule's criteria.

    ``reference`` is the closure-based evaluation; the generated function falls back to it on a
    value of an unexpected type, so both paths always agree.
    """
    em = _Emitter(definitions)
    em.emit(0, "def rule_statuses(f):")
    em.emit(1, "try:")
    start = len(em.lines)
    statuses, quantities = _emit_rule_body(em, specs, evaluators, applies, "c", 2)
    em.emit(1, "except TypeError:")
    em.emit(2, f"return {em.const(reference)}(f)")
    em.emit(1, f"return ({', '.join(statuses)},), ({', '.join(quantities)},)")
    return _build(em, "rule_statuses", start)


def compile_decision_function(rules: Sequence[Any], definitions: Mapping[str, Any], decision: Callable,
                              outcomes: tuple[Any, Any], certifiable: Callable, passes: Callable,
                              reference: Callable) -> Callable:
    """One function ``facts -> decision(...)`` for a fixed selection of rules, all criteria inline.

    ``decision(outcome, rules, statuses, quantities, certifiable)`` builds the result, with
    ``outcomes`` = (necessary, not necessary); ``certifiable(statuses, quantities)`` computes the
    certifiable portion; ``passes(rule, statuses)`` decides a rule whose logic is not "all
    criteria"; ``reference`` is the per-rule path, used on a value of an unexpected type.
    """
    em = _Emitter(definitions)
    em.emit(0, "def decide_selection(f):")
    em.emit(1, "try:")
    start = len(em.lines)
    tuples, quantity_tuples, verdicts = [], [], []
    for number, rule in enumerate(rules):
        statuses, quantities = _emit_rule_body(
            em, rule.criterion_specs, [c.evaluate for c in rule.criteria], [c.applies_when for c in rule.criteria],
            f"r{number}_", 2,
        )
        em.emit(2, f"S{number} = ({', '.join(statuses)},)")
        em.emit(2, f"Q{number} = ({', '.join(quantities)},)")
        tuples.append(f"S{number}")
        quantity_tuples.append(f"Q{number}")
        if rule.all_required:
            verdicts.extend(f"({v} is MET or {v} is NA)" for v in statuses)
        else:
            verdicts.append(f"{em.const(passes)}({em.const(rule)}, S{number})")
    em.emit(1, "except TypeError:")
    em.emit(2, f"return {em.const(reference)}(f)")
    all_statuses = f"({', '.join(tuples)},)"
    all_quantities = f"({', '.join(quantity_tuples)},)"
    # tuple.__new__ builds the NamedTuple without its Python-level __new__ (half the cost).
    em.emit(1, f"if {' and '.join(verdicts)}:")
    em.emit(2, f"return NEW(DECISION, (NECESSARY, RULES, {all_statuses}, {all_quantities}, None))")
    em.emit(1, f"return NEW(DECISION, (NOT_NECESSARY, RULES, {all_statuses}, {all_quantities}, CERT({all_statuses}, {all_quantities})))")
    extra = {"DECISION": decision, "NEW": tuple.__new__, "NECESSARY": outcomes[0], "NOT_NECESSARY": outcomes[1], "RULES": tuple(rules),
             "CERT": certifiable}
    return _build(em, "decide_selection", start, extra)
