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
    assert compiled == {"criteria_factory", "logic", "when"}


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
