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
    _check_keywords(schema)
    return _compile(schema, _Context(schema))


class _Context:
    """One schema's compilation: its root (references are resolved in it) and each reference's
    compiled check, so that a definition used in several places compiles once."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def resolve(self, reference: str) -> Any:
        if not reference.startswith("#/"):
            raise UnsupportedKeyword(f"$ref {reference}")
        target: Any = self.root
        for part in reference[2:].split("/"):
            target = target[part]
        return target


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
        elif keyword not in ANNOTATIONS and keyword not in _KEYWORDS and keyword not in _OBJECT_KEYWORDS + _ARRAY_KEYWORDS:
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


def _compile(node: Any, context: _Context) -> Check:
    if node is True or node == {}:
        return lambda v: True
    if node is False:
        return lambda v: False
    checks: list[Check] = []
    # "type": "object" (or "array") beside the keywords of its kind is tested by their one check.
    kind = node.get("type")
    if any(keyword in node for keyword in _OBJECT_KEYWORDS):
        checks.append(_object(node, context, strict=kind == "object"))
    if any(keyword in node for keyword in _ARRAY_KEYWORDS):
        checks.append(_array(node, context, strict=kind == "array"))
    for keyword, value in node.items():
        if keyword in ANNOTATIONS or keyword in _OBJECT_KEYWORDS or keyword in _ARRAY_KEYWORDS:
            continue
        if keyword == "type" and ((value == "object" and any(k in node for k in _OBJECT_KEYWORDS))
                                  or (value == "array" and any(k in node for k in _ARRAY_KEYWORDS))):
            continue  # the strict check above tests it
        builder = _KEYWORDS.get(keyword)
        if builder is None:
            raise UnsupportedKeyword(keyword)
        checks.append(builder(value, node, context))
    return _all_of([c for c in checks if c is not None])


# The exact Python types whose every value is of a JSON type (an integral float is an integer
# too, but is tested, not taken outright), and the exact types a value of it may have.
_OUTRIGHT = {"object": (dict,), "array": (list,), "string": (str,), "integer": (int,), "number": (int, float),
             "boolean": (bool,), "null": (type(None),)}
_POSSIBLE = {**_OUTRIGHT, "integer": (int, float)}
_JSON_TYPES = frozenset(t for types in _OUTRIGHT.values() for t in types)


def _type_names(node: Any) -> list[str] | None:
    names = node.get("type") if isinstance(node, Mapping) else None
    return None if names is None else names if isinstance(names, list) else [names]


def outright_types(node: Any, context: _Context, following: tuple = ()) -> frozenset[type]:
    """The exact types whose every value the node accepts, known from the schema alone: a node
    that only names types, a reference to one, a oneOf or anyOf of such nodes. A value of another
    type (a str subclass, an integral float) is not refused by this: its check decides."""
    if node is True or node == {}:
        return _JSON_TYPES
    if not isinstance(node, Mapping):
        return frozenset()
    keywords = node.keys() - ANNOTATIONS
    if keywords == {"type"}:
        return frozenset(t for name in _type_names(node) for t in _OUTRIGHT[name])
    if keywords == {"$ref"} and node["$ref"] not in following:
        return outright_types(context.resolve(node["$ref"]), context, following + (node["$ref"],))
    if keywords == {"anyOf"} or (keywords == {"oneOf"} and _types_apart(node["oneOf"])):
        options = node["anyOf"] if "anyOf" in node else node["oneOf"]
        return frozenset().union(*(outright_types(sub, context, following) for sub in options))
    return frozenset()


def _types_apart(options: list) -> bool:
    """No value can be of two options' types: then at most one option can accept a value, and
    oneOf is decided by the one option its type allows."""
    seen: set[type] = set()
    for option in options:
        names = _type_names(option)
        if names is None:
            return False
        possible = {t for name in names for t in _POSSIBLE[name]}
        if possible & seen:
            return False
        seen |= possible
    return True


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


def _type(value, node, context) -> Check:
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


def _object(node: Mapping[str, Any], context: _Context, strict: bool) -> Check:
    """strict: the node also says "type": "object", so anything but a mapping fails."""
    # Each property's check, beside the types it accepts outright (tested without a call).
    compiled = {name: (outright_types(sub, context), _compile(sub, context))
                for name, sub in node.get("properties", {}).items()}
    required = frozenset(node.get("required", ()))
    additional = node.get("additionalProperties", True)
    closed = additional is False
    extra = None if additional is True or additional is False or additional == {} else _compile(additional, context)
    extra_outright = outright_types(additional, context) if extra is not None else frozenset()

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return not strict
        if required and not v.keys() >= required:
            return False
        for key, item in v.items():
            known = compiled.get(key)
            if known is not None:
                if type(item) not in known[0] and not known[1](item):
                    return False
            elif closed or (extra is not None and type(item) not in extra_outright and not extra(item)):
                return False
        return True

    return check


# Likewise a list's items and length.
_ARRAY_KEYWORDS = ("items", "minItems", "maxItems")


def _array(node: Mapping[str, Any], context: _Context, strict: bool) -> Check:
    """strict: the node also says "type": "array", so anything but a list fails."""
    each = _compile(node["items"], context) if "items" in node else None
    outright = outright_types(node["items"], context) if each is not None else frozenset()
    shortest, longest = node.get("minItems", 0), node.get("maxItems")

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return not strict
        if len(v) < shortest or (longest is not None and len(v) > longest):
            return False
        if each is not None:
            for item in v:
                if type(item) not in outright and not each(item):
                    return False
        return True

    return check


def _unique_items(value, node, context) -> Check | None:
    if not value:
        return None
    return lambda v: not isinstance(v, list) or not any(
        json_equal(v[i], v[j]) for i in range(len(v)) for j in range(i + 1, len(v)))


def _min_properties(value, node, context) -> Check:
    return lambda v: not isinstance(v, dict) or len(v) >= value


def _min_length(value, node, context) -> Check:
    return lambda v: not isinstance(v, str) or len(v) >= value


def _minimum(value, node, context) -> Check:
    return lambda v: not _TYPES["number"](v) or v >= value


def _maximum(value, node, context) -> Check:
    return lambda v: not _TYPES["number"](v) or v <= value


def _pattern(value, node, context) -> Check:
    pattern = re.compile(value)
    return lambda v: not isinstance(v, str) or pattern.search(v) is not None


def _enum(value, node, context) -> Check:
    if all(isinstance(option, str) for option in value):
        # Text options: only equal text matches (json_equal of text and anything else is false).
        options = frozenset(value)
        return lambda v: isinstance(v, str) and v in options
    return lambda v: any(json_equal(v, option) for option in value)


def _one_of(value, node, context) -> Check:
    options = [_compile(sub, context) for sub in value]

    def check(v: Any) -> bool:  # exactly one: stop at the second match
        matched = False
        for option in options:
            if option(v):
                if matched:
                    return False
                matched = True
        return matched

    if not _types_apart(value):
        return check
    # Options of types apart: a value's exact type names the one option that may accept it (or
    # that accepts it outright); a value of another type (a subclass) is tried against them all.
    by_type: dict[type, Any] = dict.fromkeys(_JSON_TYPES, False)
    for sub, option in zip(value, options):
        outright = outright_types(sub, context)
        for name in _type_names(sub):
            for kind in _POSSIBLE[name]:
                by_type[kind] = True if kind in outright else option

    def one_of_apart(v: Any) -> bool:
        option = by_type.get(type(v), check)
        return option if option is True or option is False else option(v)

    return one_of_apart


def _any_of(value, node, context) -> Check:
    options = [_compile(sub, context) for sub in value]
    return lambda v: any(option(v) for option in options)


def _ref(value, node, context) -> Check:
    compiled = context.refs.get(value)
    if compiled is None:
        target = context.resolve(value)
        # While the target compiles, a reference back to it (a recursive schema) calls the
        # finished check through the context.
        context.refs[value] = lambda v: context.refs[value](v)
        compiled = context.refs[value] = _compile(target, context)
    return compiled


_KEYWORDS = {
    "type": _type,
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
