"""Annotated case files: loader errors (one line, file:line:field) and the letter-consistency guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_rules.evaluation.cases import case_paths, iter_cases, letter_mismatches, load_case
from imr_rules.errors import CaseError, ImrRulesError

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
HOLDOUT = ROOT / "examples" / "holdout"

GOOD = """\
case_number: CM16-0230548
letter: letters/CM16-0230548.txt
decision_date: 2017-01-04
items:
  - index: 2
    description: Acupuncture 3 times a week for 2 weeks, neck, right hand and head
    outcome: overturned
    request:
      request_date: 2016-12-01
      facts:
        active_therapy: {value: true, evidence: "responding to physical therapy"}
      items:
        - service: Acupuncture 3 times a week for 2 weeks
          category: acupuncture
"""


def _error(write, text: str) -> str:
    with pytest.raises(ImrRulesError) as caught:
        load_case(write("case.yaml", text))
    return caught.value.one_line()


def test_a_good_case_loads_with_its_request(write):
    case = load_case(write("case.yaml", GOOD))
    assert case.case_number == "CM16-0230548"
    (item,) = case.items
    assert item.outcome == "overturned"
    assert item.request.request_date.isoformat() == "2016-12-01"
    assert item.request.items[0].quantity == 6
    assert item.request.facts["active_therapy"].evidence == "responding to physical therapy"
    assert case.letter == Path(case.source).parent / "letters" / "CM16-0230548.txt"


def test_missing_outcome_names_file_line_and_field(write):
    message = _error(write, GOOD.replace("    outcome: overturned\n", ""))
    assert message.startswith(f"{Path(write('x', '').parent, 'case.yaml')}:5: items[0]: 'outcome' is required")


def test_bad_outcome_value(write):
    message = _error(write, GOOD.replace("outcome: overturned", "outcome: denied"))
    assert ":7: items[0].outcome: expected one of upheld, overturned" in message


def test_bad_case_number(write):
    assert ":1: case_number:" in _error(write, GOOD.replace("CM16-0230548\n", "16-0230548\n", 1))


def test_unknown_fact_inside_the_request_points_into_the_case_file(write):
    message = _error(write, GOOD.replace("active_therapy:", "active_therapie:"))
    assert ":11: items[0].request.facts.active_therapie: unknown fact 'active_therapie'" in message
    assert "active_therapy" in message  # the did-you-mean hint


def test_wrong_fact_type_inside_an_item(write):
    text = GOOD.replace("          category: acupuncture\n", "          category: acupuncture\n          facts: {prior_sessions: many}\n")
    message = _error(write, text)
    assert "items[0].request.items[0].facts.prior_sessions: expected integer" in message


def test_a_request_has_exactly_one_item(write):
    text = GOOD + "        - service: Massage\n"
    assert "items[0].request.items" in _error(write, text)


def test_duplicate_index(write):
    body = GOOD.split("items:\n", 1)[1]
    message = _error(write, GOOD + body)
    assert "index 2 appears twice" in message and isinstance(_raise(write, GOOD + body), CaseError)


def _raise(write, text):
    try:
        load_case(write("case.yaml", text))
    except ImrRulesError as error:
        return error


def test_not_a_mapping_and_malformed_yaml(write):
    assert "expected a mapping" in _error(write, "- 1\n- 2\n")
    assert "malformed YAML" in _error(write, "case_number: [\n")


def test_a_bad_file_does_not_stop_the_batch(write, tmp_path):
    write("a.yaml", GOOD)
    write("b.yaml", "case_number: CM16-0230548\n")
    results = list(iter_cases([tmp_path]))
    assert [type(r).__name__ for _, r in results] == ["Case", "CaseError"]


def test_letter_mismatch_is_reported(write):
    letters = write("letters/CM16-0230548.txt", (CASES / "letters" / "CM16-0230548.txt").read_text(encoding="utf-8"))
    assert letters.is_file()
    case = load_case(write("case.yaml", GOOD.replace("outcome: overturned", "outcome: upheld")))
    errors = letter_mismatches(case)
    assert [e.message for e in errors] == ["outcome upheld but the letter says overturned"]
    case = load_case(write("case.yaml", GOOD.replace("index: 2", "index: 1")))
    assert "description differs from the letter" in letter_mismatches(case)[0].message


# --- the bundled cases --------------------------------------------------------------------------

BUNDLED = case_paths([CASES])
# The second, independent annotation (issue 12 §1): not counted with the cases, checked like them.
SECOND = case_paths([CASES / "second-annotation"])
# The held-out set (issue 12, honest measurement): annotated blind to the rules, checked like the cases.
HELD_OUT = case_paths([HOLDOUT])
ANNOTATED = BUNDLED + SECOND + HELD_OUT


def _case_id(path: Path) -> str:
    base = CASES if path.is_relative_to(CASES) else path.parents[1]
    return str(path.relative_to(base).with_suffix(""))


def test_bundled_cases_exist():
    assert len(BUNDLED) >= 10
    assert len(SECOND) >= 10
    assert len(HELD_OUT) >= 20


def test_a_directory_skips_other_annotation_subfolders(tmp_path):
    """A folder named *-annotation holds another annotation of the same letters: reading it with its
    parent would count items twice, so only naming it reads it."""
    for name in ("CM16-0230548.yaml", "more/CM16-0230548.yaml", "second-annotation/CM16-0230548.yaml",
                 "x/y-annotation/CM16-0230548.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(GOOD)
    assert case_paths([tmp_path]) == [tmp_path / "CM16-0230548.yaml", tmp_path / "more" / "CM16-0230548.yaml"]
    assert case_paths([tmp_path / "second-annotation"]) == [tmp_path / "second-annotation" / "CM16-0230548.yaml"]
    assert not any("second-annotation" in p.relative_to(CASES).parts for p in BUNDLED)


@pytest.mark.parametrize("path", ANNOTATED, ids=_case_id)
def test_every_bundled_case_matches_its_letter(path):
    case = load_case(path)
    assert case.letter is not None and case.letter.is_file(), f"{path}: bundle the letter under examples/cases/letters/"
    assert case.case_number == path.stem
    assert [e.one_line() for e in letter_mismatches(case)] == []


@pytest.mark.parametrize("path", ANNOTATED, ids=_case_id)
def test_every_fact_has_evidence(path):
    """A fact comes from the letter's words: each one carries its quote."""
    case = load_case(path)
    for item in case.items:
        request = item.request
        facts = dict(request.facts) | dict(request.items[0].facts)
        missing = sorted(name for name, fact in facts.items() if not fact.evidence)
        assert not missing, f"{path} item {item.index}: facts without evidence: {missing}"


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", SECOND + HELD_OUT, ids=_case_id)
def test_second_annotation_evidence_is_verbatim(path):
    """Each quote is one contiguous span of the letter (line breaks and runs of spaces aside)."""
    case = load_case(path)
    letter = _words(case.letter.read_text(encoding="utf-8"))
    for item in case.items:
        facts = dict(item.request.facts) | dict(item.request.items[0].facts)
        outside = sorted(name for name, fact in facts.items() if fact.evidence and _words(fact.evidence) not in letter)
        assert not outside, f"{path} item {item.index}: evidence not found verbatim in the letter: {outside}"


def _readme_table_total(readme: str, row: str) -> int:
    """The last column ("whole set") of a row of the held-out README's counts table."""
    line = next(line for line in readme.splitlines() if line.startswith(f"| {row} |"))
    return int(line.strip("| ").split("|")[-1].strip().split()[0])


def test_held_out_counts_match_the_readme():
    """The README's counts table states what the measured figures are over: a held-out file added
    or dropped without updating it (and its figures) fails here."""
    readme = (HOLDOUT / "README.md").read_text(encoding="utf-8")
    items = sum(len(load_case(path).items) for path in HELD_OUT)
    assert (len(HELD_OUT), items) == (_readme_table_total(readme, "letters"), _readme_table_total(readme, "items"))


def test_held_out_letters_are_not_in_the_cases():
    """A letter is either tuned against (examples/cases) or held out, never both."""
    assert not {p.stem for p in HELD_OUT} & {p.stem for p in BUNDLED}
    for path in HELD_OUT:
        assert (HOLDOUT / "letters" / f"{path.stem}.txt").is_file(), f"{path}: bundle the letter under examples/holdout/letters/"
