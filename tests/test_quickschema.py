"""quickschema (the fast yes/no check) gives jsonschema's verdict on every shipped schema.

Documents are generated from each schema (mostly valid, at every level sometimes replaced by
arbitrary JSON) and then mutated (a key dropped, an unknown key added, a value replaced), so both
valid and invalid documents of every shape reach both validators.
"""

from __future__ import annotations

import json
import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conftest import ROOT
from imr_rules.requests.quickschema import UnsupportedKeyword, compile_schema, json_equal

# More examples for a longer run: QUICKSCHEMA_EXAMPLES=2000 python -m pytest tests/test_quickschema.py
EXAMPLES = int(os.environ.get("QUICKSCHEMA_EXAMPLES", "60"))
SCHEMA_DIR = ROOT / "imr_rules" / "schemas"
# The schemas of the documents users write (quickschema screens requests; the others must stay
# within its keywords so that it can screen them too). The data tables' schemas may use more.
DOCUMENT_SCHEMAS = [SCHEMA_DIR / f"{name}.schema.json" for name in ("request", "rule", "ruleset", "case")]


def _supported(path) -> bool:
    try:
        compile_schema(json.loads(path.read_text(encoding="utf-8")))
    except UnsupportedKeyword:
        return False
    return True


SCHEMAS = [path for path in sorted(SCHEMA_DIR.glob("*.schema.json")) if _supported(path)]

# Values that tell validators apart: bools next to 0/1, integral floats, empty containers.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 130), st.sampled_from([0, 1, 1.0, 2.5, -1.0, 1e300, 121]),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6),
    st.sampled_from(["", "2016-12-05", "all", "MTUS", "massage", "x12", "met", "ODG", "icd10"]),
)
ANY_JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                        max_leaves=6)


def follow(reference: str, root):
    target = root
    for part in reference[2:].split("/"):
        target = target[part]
    return target


def instances(node, root, depth: int = 0):
    """A strategy for values shaped by the schema node: mostly valid, with boundary values that
    are not (invalid documents come mostly from :func:`mutate`)."""
    if node is True or node == {} or depth > 8:
        return ANY_JSON
    if node is False:
        return SCALARS
    shaped = []
    if "$ref" in node:
        shaped.append(st.deferred(lambda: instances(follow(node["$ref"], root), root, depth + 1)))
    if "enum" in node:
        shaped.append(st.sampled_from(node["enum"]))
    for key in ("oneOf", "anyOf"):
        if key in node:
            shaped.extend(instances(sub, root, depth + 1) for sub in node[key])
    types = node.get("type")
    for name in types if isinstance(types, list) else [types] if types else []:
        shaped.append(_typed(name, node, root, depth))
    return st.one_of(*shaped) if shaped else ANY_JSON


def _typed(name, node, root, depth):
    if name == "object":
        return _objects(node, root, depth)
    if name == "array":
        items = instances(node.get("items", True), root, depth + 1)
        low = node.get("minItems", 0)
        return st.lists(items, min_size=low, max_size=min(low + 2, node.get("maxItems", 99)))
    if name == "string":
        if "pattern" in node:
            return st.from_regex(node["pattern"], fullmatch=True).filter(lambda t: len(t) < 40)
        shortest = node.get("minLength", 0)
        return st.text(min_size=shortest, max_size=shortest + 8)
    if name == "integer":
        low = node.get("minimum", -5)
        high = node.get("maximum", low + 200)
        return st.one_of(st.integers(low, high), st.integers(low, high), st.sampled_from([float(low), low - 1, high + 1]))
    if name == "number":
        return st.one_of(st.integers(-5, 200), st.floats(allow_nan=False, allow_infinity=False))
    if name == "boolean":
        return st.booleans()
    return st.none()


def _objects(node, root, depth):
    properties = node.get("properties", {})
    required = set(node.get("required", ()))

    @st.composite
    def build(draw):
        result = {}
        for key, sub in properties.items():
            if key in required or draw(st.integers(0, 2)) == 0:
                result[key] = draw(instances(sub, root, depth + 1))
        extra = node.get("additionalProperties", True)
        if extra is not False and extra is not True and draw(st.booleans()):
            for key in draw(st.lists(st.text(min_size=1, max_size=8), max_size=2)):
                result[key] = draw(instances(extra, root, depth + 1))
        return result

    return build()


def mutate(document, draw):
    """Drop a key, add an unknown one, or replace a value somewhere in the document."""
    if not isinstance(document, (dict, list)) or not document:
        return draw(ANY_JSON)
    key = draw(st.sampled_from(sorted(document, key=str) if isinstance(document, dict) else range(len(document))))
    action = draw(st.sampled_from(["drop", "replace", "descend", "add"]))
    copy = dict(document) if isinstance(document, dict) else list(document)
    if action == "drop":
        del copy[key]
    elif action == "replace":
        copy[key] = draw(ANY_JSON)
    elif action == "descend":
        copy[key] = mutate(copy[key], draw)
    elif isinstance(copy, dict):
        copy[draw(st.text(min_size=1, max_size=6))] = draw(ANY_JSON)
    else:
        copy.append(copy[key])  # a duplicate: uniqueItems
    return copy


def schema(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", DOCUMENT_SCHEMAS, ids=lambda p: p.name)
def test_every_document_schema_is_supported(path):
    assert path in SCHEMAS  # and so in the differential test below
    compile_schema(schema(path))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_quickschema_agrees_with_jsonschema(path, data):
    spec = schema(path)
    quick, reference = compile_schema(spec), Draft202012Validator(spec)
    document = data.draw(instances(spec, spec))
    for _ in range(data.draw(st.integers(0, 2))):  # none for a third of the documents
        document = mutate(document, data.draw)
    assert quick(document) == reference.is_valid(document), document


@pytest.mark.parametrize("path", DOCUMENT_SCHEMAS, ids=lambda p: p.name)
def test_the_generated_documents_are_both_valid_and_invalid(path):
    # The differential test is only worth something if both verdicts occur often.
    spec = schema(path)
    reference = Draft202012Validator(spec)
    verdicts = []

    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def generate(data):
        document = data.draw(instances(spec, spec))
        for _ in range(data.draw(st.integers(0, 2))):  # as in the differential test
            document = mutate(document, data.draw)
        verdicts.append(reference.is_valid(document))

    generate()
    valid = sum(verdicts)
    assert 3 <= valid <= len(verdicts) - 3, f"{valid} valid of {len(verdicts)}"


@pytest.mark.parametrize(("schema_node", "value", "expected"), [
    ({"enum": [1]}, True, False),
    ({"enum": [1]}, 1.0, True),
    ({"enum": [[1, True]]}, [1.0, True], True),
    ({"enum": [[1, True]]}, [True, 1], False),
    ({"type": "array", "uniqueItems": True}, [1, 1.0], False),
    ({"type": "array", "uniqueItems": True}, [1, True], True),
    ({"type": "array", "uniqueItems": True}, [{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),
    ({"type": "array", "maxItems": 1}, [1, 2], False),
    ({"type": "integer"}, 3.0, True),
    ({"type": "integer"}, True, False),
    ({"type": "integer"}, math.inf, False),
])
def test_json_equality_and_types_as_jsonschema_defines_them(schema_node, value, expected):
    assert compile_schema(schema_node)(value) is expected
    assert Draft202012Validator(schema_node).is_valid(value) is expected


def test_an_unsupported_keyword_is_refused_when_compiling_even_behind_a_reference():
    with pytest.raises(UnsupportedKeyword):
        compile_schema({"$ref": "#/$defs/a", "$defs": {"a": {"type": "string", "maxLength": 3}}})
    assert json_equal({"a": [1]}, {"a": [1.0]}) and not json_equal({"a": 1}, {"a": True})
