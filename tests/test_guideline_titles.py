"""The guideline names the letter reader knows are data (reference/data/guideline_titles.yaml):
every entry is recognised in a citation, and a broken table is a one-line error naming file,
line and field."""

from __future__ import annotations

from importlib import resources

import pytest

from imr_rules.documents import parse_document, schema_errors, schema_validator
from imr_rules.errors import ImrRulesError
from imr_rules.letters import parse_citations
from imr_rules.letters.citations import GUIDELINE_TITLES, GUIDELINE_TITLES_SCHEMA, titles_from_data
from imr_rules.reference.datafiles import DataFileError, load_table

TABLE = resources.files("imr_rules") / "reference" / "data" / GUIDELINE_TITLES


def guideline_titles() -> dict:
    return load_table(GUIDELINE_TITLES, GUIDELINE_TITLES_SCHEMA)


def test_the_packaged_table_is_valid():
    data = guideline_titles()
    assert data["mtus_titles"] and data["odg_chapters"]
    assert titles_from_data(data, GUIDELINE_TITLES).odg_chapters


@pytest.mark.parametrize("title", guideline_titles()["mtus_titles"])
def test_every_mtus_title_is_read_as_written(title):
    (citation,) = parse_citations(f"Decision based on MTUS {title}, Section(s): Exercise, Page(s): 46")
    assert (citation.tier, citation.title, citation.sections, citation.pages) == ("MTUS", title, ("Exercise",), ("46",))


@pytest.mark.parametrize("chapter", [c["name"] for c in guideline_titles()["odg_chapters"]])
def test_every_odg_chapter_is_found_by_its_own_name(chapter):
    # The chapters are tried in order: an earlier, broader pattern must not take a later chapter's name.
    (citation,) = parse_citations(f"Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), {chapter}, Topic")
    assert (citation.tier, citation.chapter) == ("ODG", chapter)
    assert citation.sections == ("Topic",)


@pytest.mark.parametrize("section", guideline_titles()["mtus_sections_with_commas"])
def test_section_names_with_commas_stay_whole(section):
    (citation,) = parse_citations(f"Decision based on MTUS Chronic Pain Medical Treatment, Section(s): Exercise, {section}")
    assert citation.sections == ("Exercise", section)


def _schema_problems(text: str, tmp_path) -> list[str]:
    document = parse_document(text, str(tmp_path / GUIDELINE_TITLES))
    return [e.one_line() for e in schema_errors(document, schema_validator(GUIDELINE_TITLES_SCHEMA), ImrRulesError)]


def test_an_unquoted_comma_in_a_chapter_name_is_caught_with_its_line(tmp_path):
    text = TABLE.read_text(encoding="utf-8").replace("{name: 'Forearm, Wrist, and Hand Chapter'", "{name: Forearm, Wrist, and Hand Chapter")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "name: Forearm, Wrist" in row)
    (message,) = _schema_problems(text, tmp_path)
    assert message.startswith(f"{tmp_path / GUIDELINE_TITLES}:{line}: odg_chapters[4]: unknown field(s)")


def test_a_missing_table_part_is_named(tmp_path):
    text = TABLE.read_text(encoding="utf-8").replace("mtus_titles:", "mtus_title:")
    assert any("mtus_title" in message for message in _schema_problems(text, tmp_path))


def test_a_bad_regular_expression_is_a_one_line_error_naming_its_field():
    data = dict(guideline_titles())
    data["odg_chapters"] = [*data["odg_chapters"][:1], {"name": "Neck and Upper Back Chapter", "pattern": "(Neck"}]
    with pytest.raises(DataFileError) as caught:
        titles_from_data(data, "guideline_titles.yaml")
    message = caught.value.one_line()
    assert message.startswith("guideline_titles.yaml: odg_chapters[1].pattern: not a regular expression") and "\n" not in message
