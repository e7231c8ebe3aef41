"""Extraction rules: validated against the vocabulary at load, and every fact's example sentences
draft their expected values (they run as tests, like the rules' embedded cases)."""

import shutil

import pytest

from imr_rules.drafting.rules import DATA_DIR, ExtractionRuleError, load_extraction_rules

medspacy = pytest.importorskip("medspacy", reason="the optional 'draft' extra (medspaCy) is not installed")


def test_the_shipped_extraction_rules_load_and_name_only_vocabulary_facts():
    rules = load_extraction_rules()
    assert len(rules.facts) >= 20
    assert all(concept.fact in rules.facts for concept in rules.concepts)


def _examples():
    from imr_rules.drafting.examples import run_examples

    return list(run_examples())


@pytest.mark.parametrize("result", _examples(), ids=lambda r: f"{r.fact}[{r.index}]")
def test_each_example_sentence_drafts_its_expected_value(result):
    assert result.actual == result.expected, f"{result.fact} example {result.index}: {result.text!r}"


def _copy(tmp_path):
    target = tmp_path / "extraction"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.mark.parametrize("file, old, new, message", [
    ("facts.yaml", "  red_flags:\n", "  red_flag:\n", "unknown fact"),
    ("facts.yaml", "      - pattern: '\\bred[- ]flags?\\b'", "      - pattern: '\\bred[- ]flags?(\\b'", "invalid regular expression"),
    ("facts.yaml", "  - {text: \"There were no red flag symptoms.\", value: false}", "  - {text: \"There were no red flag symptoms.\", value: 3}", "expected boolean"),
    ("facts.yaml", "    region: item\n", "    region: body\n", "unknown region policy 'body'"),
    ("regions.yaml", "  hip: [hip, lower_extremities]", "  hip: [hip, lower_legs]", "unknown body region 'lower_legs'"),
    ("context.yaml", "terminated_by: [NEGATED]", "terminated_by: [NEGATION]", "unknown category 'NEGATION'"),
    ("facts.yaml", "unless_items: [surgery]", "unless_items: [operation]", "unknown item category 'operation'"),
])
def test_a_bad_extraction_rule_is_a_one_line_error_naming_file_and_field(tmp_path, file, old, new, message):
    folder = _copy(tmp_path)
    path = folder / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ExtractionRuleError) as caught:
        load_extraction_rules(folder)
    line = caught.value.one_line()
    assert message in line and file in line and "\n" not in line
