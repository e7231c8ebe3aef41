"""Non-drug rule library: every example's decision through the library API and the CLI, and the
embedded rule tests of every non-drug rule (each criterion both ways)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.requests.loading import load_request
from imr_rules.authoring.ruletests import run_rule_tests

from conftest import EXAMPLES, ROOT

# category prefix of the example files -> folder(s) of its rules
AREAS = {
    "imaging": ["imaging"],
    "physical_therapy": ["physical_therapy"],
    "chiropractic": ["chiropractic"],
    "acupuncture": ["acupuncture"],
    "electrodiagnostics": ["electrodiagnostics"],
    "electrotherapy": ["electrotherapy"],
    "dme": ["dme"],
    "injections": ["injections"],
    "programs": ["programs"],
    "surgery_associated": ["surgery_associated"],
}
EXPECTED = {
    "imaging-lumbar-mri-nerve-compromise.yaml": ["medically_necessary"],
    "imaging-lumbar-mri-no-nerve-compromise.yaml": ["not_medically_necessary"],
    "imaging-cervical-mri-no-indication.yaml": ["not_medically_necessary"],
    "imaging-repeat-lumbar-mri.yaml": ["not_medically_necessary", "medically_necessary"],
    "imaging-lumbar-xray-no-red-flags.yaml": ["not_medically_necessary"],
    "physical_therapy-myalgia-within-limit.yaml": ["medically_necessary"],
    "physical_therapy-additional-twelve.yaml": ["not_medically_necessary"],
    "physical_therapy-postsurgical-bankart.yaml": ["medically_necessary"],
    "physical_therapy-crps-2015.yaml": ["not_medically_necessary"],
    "chiropractic-trial-low-back.yaml": ["medically_necessary"],
    "chiropractic-knee-and-hip.yaml": ["not_medically_necessary"],
    "chiropractic-additional-without-improvement.yaml": ["not_medically_necessary"],
    "acupuncture-initial-trial.yaml": ["medically_necessary"],
    "acupuncture-twelve-initial.yaml": ["not_medically_necessary"],
    "acupuncture-extension-with-improvement.yaml": ["medically_necessary"],
    "electrodiagnostics-lower-emg-ncv.yaml": ["not_medically_necessary"],
    "electrodiagnostics-lower-emg-only.yaml": ["medically_necessary"],
    "electrodiagnostics-upper-carpal-tunnel.yaml": ["medically_necessary", "not_medically_necessary"],
    "electrotherapy-tens-purchase-without-trial.yaml": ["not_medically_necessary"],
    "electrotherapy-tens-trial-rental.yaml": ["medically_necessary"],
    "electrotherapy-muscle-stimulation.yaml": ["not_medically_necessary"],
    "dme-lumbar-support-chronic.yaml": ["not_medically_necessary"],
    "dme-cold-unit-after-surgery.yaml": ["medically_necessary", "not_medically_necessary"],
    "dme-wheelchair-and-commode.yaml": ["medically_necessary", "not_medically_necessary"],
    "dme-hot-cold-wrap.yaml": ["not_medically_necessary"],
    "injections-esi-corroborated.yaml": ["medically_necessary"],
    "injections-esi-no-corroboration.yaml": ["not_medically_necessary"],
    "injections-facet-with-radicular-findings.yaml": ["not_medically_necessary"],
    "injections-trigger-points.yaml": ["medically_necessary"],
    "programs-functional-restoration-candidate.yaml": ["medically_necessary"],
    "programs-functional-restoration-no-evaluation.yaml": ["not_medically_necessary"],
    "programs-work-hardening.yaml": ["medically_necessary"],
    "injections-prp-foot.yaml": ["not_medically_necessary"],
    "surgery_associated-surgery-denied.yaml": ["not_medically_necessary", "not_medically_necessary"],
    "surgery_associated-surgery-certified.yaml": ["medically_necessary"],
    "surgery_associated-outcome-unknown.yaml": ["not_medically_necessary"],
    # Dated after 2017-11-30 (tests/test_current_era.py asserts their criteria).
    "acupuncture-low-back-2022-past-twelve.yaml": ["not_medically_necessary"],
    "acupuncture-2026-initial-trial.yaml": ["medically_necessary"],
    "physical_therapy-postsurgical-2024-meniscectomy.yaml": ["not_medically_necessary"],
    "physical_therapy-2025-visit-cap.yaml": ["not_medically_necessary"],
    "dme-cold-unit-2019-knee.yaml": ["not_medically_necessary"],
    "injections-esi-2020-odg.yaml": ["medically_necessary"],
    "physical_therapy-2026-cap-and-massage.yaml": ["not_medically_necessary", "no_applicable_rule"],
    # ODG decides it in the bundled rules; tests/test_packs.py checks the example pack deciding it.
    "imaging-knee-mri-2026.yaml": ["medically_necessary"],
}
# Partial certification: with 12 of CRPS's 24 visits done (2009 CPMTG), 12 of the 16 can be certified.
CERTIFIABLE: dict[str, int] = {"physical_therapy-crps-2015.yaml": 12,
                               "acupuncture-low-back-2022-past-twelve.yaml": 2, "physical_therapy-2025-visit-cap.yaml": 4,
                               "physical_therapy-2026-cap-and-massage.yaml": 4}


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


@pytest.mark.parametrize("area", sorted(AREAS))
def test_every_example_of_an_area_is_asserted(area):
    names = sorted(p.name for p in EXAMPLES.glob(f"{area}-*.yaml"))
    assert len(names) >= 3
    assert names == sorted(n for n in EXPECTED if n.startswith(f"{area}-"))


def _area_rules(ruleset, area):
    folders = [str(ROOT / "rules" / folder) for folder in AREAS[area]]
    return [rule for rule in ruleset.rules if any(str(rule.path).startswith(f) for f in folders)]


@pytest.mark.parametrize("area", sorted(AREAS))
def test_embedded_rule_tests_pass_and_cover_each_criterion_both_ways(ruleset, area):
    rules = _area_rules(ruleset, area)
    assert rules
    ids = {rule.id for rule in rules}
    results = [r for r in run_rule_tests(ruleset) if r.rule_id in ids]
    failing = [(r.rule_id, r.name, r.error, r.failures) for r in results if not r.passed]
    assert not failing
    seen: dict[tuple[str, str], set[str]] = {}
    for result in results:
        for criterion, status in result.statuses.items():
            seen.setdefault((result.rule_id, criterion), set()).add(status)
    for rule in rules:
        for criterion in rule.criteria:
            statuses = seen.get((rule.id, criterion.id), set())
            passing = "not_applicable" if criterion.kind == "not_recommended" else "met"
            assert passing in statuses and statuses & {"not_met", "not_documented"}, (rule.id, criterion.id, statuses)


@pytest.mark.parametrize("area", sorted(AREAS))
def test_every_rule_cites_and_marks_confidence(ruleset, area):
    for rule in _area_rules(ruleset, area):
        assert rule.confidence in ("REG", "LTR", "REC"), rule.id
        for edition in rule.editions:
            assert edition.citation.title and (edition.citation.section or edition.citation.pages), rule.id
        for criterion in rule.criteria:
            assert criterion.confidence in ("REG", "LTR", "REC"), (rule.id, criterion.id)
