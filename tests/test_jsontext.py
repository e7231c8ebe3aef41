"""JSON Lines records are written by orjson where it writes what the standard library writes:
the text must be the standard library's, byte for byte, whatever the record holds. A check report
is written without a walk over its values (``report_line``): its construction refuses what orjson
would write otherwise, and orjson's text shows the small floats it writes otherwise."""

import json
import math

import pytest
from hypothesis import given, settings, strategies as st

from imr_rules.render import jsontext
from imr_rules.render.jsontext import json_line, report_line, same_in_orjson


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
# What a check report may hold (report_to_dict refuses NaN, infinity and objects that are not JSON).
FINITE_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                  | st.floats(min_value=-1e-3, max_value=1e-3) | TRICKY_TEXT)
REPORT_VALUES = st.recursive(FINITE_SCALARS, lambda children: st.lists(children, max_size=4)
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


@settings(max_examples=400, deadline=None)
@given(REPORT_VALUES)
def test_a_report_line_is_the_standard_librarys_text(data):
    assert report_line(data) == stdlib_line(data)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e-4, max_value=1e-4).filter(lambda x: 0 < abs(x) < 1e-4))
def test_every_float_orjson_writes_otherwise_shows_in_its_text(value):
    # report_line's only look at the values: a float below 1e-4 must show, or it would be written
    # 0.00001 / 1.5e-7 where the standard library writes 1e-05 / 1.5e-07.
    assert jsontext._may_hold_a_small_float(jsontext._orjson_line({"x": [value]}, strict=True))
    assert report_line({"x": [value]}) == stdlib_line({"x": [value]})


def test_report_line_leaves_what_orjson_would_write_otherwise_to_the_standard_library():
    import dataclasses
    import datetime as dt
    from enum import IntEnum

    class Text(str):
        pass

    class Level(IntEnum):
        HIGH = 3

    @dataclasses.dataclass
    class Point:
        x: int

    for data in ({"n": 2**64}, {1: "a"}, {"s": "\ud800"}, {"t": Text("a")}, {Text("k"): 1}, {"f": Level.HIGH},
                 {"p": Point(1)}, {"d": dt.date(2020, 1, 2)}, {"m": {"n": [0.5, 1e300, -0.0]}}):
        assert written(report_line, data) == written(stdlib_line, data)


def test_text_that_looks_like_a_small_float_only_takes_the_slower_path():
    record = {"note": "a 1e-3 dilution; 0.00001 g", "words": "re-evaluation, one-time"}
    assert jsontext._may_hold_a_small_float(json_line(record))
    assert not jsontext._may_hold_a_small_float(json_line({"words": "re-evaluation, one-time", "x": 0.0001}))
    assert report_line(record) == stdlib_line(record)


def _plain_json_only(value, where="report"):
    """The construction guarantee report_line relies on, checked the slow way: exact JSON types,
    text keys, finite floats."""
    kind = type(value)
    if kind is dict:
        for key, child in value.items():
            assert type(key) is str, where
            _plain_json_only(child, f"{where}.{key}")
    elif kind is list:
        for n, child in enumerate(value):
            _plain_json_only(child, f"{where}[{n}]")
    else:
        assert kind in (str, int, bool, type(None)) or (kind is float and math.isfinite(value)), (where, value)


def test_every_example_report_is_plain_json_and_written_by_orjson(ruleset):
    from conftest import EXAMPLES

    from imr_rules.engine import evaluate
    from imr_rules.render import report_to_dict
    from imr_rules.requests.loading import load_request

    for path in sorted(EXAMPLES.glob("*.yaml")):
        report = report_to_dict(evaluate(load_request(path, ruleset.vocabulary), ruleset))
        _plain_json_only(report, path.name)
        fast = jsontext._orjson_line(report, strict=True)
        assert fast is not None and not jsontext._may_hold_a_small_float(fast), path.name  # the fast path
        assert report_line(report) == fast == stdlib_line(report)
        assert same_in_orjson(report) and json_line(report) == fast


def test_without_orjson_a_record_is_the_standard_librarys_text(monkeypatch):
    # sys.modules[name] = None makes ``import orjson`` raise ImportError, as on an install without it.
    import sys

    monkeypatch.setitem(sys.modules, "orjson", None)
    monkeypatch.setattr(jsontext, "_ORJSON_MODULE", [])
    record = {"text": "é \u2028 \"q\"", "n": 3, "x": 0.5, "nested": [{"ok": True, "none": None}]}
    assert json_line(record) == json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert report_line(record) == json_line(record)


# ---- what a check report may hold: report_to_dict refuses what report_line could not write ------

SMALL_FLOATS_LINE = ('{"request_date": "2016-12-01", "items": [{"service": "Cyclobenzaprine 7.5 mg #9", '
                     '"category": "muscle_relaxant", "frequency": 0.00002, '
                     '"facts": {"medication.weeks_in_use": 0.00001, "medication.pain_relief_percent": 3e-7}}]}')


def test_small_floats_of_a_request_are_written_as_the_standard_library_writes_them(tmp_path):
    from typer.testing import CliRunner

    from imr_rules.cli import app

    path = tmp_path / "small.jsonl"
    path.write_text(SMALL_FLOATS_LINE + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    line = result.stdout
    assert '"frequency_per_week":2e-05' in line and '"drug.pain_relief_percent":3e-07' in line
    assert stdlib_line(json.loads(line)) == line  # orjson would write 0.00002 and 3e-7


def _example_report(ruleset):
    from conftest import EXAMPLES

    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import load_request

    return evaluate(load_request(EXAMPLES / "drug-benzodiazepine-long-term.yaml", ruleset.vocabulary), ruleset)


def _with(report, value=None, **item_changes):
    """The report with its first finding's values set to one ``value``, or its first item changed."""
    import dataclasses

    determination = report.determinations[0]
    if item_changes:
        determination = dataclasses.replace(determination, item=dataclasses.replace(determination.item, **item_changes))
    else:
        result = determination.rule_results[0]
        finding = dataclasses.replace(result.findings[0], values=(("x", value),))
        result = dataclasses.replace(result, findings=(finding,) + result.findings[1:])
        determination = dataclasses.replace(determination, rule_results=(result,) + determination.rule_results[1:])
    return dataclasses.replace(report, determinations=(determination,) + report.determinations[1:])


def test_a_report_value_below_1e_4_is_written_as_the_standard_library_writes_it(ruleset):
    from imr_rules.render import report_to_dict

    report = report_to_dict(_with(_example_report(ruleset), [1e-5, {"y": -2.5e-9}]))
    line = report_line(report)
    assert '"values":{"x":[1e-05,{"y":-2.5e-09}]}' in line and line == stdlib_line(report)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), [1, {"y": float("nan")}]])
def test_a_report_value_not_finite_is_refused_where_the_report_is_made(ruleset, value):
    from imr_rules.render import report_to_dict

    with pytest.raises(ValueError):  # never null: a bug, reported for its input as before
        report_to_dict(_with(_example_report(ruleset), value))
    with pytest.raises(ValueError):
        report_to_dict(_with(_example_report(ruleset), frequency_per_week=float("nan")))


def test_a_report_value_that_is_not_json_is_refused_and_a_subclass_written_as_its_base(ruleset):
    import uuid
    from enum import Enum, IntEnum

    from imr_rules.render import report_to_dict

    class Colour(Enum):
        RED = "red"

    class Shade(str, Enum):
        DARK = "dark"

    class Level(IntEnum):
        HIGH = 3

    report = _example_report(ruleset)
    for value in (Colour.RED, uuid.UUID(int=1), object(), {"y": [Colour.RED]}):
        with pytest.raises(TypeError):  # orjson would write an enum's value and a UUID's text
            report_to_dict(_with(report, value))
    written_values = report_to_dict(_with(report, [Shade.DARK, Level.HIGH]))["items"][0]["criteria"]
    values = next(f["values"] for f in written_values if "x" in f["values"])
    assert values == {"x": ["dark", 3]} and [type(v) for v in values["x"]] == [str, int]


def test_a_read_only_mapping_in_a_report_is_written_as_a_dict(ruleset):
    from types import MappingProxyType

    from imr_rules.render import report_to_dict

    report = _example_report(ruleset)
    written = report_to_dict(_with(report, MappingProxyType({"dose": 2.5, "when": [1]})))["items"][0]["criteria"]
    values = next(f["values"] for f in written if "x" in f["values"])
    assert values == {"x": {"dose": 2.5, "when": [1]}} and type(values["x"]) is dict
    assert report_line(report_to_dict(_with(report, MappingProxyType({"a": 1})))).count('"x":{"a":1}') == 1


def test_a_report_that_cannot_be_made_is_an_internal_error_of_its_input(ruleset, monkeypatch, tmp_path):
    from imr_rules import batch, engine

    made = engine.evaluate
    monkeypatch.setattr(engine, "evaluate", lambda request, rules: _with(made(request, rules), float("nan")))
    path = tmp_path / "r.jsonl"  # no small float: the report would go the standard library's way
    path.write_text('{"request_date": "2016-12-01", "items": [{"service": "Massage therapy", "quantity": 4}]}\n',
                    encoding="utf-8")
    [outcome] = list(batch.check_many(batch.tasks([str(path)]), ruleset, 1, render=report_line))
    assert outcome.internal and outcome.text is None
    assert outcome.error == f"{path}:1: internal error: ValueError (set IMR_RULES_DEBUG=1 for details; please report)"
