"""JSON Lines records are written by orjson where it writes what the standard library writes:
the text must be the standard library's, byte for byte, whatever the record holds."""

import json
import math

import pytest
from hypothesis import given, settings, strategies as st

from imr_rules.render import jsontext
from imr_rules.render.jsontext import json_line, same_in_orjson


def stdlib_line(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


# Text with everything JSON escapes or might: quotes, backslashes, control characters, DEL,
# the line and paragraph separators, accents, CJK, emoji (outside the BMP).
TRICKY_TEXT = st.text(alphabet=st.sampled_from(
    list('"\\/\x00\x01\x08\t\n\x0c\r\x1f\x7f\x80\xa0\u2028\u2029é中😀 aZ09') + ["\ud800"]), max_size=12) | st.text(max_size=12)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.floats(min_value=-1e-3, max_value=1e-3) | TRICKY_TEXT)
RECORDS = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                       | st.dictionaries(TRICKY_TEXT, children, max_size=4), max_leaves=30)


def written(encode, data):
    """What an encoder gives, or the type of error it raises (the standard library refuses NaN)."""
    try:
        return encode(data)
    except (ValueError, TypeError) as exc:
        return type(exc).__name__


@settings(max_examples=400, deadline=None)
@given(RECORDS)
def test_a_json_line_is_the_standard_librarys_text(data):
    assert written(json_line, data) == written(stdlib_line, data)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x == 0 or abs(x) >= 1e-4))
def test_orjson_writes_every_float_it_is_given_as_the_standard_library_does(value):
    # The floats same_in_orjson lets through: orjson must write each exactly as repr does.
    assert same_in_orjson({"x": [value]})
    assert jsontext._orjson_line({"x": [value]}) == stdlib_line({"x": [value]})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e-5, -3e-7, 5e-324])
def test_floats_orjson_writes_otherwise_go_to_the_standard_library(value):
    assert not same_in_orjson({"values": {"x": [1, value]}})
    if math.isfinite(value):
        assert json_line({"x": value}) == stdlib_line({"x": value})
    else:
        with pytest.raises(ValueError):  # never "null" for NaN: a bug to report, as before
            json_line({"x": value})


def test_what_orjson_refuses_or_writes_otherwise_is_written_as_before():
    from enum import Enum

    class Colour(str, Enum):
        RED = "red"

    for data in ({"n": 2**64}, {1: "a"}, {"s": "\ud800"}, {"e": Colour.RED}, {"t": ("a", 1)}):
        assert written(json_line, data) == written(stdlib_line, data)
    assert not same_in_orjson({"e": Colour.RED}) and not same_in_orjson([("a", 1)])


def test_a_report_is_written_by_orjson_and_reads_back_the_same(tmp_path):
    from conftest import EXAMPLES

    from imr_rules.engine import evaluate
    from imr_rules.render import report_to_dict
    from imr_rules.requests.loading import load_request
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = load_ruleset()
    for path in sorted(EXAMPLES.glob("*.yaml"))[:10]:
        report = report_to_dict(evaluate(load_request(path, ruleset.vocabulary), ruleset))
        assert same_in_orjson(report), path.name  # the fast path is the one a batch takes
        assert json_line(report) == stdlib_line(report)


def test_without_orjson_a_record_is_the_standard_librarys_text(monkeypatch):
    # sys.modules[name] = None makes ``import orjson`` raise ImportError, as on an install without it.
    import sys

    monkeypatch.setitem(sys.modules, "orjson", None)
    monkeypatch.setattr(jsontext, "_ORJSON_MODULE", [])
    record = {"text": "é \u2028 \"q\"", "n": 3, "x": 0.5, "nested": [{"ok": True, "none": None}]}
    assert json_line(record) == json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
