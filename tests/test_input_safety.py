"""Hostile and impossible inputs: each class of issue 10 gives a clear one-line error, fast, never a
traceback, a hang or a silent answer. One named test per class."""

from __future__ import annotations

import json
import math
import re
import time

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.documents import parse_document, parse_json_record
from imr_rules.errors import ImrRulesError
from imr_rules.requests.loading import parse_request, request_from_data

from conftest import EXAMPLES, PDF_ENGINES, ROOT

MASSAGE = "request_date: 2016-12-01\nitems:\n  - service: Massage therapy\n    quantity: 4\n"
MASSAGE_LINE = '{"request_date": "2016-12-01", "items": [{"service": "Massage therapy", "quantity": 4}]}'


def run(*args, input=None):
    return CliRunner().invoke(app, list(args), input=input)


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) >= 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    return lines[0]


# ---- §2 nesting, aliases, encodings ----------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_deep_nesting_is_an_error_not_a_recursion_error(write, suffix):
    deep = "[" * 500 + "]" * 500
    path = write(f"deep{suffix}", '{"request_date": "2016-12-01", "items": [{"service": "Massage", "quantity": 4}], '
                                  f'"facts": {{"home_exercise_program": {deep}}}}}')
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 2
    assert "nested more than 64 levels deep" in one_error_line(result)


def test_deep_nesting_in_json_lines_and_library(write):
    deep = "[" * 900 + "]" * 900
    path = write("deep.jsonl", '{"request_date": "2016-12-01", "items": ' + deep + "}\n" + MASSAGE_LINE + "\n")
    result = run("check", str(path), "--format", "jsonl")
    assert result.exit_code == 2
    assert "deep.jsonl:1: items[0][0]: nested more than 64 levels deep" in one_error_line(result)
    assert len(result.stdout.splitlines()) == 1  # the second line was still checked
    nested: list = []
    for _ in range(2000):
        nested = [nested]
    with pytest.raises(ImrRulesError, match="nested more than 64 levels"):
        request_from_data({"request_date": "2016-12-01", "items": [{"service": "Massage", "quantity": 4}], "x": nested})


def billion_laughs(levels: int = 9) -> str:
    text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, levels):
        text += f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]\n"
    return text


@pytest.mark.parametrize("kind", ["request", "case", "rule"])
def test_alias_bomb_is_refused_fast(write, tmp_path, kind):
    bomb = billion_laughs()
    start = time.perf_counter()
    if kind == "request":
        result = run("check", str(write("bomb.yaml", MASSAGE + bomb)))
    elif kind == "case":
        result = run("compare", str(write("cases/bomb.yaml", "case_number: CM16-0000001\nitems: []\n" + bomb)))
    else:
        rules = tmp_path / "rules"
        (rules).mkdir()
        (rules / "ruleset.yaml").write_text((ROOT / "rules" / "ruleset.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        (rules / "bomb.yaml").write_text("id: bomb\n" + bomb, encoding="utf-8")
        result = run("rules", "validate", str(rules))
    assert time.perf_counter() - start < 5
    assert result.exit_code == 2
    assert "values once aliases are expanded" in one_error_line(result)


def test_self_referencing_alias_is_an_error():
    with pytest.raises(ImrRulesError, match="refers to the node that contains it"):
        parse_document("a: &x [1, *x]\n", "loop.yaml")


def test_anchors_and_merge_keys_still_work():
    document = parse_document("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n", "merge.yaml")
    assert document.data["item"] == {"x": 1, "y": 3}


def test_json_lines_line_not_utf8_is_reported_and_others_checked(write):
    path = write("mixed.jsonl", MASSAGE_LINE.encode() + b"\n" + b'{"request_date": "2016-12-01\xff"}\n'
                 + MASSAGE_LINE.encode() + b"\n")
    result = run("check", str(path), "--format", "jsonl")
    assert result.exit_code == 2
    assert "mixed.jsonl:2: is not UTF-8 text" in one_error_line(result)
    assert len(result.stdout.splitlines()) == 2


def test_impossible_calendar_date_is_an_error(write):
    result = run("check", str(write("date.yaml", "request_date: 2016-13-45\nitems: [{service: Massage, quantity: 4}]\n")))
    assert result.exit_code == 2
    assert "month must be in 1..12" in one_error_line(result)


def test_oversized_file_is_refused(write):
    path = write("big.yaml", MASSAGE + "# " + "x" * (9 * 2**20) + "\n")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "is larger than 8 MB" in one_error_line(result)


# ---- §1 duplicate keys and numbers that are not finite ---------------------------------------


def test_duplicate_keys_name_both_lines():
    with pytest.raises(ImrRulesError) as caught:
        parse_request("request_date: 2016-12-01\nitems:\n  - service: Massage\n    quantity: 4\n    quantity: 40\n", "dup.yaml")
    assert caught.value.one_line().startswith("dup.yaml:5: duplicate key 'quantity' (lines 4 and 5)")
    with pytest.raises(ImrRulesError, match=r"duplicate key 'request_date' \(columns 2 and 32\)"):
        parse_document('{"request_date": "2016-12-01", "request_date": "2017-01-01"}', "dup.json")
    with pytest.raises(ImrRulesError, match="req.jsonl:3: duplicate key 'items'"):
        parse_json_record('{"items": [], "items": [1]}', "req.jsonl", 3)


def test_duplicate_keys_in_rules_and_cases(tmp_path, write):
    case = write("cases/dup.yaml", "case_number: CM16-0000001\ncase_number: CM16-0000002\nitems: []\n")
    result = run("compare", str(case))
    assert result.exit_code == 2
    assert "duplicate key 'case_number' (lines 1 and 2)" in one_error_line(result)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ruleset.yaml").write_text((ROOT / "rules" / "ruleset.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (rules / "dup.yaml").write_text("id: a\nid: b\n", encoding="utf-8")
    result = run("rules", "validate", str(rules))
    assert result.exit_code == 2
    assert "duplicate key 'id' (lines 1 and 2)" in one_error_line(result)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1.0e+999"])
def test_non_finite_numbers_in_yaml_are_errors(value):
    text = f"request_date: 2016-12-01\nitems:\n  - service: Norco 10/325 #60\n    facts:\n      medication.weeks_in_use: {value}\n"
    with pytest.raises(ImrRulesError, match="r.yaml:5: not a finite number"):
        parse_request(text, "r.yaml")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_in_json_lines_never_reach_the_output(write, value):
    line = ('{"request_date": "2016-12-01", "items": [{"service": "Norco 10/325 #60", '
            f'"facts": {{"medication.weeks_in_use": {value}}}}}]}}')
    result = run("check", str(write("r.jsonl", line + "\n" + MASSAGE_LINE + "\n")), "--format", "jsonl")
    assert result.exit_code == 2
    assert "r.jsonl:1: " in one_error_line(result) and "not a finite number" in result.stderr
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    assert len(result.stdout.splitlines()) == 1


def test_non_finite_and_huge_numbers_from_the_library():
    item = {"service": "Norco 10/325 #60", "facts": {"medication.weeks_in_use": math.inf}}
    with pytest.raises(ImrRulesError, match="not a finite number"):
        request_from_data({"request_date": "2016-12-01", "items": [item]})
    with pytest.raises(ImrRulesError, match="longer than 15 digits"):
        request_from_data({"request_date": "2016-12-01", "items": [{"service": "Massage", "quantity": 10**400}]})
    with pytest.raises(ImrRulesError, match="longer than 15 digits"):
        parse_request("request_date: 2016-12-01\nitems: [{service: Massage, quantity: " + "9" * 5000 + "}]\n", "r.yaml")


@pytest.mark.parametrize("where, item", [
    ("items[0].duration", {"service": "Cold therapy unit rental", "category": "dme", "duration": 1e308}),
    ("items[0].facts.medication.weeks_in_use",
     {"service": "Norco 10/325 mg #90 1 po q6h", "category": "opioid", "facts": {"medication.weeks_in_use": 1e308}}),
    ("items[0].quantity", {"service": "Norco", "quantity": 1e308,
                           "drug": {"name": "Norco", "strength": "10/325 mg", "directions": "0.1 tab daily"}}),
])
def test_a_finite_number_too_long_is_refused_before_it_overflows(write, where, item):
    """1e308 is finite, but seven times it (weeks as days) or over 0.1 (a quantity over its daily
    use) is not: a float of more than 15 whole digits is refused as an integer of as many is."""
    line = json.dumps({"request_date": "2016-12-01", "items": [item]})
    result = run("check", str(write("r.jsonl", line + "\n")), "--format", "jsonl")
    assert result.exit_code == 2
    assert one_error_line(result).endswith(f"r.jsonl:1: {where}: number longer than 15 digits (write a plausible number)")


def test_a_float_too_long_in_yaml_is_refused():
    with pytest.raises(ImrRulesError, match=r"r.yaml:4: number longer than 15 digits"):
        parse_request("request_date: 2016-12-01\nitems:\n  - service: Massage\n    duration: 1.0e+300\n", "r.yaml")


@pytest.mark.parametrize("item", [
    {"service": "Physical therapy 2x" + "9" * 400 + " weeks", "category": "physical_therapy"},
    {"service": "Acupuncture " + "9" * 5000 + " sessions", "category": "acupuncture"},
    {"service": "Norco", "drug": {"name": "Norco", "strength": "9" * 400 + " mg", "quantity": 90, "directions": "1 tab q6h"}},
    {"service": "Norco", "drug": {"name": "Norco", "strength": "10/325 mg", "quantity": 90, "directions": "9" * 400 + " tabs q6h"}},
    {"service": "Norco", "drug": {"name": "Norco", "strength": "10/325 mg", "quantity": 90, "directions": "1 tab q4-0h"}},
])
def test_an_implausible_number_in_free_text_is_left_unread(write, item):
    """Free text is read, never refused: a number of more digits than a request may hold, or every
    zero hours, is read as nothing (the fact it would give is not documented), not as infinity or
    as an integer int() cannot make, which broke the item's arithmetic or its report."""
    line = json.dumps({"request_date": "2016-12-01", "items": [item]})
    result = run("check", str(write("r.jsonl", line + "\n")), "--format", "jsonl")
    assert result.exit_code == 0 and "error" not in result.stderr, result.stderr
    criteria = json.loads(result.stdout)["items"][0]["criteria"]
    read = {name for finding in criteria for name in finding["values"]}
    assert not read & {"item.quantity", "item.duration_weeks", "drug.strength_mg", "drug.units_per_day"}


@pytest.mark.parametrize("number, error", [
    ("999999999999999", None), ("-999999999999999", None), ("1.5e3", None), ("0.1234567890123456789", None),
    ("1000000000000000", "items[0].quantity: number longer than 15 digits"),
    ("-1000000000000000", "items[0].quantity: number longer than 15 digits"),
    ("1e999", "items[0].quantity: not a finite number"), ("-1E+400", "items[0].quantity: not a finite number"),
    ("999999999999999.9", None), ("1e15", "items[0].quantity: number longer than 15 digits"),
    ("-1.5e308", "items[0].quantity: number longer than 15 digits"),
])
def test_numbers_of_a_json_lines_record_are_bounded_as_read(number, error):
    """A record's numbers are checked as they are decoded; one out of bounds is named by its place."""
    line = '{"items": [{"service": "Massage", "quantity": ' + number + '}], "request_date": "2016-12-01"}'
    if error is None:
        assert parse_json_record(line, "r.jsonl", 4).data["items"][0]["quantity"] == json.loads(number)
    else:
        with pytest.raises(ImrRulesError, match=re.escape(f"r.jsonl:4: {error}")):
            parse_json_record(line, "r.jsonl", 4)


def test_a_json_lines_record_is_read_whole_before_its_numbers_are_refused():
    # The errors of reading come first, as they did when the bounds were checked after decoding.
    with pytest.raises(ImrRulesError, match=r"r.jsonl:2: malformed JSON: Expecting ',' delimiter"):
        parse_json_record('{"items": [{"quantity": 10000000000000000}] "request_date": 1}', "r.jsonl", 2)
    with pytest.raises(ImrRulesError, match="r.jsonl:2: duplicate key 'a'"):
        parse_json_record('{"n": 1e999, "x": {"a": 1, "a": 2}}', "r.jsonl", 2)
    with pytest.raises(ImrRulesError, match=r"r.jsonl:2: not a finite number \(write a number\)$"):
        parse_json_record('{"n": 10000000000000000, "m": NaN}', "r.jsonl", 2)


def test_a_json_lines_record_with_many_brackets_is_bounded_exactly():
    """A record with as many brackets as the depth bound is walked: its depth decides, not its brackets."""
    from imr_rules.limits import MAX_DEPTH

    wide = '{"request_date": "2016-12-01", "items": [' + ", ".join(['{"service": "Massage"}'] * MAX_DEPTH) + "]}"
    assert len(parse_json_record(wide, "r.jsonl", 1).data["items"]) == MAX_DEPTH
    deep = '{"items": ' + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "}"
    with pytest.raises(ImrRulesError, match=f"r.jsonl:1: items\\[0\\]\\[0\\]: nested more than {MAX_DEPTH} levels deep"):
        parse_json_record(deep, "r.jsonl", 1)
    assert parse_json_record('{"items": ' + "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2) + "}", "r.jsonl", 1)


def _out_of_bounds(value, depth=1):
    """What the bounds refuse, written plainly: too deep, a number not finite or too long."""
    from imr_rules.limits import MAX_DEPTH, MAX_NUMBER_DIGITS

    if depth > MAX_DEPTH:
        return True
    if isinstance(value, float) and not abs(value) < 10**MAX_NUMBER_DIGITS:  # NaN too
        return True
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_NUMBER_DIGITS:
        return True
    children = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return any(_out_of_bounds(child, depth + 1) for child in children)


def _json_like():
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.floats(allow_nan=True),
                        st.integers(min_value=-10**16, max_value=10**16),
                        st.sampled_from([10**15 - 1, 10**15, -10**15, 1e300 * 10, 0.0, 1e15, -1e15, 999999999999999.9]))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner),
                                                         st.dictionaries(st.text(max_size=2), inner, max_size=3)),
                        max_leaves=12)


def test_bounds_on_parsed_data_refuse_exactly_what_is_out_of_bounds():
    """Parsed data (every JSON Lines record) is checked by a quick walk that defers to the full
    one whenever unsure: together they refuse exactly the data out of bounds, at any depth."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from imr_rules.errors import Source
    from imr_rules.limits import MAX_DEPTH, check_data

    def nested(value, levels):
        for _ in range(levels):
            value = {"a": [value]} if levels % 2 else [value]
        return value

    @settings(max_examples=300, deadline=None)
    @given(_json_like(), st.sampled_from([0, 1, MAX_DEPTH - 3, MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH]))
    def agree(value, levels):
        data = nested(value, levels)
        try:
            check_data(data, lambda path: Source("r.jsonl", 1))
            refused = False
        except ImrRulesError:
            refused = True
        assert refused == _out_of_bounds(data)

    agree()


# ---- §2 one bad input never aborts a batch -----------------------------------------------------


def test_internal_error_on_one_input_does_not_abort_the_batch(write, monkeypatch):
    import imr_rules.engine as engine

    real = engine.evaluate

    def fails_for_one(request, ruleset, *args, **kwargs):
        if request.id == "second":
            raise ZeroDivisionError("a bug met while deciding: patient text must not show")
        return real(request, ruleset, *args, **kwargs)

    monkeypatch.setattr(engine, "evaluate", fails_for_one)
    paths = [write(f"{name}.yaml", MASSAGE) for name in ("first", "second", "third")]
    result = run("check", *map(str, paths), "--format", "jsonl")
    assert result.exit_code == 1
    reports = [json.loads(line)["request"]["id"] for line in result.stdout.splitlines()]
    assert reports == ["first", "third"]
    assert "second.yaml: internal error: ZeroDivisionError" in result.stderr
    assert "1 of the inputs met an internal error" in result.stderr
    assert "patient text" not in result.stderr


# ---- §3 no lost data ---------------------------------------------------------------------------


def test_output_naming_an_input_is_refused(write, tmp_path):
    request = write("req.yaml", MASSAGE)
    result = run("check", str(request), "-o", str(request))
    assert result.exit_code == 2
    assert "would overwrite the input" in one_error_line(result)
    assert request.read_text(encoding="utf-8") == MASSAGE
    folder = request.parent
    result = run("check", str(folder), "-o", str(folder / "req.yaml"))
    assert result.exit_code == 2 and request.read_text(encoding="utf-8") == MASSAGE
    letter = ROOT / "examples" / "cases" / "letters" / "CM16-0230548.txt"
    copy = write("letter.txt", letter.read_text(encoding="utf-8"))
    result = run("parse", str(copy), "-o", str(copy))
    assert result.exit_code == 2 and copy.read_text(encoding="utf-8") == letter.read_text(encoding="utf-8")
    case_text = (ROOT / "examples" / "cases" / "CM16-0230548.yaml").read_text(encoding="utf-8")
    case = write("cases/CM16-0230548.yaml", case_text)
    result = run("compare", str(case.parent), "-o", str(case))
    assert result.exit_code == 2 and case.read_text(encoding="utf-8") == case_text


def test_output_is_written_atomically(write, tmp_path):
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    target.write_text("previous report\n", encoding="utf-8")
    result = run("check", str(EXAMPLES / "massage-twelve-visits.yaml"), "--format", "json", "-o", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["request"]["id"] == "massage-twelve-visits"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temporary file left


def test_interrupted_output_leaves_the_old_file(tmp_path):
    from imr_rules.cli.common import AtomicOutput

    target = tmp_path / "report.txt"
    target.write_text("old\n", encoding="utf-8")
    stream = AtomicOutput(target)
    stream.write("half a rep")
    del stream  # the run ended without closing: nothing replaces the old file, no temporary stays
    import gc

    gc.collect()
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


# ---- §1 impossible values ----------------------------------------------------------------------


@pytest.mark.parametrize("item, field", [
    ("{service: Massage, quantity: 0}", "items[0].quantity"),
    ("{service: Massage, quantity: -3}", "items[0].quantity"),
    ('{service: Massage, quantity: "x0"}', "items[0].quantity"),
    ("{service: Norco, drug: {name: Norco, strength: 10/325 mg, quantity: 0}}", "items[0].drug.quantity"),
    ("{service: Massage, frequency: 0, duration: 6}", "items[0].frequency"),
    ("{service: Massage, frequency: 2, duration: -6}", "items[0].duration"),
])
def test_quantity_of_zero_or_less_is_an_error(item, field):
    with pytest.raises(ImrRulesError, match=rf"r.yaml:\d+: {re.escape(field)}: the \w+ requested must be more than 0"):
        parse_request(f"request_date: 2016-12-01\nitems:\n  - {item}\n", "r.yaml")


@pytest.mark.parametrize("fact, value, expected", [
    ("prior_sessions", -2, "0 or more"),
    ("medication.weeks_in_use", -1.5, "0 or more"),
    ("medication.pain_with", 11, "from 0 to 10"),
    ("medication.pain_relief_percent", 140, "from 0 to 100"),
])
def test_negative_counts_and_out_of_scale_scores_are_errors(fact, value, expected):
    text = f"request_date: 2016-12-01\nitems:\n  - service: Norco 10/325 #60\n    facts:\n      {fact}: {value}\n"
    with pytest.raises(ImrRulesError, match=rf"r.yaml:5: items\[0\].facts.{re.escape(fact)}: fact '{re.escape(fact)}' must be {expected}"):
        parse_request(text, "r.yaml")


def test_request_before_the_injury_is_an_error():
    text = "request_date: 2014-03-15\npatient: {date_of_injury: 2015-01-01}\nitems: [{service: Massage, quantity: 4}]\n"
    with pytest.raises(ImrRulesError, match="r.yaml:1: request_date: request_date is before patient.date_of_injury"):
        parse_request(text, "r.yaml")


def test_request_dated_in_the_future_beyond_the_tolerance_is_an_error():
    import datetime as dt

    from imr_rules.requests.loading import FUTURE_TOLERANCE_DAYS

    soon = dt.date.today() + dt.timedelta(days=FUTURE_TOLERANCE_DAYS)
    parse_request(f"request_date: {soon}\nitems: [{{service: Massage, quantity: 4}}]\n", "r.yaml")  # within: accepted
    late = soon + dt.timedelta(days=1)
    with pytest.raises(ImrRulesError, match=f"request_date: date is more than {FUTURE_TOLERANCE_DAYS} days after today"):
        parse_request(f"request_date: {late}\nitems: [{{service: Massage, quantity: 4}}]\n", "r.yaml")


def test_surgery_after_the_request_is_a_note_and_never_within_the_postsurgical_period(ruleset):
    from imr_rules.engine import evaluate

    text = ("request_date: 2016-12-01\nfacts:\n  surgery_date: 2017-02-01\n  surgery_type: arthroscopic meniscectomy\n"
            "items:\n  - {service: Postoperative physical therapy for the knee, category: physical_therapy, quantity: 12}\n")
    report = evaluate(parse_request(text, "r.yaml"), ruleset)
    assert any("surgery_date is after the request date" in note for note in report.notes)
    values = [v for d in report.determinations for f in d.findings for v in (f.values or {})]
    assert "surgery.months_since" not in values and "surgery.weeks_since" not in values


def test_rule_edition_to_the_last_date_checks_and_tests(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    massage = rules / "massage" / "mtus-cpmtg-massage.yaml"
    text = massage.read_text(encoding="utf-8")
    assert "    to: 2017-11-30\n" in text
    massage.write_text(text.replace("    to: 2017-11-30\n", "    to: 9999-12-31\n"), encoding="utf-8")
    result = run("check", str(EXAMPLES / "massage-twelve-visits.yaml"), "-r", str(rules), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["items"][0]["decision"] == "not_medically_necessary"
    result = run("rules", "test", str(rules))
    assert "internal error" not in result.output + result.stderr


# ---- §4 patient data stays out of errors --------------------------------------------------------

SECRET = "Patient reports suicidal ideation after the 2015 accident " * 2000


@pytest.mark.parametrize("place", ["patient: {age: %s}", "patient: {sex: %s}", "request_date: %s",
                                   "facts: {home_exercise_program: %s}", "items: [{service: Massage, quantity: 4, laterality: %s}]",
                                   "items: [{service: Massage, category: %s}]", "diagnoses: [{code: M54.5, system: %s}]"])
def test_errors_never_repeat_the_value(write, place):
    body = place % json.dumps(SECRET)
    text = body + "\n" + ("" if body.startswith("items") else "items: [{service: Massage, quantity: 4}]\n")
    result = run("check", str(write("r.yaml", text)))
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "suicidal" not in result.stderr and len(line) < 700, line


def test_a_bad_date_shows_its_form_only():
    with pytest.raises(ImrRulesError) as caught:
        parse_request('request_date: "03/15/2017"\nitems: [{service: Massage, quantity: 4}]\n', "r.yaml")
    assert "invalid date (of the form '99/99/9999')" in caught.value.one_line()
    assert "03/15" not in caught.value.one_line()


# ---- §2 PDF letters: bounded in time, memory and pages ------------------------------------------


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_the_processor_time_bound_stops_an_expanding_pdf(write, monkeypatch, engine):
    # The time bound on its own: the memory bound is raised out of reach of 0.25 s of expansion.
    import imr_rules.letters.pdfbounds as bounds
    from hostile import expanding_pdf

    monkeypatch.setattr(bounds, "SECONDS", 0.25)
    monkeypatch.setattr(bounds, "MEMORY_BYTES", 4 * 2**30)
    bomb = write("bomb.pdf", expanding_pdf(64))
    result = run("parse", str(bomb), "--format", "jsonl", "--pdf-engine", engine)
    assert result.exit_code == 2
    assert "bomb.pdf: reading the PDF took more than 0.25 seconds of processor time" in one_error_line(result)


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_expanding_pdf_is_refused_within_seconds(write, monkeypatch, engine):
    import resource

    import imr_rules.letters.pdfbounds as bounds
    from hostile import expanding_pdf

    monkeypatch.setattr(bounds, "SECONDS", 2.0)
    bomb = write("bomb.pdf", expanding_pdf(64))
    assert bomb.stat().st_size < 200_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = run("parse", str(bomb), str(ROOT / "examples" / "cases" / "letters" / "CM16-0230548.txt"), "--format", "jsonl",
                 "--pdf-engine", engine)
    assert time.perf_counter() - start < 30  # 2 s of processor time: longer by the clock on a loaded machine
    assert result.exit_code == 2
    # Which bound stops the bomb first depends on the machine: PDFium can fill the 768 MB
    # worker bound on a fast, idle core before 2 s of processor time have gone. Either is a refusal
    # in one line; what this test holds is that the expansion is bounded and the rest still read.
    assert re.search(r"bomb\.pdf: reading the PDF (took more than 2 seconds of processor time|needs more than 768 MB of memory)",
                     one_error_line(result))
    assert json.loads(result.stdout)["case_number"] == "CM16-0230548"  # the other letter is still read
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB: this process stayed small


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_pdf_with_too_many_pages_is_refused(write, engine):
    from hostile import make_pdf, text_page

    result = run("parse", str(write("long.pdf", make_pdf(text_page("a page"), pages=101))), "--pdf-engine", engine)
    assert result.exit_code == 2
    assert "long.pdf: PDF has more than 100 pages" in one_error_line(result)


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_small_pdf_still_reads_through_the_bounded_reader(engine):
    from hostile import make_pdf, text_page
    from imr_rules.letters.pdfbounds import pdf_text

    assert pdf_text(make_pdf(text_page("Case Number: CM16-0000001\nsecond line")), "a.pdf", engine).startswith(
        "Case Number: CM16-0000001\nsecond line")


# ---- §1 letters cut short ------------------------------------------------------------------------


def test_truncated_letter_warns_that_items_may_be_missing():
    from imr_rules.letters import parse_letter_text

    corpus = ROOT.parent / "shared" / "corpus" / "raw" / "talhaabacus-IMRCrawler" / "txt" / "CM17-0014449.txt"
    path = corpus if corpus.exists() else ROOT / "examples" / "cases" / "letters" / "CM16-0230548.txt"
    text = path.read_text(encoding="utf-8")
    whole = parse_letter_text(text)
    assert not any("cut short" in w for w in whole.warnings)
    cut = parse_letter_text(text[:5358] if corpus.exists() else text[: len(text) // 2])
    assert len(cut.items) < len(whole.items)
    assert any("may be cut short, and disputed items may be missing" in w for w in cut.warnings)


def test_truncated_markdown_letter_warns_too():
    from imr_rules.letters.completeness import truncation_warnings

    assert truncation_warnings("... is not medically necessary.", ["The request is not medically necessary."]) == []
    assert truncation_warnings("... the request for", ["The guideline recommends the request for"])


def test_no_bundled_letter_is_flagged_as_cut_short():
    from imr_rules.letters import read_letter

    for path in sorted((ROOT / "examples" / "cases" / "letters").iterdir()):
        assert not any("cut short" in w for w in read_letter(path).warnings), path.name


def test_coverage_file_with_a_bad_line_is_one_error(write):
    for content, expected in ((b'{"item": "MRI"}\n{"item": \n', "d.jsonl:2: malformed JSON"),
                              (b'{"item": "MRI"}\n"\xff"\n', "d.jsonl:2: is not UTF-8 text"),
                              (b'["MRI"]\n', "d.jsonl:1: expected a JSON object")):
        result = run("coverage", "--file", str(write("d.jsonl", content)))
        assert result.exit_code == 2, result.output
        assert expected in one_error_line(result)


def test_parse_standard_input_with_a_line_not_utf8(write):
    letter = ROOT / "examples" / "cases" / "letters" / "CM16-0230548.txt"
    result = CliRunner().invoke(app, ["parse", "-", "--format", "jsonl"], input=b"\xff\xfe\n" + str(letter).encode() + b"\n")
    assert result.exit_code == 2
    assert "<stdin>:1: is not UTF-8 text" in one_error_line(result)
    assert json.loads(result.stdout)["case_number"] == "CM16-0230548"


def test_check_standard_input_with_a_line_not_utf8():
    stdin = MASSAGE_LINE.encode() + b"\n\xff\n" + MASSAGE_LINE.encode() + b"\n"
    result = CliRunner().invoke(app, ["check", "-", "--format", "jsonl"], input=stdin)
    assert result.exit_code == 2
    assert "<stdin>:2: is not UTF-8 text" in one_error_line(result)
    assert len(result.stdout.splitlines()) == 2
