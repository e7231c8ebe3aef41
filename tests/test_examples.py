"""Every bundled massage example has its expected decision, through the library and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.requests.loading import load_request

from conftest import EXAMPLES

EXPECTED = {
    "massage-within-limit.yaml": ["medically_necessary"],
    "massage-twelve-visits.yaml": ["not_medically_necessary"],
    "massage-no-exercise.yaml": ["not_medically_necessary"],
    "massage-exercise-not-documented.yaml": ["not_medically_necessary"],
    "massage-improvement-not-documented.yaml": ["not_medically_necessary"],
    "massage-past-eighteen.yaml": ["not_medically_necessary"],
    "massage-mechanical-device.yaml": ["not_medically_necessary"],
    "massage-and-uncovered-item.yaml": ["medically_necessary", "no_applicable_rule"],
    "massage-quantity-not-specified.yaml": ["not_medically_necessary"],
    "massage-exceptional-factors.yaml": ["medically_necessary"],
}
CERTIFIABLE = {"massage-twelve-visits.yaml": 6, "massage-past-eighteen.yaml": 2}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_through_the_library(ruleset, name):
    report = evaluate(load_request(EXAMPLES / name), ruleset)
    assert [d.outcome.value for d in report.determinations] == EXPECTED[name]
    assert report.determinations[0].certifiable_quantity == CERTIFIABLE.get(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_through_the_cli(name):
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / name), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [item["decision"] for item in report["items"]] == EXPECTED[name]


def test_every_massage_example_is_asserted():
    assert sorted(p.name for p in EXAMPLES.glob("massage-*.yaml")) == sorted(EXPECTED)


def test_examples_cover_each_criterion_both_ways(ruleset):
    seen = {}
    for name in EXPECTED:
        for determination in evaluate(load_request(EXAMPLES / name), ruleset).determinations:
            for finding in determination.findings:
                if not finding.criterion_id.startswith("applicability"):  # the engine's finding, not a rule's criterion
                    seen.setdefault(finding.criterion_id, set()).add(finding.status.value)
    kinds = {c.id: c.kind for rule in ruleset.rules for c in rule.criteria}
    for criterion, statuses in seen.items():
        # A "not recommended" criterion is never met: its other way is not applying at all.
        passing = "not_applicable" if kinds[criterion] == "not_recommended" else "met"
        assert passing in statuses and statuses & {"not_met", "not_documented"}, (criterion, statuses)
