"""The generated fast path and the reference closures agree on every status and decision."""

import itertools

from imr_rules.errors import ImrRulesError
from imr_rules.engine import decide, decide_by_reference
from imr_rules.request import request_from_data
from imr_rules.ruletests import case_request_data


def massage_requests():
    booleans = (True, False, None)
    for quantity, prior, exercise, improvement, exceptional, service in itertools.product(
        (None, 4, 6, 12), (None, 0, 6, 16), booleans, booleans, booleans,
        ("Massage therapy", "Mechanical massage device"),
    ):
        item = {"service": service, "category": "massage", "facts": {}}
        if quantity is not None:
            item["quantity"] = quantity
        for name, value in (("prior_sessions", prior), ("functional_improvement", improvement), ("exceptional_factors", exceptional)):
            if value is not None:
                item["facts"][name] = value
        data = {"request_date": "2016-12-01", "items": [item]}
        if exercise is not None:
            data["facts"] = {"home_exercise_program": exercise}
        yield request_from_data(data)


def test_fast_path_equals_reference_on_generated_massage_requests(ruleset):
    count = 0
    for request in massage_requests():
        item = request.items[0]
        assert decide(request, item, ruleset) == decide_by_reference(request, item, ruleset)
        count += 1
    assert count == 4 * 4 * 27 * 2


def test_fast_path_equals_reference_on_every_rule_test_case(ruleset):
    cases = [case for document in ruleset.documents if isinstance(document.data, dict)
             for case in document.data.get("tests") or ()]
    assert cases
    checked = 0
    for case in cases:
        try:
            request = request_from_data(case_request_data(case), vocabulary=ruleset.vocabulary)
        except ImrRulesError:
            continue  # a malformed case is reported by 'imr-rules rules test', not here
        checked += 1
        for item in request.items:
            assert decide(request, item, ruleset) == decide_by_reference(request, item, ruleset), case["name"]
    assert checked


def test_generated_source_is_kept_for_inspection(ruleset):
    rule = ruleset.get("mtus-cpmtg-massage")
    assert "def rule_statuses(f):" in rule.statuses.source
    assert "f.get('item.quantity')" in rule.statuses.source
