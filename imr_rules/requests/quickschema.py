"""A small, fast yes/no JSON Schema check for the keywords our schemas use.

Importing jsonschema costs more than a whole terminal report (about 0.1 s), and a check of one
request must start fast. So valid documents, the common case, are recognised here; only an invalid
one is handed to jsonschema, for its precise, path-carrying errors. Tests run both on many valid
and invalid documents and require the same verdict.
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
    return _compile(schema, schema)


def _compile(node: Any, root: Mapping[str, Any]) -> Check:
    if node is True or node == {}:
        return lambda v: True
    if node is False:
        return lambda v: False
    checks: list[Check] = []
    for keyword, value in node.items():
        if keyword in ANNOTATIONS:
            continue
        builder = _KEYWORDS.get(keyword)
        if builder is None:
            raise UnsupportedKeyword(keyword)
        checks.append(builder(value, node, root))
    checks = [c for c in checks if c is not None]
    return lambda v: all(check(v) for check in checks)


def _type(value, node, root) -> Check:
    names = value if isinstance(value, list) else [value]
    tests = [_TYPES[name] for name in names]
    return lambda v: any(test(v) for test in tests)


def _properties(value, node, root) -> Check:
    compiled = {name: _compile(sub, root) for name, sub in value.items()}
    return lambda v: not isinstance(v, dict) or all(compiled[k](v[k]) for k in compiled if k in v)


def _required(value, node, root) -> Check:
    return lambda v: not isinstance(v, dict) or all(k in v for k in value)


def _additional(value, node, root) -> Check:
    known = set(node.get("properties", {}))
    if value is False:
        return lambda v: not isinstance(v, dict) or all(k in known for k in v)
    extra = _compile(value, root)
    return lambda v: not isinstance(v, dict) or all(extra(v[k]) for k in v if k not in known)


def _items(value, node, root) -> Check:
    each = _compile(value, root)
    return lambda v: not isinstance(v, list) or all(each(x) for x in v)


def _min_items(value, node, root) -> Check:
    return lambda v: not isinstance(v, list) or len(v) >= value


def _unique_items(value, node, root) -> Check | None:
    if not value:
        return None
    return lambda v: not isinstance(v, list) or len({repr(x) for x in v}) == len(v)


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
    # JSON Schema equality: 1 == 1.0 but true != 1.
    return lambda v: any(v == option and isinstance(v, bool) == isinstance(option, bool) for option in value)


def _one_of(value, node, root) -> Check:
    options = [_compile(sub, root) for sub in value]
    return lambda v: sum(1 for option in options if option(v)) == 1


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
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "items": _items,
    "minItems": _min_items,
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
