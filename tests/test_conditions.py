"""The condition language: Kleene three-valued logic and compile-time checks."""

import pytest

from imr_rules.ruleset.conditions import ConditionError, compile_condition
from imr_rules.reference.vocabulary import default_vocabulary

VOCABULARY = default_vocabulary()


def run(spec, facts, definitions=None):
    function, _ = compile_condition(spec, VOCABULARY, definitions)
    return function(facts)


T = {"fact": "home_exercise_program", "is": True}
F = {"fact": "active_therapy", "is": True}
U = {"fact": "flare_up", "is": True}
FACTS = {"home_exercise_program": True, "active_therapy": False}  # flare_up: not documented


@pytest.mark.parametrize(
    "spec, expected",
    [
        (T, True),
        (F, False),
        (U, None),
        ({"all": [T, U]}, None),
        ({"all": [F, U]}, False),  # false AND unknown = false
        ({"any": [T, U]}, True),  # true OR unknown = true
        ({"any": [F, U]}, None),
        ({"not": U}, None),
        ({"not": F}, True),
        ({"fact": "flare_up", "documented": False}, True),
        ({"fact": "home_exercise_program", "documented": True}, True),
    ],
)
def test_kleene_logic(spec, expected):
    assert run(spec, FACTS) is expected


def test_comparisons_and_sums():
    facts = {"item.quantity": 12, "prior_sessions": 6, "item.service": "Mechanical massage device"}
    assert run({"fact": "item.quantity", "le": 12}, facts) is True
    assert run({"fact": "item.quantity", "lt": 12}, facts) is False
    assert run({"sum": ["item.quantity", "prior_sessions"], "gt": 18}, facts) is False
    assert run({"sum": ["item.quantity", "prior_sessions"], "le": 18}, {"item.quantity": 12}) is None
    assert run({"fact": "item.quantity", "ge": {"fact": "prior_sessions"}}, facts) is True
    assert run({"fact": "item.service", "matches": r"\bdevice\b"}, facts) is True
    assert run({"fact": "item.quantity", "in": [6, 12]}, facts) is True


def test_ref_uses_named_definitions():
    definitions = {"exercising": {"any": [T, F]}}
    assert run({"ref": "exercising"}, FACTS, definitions) is True


def test_facts_used_are_reported():
    _, used = compile_condition({"all": [T, {"fact": "item.quantity", "le": 6}]}, VOCABULARY)
    assert used == ("home_exercise_program", "item.quantity")


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"fact": "home_excercise_program", "is": True}, "unknown fact 'home_excercise_program'"),
        ({"fact": "item.quantity", "le": "six"}, "'le' needs a number"),
        ({"fact": "item.quantity", "is": True}, "'is' compares a boolean fact"),
        ({"fact": "item.quantity", "between": [1, 2]}, "unknown operator 'between'"),
        ({"fact": "item.quantity"}, "exactly one operator"),
        ({"ref": "nowhere"}, "unknown definition 'nowhere'"),
        ({"all": []}, "non-empty list"),
    ],
)
def test_bad_conditions_are_rejected(spec, message):
    with pytest.raises(ConditionError) as raised:
        compile_condition(spec, VOCABULARY, {})
    assert message in raised.value.message


def test_unknown_fact_suggests_the_nearest_name():
    with pytest.raises(ConditionError) as raised:
        compile_condition({"fact": "home_excercise_program", "is": True}, VOCABULARY)
    assert "did you mean 'home_exercise_program'" in raised.value.hint


def test_invalid_regular_expression_is_reported():
    from imr_rules.ruleset.conditions import check_pattern

    with pytest.raises(ConditionError) as raised:
        check_pattern("(", ("matches",))
    assert "invalid regular expression" in raised.value.message


@pytest.mark.parametrize("decisive", [False, True])
def test_combined_parts_decide_as_kleene_does(decisive):
    """_kleene_over writes kleene's loop out for speed: every mix of true, false and unknown parts
    gives what kleene() gives, and the parts after a decisive one are not asked."""
    from itertools import product

    from imr_rules.ruleset.conditions import _kleene_over, kleene

    for values in (v for n in range(4) for v in product((True, False, None), repeat=n)):
        asked = []
        parts = tuple((lambda _facts, i=i, v=v: asked.append(i) or v) for i, v in enumerate(values))
        assert _kleene_over(parts, decisive)({}) is kleene(values, decisive), values
        stop = values.index(decisive) + 1 if decisive in values else len(values)
        assert asked == list(range(stop)), values
