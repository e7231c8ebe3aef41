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
