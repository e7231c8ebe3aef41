"""Criterion kinds: one object per kind, in one place, that the rest of the package asks."""

from __future__ import annotations

import io
import json
import tokenize

from conftest import ROOT
from imr_rules.ruleset.kinds import KINDS, kind_of

PACKAGE = ROOT / "imr_rules"


def string_literals(path) -> set[str]:
    with open(path, "rb") as handle:
        return {token.string.strip("'\"") for token in tokenize.tokenize(handle.readline) if token.type == tokenize.STRING}


def test_no_module_but_kinds_names_a_kind():
    # A module that tested `kind == "quantity_limit"` would have to change with every new kind.
    names = set(KINDS) - {"condition"}  # "condition" is also an ordinary field name
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "kinds.py":
            continue
        assert not names & string_literals(path), f"{path.relative_to(ROOT)} names a kind; ask the kind instead"


def test_the_rule_schema_knows_every_kind_and_its_fields():
    schema = json.loads((PACKAGE / "schemas" / "rule.schema.json").read_text(encoding="utf-8"))
    criterion = schema["$defs"]["criterion"]["properties"]
    assert set(criterion["kind"]["enum"]) == set(KINDS)
    for kind in KINDS.values():
        assert set(kind.fields) <= set(criterion), kind.name
        assert set(kind.deciding_conditions) <= set(kind.condition_fields) <= set(kind.fields), kind.name


def test_a_criterion_names_its_kind_or_gets_the_default():
    assert kind_of({"id": "X"}) is KINDS["condition"]
    assert kind_of({"kind": "quantity_limit"}) is KINDS["quantity_limit"]
    assert kind_of({"kind": "no_such_kind"}) is None and kind_of({"kind": ["quantity_limit"]}) is None


def test_the_shipped_rules_use_every_kind(ruleset):
    used = {criterion.kind for rule in ruleset.rules for criterion in rule.criteria}
    assert used == set(KINDS)


def test_a_proportional_limit_certifies_the_same_share_of_the_quantity(ruleset):
    # A limit in days of use (14) over a request counted in tablets: 90 tablets for 30 days, 4 days
    # already taken, leave 10 of the 30 days, that is 30 tablets; none once the 14 days are used.
    from imr_rules.model import Status

    spec = {"kind": "quantity_limit", "fact": "drug.days_supply", "prior": "drug.days_in_use", "max": 14, "proportional": True}
    compiled = KINDS["quantity_limit"].compile(spec, ruleset.vocabulary, ruleset.definitions)
    assert "item.quantity" in compiled.facts_used and compiled.params["proportional"] is True
    facts = {"drug.days_supply": 30, "item.quantity": 90}
    assert compiled.evaluate({**facts, "drug.days_in_use": 4}) == (Status.NOT_MET, 30)
    assert compiled.evaluate({**facts, "drug.days_in_use": 20}) == (Status.NOT_MET, 0)
    assert compiled.evaluate({**facts, "drug.days_in_use": 0, "drug.days_supply": 10}) == (Status.MET, None)
    assert compiled.evaluate({"drug.days_supply": 30, "drug.days_in_use": 0}) == (Status.NOT_MET, None)  # quantity unknown
    values = KINDS["quantity_limit"].template_values(compiled.params, {**facts, "drug.days_in_use": 4})
    assert (values["total"], values["remaining"]) == (34, 10)  # in what the limit counts: days
    assert compiled.evaluate(facts) == (Status.NOT_MET, None)  # 30 days alone exceed 14, whatever was taken
    statement = KINDS["quantity_limit"].not_met_statement(compiled.params, facts)
    from imr_rules.rationale import fill

    assert fill(statement, {**KINDS["quantity_limit"].template_values(compiled.params, facts), "unit": "tablets"}) == (
        "The 30 days requested by themselves exceed the 14 days the guideline supports; "
        "the days already used (not documented) could only add to them.")
