"""Diagnosis codes: shape and code-set validation, groups by prefix and by words, report notes."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from imr_rules.reference import diagnoses
from imr_rules.cli import app
from imr_rules.requests.derived import item_facts
from imr_rules.reference.diagnoses import code_problem, code_system, groups_of, request_groups
from imr_rules.engine import evaluate
from imr_rules.model import Diagnosis
from imr_rules.requests.loading import parse_request

HAVE_CODE_SET = importlib.util.find_spec("simple_icd_10_cm") is not None
needs_code_set = pytest.mark.skipif(not HAVE_CODE_SET, reason="simple-icd-10-cm (the CMS code list) is not installed")


@pytest.mark.parametrize(
    "code, system, expected",
    [
        ("M54.16", None, "icd10"),
        ("m5416", None, "icd10"),
        ("729.1", None, "icd9"),
        ("7291", None, "icd9"),
        ("V58.66", "icd9", "icd9"),
        ("E11.9", None, "icd10"),
        ("337.22", "ICD-9-CM", "icd9"),
        ("hello", None, None),
    ],
)
def test_code_system(code, system, expected):
    assert code_system(code, system) == expected


@pytest.mark.parametrize(
    "diagnosis, groups",
    [
        (Diagnosis("M79.1", "icd10"), {"myalgia_myositis"}),
        (Diagnosis("M54.16", "icd10"), {"neuralgia_radiculitis", "radiculopathy"}),
        (Diagnosis("G90.512", "icd10"), {"crps"}),
        (Diagnosis("337.22", "icd9"), {"crps"}),
        (Diagnosis("729.2", "icd9"), {"neuralgia_radiculitis"}),
        (Diagnosis("M17.11", "icd10"), {"arthritis"}),
        (Diagnosis("715.16", "icd9"), {"arthritis"}),
        (Diagnosis("S39.012A", "icd10"), {"sprain_strain"}),
        (Diagnosis("847.2", "icd9"), {"sprain_strain"}),
        (Diagnosis("G56.01", "icd10"), {"carpal_tunnel"}),
        (Diagnosis("M54.5", "icd10"), {"spinal_pain"}),
        (Diagnosis(None, None, "Complex regional pain syndrome of the left leg"), {"crps"}),
        (Diagnosis(None, None, "Lumbar sprain/strain"), {"sprain_strain"}),
        (Diagnosis("Z00.00", "icd10"), set()),
    ],
)
def test_groups_of(diagnosis, groups):
    assert set(groups_of(diagnosis)) == groups


def test_request_groups_are_ordered_and_unique():
    found = request_groups([Diagnosis("M54.16"), Diagnosis("M51.16"), Diagnosis("M79.1")])
    assert len(found) == len(set(found))
    assert found.index("myalgia_myositis") < found.index("radiculopathy")


def test_shape_problems_need_no_code_set():
    assert "neither" in code_problem(Diagnosis("hello"))
    assert code_problem(Diagnosis("729.1", "icd9")) is None
    assert "well-formed ICD-9-CM" in code_problem(Diagnosis("M54.5", "icd9"))
    assert code_problem(Diagnosis(None, None, "text only")) is None


@needs_code_set
def test_code_set_validation():
    assert code_problem(Diagnosis("M54.16")) is None
    assert code_problem(Diagnosis("M5416")) is None
    assert code_problem(Diagnosis("M54.5")) is None  # a category, still a code of the set
    assert "not in the ICD-10-CM code set" in code_problem(Diagnosis("M54.99"))


def test_without_the_code_set_only_the_shape_is_checked(monkeypatch):
    monkeypatch.setattr(diagnoses, "icd10_codes", lambda: None)
    assert code_problem(Diagnosis("M54.99")) is None


@needs_code_set
def test_code_set_membership():
    # Speed is measured by benchmarks, not here: this checks what the code list answers.
    diagnoses.icd10_codes.cache_clear()
    codes = diagnoses.icd10_codes()
    assert "M5416" in codes and "M545" in codes and "A00" in codes
    assert "M5499" not in codes and "A00-A09" not in codes and "M54" + "\n" not in codes


def test_cli_startup_does_not_import_the_code_library():
    code = "import sys, imr_rules.cli, imr_rules.engine; print('simple_icd_10_cm' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


REQUEST = """
request_id: bad-code
request_date: 2016-12-01
diagnoses:
  - {code: M54.16, system: icd10, text: "Radiculopathy, lumbar region"}
  - {code: M54.99, system: icd10, text: "Typo"}
items:
  - {service: Physical therapy 2x4, category: physical_therapy, facts: {prior_sessions: 0}}
"""


@needs_code_set
def test_an_invalid_code_is_a_note_naming_the_field_not_an_error():
    # A note, not an error: the reviewer still gets the determinations, and the invalid code
    # only stops counting towards a diagnosis group.
    request = parse_request(REQUEST)
    report = evaluate(request, _ruleset())
    assert any(note.startswith("diagnoses[1]: diagnosis code M54.99 (Typo) is not in the ICD-10-CM code set") for note in report.notes)
    assert report.determinations[0].outcome.value == "medically_necessary"
    facts, _ = item_facts(request, request.items[0])
    assert set(facts["diagnosis.groups"]) == {"neuralgia_radiculitis", "radiculopathy"}


@needs_code_set
def test_the_note_reaches_the_cli_json(write):
    path = write("bad-code.yaml", REQUEST)
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "diagnoses[1]" in json.dumps(json.loads(result.stdout))


def test_no_diagnoses_means_groups_not_documented():
    request = parse_request("items: [{service: Physical therapy, category: physical_therapy}]")
    facts, _ = item_facts(request, request.items[0])
    assert "diagnosis.groups" not in facts


def _ruleset():
    from imr_rules.ruleset.loading import load_ruleset

    return load_ruleset()


LISTS = [b"1\r\nA00-A09\r\nA00\r\nA000\r\n10\r\nA0\r\nB12\r\n", b"X\nY\r\nZ", b"A00\nA00\n", b"M54\nM541\nM5416\nM545"]


@pytest.mark.parametrize("text", LISTS)
def test_the_code_list_index_by_runs_is_the_index_line_by_line(text):
    assert diagnoses._spans_by_runs(text) == diagnoses._spans_line_by_line(text)


@pytest.mark.parametrize("text", LISTS + [b"A00 \r\nB 12\r\nC1\r\n", b"A0\r0\nA00\n"])
def test_code_list_membership_is_a_whole_normalised_line(tmp_path, monkeypatch, text):
    monkeypatch.setenv("IMR_RULES_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "code-list.txt"
    path.write_bytes(text)
    codes = diagnoses._CodeList(path)
    lines = text.replace(b"\r\n", b"\n").replace(b" ", b"").split(b"\n")
    for code in ["1", "10", "A0", "A00", "A000", "A00-A09", "B12", "B1", "C1", "M54", "M541", "M5416", "M545", "X", "Y", "Z"]:
        assert (code in codes) == (code.encode() in lines and "-" not in code), code


@needs_code_set
def test_the_real_code_list_is_indexed_by_runs():
    text = diagnoses._code_list_path().read_bytes()
    assert b" " not in text and diagnoses._spans_by_runs(text) == diagnoses._spans_line_by_line(text)
