"""The guideline in force (8 CCR 9792.21.1): the timeline table, the lookup, and every report format."""

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.model import Outcome
from imr_rules.reference import guidelines
from imr_rules.requests.loading import request_from_data

from conftest import EXAMPLES

D = dt.date.fromisoformat


def test_the_table_matches_its_schema():
    from jsonschema import Draft202012Validator

    schema = json.loads(resources.files("imr_rules").joinpath("schemas/guidelines.schema.json").read_text())
    data = yaml.safe_load(resources.files("imr_rules").joinpath("reference/data/guidelines.yaml").read_text())
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


def test_every_route_and_region_names_a_topic():
    table = guidelines.table()
    topics = set(table["topics"]) | {"region"}
    assert {r["topic"] for r in table["routes"]} <= topics
    assert {r["fallback"] for r in table["routes"] if "fallback" in r} <= topics
    assert set(table["regions"].values()) <= set(table["topics"])


def test_editions_of_a_topic_neither_overlap_nor_leave_gaps():
    for topic, spec in guidelines.table()["topics"].items():
        editions = spec["editions"]
        assert "to" not in editions[-1], topic  # the latest edition is open-ended: in force today
        for before, after in zip(editions, editions[1:]):
            assert D(before["to"]) + dt.timedelta(days=1) == D(after["from"]), topic


@pytest.mark.parametrize(
    "category, region, day, title, version, section",
    [
        ("nsaid", None, "2016-12-01", "MTUS Chronic Pain Medical Treatment Guidelines", "2016-07-28", "8 CCR 9792.24.2"),
        ("imaging", "lumbar_spine", "2016-12-01", "ACOEM Practice Guidelines, 2nd ed. (2004), Chapter 12, Low Back Complaints", "2004", "8 CCR 9792.23.5"),
        ("imaging", "lumbar_spine", "2018-03-01", "ACOEM Practice Guidelines, Low Back Disorders", "2016-02-24", "8 CCR 9792.23.5"),
        ("imaging", "lumbar_spine", "2020-01-01", "ACOEM Practice Guidelines, Low Back Disorders", "2019-03-07", "8 CCR 9792.23.5"),
        ("imaging", "lumbar_spine", "2026-11-20", "ACOEM Practice Guidelines, Low Back Disorders", "2020-02-13", "8 CCR 9792.23.5"),
        ("imaging", "knee", "2020-09-20", "ACOEM Practice Guidelines, Knee Disorders", "2015-10-28", "8 CCR 9792.23.6"),
        ("imaging", "knee", "2020-09-21", "ACOEM Practice Guidelines, Knee Disorders", "2019-12-03", "8 CCR 9792.23.6"),
        ("opioid", None, "2017-11-30", "MTUS Opioids Treatment Guidelines", "2016-07-28", "8 CCR 9792.24.4"),
        ("opioid", None, "2017-12-01", "ACOEM Practice Guidelines, Opioids Guideline", "2017-04-20", "8 CCR 9792.24.4"),
        ("opioid", None, "2015-01-01", "MTUS Chronic Pain Medical Treatment Guidelines (opioid pages)", "2009", "8 CCR 9792.24.2"),
        ("acupuncture", "shoulder", "2026-11-20", "MTUS Acupuncture Medical Treatment Guidelines", "2007", "8 CCR 9792.24.1"),
        ("muscle_relaxant", None, "2026-11-20", "ACOEM Practice Guidelines, Chronic Pain Guideline", "2017-05-15", "8 CCR 9792.24.2"),
        ("epidural_injection", "cervical_spine", "2019-04-18", "ACOEM Practice Guidelines, Cervical and Thoracic Spine Disorders", "2018-10-17", "8 CCR 9792.23.1"),
    ],
)
def test_the_guideline_in_force_by_topic_and_date(category, region, day, title, version, section):
    found = guidelines.guideline_in_force(category, D(day), body_region=region)
    assert (found.title, found.version, found.section) == (title, version, section)
    assert found.source.split()[0] in {"REG", "SEC", "LTR", "REC"}


def test_postsurgical_and_chronic_care_route_to_their_sections():
    day = D("2026-11-20")
    assert guidelines.guideline_in_force("physical_therapy", day, body_region="knee", postsurgical=True).section == "8 CCR 9792.24.3"
    assert guidelines.guideline_in_force("physical_therapy", day, body_region="knee", weeks_since_injury=52).section == "8 CCR 9792.24.2"
    assert guidelines.guideline_in_force("physical_therapy", day, body_region="knee", weeks_since_injury=4).section == "8 CCR 9792.23.6"
    # A hip chapter exists only from 2017-12-01; before it, the general approaches are named.
    assert guidelines.guideline_in_force("imaging", D("2016-12-01"), body_region="hip").section == "8 CCR 9792.22"
    assert guidelines.guideline_in_force("imaging", day, body_region="hip").version == "2019-04-24"


def test_before_the_mtus_no_guideline_and_the_reason_says_so():
    assert guidelines.guideline_in_force("massage", D("2006-01-01")) is None
    assert guidelines.no_rule_reason("massage", D("2006-01-01")) == "outside_mtus"
    assert guidelines.no_rule_reason(None, D("2026-01-01")) == "unrecognised_item"
    assert guidelines.no_rule_reason("massage", D("2026-01-01")) == "criteria_not_encoded"


def _report(ruleset, items, date, **extra):
    data = {"request_id": "g", "request_date": date, "items": items, **extra}
    return evaluate(request_from_data(data), ruleset)


def test_every_item_names_its_guideline_and_a_no_rule_item_its_reason(ruleset):
    items = [
        {"service": "Massage therapy to the low back", "category": "massage", "quantity": 6, "facts": {"prior_sessions": 0}},
        {"service": "Gym membership x 6 months"},
    ]
    report = _report(ruleset, items, "2026-11-20", patient={"date_of_injury": "2025-01-10"})
    massage, gym = report.determinations
    assert massage.outcome is Outcome.NO_APPLICABLE_RULE and massage.reason == "criteria_not_encoded"
    assert massage.guideline.section == "8 CCR 9792.24.2"
    assert gym.reason == "unrecognised_item" and gym.guideline.section == "8 CCR 9792.22"
    # The same massage item in 2016 is decided by the CPMTG rule: no reason, the 2016 CPMTG named.
    old = _report(ruleset, items[:1], "2016-12-01", facts={"home_exercise_program": True},
                  patient={"date_of_injury": "2015-01-10"}).determinations[0]
    assert old.outcome is Outcome.MEDICALLY_NECESSARY and old.reason is None
    assert (old.guideline.title, old.guideline.version) == ("MTUS Chronic Pain Medical Treatment Guidelines", "2016-07-28")


def test_json_text_and_markdown_carry_the_guideline(tmp_path):
    request = tmp_path / "r.yaml"
    request.write_text(
        "request_id: today\nrequest_date: 2026-11-20\npatient: {date_of_injury: 2024-02-01}\n"
        "items:\n  - {service: Massage therapy for the neck, category: massage, quantity: 6, body_region: cervical_spine}\n"
    )
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(request), "--format", "json"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)["items"][0]
    assert item["decision"] == "no_applicable_rule" and item["reason"] == "criteria_not_encoded"
    assert item["guideline_in_force"]["mtus_section"] == "8 CCR 9792.24.2"
    assert item["guideline_in_force"]["effective_from"] == "2017-12-01"
    assert item["guideline_in_force"]["version"] == "2017-05-15"
    assert item["guideline_in_force"]["source"].startswith("REG")
    text = runner.invoke(app, ["check", str(request)]).output
    assert "Guideline in force (8 CCR 9792.21.1): ACOEM Practice Guidelines, Chronic Pain" in text
    assert "criteria not encoded" in text
    markdown = runner.invoke(app, ["check", str(request), "--format", "markdown"]).output
    assert "- Guideline in force (8 CCR 9792.21.1): ACOEM Practice Guidelines, Chronic Pain Guideline (2017-05-15)" in markdown
    assert "No rule decides this item (criteria not encoded)" in markdown


def test_no_example_item_redated_to_today_is_a_bare_no_rule(ruleset, tmp_path):
    """Re-dated to 2026-11-20, every example item is decided or names a guideline and a reason."""
    for path in sorted(Path(EXAMPLES).glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        data["request_date"] = "2026-11-20"
        for d in evaluate(request_from_data(data), ruleset).determinations:
            assert d.guideline is not None, (path.name, d.item.service)
            if d.outcome is Outcome.NO_APPLICABLE_RULE:
                assert d.reason in {"criteria_not_encoded", "unrecognised_item"}, (path.name, d.item.service)
            else:
                assert d.reason is None


# ---- the functional improvement definition by date (8 CCR 9792.20) -------------------------------

ACUPUNCTURE_EXTENSION = {
    "items": [{"service": "Acupuncture lumbar spine", "category": "acupuncture", "quantity": 6,
               "facts": {"prior_sessions": 6, "work_restriction_reduction": True, "reduced_treatment_dependency": True}}],
    "facts": {"pain_medication_reduced": True},
}


@pytest.mark.parametrize("date, section, verify", [
    ("2014-06-02", "8 CCR 9792.20(f)", False),
    ("2016-12-19", "8 CCR 9792.20(e)", False),
    ("2026-11-20", "8 CCR 9792.20 (as amended effective 2017-12-01)", True),
])
def test_a_criterion_reading_functional_improvement_names_the_definition_in_force(ruleset, date, section, verify):
    request = request_from_data({**ACUPUNCTURE_EXTENSION, "request_date": date})
    [definition] = evaluate(request, ruleset).determinations[0].definitions
    assert (definition.term, definition.section, definition.verify) == ("functional improvement", section, verify)
    assert definition.effective_from <= D(date) and (definition.effective_to is None or D(date) <= definition.effective_to)
    assert ("Official Medical Fee Schedule" in definition.text) == (section.endswith("(f)"))  # the 2009 wording


def test_the_definitions_do_not_overlap_and_carry_their_sources():
    for spec in guidelines.table()["definitions"].values():
        editions = spec["editions"]
        for before, after in zip(editions, editions[1:]):
            assert D(before["to"]) + dt.timedelta(days=1) == D(after["from"])
        assert all(e["source"].split()[0] in ("REG", "LTR", "SEC", "REC") for e in editions)


def test_no_definition_is_named_where_no_applying_criterion_reads_it(ruleset):
    first_course = {"request_date": "2016-12-19", "facts": {"pain_medication_reduced": True},
                    "items": [{"service": "Acupuncture lumbar spine", "category": "acupuncture", "quantity": 6,
                               "facts": {"prior_sessions": 0}}]}
    assert evaluate(request_from_data(first_course), ruleset).determinations[0].definitions == ()


def test_every_format_names_the_definition_in_force():
    path = str(EXAMPLES / "acupuncture-extension-with-improvement.yaml")
    item = json.loads(CliRunner().invoke(app, ["check", path, "--format", "json"]).stdout)["items"][0]
    assert [d["section"] for d in item["definitions_in_force"]] == ["8 CCR 9792.20(e)"]
    for fmt in ("text", "markdown"):
        out = " ".join(CliRunner().invoke(app, ["check", path, "--format", fmt]).stdout.replace("│", " ").split())
        assert "Definition in force: functional improvement, 8 CCR 9792.20(e) (from 2015-04-20 to 2017-11-30) [REG]" in out, fmt
