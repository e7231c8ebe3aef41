"""A small, fast yes/no JSON Schema check for the keywords our schemas use.

Importing jsonschema costs more than a whole terminal report (about 0.1 s), and a check of one
request must start fast. So valid documents, the common case, are recognised here; only an invalid
one is handed to jsonschema, for its precise, path-carrying errors. tests/test_quickschema.py
runs both on generated and mutated documents for every shipped schema (hypothesis) and requires
the same verdict.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Mapping

ANNOTATIONS = {"$schema", "$id", "title", "description", "default", "$defs", "format", "examples"}
Check = Callable[[Any], bool]


class UnsupportedKeyword(ValueError):
    """The schema uses a keyword this checker does not know: use jsonschema for it."""


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A function instance -> bool for the schema (raises UnsupportedKeyword for unknown keywords)."""
    _check_keywords(schema)  # all of them now: $ref targets compile only on first use
    return _compile(schema, schema)


def _check_keywords(node: Any) -> None:
    if not isinstance(node, Mapping):
        return
    for keyword, value in node.items():
        if keyword in ("properties", "$defs"):
            for sub in value.values():
                _check_keywords(sub)
        elif keyword in ("oneOf", "anyOf"):
            for sub in value:
                _check_keywords(sub)
        elif keyword in ("items", "additionalProperties"):
            _check_keywords(value)
        elif keyword not in ANNOTATIONS and keyword not in _KEYWORDS and keyword not in _OBJECT_KEYWORDS:
            raise UnsupportedKeyword(keyword)


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema defines it (enum, uniqueItems): 1 == 1.0, but true != 1, and
    arrays and objects compare element by element."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(json_equal, a, b))
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(json_equal(a[k], b[k]) for k in a))
    return a == b


def _compile(node: Any, root: Mapping[str, Any]) -> Check:
    if node is True or node == {}:
        return lambda v: True
    if node is False:
        return lambda v: False
    checks: list[Check] = []
    if any(keyword in node for keyword in _OBJECT_KEYWORDS):
        checks.append(_object(node, root))
    for keyword, value in node.items():
        if keyword in ANNOTATIONS or keyword in _OBJECT_KEYWORDS:
            continue
        builder = _KEYWORDS.get(keyword)
        if builder is None:
            raise UnsupportedKeyword(keyword)
        checks.append(builder(value, node, root))
    return _all_of([c for c in checks if c is not None])


def _all_of(checks: list[Check]) -> Check:
    """One check for several: every instance of a batch passes through these, so the common
    shapes (one or two checks) avoid a loop."""
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    checks = tuple(checks)

    def every(v: Any) -> bool:  # a loop that stops at the first failure, building no list
        for check in checks:
            if not check(v):
                return False
        return True

    return every


def _type(value, node, root) -> Check:
    names = value if isinstance(value, list) else [value]
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    tests = tuple(tests)

    def any_type(v: Any) -> bool:
        for test in tests:
            if test(v):
                return True
        return False

    return any_type


# An object's properties, required names and additional properties are checked together, in one
# pass over its keys: every request passes through here, and one closure is cheaper than three.
_OBJECT_KEYWORDS = ("properties", "required", "additionalProperties")


def _object(node: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    compiled = {name: _compile(sub, root) for name, sub in node.get("properties", {}).items()}
    required = frozenset(node.get("required", ()))
    additional = node.get("additionalProperties", True)
    closed = additional is False
    extra = None if additional is True or additional is False or additional == {} else _compile(additional, root)

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        if required and not v.keys() >= required:
            return False
        for key, item in v.items():
            sub = compiled.get(key)
            if sub is not None:
                if not sub(item):
                    return False
            elif closed or (extra is not None and not extra(item)):
                return False
        return True

    return check


def _items(value, node, root) -> Check:
    each = _compile(value, root)
    return lambda v: not isinstance(v, list) or all(map(each, v))


def _min_items(value, node, root) -> Check:
    return lambda v: not isinstance(v, list) or len(v) >= value


def _unique_items(value, node, root) -> Check | None:
    if not value:
        return None
    return lambda v: not isinstance(v, list) or not any(
        json_equal(v[i], v[j]) for i in range(len(v)) for j in range(i + 1, len(v)))


def _max_items(value, node, root) -> Check:
    return lambda v: not isinstance(v, list) or len(v) <= value


def _min_properties(value, node, root) -> Check:
    return lambda v: not isinstance(v, dict) or len(v) >= value


def _min_length(value, node, root) -> Check:
    return lambda v: not isinstance(v, str) or len(v) >= value


def _minimum(value, node, root) -> Check:
    return lambda v: not _TYPES["number"](v) or v >= value


def _maximum(value, node, root) -> Check:
    return lambda v: not _TYPES["number"](v) or v <= value


def _pattern(value, node, root) -> Check:
    pattern = re.compile(value)
    return lambda v: not isinstance(v, str) or pattern.search(v) is not None


def _enum(value, node, root) -> Check:
    if all(isinstance(option, str) for option in value):
        # Text options: only equal text matches (json_equal of text and anything else is false).
        options = frozenset(value)
        return lambda v: isinstance(v, str) and v in options
    return lambda v: any(json_equal(v, option) for option in value)


def _one_of(value, node, root) -> Check:
    options = [_compile(sub, root) for sub in value]

    def check(v: Any) -> bool:  # exactly one: stop at the second match
        matched = False
        for option in options:
            if option(v):
                if matched:
                    return False
                matched = True
        return matched

    return check


def _any_of(value, node, root) -> Check:
    options = [_compile(sub, root) for sub in value]
    return lambda v: any(option(v) for option in options)


def _ref(value, node, root) -> Check:
    if not value.startswith("#/"):
        raise UnsupportedKeyword(f"$ref {value}")
    target: Any = root
    for part in value[2:].split("/"):
        target = target[part]
    resolved: list[Check] = []

    def check(v: Any) -> bool:  # compiled on first use: references may be recursive
        if not resolved:
            resolved.append(_compile(target, root))
        return resolved[0](v)

    return check


_KEYWORDS = {
    "type": _type,
    "items": _items,
    "minItems": _min_items,
    "maxItems": _max_items,
    "uniqueItems": _unique_items,
    "minProperties": _min_properties,
    "minLength": _min_length,
    "minimum": _minimum,
    "maximum": _maximum,
    "pattern": _pattern,
    "enum": _enum,
    "oneOf": _one_of,
    "anyOf": _any_of,
    "$ref": _ref,
}


@lru_cache(maxsize=8)
def schema_check(name: str) -> Check:
    """The quick check for a packaged schema (imr_rules/schemas/NAME)."""
    from imr_rules.documents import packaged_schema

    return compile_schema(packaged_schema(name))
