"""Walking a rule file's conditions (valid or not), and small helpers the check families share."""

from __future__ import annotations

import difflib
from typing import Any, Iterable, Iterator, Mapping

from imr_rules.ruleset.kinds import KINDS, kind_of

# Every field of a criterion that holds a condition: the common applies_when and each kind's own.
CONDITION_FIELDS = ("applies_when", *dict.fromkeys(f for kind in KINDS.values() for f in kind.condition_fields))
_GENERIC_UNIT = "units"  # item.quantity counts whatever the rule's unit is: visits, tablets, ...
_TIME_UNITS = frozenset({"days", "weeks", "months", "years", "per week"})


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def condition_spots(data: dict) -> Iterator[tuple[tuple, Any]]:
    """Every condition of a rule file, with its field path."""
    applies = data.get("applies_to")
    if isinstance(applies, dict) and "when" in applies:
        yield ("applies_to", "when"), applies["when"]
    for index, criterion in enumerate(as_list(data.get("criteria"))):
        if isinstance(criterion, dict):
            for key in CONDITION_FIELDS:
                if key in criterion:
                    yield ("criteria", index, key), criterion[key]


def comparisons(spec: Any, path: tuple) -> Iterator[tuple[tuple, Mapping]]:
    """The comparison leaves of a condition ({fact: ...} or {sum: ...}); refs are not followed."""
    if not isinstance(spec, Mapping):
        return
    for key in ("all", "any"):
        if key in spec:
            for index, part in enumerate(as_list(spec[key])):
                yield from comparisons(part, path + (key, index))
            return
    if "not" in spec:
        yield from comparisons(spec["not"], path + ("not",))
    elif "fact" in spec or "sum" in spec:
        yield path, spec


def leaf_facts(leaf: Mapping, path: tuple) -> Iterator[tuple[tuple, Any]]:
    """The fact names one comparison reads, each with its field path."""
    if "fact" in leaf:
        yield path + ("fact",), leaf["fact"]
    for index, name in enumerate(as_list(leaf.get("sum"))):
        yield path + ("sum", index), name
    for op, operand in leaf.items():
        if op not in ("fact", "sum") and isinstance(operand, Mapping) and "fact" in operand:
            yield path + (op, "fact"), operand["fact"]


def facts_read(spec: Any, definitions: Mapping[str, Any], _seen: tuple = ()) -> set[str]:
    """Every fact name a condition reads, following {ref: ...} into the shared definitions."""
    names: set[str] = set()
    for path, leaf in comparisons(spec, ()):
        names.update(n for _, n in leaf_facts(leaf, path) if isinstance(n, str))
    for name in _refs(spec):
        if name in definitions and name not in _seen:
            names |= facts_read(definitions[name], definitions, _seen + (name,))
    return names


def _refs(spec: Any) -> Iterator[str]:
    if isinstance(spec, Mapping):
        if isinstance(spec.get("ref"), str):
            yield spec["ref"]
        for key in ("all", "any"):
            for part in as_list(spec.get(key)):
                yield from _refs(part)
        if "not" in spec:
            yield from _refs(spec["not"])


def constant_value(spec: Any, definitions: Mapping[str, Any], _seen: tuple = ()) -> bool | None:
    """True/False when a condition is the same whatever the request documents, else None."""
    if not isinstance(spec, Mapping):
        return None
    if "const" in spec:
        return spec["const"] if isinstance(spec["const"], bool) else None
    if "not" in spec:
        inner = constant_value(spec["not"], definitions, _seen)
        return None if inner is None else not inner
    if isinstance(spec.get("ref"), str):
        name = spec["ref"]
        return None if name in _seen or name not in definitions else constant_value(definitions[name], definitions, _seen + (name,))
    for key, absorbing in (("all", False), ("any", True)):
        if key in spec:
            values = [constant_value(p, definitions, _seen) for p in as_list(spec[key])]
            if absorbing in values:
                return absorbing
            return (not absorbing) if values and all(v is not None for v in values) else None
    return None


def can_be_unknown(spec: Any, definitions: Mapping[str, Any], _seen: tuple = ()) -> bool:
    """Whether a condition can be unknown (a comparison other than ``documented`` reads a fact)."""
    if any(not (len(leaf) == 2 and "documented" in leaf) for _, leaf in comparisons(spec, ())):
        return True
    return any(
        can_be_unknown(definitions[n], definitions, _seen + (n,)) for n in _refs(spec) if n in definitions and n not in _seen
    )


def criterion_facts(criterion: dict, definitions: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for key in CONDITION_FIELDS:
        if key in criterion:
            names |= facts_read(criterion[key], definitions)
    kind = kind_of(criterion)
    return names | (kind.facts_named(criterion) if kind else set())


def did_you_mean(name: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def units_compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return _GENERIC_UNIT in (a, b) and not ({a, b} & _TIME_UNITS)



def ref_paths(spec: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if not isinstance(spec, Mapping):
        return
    if isinstance(spec.get("ref"), str):
        yield path + ("ref",), spec["ref"]
    for key in ("all", "any"):
        for index, part in enumerate(as_list(spec.get(key))):
            yield from ref_paths(part, path + (key, index))
    if "not" in spec:
        yield from ref_paths(spec["not"], path + ("not",))


def documented_by(spec: Any) -> set[str]:
    """The facts a condition, when true, guarantees are documented ({fact: X, documented: true}, and all of)."""
    if not isinstance(spec, Mapping):
        return set()
    if spec.get("documented") is True and isinstance(spec.get("fact"), str):
        return {spec["fact"]}
    if isinstance(spec.get("all"), list):
        return set().union(*(documented_by(part) for part in spec["all"]))
    return set()
