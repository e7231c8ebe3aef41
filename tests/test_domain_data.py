"""Domain tables as data: categories, item classification, body regions, number words, drug forms.

The tables live in imr_rules/reference/data/, each checked by a schema in imr_rules/schemas/.
These tests hold the promises: every table matches its schema, the item describer agrees with
the rules' own keywords, and a word or category added to a data file takes effect with no Python
change (shown on a copy of the package).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from imr_rules.evaluation.coverage import Description, measure
from imr_rules.letters.describe import describe_item
from imr_rules.reference.drugs import all_drugs
from imr_rules.reference.vocabulary import categories, drug_categories
from imr_rules.requests.derived import item_facts
from imr_rules.requests.loading import request_from_data
from imr_rules.ruleset.loading import load_ruleset

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "imr_rules"
TABLES = {
    "categories.yaml": "categories.schema.json",
    "item_classification.yaml": "item_classification.schema.json",
    "body_regions.yaml": "body_regions.schema.json",
    "number_words.yaml": "number_words.schema.json",
    "drug_forms.yaml": "drug_forms.schema.json",
}


@pytest.mark.parametrize("table, schema", sorted(TABLES.items()))
def test_every_table_matches_its_schema(table, schema):
    data = yaml.safe_load((PACKAGE / "reference" / "data" / table).read_text(encoding="utf-8"))
    validator = Draft202012Validator(json.loads((PACKAGE / "schemas" / schema).read_text(encoding="utf-8")))
    Draft202012Validator.check_schema(validator.schema)
    assert [e.message for e in validator.iter_errors(data)] == []


def test_every_rule_keyword_classifies_into_the_rules_category(ruleset):
    wrong = []
    for rule in ruleset.rules:
        for keyword in rule.keywords:
            described = describe_item(keyword, ruleset)
            if described.category not in rule.categories:
                wrong.append(f"{rule.id}: {keyword!r} -> {described.category}, expected one of {rule.categories}")
    assert wrong == []
    assert sum(len(rule.keywords) for rule in ruleset.rules) > 300


def test_every_category_a_rule_or_classification_step_names_is_listed():
    known = categories()
    named = {c for rule in load_ruleset().rules for c in rule.categories}
    data = yaml.safe_load((PACKAGE / "reference" / "data" / "item_classification.yaml").read_text(encoding="utf-8"))
    named |= {step["category"] for step in data["steps"] if "category" in step}
    assert named <= set(known)


def test_drug_classes_are_the_drug_categories():
    assert set(drug_categories()) < set(categories())
    assert {drug.drug_class for drug in all_drugs()} <= set(drug_categories())


def test_every_brand_that_fixes_a_form_is_a_brand_of_the_lexicon():
    data = yaml.safe_load((PACKAGE / "reference" / "data" / "drug_forms.yaml").read_text(encoding="utf-8"))
    brands = {brand for drug in all_drugs() for brand in drug.brands}
    listed = [brand for form in data["forms"] for brand in form.get("brands", ())]
    assert listed and [b for b in listed if b not in brands] == []


@pytest.mark.parametrize("text, category", [
    ("Soft tissue mobilization x6", "massage"),          # was 'other': the massage rule's keyword
    ("Hot pack for home use", "dme"),
    ("Lumbar corset purchase", "dme"),
    ("Sleep aid", "sleep_aid"),
    ("Four sessions of manual therapy", "chiropractic"),  # MTUS 'Manual therapy & manipulation'
    ("Physical therapy 2x4 lumbar", "physical_therapy"),  # the specific steps still come first
    ("Right knee arthroscopy", "surgery"),
])
def test_rule_keywords_take_their_place_in_the_order(text, category):
    assert describe_item(text).category == category


def test_coverage_counts_an_item_named_by_a_rule_keyword(ruleset):
    report = measure([Description("Soft tissue mobilization x6")], ruleset)
    assert report.to_dict()["categories"] == {"massage": {"total": 1, "covered": 1, "share": 1.0}}


def test_classification_uses_the_keywords_of_the_rule_set_given(tmp_path):
    rule = yaml.safe_load((ROOT / "rules" / "massage" / "mtus-cpmtg-massage.yaml").read_text(encoding="utf-8"))
    rule["applies_to"]["keywords"].append("zymotherapy")
    (tmp_path / "massage.yaml").write_text(yaml.safe_dump(rule), encoding="utf-8")
    shutil.copy(ROOT / "rules" / "ruleset.yaml", tmp_path / "ruleset.yaml")
    custom = load_ruleset([tmp_path])
    assert describe_item("Zymotherapy x6", custom).category == "massage"
    assert describe_item("Zymotherapy x6").category == "other"
    # coverage measures a rule set with that rule set's keywords
    covered = measure([Description("Zymotherapy x6")], custom).to_dict()["categories"]
    assert covered == {"massage": {"total": 1, "covered": 1, "share": 1.0}}


def test_one_table_of_number_words():
    # Each reader once had its own copy; 'eleven' and 'eight' were missing from two of them.
    assert describe_item("Physical therapy times eleven").quantity == 11
    request = request_from_data({"request_date": "2016-12-01",
                                 "items": [{"service": "Cold therapy unit, eight day rental", "category": "dme"}]})
    assert item_facts(request, request.items[0])[0]["item.rental_days"] == 8


# ------------------------------------------------------------------ editing data, not Python


@pytest.fixture
def package_copy(tmp_path):
    """A copy of the package whose data files a test may edit, and a runner for it."""
    shutil.copytree(PACKAGE, tmp_path / "imr_rules", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "IMR_RULES_CACHE": str(tmp_path / "cache"),
           "IMR_RULES_DIR": str(ROOT / "rules")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path)

    return tmp_path / "imr_rules" / "reference" / "data", run


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_category_and_synonyms_added_in_data_take_effect(package_copy, tmp_path):
    data, run = package_copy
    _edit(data / "categories.yaml", "  other:", "  hyperbaric: {description: hyperbaric oxygen therapy}\n  other:")
    _edit(data / "item_classification.yaml", "steps:\n",
          "steps:\n  - category: hyperbaric\n    words: ['hyperbaric', '\\bhbot\\b']\n")
    _edit(data / "body_regions.yaml", "    - 'achilles'\n", "    - 'achilles'\n    - 'tarsal'\n")
    _edit(data / "number_words.yaml", "  ninety: 90\n", "  ninety: 90\n  forty: 40\n")
    code = ("from imr_rules.letters.describe import describe_item\n"
            "d = describe_item('HBOT times forty, tarsal wound')\n"
            "print(d.category, d.quantity, d.body_region)")
    result = run("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["hyperbaric", "40", "ankle_foot"]
    # A request may now name the category: it is known, so the check runs (no rule covers it).
    request = tmp_path / "request.yaml"
    request.write_text("request_date: 2016-12-01\nitems:\n  - {service: HBOT, category: hyperbaric}\n", encoding="utf-8")
    checked = run("-m", "imr_rules.cli", "check", str(request), "--format", "json")
    assert "unknown category" not in checked.stderr
    item = json.loads(checked.stdout)["items"][0]
    assert (item["category"], item["decision"]) == ("hyperbaric", "no_applicable_rule")


def test_a_table_that_breaks_its_schema_is_one_line_naming_file_line_and_field(package_copy):
    data, run = package_copy
    _edit(data / "item_classification.yaml", "  - category: urine_drug_screen\n", "  - category: urine_drug_screen\n    word: [x]\n")
    result = run("-m", "imr_rules.cli", "parse", str(ROOT / "examples" / "cases" / "letters" / "CM16-0230548.txt"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "item_classification.yaml:" in lines[0] and "steps[0]" in lines[0] and "did you mean 'words'" in lines[0]


def test_a_classification_step_naming_an_unknown_category_is_reported(package_copy):
    data, run = package_copy
    _edit(data / "item_classification.yaml", "  - category: urine_drug_screen\n", "  - category: urine_screen\n")
    result = run("-c", "from imr_rules.letters.describe import describe_item; describe_item('UDS')")
    assert "item_classification.yaml: steps[0].category: unknown category 'urine_screen'" in result.stderr


def test_tables_load_from_the_package():
    # The data files ship inside the package (not beside the source checkout only).
    folder = resources.files("imr_rules").joinpath("reference/data")
    assert all(folder.joinpath(name).is_file() for name in TABLES)
