"""A request with no clinical facts at all is never certified, by any rule, unless the rule says
in its YAML (needs_no_documentation: why) that its guideline certifies on the request itself.

Every example request and every embedded rule case is run with all of its documentation removed:
request facts, item facts (and with them every evidence quote), diagnoses and patient details.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from imr_rules.authoring.ruletests import case_request_data
from imr_rules.documents import Document
from imr_rules.engine import evaluate
from imr_rules.model import Outcome, Role
from imr_rules.requests.loading import request_from_document

from conftest import EXAMPLES


def without_documentation(data: dict) -> dict:
    stripped = {key: value for key, value in data.items() if key not in ("facts", "diagnoses", "patient")}
    stripped["items"] = [{key: value for key, value in dict(item).items() if key != "facts"} for item in data.get("items") or ()]
    return stripped


def inputs(ruleset):
    for path in sorted(EXAMPLES.glob("*.yaml")):
        yield path.name, yaml.safe_load(path.read_text(encoding="utf-8"))
    for document in ruleset.documents:
        data = document.data
        if isinstance(data, dict) and isinstance(data.get("tests"), list):
            for index, case in enumerate(data["tests"]):
                yield f"{Path(document.path).name} tests[{index}]", case_request_data(case)


def reasons(ruleset) -> dict[str, str]:
    return {d.data["id"]: d.data["needs_no_documentation"] for d in ruleset.documents
            if isinstance(d.data, dict) and "needs_no_documentation" in d.data}


def test_no_request_without_documentation_is_certified(ruleset):
    exempt = reasons(ruleset)
    checked, certified = 0, []
    for name, data in inputs(ruleset):
        request = request_from_document(Document(name, without_documentation(data)), ruleset.vocabulary)
        for determination in evaluate(request, ruleset).determinations:
            checked += 1
            if determination.outcome is Outcome.MEDICALLY_NECESSARY:
                deciding = {r.rule_id for r in determination.rule_results if r.role is not Role.SUPPLEMENT}
                if not deciding <= set(exempt):
                    certified.append((name, determination.item.service, sorted(deciding)))
    assert checked > 300  # every example item and every embedded case
    assert certified == []


def test_the_stripping_leaves_no_fact(ruleset):
    for name, data in inputs(ruleset):
        request = request_from_document(Document(name, without_documentation(data)), ruleset.vocabulary)
        assert not request.facts and not request.diagnoses and all(not item.facts for item in request.items), name


def test_rules_needing_no_documentation_say_why(ruleset):
    # Today no shipped rule certifies on the request alone: even a post-operative supply needs
    # the surgery (or the acute injury) documented. A rule that claims an exemption must say why.
    assert all(len(reason) >= 20 for reason in reasons(ruleset).values())


def test_a_post_operative_request_without_a_documented_surgery_is_not_certified(ruleset):
    data = {"request_date": "2016-12-01", "items": [{
        "service": "Post-op Norco 5/325mg #60, 1-2 tabs every 4-6 hrs as needed", "category": "opioid",
        "drug": {"name": "Norco", "strength": "5/325 mg", "quantity": 60, "directions": "1-2 tabs q4-6h prn"}}]}
    request = request_from_document(Document("post-op.yaml", data), ruleset.vocabulary)
    (determination,) = evaluate(request, ruleset).determinations
    assert determination.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    assert any(f.criterion_id == "OPA-0" and f.status.value == "not_documented" for f in determination.findings)
