"""The generated fast path and the reference closures agree on every status and decision."""

import itertools

from imr_rules.errors import ImrRulesError
from imr_rules.engine import _memo, decide, decide_by_reference
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


def test_massage_code_computes_shared_conditions_once(ruleset):
    """MTUS and ODG both ask 'prior_sessions > 0'; the generated code computes it once, reads each
    fact once on any path, and folds the quantity limit without prior use ('F <= 6', 'q = 6')."""
    request = next(massage_requests())
    decision = decide(request, request.items[0], ruleset)
    source = _memo(ruleset).functions[tuple(rule.id for rule in decision.rules)].source
    assert source.count("> 0)") == 1
    assert source.count("f.get('prior_sessions')") == 1
    assert "+ 0" not in source and "max(int(6" not in source


# ---- the whole library, on generated facts -------------------------------------------------------
import datetime as dt
import random

from imr_rules.model import Item, Patient, Request


def _numbers_in(spec):
    """Every number a rule's criteria mention (limits, thresholds): the values worth testing around."""
    if isinstance(spec, dict):
        for value in spec.values():
            yield from _numbers_in(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _numbers_in(value)
    elif isinstance(spec, (int, float)) and not isinstance(spec, bool):
        yield spec


def _fact_values(ruleset):
    """For each fact, values worth trying: those of every rule test case, numbers around every
    threshold of the library, and both booleans."""
    seen: dict[str, list] = {}
    for document in ruleset.documents:
        if not isinstance(document.data, dict):
            continue
        for case in document.data.get("tests") or ():
            try:
                request = request_from_data(case_request_data(case), vocabulary=ruleset.vocabulary)
            except ImrRulesError:
                continue
            for item in request.items:
                for name, value in item.values.items():
                    if value not in seen.setdefault(name, []):
                        seen[name].append(value)
    numbers = sorted({n + d for rule in ruleset.rules for spec in rule.criterion_specs
                      for n in _numbers_in(spec) for d in (-1, 0, 1) if n + d >= 0})
    values = {}
    for rule in ruleset.rules:
        for criterion in rule.criteria:
            for name in criterion.facts_used:
                fact_type = ruleset.vocabulary.get(name).type
                extra = {"boolean": [True, False], "integer": numbers, "number": numbers + [0.5, 2.5]}.get(fact_type, [])
                values[name] = list(seen.get(name, [])) + [v for v in extra if v not in seen.get(name, [])]
    return values


def _selections(ruleset):
    """(category, date, rules that can decide) for every category of every rule, on each edition's first day."""
    for rule in ruleset.rules:
        days = {edition.effective_from or dt.date(2016, 12, 1) for edition in rule.editions}
        for category in rule.categories:
            for day in sorted(days):
                yield category, day


def test_fast_path_equals_reference_on_generated_facts_across_the_library(ruleset):
    """Statuses, decision and certifiable quantity, for every rule combination the engine selects."""
    values = _fact_values(ruleset)
    names = sorted(values)
    chance = random.Random(20261101)
    checked, certifiable, combinations = 0, 0, set()
    for category, day in _selections(ruleset):
        for _ in range(150):
            facts = {name: chance.choice(values[name]) for name in names if values[name] and chance.random() < 0.7}
            item = Item(id="1", service=str(facts.get("item.service", "requested service")), category=category,
                        quantity=facts.get("item.quantity"), values=facts)
            request = Request(id="generated", request_date=day, patient=Patient(), diagnoses=(), items=(item,))
            fast, reference = decide(request, item, ruleset), decide_by_reference(request, item, ruleset)
            assert fast == reference, (category, day, facts)
            checked += 1
            certifiable += fast.certifiable_quantity is not None
            combinations.add(tuple(rule.id for rule in fast.rules))
    assert checked > 1000
    assert certifiable > 20  # the certifiable portion, not only None, was compared
    assert len(combinations) > 20


def test_a_date_like_text_is_a_date_only_for_a_date_fact(ruleset):
    # conditions._operand reads "2016-01-01" as a date only for a date fact; so must the generated code.
    from imr_rules.codegen import compile_rule_function
    from imr_rules.conditions import compile_condition

    for fact, value in (("item.service", "2016-01-01"), ("request.date", __import__("datetime").date(2016, 1, 1))):
        condition = {"fact": fact, "eq": "2016-01-01"}
        reference, _ = compile_condition(condition, ruleset.vocabulary)
        spec = {"id": "X-1", "kind": "condition", "condition": condition}
        generated = compile_rule_function([spec], [None], [None], {}, None, ruleset.vocabulary)
        statuses, _ = generated({fact: value})
        assert reference({fact: value}) is True
        assert statuses[0].value == "met", fact
