"""rules doc: the Markdown catalogue names every rule and criterion, with limits and citations."""

from __future__ import annotations

import textwrap
from pathlib import Path

from typer.testing import CliRunner

from imr_rules.authoring.catalogue import catalogue_markdown, plain_condition
from imr_rules.cli import app
from imr_rules.ruleset.loading import load_ruleset

MANIFEST = """\
name: catalogue test rules
version: "7"
definitions:
  continuation: {fact: prior_sessions, gt: 0}
"""

RULE = """\
id: doc-massage
title: Doc massage
category: massage
applies_to: {categories: [massage], codes: ["97124"]}
source: {tier: ODG}
editions:
  - from: 2009-07-18
    to: 2016-07-27
    citation: {title: Doc guideline, section: Massage, pages: "60"}
confidence: REC
confidence_note: recalled from letters; confirm
summary: at most 18 visits in all.
criteria:
  - id: D-1
    kind: quantity_limit
    requirement: With prior visits, at most 18 in all.
    applies_when: {ref: continuation}
    max: 18
    prior: prior_sessions
    unless: {fact: exceptional_factors, is: true}
    wording: {not_met: Too many., not_documented: the visits completed}
  - id: D-2
    requirement: A home exercise program accompanies it.
    condition: {fact: home_exercise_program, is: true}
    citation: {title: Other guideline, section: Exercise}
    confidence: LTR
    wording: {not_met: No exercise.}
"""


def rule_set(tmp_path: Path, *rules: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ruleset.yaml").write_text(MANIFEST, encoding="utf-8")
    for index, text in enumerate(rules):
        (folder / f"rule{index}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def test_catalogue_groups_rules_and_shows_limits_citations_confidence_dates(tmp_path):
    other = RULE.replace("id: doc-massage", "id: doc-acupuncture").replace("category: massage", "category: acupuncture")
    text = catalogue_markdown(load_ruleset([rule_set(tmp_path, RULE, other)]))
    assert text.index("## acupuncture") < text.index("### doc-acupuncture") < text.index("## massage") < text.index("### doc-massage")
    assert "#### D-1: With prior visits, at most 18 in all." in text
    assert "at most 18 visits (item.quantity), counting those already completed (prior_sessions); more when exceptional_factors is true" in text
    assert "Applies when: *continuation*" in text and "*continuation*: prior_sessions is more than 0" in text
    assert "Applies when: *continuation* (when undocumented: not certified until documented)" in text
    assert "Doc guideline, Massage, page 60" in text and "Citation: Other guideline, Exercise" in text
    assert "Confidence: REC" in text and "Confidence: LTR" in text and "recalled from letters; confirm" in text
    assert "2009-07-18 to 2016-07-27" in text
    assert "catalogue test rules 7" in text


def test_catalogue_says_how_each_criterion_treats_an_undocumented_applies_when():
    text = catalogue_markdown(load_ruleset())
    assert "Applies when: medication.aberrant_behavior is true (only when documented)" in text
    assert "(also when undocumented)" in text
    applies = [line for line in text.splitlines() if line.startswith("- Applies when: ")]
    # a condition on the request's own service text, or on whether a fact is documented, is never unknown
    never_unknown = [line for line in applies if line.endswith(("is documented", "`)"))]
    assert never_unknown and not any("not certified until documented" in line for line in never_unknown)
    assert "- Applies when: *continuation* (when undocumented: not certified until documented)" in applies


def test_plain_condition_reads_as_words():
    spec = {"any": [{"fact": "a", "ge": 3}, {"not": {"fact": "b", "documented": True}}, {"sum": ["c", "d"], "le": 18}]}
    assert plain_condition(spec) == "a is at least 3 or not (b is documented) or c + d is at most 18"


def test_catalogue_of_the_shipped_rules_names_every_rule_and_criterion():
    ruleset = load_ruleset()
    text = catalogue_markdown(ruleset)
    for rule in ruleset.rules:
        assert f"### {rule.id}: " in text
        for criterion in rule.criteria:
            assert f"#### {criterion.id}: " in text, (rule.id, criterion.id)


def test_cli_writes_the_catalogue_to_a_file(tmp_path):
    folder = rule_set(tmp_path, RULE)
    output = tmp_path / "catalogue.md"
    result = CliRunner().invoke(app, ["rules", "doc", str(folder), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "### doc-massage: Doc massage" in output.read_text() and "#### D-2: " in output.read_text()
    stdout = CliRunner().invoke(app, ["rules", "doc", str(folder)])
    assert stdout.output == output.read_text()


def test_cli_reports_rule_files_it_had_to_leave_out(tmp_path):
    folder = rule_set(tmp_path, RULE, "id: Bad Id\n")
    result = CliRunner().invoke(app, ["rules", "doc", str(folder)])
    assert result.exit_code == 2 and "### doc-massage" in result.output and "rule1.yaml:1" in result.output
