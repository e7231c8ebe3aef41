"""Fact-level agreement between two annotations of the same letters (issue 12 §1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from imr_rules.evaluation.annotation_agreement import (
    AnnotatedItem,
    Fact,
    classify,
    cohen_kappa,
    compare_annotations,
    format_agreement,
    is_absence_statement,
    items_from_document,
    read_annotation,
)

ROOT = Path(__file__).resolve().parents[1]
FIRST = ROOT / "examples" / "cases"
SECOND = FIRST / "second-annotation"


def item(case, index, category="imaging", outcome="upheld", **facts):
    return AnnotatedItem(case, index, outcome, category,
                         {name: value if isinstance(value, Fact) else Fact(value) for name, value in facts.items()})


def by_key(*items):
    return {(i.case_number, i.index): i for i in items}


# --- single facts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, kind", [
    (None, None, None),
    (Fact(True, "x"), None, "only_a"),
    (None, Fact(False, "x"), "only_b"),
    (Fact(True, "x"), Fact(False, "x"), "different_value"),
    (Fact(6, "six"), Fact(8, "eight"), "different_value"),
    (Fact(True, "decreased C5 and C6 dermatome sensation"), Fact(True, "Decreased C5 and C6\n dermatome sensation"), "same"),
    (Fact(True, "decreased C5 and C6 dermatome sensation"), Fact(True, "C5 and C6 dermatome"), "same"),
    (Fact(True, "positive Spurling's"), Fact(True, "numbness and tingling"), "same_value_other_evidence"),
    (Fact(True), Fact(True), "same"),
    (Fact(1, "a"), Fact(True, "a"), "different_value"),          # 1 == True in Python, not here
    (Fact("2016-11-15", "a"), Fact("2016-11-15", "a"), "same"),
])
def test_classify(a, b, kind):
    assert classify(a, b) == kind


def test_cohen_kappa():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("true", "true"), ("absent", "absent")]) == pytest.approx(1.0)
    assert cohen_kappa([("true", "true")] * 3) is None               # one label only: chance agreement is total
    # 2x2 textbook case: observed 0.7; expected 0.5*0.6 + 0.5*0.4 = 0.5; kappa 0.4
    pairs = [("true", "true")] * 4 + [("true", "absent")] + [("absent", "true")] * 2 + [("absent", "absent")] * 3
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    # systematic disagreement is below zero
    assert cohen_kappa([("true", "absent"), ("absent", "true")]) == pytest.approx(-1.0)


def test_absence_statements():
    assert is_absence_statement(Fact(False, "There is a lack of documentation regarding a CURES report"))
    assert is_absence_statement(Fact(False, "there are no red flags or deterioration noted"))
    assert not is_absence_statement(Fact(True, "There is no documentation of X"))       # only documented false
    assert not is_absence_statement(Fact(False, "She denies numbness."))                 # a finding, not an absence


# --- reading ------------------------------------------------------------------------------------------

def test_items_from_document_merges_item_facts_and_ignores_extra_keys():
    data = {
        "case_number": "CM00-00001", "letter": "x.txt", "reviewer": "extra top-level key",
        "items": [
            {"index": 1, "description": "d", "outcome": "upheld", "reasons": ["AC-1", "free text"], "depends_on": 2,
             "request": {"request_date": "2017-01-01",
                         "facts": {"active_therapy": True, "red_flags": {"value": False, "evidence": "no red flags"}},
                         "items": [{"service": "s", "category": "acupuncture",
                                    "facts": {"red_flags": {"value": True, "evidence": "item wins"},
                                              "prior_sessions": {"value": 6.0, "evidence": "6"}}}]}},
            {"index": 2, "description": "no request"},            # skipped
            {"description": "no index", "request": {}},            # skipped
            "not a mapping",                                        # skipped
        ],
    }
    [got] = items_from_document(data)
    assert (got.case_number, got.index, got.outcome, got.category) == ("CM00-00001", 1, "upheld", "acupuncture")
    assert got.facts["active_therapy"] == Fact(True)
    assert got.facts["red_flags"] == Fact(True, "item wins")
    assert got.facts["prior_sessions"].value == 6 and isinstance(got.facts["prior_sessions"].value, int)
    assert got.request_date == "2017-01-01"
    assert items_from_document(["not", "a", "mapping"]) == []


def test_read_annotation_top_level_only(tmp_path):
    doc = "case_number: CM00-00001\nitems:\n  - index: 1\n    outcome: upheld\n    request:\n      items: [{service: s}]\n"
    (tmp_path / "CM00-00001.yaml").write_text(doc)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "CM00-00002.yaml").write_text(doc.replace("00001", "00002"))
    (tmp_path / "broken.yaml").write_text("items: [unclosed\n")
    (tmp_path / "notes.md").write_text("# not a case")
    assert set(read_annotation(tmp_path)) == {("CM00-00001", 1)}
    assert set(read_annotation(tmp_path, recursive=True)) == {("CM00-00001", 1), ("CM00-00002", 1)}


# --- comparing -------------------------------------------------------------------------------------

def test_compare_small_annotations():
    a = by_key(
        item("C1", 1, neurologic_deficit=Fact(True, "decreased C6 sensation"), active_therapy=Fact(True, "Treatment has included physical therapy"),
             red_flags=Fact(False, "There is no documentation of red flags")),
        item("C1", 2, category="opioid", outcome="overturned", **{"medication.current": Fact(True, "on Norco")}),
        item("C2", 1, prior_sessions=Fact(6, "6 sessions")),
        item("C9", 1),                                                    # only in a
    )
    b = by_key(
        item("C1", 1, neurologic_deficit=Fact(True, "Decreased C6 sensation."), radiculopathy_on_exam=Fact(True, "decreased C6 sensation")),
        item("C1", 2, category="opioid", outcome="upheld", **{"medication.current": Fact(True, "takes Norco daily")}),
        item("C2", 1, prior_sessions=Fact(8, "8 sessions"), neurologic_deficit=Fact(False, "normal neurologic exam")),
    )
    a[("C2", 1)] = AnnotatedItem("C2", 1, "upheld", "imaging", a[("C2", 1)].facts, "2017-01-19")
    r = compare_annotations(a, b)
    assert r.shared == [("C1", 1), ("C1", 2), ("C2", 1)]
    assert r.date_mismatches == [("C2", 1, "2017-01-19", None)]
    assert (r.only_a_items, r.only_b_items) == (1, 0)
    assert r.outcome_mismatches == [("C1", 2)]
    f = r.per_fact
    assert f["neurologic_deficit"].counts["same"] == 1 and f["neurologic_deficit"].counts["only_b"] == 1
    assert f["medication.current"].counts["same_value_other_evidence"] == 1
    assert f["prior_sessions"].counts["different_value"] == 1 and not f["prior_sessions"].boolean
    assert f["prior_sessions"].kappa is None
    assert f["active_therapy"].counts["only_a"] == 1
    assert f["radiculopathy_on_exam"].counts["only_b"] == 1
    assert r.overall == {"same": 1, "same_value_other_evidence": 1, "different_value": 1, "only_a": 2, "only_b": 2}
    assert r.absence_only == {"only_a": 1, "only_b": 0}                 # red_flags false from "no documentation"
    # kappa universe: the imaging items (C1#1, C2#1), not the opioid item
    assert f["neurologic_deficit"].kappa_items == 2
    assert f["neurologic_deficit"].kappa == pytest.approx((0.5 - 0.25) / (1 - 0.25))   # labels (t,t), (absent,f)
    assert f["medication.current"].kappa_items == 1
    assert r.kappa_pairs == sum(e.kappa_items for e in f.values() if e.boolean)
    text = format_agreement(r, "first", "second", details=True)
    assert "Shared items: 3 (only in first: 1, only in second: 0)" in text
    assert "Outcome differs on: C1#2" in text
    assert "request_date differs on 1 items: C2#1 (2017-01-19 vs None)" in text
    assert "C2#1 prior_sessions [different_value]: first=6 ('6 sessions'); second=8 ('8 sessions')" in text
    assert "neurologic_deficit" in text and "all facts" in text


def test_no_shared_items():
    r = compare_annotations(by_key(item("C1", 1, red_flags=True)), by_key(item("C2", 1)))
    assert r.shared == [] and r.per_fact == {} and r.kappa is None
    assert "Shared items: 0" in format_agreement(r)


# --- the real folders ---------------------------------------------------------------------------------

def test_real_annotations_agree_on_items_and_outcomes():
    first, second = read_annotation(FIRST), read_annotation(SECOND)
    assert len(second) >= 20
    r = compare_annotations(first, second)
    assert len(r.shared) >= 20, "the second annotation must overlap the first on at least 20 items"
    assert r.outcome_mismatches == []
    assert sum(r.overall.values()) > 0
    assert r.kappa is None or -1.0 <= r.kappa <= 1.0


def test_benchmark_script_prints_the_figures():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "annotation_agreement.py")],
                         capture_output=True, text=True, check=True).stdout
    assert "Shared items:" in out and "Cohen's kappa" in out and "all facts" in out
