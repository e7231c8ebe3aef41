"""An authorized trial still awaiting its result (authorized_trial_pending,
authorized-trial-pending/AT-1): one criterion shared by every treatment given as a trial, where
physical medicine, manual therapy and acupuncture each carried a copy before. A stated pending
trial denies; silent records add nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.model import Outcome, Status
from imr_rules.requests.loading import request_from_data

RULE = "authorized-trial-pending"
# A one-month TENS rental the TENS rule would certify: chronic pain, failed care, an exercise
# programme it accompanies, and stated goals.
TENS = {"request_id": "tens", "request_date": "2016-12-01",
        "facts": {"home_exercise_program": True, "pain_duration_months": 6, "conservative_care_failed": True}}


def decide(ruleset, item_facts, service="TENS unit 30 day rental", category="tens"):
    item = {"service": service, "category": category, "facts": {"treatment_goals": True, **item_facts}}
    (determination,) = evaluate(request_from_data({**TENS, "items": [item]}), ruleset).determinations
    return determination


@pytest.mark.parametrize("pending, outcome, status", [
    (False, Outcome.MEDICALLY_NECESSARY, Status.MET),
    (True, Outcome.NOT_MEDICALLY_NECESSARY, Status.NOT_MET),
])
def test_a_pending_trial_is_weighed_beside_the_guideline(ruleset, pending, outcome, status):
    determination = decide(ruleset, {"authorized_trial_pending": pending})
    assert determination.outcome is outcome
    found = {f.criterion_id: f for f in determination.findings if f.rule_id == RULE}
    assert found["AT-1"].status is status


def test_silent_records_leave_the_guideline_to_decide(ruleset):
    determination = decide(ruleset, {})
    assert determination.outcome is Outcome.MEDICALLY_NECESSARY
    assert RULE not in {r.rule_id for r in determination.rule_results}


@pytest.mark.parametrize("service, category", [
    ("Physical therapy 2x/week x 3 weeks for the low back", "physical_therapy"),
    ("Chiropractic manipulation 2x/week x 3 weeks for the low back", "chiropractic"),
    ("Acupuncture 2x/week x 3 weeks for the low back", "acupuncture"),
])
def test_one_criterion_serves_every_treatment_with_a_trial(ruleset, service, category):
    determination = decide(ruleset, {"authorized_trial_pending": True}, service, category)
    assert determination.outcome is Outcome.NOT_MEDICALLY_NECESSARY
    reading_the_fact = {f.rule_id for f in determination.findings
                        if any(name == "authorized_trial_pending" for name, _ in f.values)}
    # The shared rule reads the fact; no category rule keeps a copy of the criterion.
    assert reading_the_fact == {RULE}


def test_cli_reports_the_pending_trial(tmp_path):
    path = tmp_path / "tens.yaml"
    path.write_text(json.dumps({**TENS, "items": [{"service": "TENS unit 30 day rental", "category": "tens",
                                                   "facts": {"treatment_goals": True, "authorized_trial_pending": True}}]}))
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "trial of this treatment has already been authorized" in result.output
