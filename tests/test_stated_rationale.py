"""The physician's stated reason for an item (clinical_rationale, stated-clinical-rationale/CR-1):
one fact and one criterion shared by every category. A stated absence denies; silent records add
nothing, so the criterion never becomes a "not documented" failure of its own."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.model import Outcome, Status
from imr_rules.reference.vocabulary import categories
from imr_rules.requests.loading import request_from_data

RULE = "stated-clinical-rationale"
# An EMG the upper-extremity rule would certify: findings of nerve compromise after 8 weeks of failed care.
EMG = {"request_id": "emg", "request_date": "2016-12-23",
       "facts": {"nerve_compromise_suspected": True, "conservative_care_failed": True, "conservative_care_weeks": 8}}


def decide(ruleset, item_facts):
    item = {"service": "EMG of the left upper extremity", "category": "electrodiagnostics", "facts": item_facts}
    (determination,) = evaluate(request_from_data({**EMG, "items": [item]}), ruleset).determinations
    return determination


def test_the_rule_selects_every_category(ruleset):
    # A new category must be added to the rule's list too: the rule is shared by all of them.
    (rule,) = [r for r in ruleset.rules if r.id == RULE]
    assert set(rule.categories) == set(categories())


@pytest.mark.parametrize("stated, outcome, status", [
    (True, Outcome.MEDICALLY_NECESSARY, Status.MET),
    (False, Outcome.NOT_MEDICALLY_NECESSARY, Status.NOT_MET),
])
def test_a_documented_rationale_is_weighed_beside_the_guideline(ruleset, stated, outcome, status):
    determination = decide(ruleset, {"clinical_rationale": stated})
    assert determination.outcome is outcome
    found = {f.criterion_id: f for f in determination.findings if f.rule_id == RULE}
    assert found["CR-1"].status is status
    if not stated:
        assert "no clear rationale" in determination.rationale


def test_silent_records_leave_the_guideline_to_decide(ruleset):
    determination = decide(ruleset, {})
    assert determination.outcome is Outcome.MEDICALLY_NECESSARY
    assert RULE not in {r.rule_id for r in determination.rule_results}


def test_cli_reports_the_missing_rationale(tmp_path):
    path = tmp_path / "emg.yaml"
    path.write_text(json.dumps({**EMG, "items": [{"service": "EMG of the left upper extremity", "category": "electrodiagnostics",
                                                  "facts": {"clinical_rationale": False}}]}))
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)["items"]
    assert item["decision"] == "not_medically_necessary"
    criteria = {(c["rule_id"], c["id"]): c["status"] for c in item["criteria"]}
    assert criteria[(RULE, "CR-1")] == "not_met"
