"""The guideline names the letter reader knows are data (reference/data/guideline_titles.yaml):
every entry is recognised in a citation, and a broken table is a one-line error naming file,
line and field."""

from __future__ import annotations

from importlib import resources

import pytest

from imr_rules.errors import ImrRulesError
from imr_rules.letters import parse_citations
from imr_rules.letters.citations import guideline_titles, validate_guideline_titles

TABLE = resources.files("imr_rules") / "reference" / "data" / "guideline_titles.yaml"


def test_the_packaged_table_is_valid():
    data = validate_guideline_titles(TABLE.read_text(encoding="utf-8"), str(TABLE))
    assert data == guideline_titles()
    assert data["mtus_titles"] and data["odg_chapters"]


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


def _broken(text: str, tmp_path) -> str:
    path = tmp_path / "guideline_titles.yaml"
    with pytest.raises(ImrRulesError) as caught:
        validate_guideline_titles(text, str(path))
    return caught.value.one_line()


def test_an_unquoted_comma_in_a_chapter_name_is_caught_with_its_line(tmp_path):
    text = TABLE.read_text(encoding="utf-8").replace("{name: 'Forearm, Wrist, and Hand Chapter'", "{name: Forearm, Wrist, and Hand Chapter")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "name: Forearm, Wrist" in row)
    message = _broken(text, tmp_path)
    assert message.startswith(f"{tmp_path / 'guideline_titles.yaml'}:{line}: odg_chapters[4]: unknown field(s)")


def test_a_bad_regular_expression_is_caught_with_its_field(tmp_path):
    text = TABLE.read_text(encoding="utf-8").replace("pattern: '\\bNeck\\b'", "pattern: '(Neck'")
    assert "(Neck" in text
    message = _broken(text, tmp_path)
    assert "odg_chapters[1].pattern: not a regular expression" in message and "\n" not in message


def test_a_missing_table_part_is_named(tmp_path):
    text = TABLE.read_text(encoding="utf-8").replace("mtus_titles:", "mtus_title:")
    assert "mtus_title" in _broken(text, tmp_path)
