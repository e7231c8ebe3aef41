"""Fuzzing (hypothesis) over requests, rule files, cases and letters, through the library.

Every input either gives an answer or an ImrRulesError whose one line is short and does not repeat
planted text; never another exception, a value JSON cannot hold, or a decision on an impossible
quantity. The runs are derandomised (same inputs every run) and bounded to stay well within a
minute in CI; benchmarks/fuzz.py runs the same oracle over many thousands of inputs.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from conftest import EXAMPLES, ROOT  # noqa: E402
from hostile import (  # noqa: E402
    HOSTILE_VALUES, MARKER, check_request, judge, mutate_data, mutate_text, to_yaml,
)

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=60,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

REQUEST_FILES = sorted(EXAMPLES.glob("*.yaml"))
CASE_FILES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
LETTER_FILES = sorted((ROOT / "examples" / "cases" / "letters").glob("*.txt"))
RULE_FILES = sorted((ROOT / "rules").rglob("*.yaml"))

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from([v for v in HOSTILE_VALUES if not isinstance(v, (list, dict))]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def assert_sound(verdict) -> None:
    assert verdict.traceback is None, verdict.traceback
    assert verdict.wrong is None, verdict.wrong
    assert not verdict.echoed, "an error repeated the input's text"


@FUZZ
@given(st.sampled_from(REQUEST_FILES), st.integers(0, 2**32))
def test_mutated_request_data(ruleset, path, seed):
    from imr_rules.requests.loading import request_from_data

    data = mutate_data(yaml.safe_load(path.read_text(encoding="utf-8")), random.Random(seed))
    assert_sound(check_request(lambda: request_from_data(data, path.name), ruleset))


@FUZZ
@given(st.sampled_from(REQUEST_FILES), st.integers(0, 2**32))
def test_damaged_request_files(ruleset, tmp_path, path, seed):
    from imr_rules.requests.loading import load_request

    target = tmp_path / path.name
    target.write_bytes(mutate_text(path.read_text(encoding="utf-8"), random.Random(seed)))
    assert_sound(check_request(lambda: load_request(target), ruleset))


@FUZZ
@given(st.dictionaries(st.sampled_from(["request_date", "patient", "facts", "items", "diagnoses", "x"]), values))
def test_arbitrary_request_shapes(ruleset, data):
    from imr_rules.requests.loading import request_from_data

    assert_sound(check_request(lambda: request_from_data(data), ruleset))


@FUZZ
@given(st.sampled_from(CASE_FILES), st.integers(0, 2**32))
def test_mutated_cases(tmp_path, case, seed):
    from imr_rules.evaluation.cases import load_case

    rng = random.Random(seed)
    text = case.read_text(encoding="utf-8")
    damaged = to_yaml(mutate_data(yaml.safe_load(text), rng)).encode() if rng.random() < 0.5 else mutate_text(text, rng)
    target = tmp_path / case.name
    target.write_bytes(damaged)
    assert_sound(judge(lambda: load_case(target)))


@settings(FUZZ, max_examples=25)
@given(st.sampled_from([p for p in RULE_FILES if p.name != "ruleset.yaml"]), st.integers(0, 2**32))
def test_mutated_rule_files(tmp_path_factory, rule, seed):
    from imr_rules.ruleset.loading import load_ruleset

    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("rules")
    (folder / "ruleset.yaml").write_text((ROOT / "rules" / "ruleset.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = rule.read_text(encoding="utf-8")
    damaged = to_yaml(mutate_data(yaml.safe_load(text), rng)).encode() if rng.random() < 0.5 else mutate_text(text, rng)
    (folder / rule.name).write_bytes(damaged)
    assert_sound(judge(lambda: load_ruleset([folder]), private=False))


@FUZZ
@given(st.sampled_from(LETTER_FILES), st.integers(0, 2**32))
def test_damaged_letters(letter, seed):
    from imr_rules.letters import parse_letter_text

    damaged = mutate_text(letter.read_text(encoding="utf-8"), random.Random(seed)).decode("utf-8", "replace")
    assert_sound(judge(lambda: parse_letter_text(damaged, letter.name)))


@settings(FUZZ, max_examples=30)
@given(st.text(max_size=300))
def test_arbitrary_text_as_a_request_or_a_letter(ruleset, text):
    from imr_rules.letters import parse_letter_text
    from imr_rules.requests.loading import parse_request

    assert_sound(check_request(lambda: parse_request(text, "fuzz.yaml"), ruleset))
    assert_sound(judge(lambda: parse_letter_text(text, "fuzz.txt")))


def test_the_oracle_catches_what_it_looks_for(ruleset):
    """The fuzz tests could not fail if the oracle never did: it flags a bug, an echo and NaN."""
    from imr_rules.errors import RequestError

    assert judge(lambda: 1 / 0).traceback.startswith("ZeroDivisionError")

    def echoing():
        raise RequestError(f"bad value {MARKER}")

    assert judge(echoing).echoed
    assert judge(lambda: {"x": float("nan")}, lambda r: "nan" if r["x"] != r["x"] else None).wrong == "nan"


@settings(FUZZ, max_examples=40)
@given(st.sampled_from(LETTER_FILES), st.floats(0.05, 0.98))
def test_a_letter_cut_short_is_never_a_silent_partial_parse(letter, fraction):
    from imr_rules.errors import LetterError
    from imr_rules.letters import parse_letter_text

    text = letter.read_text(encoding="utf-8")
    whole = parse_letter_text(text, letter.name)
    try:
        cut = parse_letter_text(text[: int(len(text) * fraction)], letter.name)
    except LetterError:
        return  # refused outright: not silent
    if len(cut.items) < len(whole.items):
        assert cut.warnings, f"{len(cut.items)} of {len(whole.items)} items and no warning"
