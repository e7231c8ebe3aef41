"""The drug rules (rules/drugs/): example requests decide as expected, through the library and the
CLI; every embedded rule test passes and exercises each criterion both ways; MME tables differ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "requests"
RULES = [ROOT / "rules" / "ruleset.yaml", ROOT / "rules" / "drugs"]

MN, NMN = "medically_necessary", "not_medically_necessary"

# example file -> {item id: (expected decision, criteria that must fail)}
EXPECTED = {
    "drug-opioid-maintenance-documented.yaml": {"1": (MN, ())},
    "drug-opioid-maintenance-undocumented.yaml": {"1": (NMN, ("OP16-4a", "OP16-4b", "OP16-7"))},
    "drug-opioid-high-dose-no-wean.yaml": {"1": (NMN, ("OP16-6",))},
    "drug-opioid-tramadol-trial.yaml": {"1": (MN, ())},
    "drug-opioid-postoperative.yaml": {"1": (MN, ())},
    "drug-muscle-relaxant-short-course.yaml": {"1": (MN, ())},
    "drug-muscle-relaxant-long-term.yaml": {"1": (NMN, ("MR-3", "MR-4"))},
    "drug-muscle-relaxant-carisoprodol.yaml": {"1": (NMN, ("MR-6",))},
    "drug-nsaid-ppi-gi-risk.yaml": {"1": (MN, ()), "2": (MN, ())},
    "drug-nsaid-ppi-no-risk.yaml": {"1": (MN, ()), "2": (NMN, ("GI-1",))},
    "drug-nsaid-ppi-without-benefit.yaml": {"1": (NMN, ("NS-2", "NS-3")), "2": (NMN, ("GI-1",))},
    "drug-topical-lidoderm.yaml": {"1": (MN, ())},
    "drug-topical-compound.yaml": {"1": (NMN, ("TA-2", "TA-3"))},
    "drug-topical-voltaren-gel.yaml": {"1": (MN, ()), "2": (NMN, ("TA-4b",))},
    "drug-anticonvulsant-gabapentin-radiculopathy.yaml": {"1": (MN, ())},
    "drug-anticonvulsant-lyrica-axial.yaml": {"1": (NMN, ("AED-1", "AED-2"))},
    "drug-antidepressant-duloxetine.yaml": {"1": (MN, ()), "2": (NMN, ("AD-3",))},
    "drug-sleep-aid-zolpidem-long-term.yaml": {"1": (NMN, ("SL-1", "SL-2", "SL-3"))},
    "drug-sleep-aid-zolpidem-short.yaml": {"1": (MN, ())},
    "drug-benzodiazepine-long-term.yaml": {"1": (NMN, ("BZ-1",))},
    "drug-benzodiazepine-short-course.yaml": {"1": (MN, ())},
    "drug-urine-drug-screen-too-soon.yaml": {"1": (NMN, ("ODG-UDT-2",))},
    "drug-urine-drug-screen-due.yaml": {"1": (MN, ())},
    "drug-urine-drug-screen-no-opioids.yaml": {"1": (NMN, ("UDT16-1",))},
    # Dated after 2017-11-30.
    "drug-muscle-relaxant-2020-cyclobenzaprine.yaml": {"1": (NMN, ("MRA-1", "MRA-2", "MRA-3"))},
    "drug-muscle-relaxant-2024-flare-up-partial.yaml": {"1": (NMN, ("MRA-3",))},
    "drug-benzodiazepine-2026-cures.yaml": {"1": (NMN, ("CURES-1",))},
    "drug-anticonvulsant-2021-pregabalin-transition.yaml": {"1": (NMN, ("FM-1",))},
}

GROUPS = {
    "opioid": ("drug-opioid-",),
    "muscle relaxant": ("drug-muscle-relaxant-",),
    "NSAID/PPI": ("drug-nsaid-", "drug-ppi-"),
    "topical": ("drug-topical-",),
    "AED/antidepressant": ("drug-anticonvulsant-", "drug-antidepressant-"),
    "sleep aid/benzodiazepine": ("drug-sleep-aid-", "drug-benzodiazepine-"),
    "urine drug screen": ("drug-urine-drug-screen-",),
}


@pytest.fixture(scope="module")
def drug_ruleset():
    from imr_rules.ruleset.loading import load_ruleset

    return load_ruleset(RULES)


def _failing(determination) -> set[str]:
    return {f.criterion_id for f in determination.findings if f.status.value in ("not_met", "not_documented")}


def test_every_example_is_listed_and_each_group_has_three():
    on_disk = {p.name for p in EXAMPLES.glob("drug-*.yaml")}
    assert on_disk == set(EXPECTED)
    for group, prefixes in GROUPS.items():
        assert sum(name.startswith(prefixes) for name in on_disk) >= 3, group


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_decisions_through_the_library(name, drug_ruleset):
    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import load_request

    report = evaluate(load_request(EXAMPLES / name, drug_ruleset.vocabulary), drug_ruleset)
    decided = {d.item.id: d for d in report.determinations}
    assert set(decided) == set(EXPECTED[name])
    for item_id, (decision, must_fail) in EXPECTED[name].items():
        determination = decided[item_id]
        assert determination.outcome.value == decision, (item_id, determination.rationale)
        assert set(must_fail) <= _failing(determination), item_id
        assert determination.rationale.endswith(f"is {decision.replace('_', ' ')}.")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_decisions_through_the_cli(name):
    from typer.testing import CliRunner

    from imr_rules.cli import app

    args = ["check", str(EXAMPLES / name), "--format", "json"]
    for rules in RULES:
        args += ["--rules", str(rules)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    decisions = {item["id"]: item["decision"] for item in report["items"]}
    assert decisions == {item_id: expected[0] for item_id, expected in EXPECTED[name].items()}


def test_embedded_rule_tests_pass(drug_ruleset):
    from imr_rules.authoring.ruletests import run_rule_tests

    results = run_rule_tests(drug_ruleset)
    drug_results = [r for r in results if "drugs" in Path(r.path).parts]
    assert len(drug_results) >= 90
    failures = [(r.rule_id, r.name, r.error, r.failures) for r in drug_results if not r.passed]
    assert failures == []


def test_every_criterion_is_tested_passing_and_failing(drug_ruleset):
    """Each criterion of each drug rule is met in one case and not met or not documented in another
    (a not_recommended criterion can only fail or not apply: it must fail in one case)."""
    from imr_rules.authoring.ruletests import run_rule_tests

    seen: dict[tuple[str, str], set[str]] = {}
    for result in run_rule_tests(drug_ruleset):
        for criterion_id, status in result.statuses.items():
            seen.setdefault((result.rule_id, criterion_id), set()).add(status)
    for rule in drug_ruleset.rules:
        if rule.path is None or "drugs" not in Path(rule.path).parts:
            continue
        for criterion in rule.criteria:
            statuses = seen.get((rule.id, criterion.id), set())
            assert statuses & {"not_met", "not_documented"}, (rule.id, criterion.id)
            if criterion.kind != "not_recommended":
                assert "met" in statuses, (rule.id, criterion.id)


def test_each_drug_rule_cites_and_dates_every_edition(drug_ruleset):
    for rule in drug_ruleset.rules:
        if rule.path is None or "drugs" not in Path(rule.path).parts:
            continue
        assert rule.confidence in ("REG", "LTR", "REC"), rule.id
        for edition in rule.editions:
            assert edition.effective_from is not None, rule.id
            assert edition.citation.section or edition.citation.pages, rule.id


@pytest.mark.parametrize(
    ("day", "rule_id"),
    [("2015-06-01", "mtus-opioids-2009"), ("2016-12-01", "mtus-opioids-2016"), ("2018-03-01", "mtus-opioids-2017")],
)
def test_opioid_edition_follows_the_date_of_service(day, rule_id, drug_ruleset):
    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import request_from_data

    request = request_from_data({"request_date": day, "items": [{"service": "Norco 10/325 mg", "category": "opioid"}]},
                                vocabulary=drug_ruleset.vocabulary)
    chosen = {r.rule_id for r in evaluate(request, drug_ruleset).determinations[0].rule_results}
    assert rule_id in chosen
    assert not chosen & ({"mtus-opioids-2009", "mtus-opioids-2016", "mtus-opioids-2017"} - {rule_id})


# ---- MME: both CDC tables ----------------------------------------------------------------------

def _mme(name: str, strength: str, directions: str, table: str | None = None) -> float | None:
    from imr_rules.requests.derived import item_facts
    from imr_rules.requests.loading import request_from_data

    data = {"request_date": "2016-12-01",
            "items": [{"service": name, "category": "opioid", "drug": {"name": name, "strength": strength, "quantity": 60, "directions": directions}}]}
    if table:
        data["facts"] = {"mme_table": table}
    request = request_from_data(data)
    return item_facts(request, request.items[0])[0].get("drug.mme_per_day")


@pytest.mark.parametrize("table", [None, "cdc-2016", "cdc-2022"])
def test_mme_hydrocodone_and_oxycodone_agree_across_tables(table):
    assert _mme("Norco", "5/325 mg", "1 po qid", table) == 20
    assert _mme("oxycodone", "10 mg", "1 po bid", table) == 30


def test_mme_hydromorphone_differs_between_tables():
    assert _mme("Dilaudid", "4 mg", "1 po qid") == 64  # default cdc-2016, factor 4
    assert _mme("Dilaudid", "4 mg", "1 po qid", "cdc-2016") == 64
    assert _mme("Dilaudid", "4 mg", "1 po qid", "cdc-2022") == 80  # factor 5


def test_the_mme_table_can_change_a_decision(drug_ruleset):
    """Hydromorphone 8 mg x4 is 128 MME with cdc-2016 (over 120) but 160 with cdc-2022; 6 mg x4
    is 96 or 120: within 120 under both, so OP9-8 flips only where the tables straddle it."""
    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import request_from_data

    def op9_8(table: str) -> str:
        data = {"request_date": "2015-06-01", "facts": {"mme_table": table},
                "items": [{"service": "Dilaudid 7 mg", "category": "opioid",
                           "drug": {"name": "Dilaudid", "strength": "7 mg", "quantity": 120, "directions": "1 po qid"}}]}
        report = evaluate(request_from_data(data, vocabulary=drug_ruleset.vocabulary), drug_ruleset)
        return next(f.status.value for f in report.determinations[0].findings if f.criterion_id == "OP9-8")

    assert op9_8("cdc-2016") == "met"      # 7 x 4 x 4 = 112
    assert op9_8("cdc-2022") == "not_met"  # 7 x 4 x 5 = 140


# ---- the benefit of a drug already taken (Medications for chronic pain) -----------------------

@pytest.mark.parametrize(("item_facts", "joins"), [
    ({"medication.current": True}, True),    # a documented continuation: the benefit is asked
    ({"medication.current": False}, False),  # a first prescription has no benefit to record yet
    ({}, False),                             # silent records pose no new question
])
def test_medication_benefit_joins_only_a_documented_continuation(item_facts, joins, drug_ruleset):
    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import request_from_data

    data = {"request_date": "2016-12-01",
            "items": [{"service": "Lidoderm 5% patch", "category": "topical", "facts": item_facts}]}
    determination = evaluate(request_from_data(data, vocabulary=drug_ruleset.vocabulary), drug_ruleset).determinations[0]
    chosen = {r.rule_id for r in determination.rule_results}
    assert ("mtus-cpmtg-medications-chronic-pain" in chosen) is joins
    assert "mtus-cpmtg-topical-analgesics" in chosen


def test_medication_benefit_stays_off_rules_with_their_own(drug_ruleset):
    """NSAIDs (NS-2), opioids (OP16-4a/4b), AEDs (AED-2) and antidepressants (AD-2) ask it themselves."""
    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import request_from_data

    for service, category in [("Naproxen 550 mg", "nsaid"), ("Norco 10/325 mg", "opioid"),
                              ("Gabapentin 300 mg", "anticonvulsant"), ("Cymbalta 60 mg", "antidepressant")]:
        data = {"request_date": "2016-12-01",
                "items": [{"service": service, "category": category, "facts": {"medication.current": True}}]}
        determination = evaluate(request_from_data(data, vocabulary=drug_ruleset.vocabulary), drug_ruleset).determinations[0]
        assert "mtus-cpmtg-medications-chronic-pain" not in {r.rule_id for r in determination.rule_results}, service
