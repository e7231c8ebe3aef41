"""A Rule is its RuleSpec (what the file says) plus what was compiled from it."""

from __future__ import annotations

import dataclasses

from imr_rules.model import Rule, RuleSpec


def test_the_spec_is_plain_data_and_the_rule_adds_only_compiled_parts(ruleset):
    rule = ruleset.get("mtus-cpmtg-massage")
    assert isinstance(rule.spec, RuleSpec)
    for spec_field in dataclasses.fields(RuleSpec):
        assert not callable(getattr(rule.spec, spec_field.name)), spec_field.name
    compiled = {f.name for f in dataclasses.fields(Rule)} - {"spec"}
    assert compiled == {"criteria_factory", "logic_factory", "when_factory"}


def test_from_the_cache_a_rule_compiles_its_criteria_logic_and_when_on_first_use(tmp_path, monkeypatch):
    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import request_from_data
    from imr_rules.ruleset.loading import load_ruleset

    monkeypatch.setenv("IMR_RULES_CACHE", str(tmp_path))
    eager = load_ruleset()  # a cold cache: compiled now, so that every problem is reported at load
    cached = load_ruleset()
    assert not any({"criteria", "logic", "when"} & set(vars(rule)) for rule in cached.rules)
    request = request_from_data({"request_date": "2016-12-01", "facts": {"home_exercise_program": True},
                                 "items": [{"service": "Massage therapy", "category": "massage", "quantity": 6,
                                            "facts": {"prior_sessions": 0}}]})
    assert evaluate(request, cached).determinations == evaluate(request, eager).determinations
    assert "criteria" in vars(cached.get("mtus-cpmtg-massage"))  # the rules used, and only those
    assert "criteria" not in vars(cached.get("mtus-acoem-knee-imaging"))
    from imr_rules.model import Status

    for lazy, compiled in zip(cached.rules, eager.rules):  # compiled when asked, to the same functions
        for status in Status:
            statuses = dict.fromkeys(lazy.criterion_ids, status)
            assert lazy.logic(statuses) == compiled.logic(statuses), lazy.id
        assert (lazy.when is None) == (compiled.when is None) == (lazy.when_factory is None), lazy.id
        if lazy.when is not None:
            assert lazy.when({}) == compiled.when({}), lazy.id


def test_the_spec_keeps_criteria_and_logic_as_written(ruleset):
    for rule in ruleset.rules:
        assert rule.criterion_ids == tuple(c.id for c in rule.criteria)
        assert all(isinstance(written, dict) and written["id"] == c.id for written, c in zip(rule.spec.criteria, rule.criteria))
        assert rule.all_required == (rule.spec.logic == "all")
    massage = ruleset.get("mtus-cpmtg-massage")
    limit = next(c for c in massage.spec.criteria if c["id"] == "MS-2")
    assert limit["max"] == 6 and limit["kind"] == "quantity_limit"


def test_a_rule_reads_its_declared_parts_through_its_spec(ruleset):
    rule = ruleset.get("mtus-cpmtg-massage")
    for name in ("id", "title", "tier", "role", "summary", "editions", "categories", "codes", "keywords",
                 "confidence", "unit", "path", "line"):
        assert getattr(rule, name) == getattr(rule.spec, name), name
    assert rule.path.endswith("mtus-cpmtg-massage.yaml") and rule.line >= 1


def test_loading_twice_gives_equal_rules(ruleset):
    from imr_rules.ruleset.loading import load_ruleset

    again = load_ruleset()
    assert again.rules == ruleset.rules
    assert {hash(rule) for rule in again.rules} == {hash(rule) for rule in ruleset.rules}
