"""imr-rules draft: documents in, a request that check accepts out, every fact with verbatim evidence."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import ROOT, shared_dir

pytest.importorskip("medspacy", reason="the optional 'draft' extra (medspaCy) is not installed")

from imr_rules.cli import app  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "draft"
NOTE = FIXTURES / "progress-note.txt"
LETTER = ROOT / "examples" / "cases" / "letters" / "CM17-0009282.txt"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _all_facts(request):
    yield from (request.get("facts") or {}).items()
    for item in request["items"]:
        yield from (item.get("facts") or {}).items()


def _check_evidence(request):
    for name, fact in _all_facts(request):
        text = Path(fact["source"]).read_text()
        start, end = fact["span"]
        assert text[start:end] == fact["evidence"], name
        assert fact["confirmed"] is False and 0 < fact["confidence"] <= 1


def test_a_progress_note_and_rfa_lines_draft_a_request_that_check_accepts(tmp_path):
    out = tmp_path / "request.yaml"
    result = run("draft", NOTE, "--items", FIXTURES / "rfa.txt", "--date", "2016-12-01", "-o", out, "--threshold", "0")
    assert result.exit_code == 0, result.output
    request = yaml.safe_load(out.read_text())
    assert request["items"][0]["category"] == "physical_therapy" and request["items"][0]["quantity"] == 6
    facts = dict(_all_facts(request))
    assert facts["prior_sessions"]["value"] == 6
    assert facts["red_flags"]["value"] is False                  # "There are no red flags."
    assert facts["neurologic_deficit"]["value"] is True          # decreased sensation on examination
    assert "prior_sessions" not in (request["items"][1].get("facts") or {})  # tied to the therapy item
    _check_evidence(request)
    checked = run("check", out, "--format", "json")
    assert checked.exit_code == 0, checked.output
    assert "Drafted facts not yet confirmed" in checked.stdout


def test_items_from_yaml(tmp_path):
    out = tmp_path / "request.yaml"
    result = run("draft", NOTE, "--items", FIXTURES / "rfa-items.yaml", "-o", out, "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(out.read_text())["items"][0]["quantity"] == 6


def test_silence_drafts_no_fact():
    result = run("draft", FIXTURES / "silent-note.txt", "--items", FIXTURES / "rfa.txt", "--threshold", "0")
    assert result.exit_code == 0, result.output
    request = yaml.safe_load(result.stdout)
    assert not list(_all_facts(request))


def test_a_text_letter_drafts_its_items_in_dispute(tmp_path):
    out = tmp_path / "request.yaml"
    result = run("draft", LETTER, "-o", out, "--threshold", "0")
    assert result.exit_code == 0, result.output
    request = yaml.safe_load(out.read_text())
    assert request["items"][0]["service"] == "Sit-stand workstation"
    assert request["patient"]["age"] == 54
    _check_evidence(request)
    assert run("check", out).exit_code == 0


def test_facts_below_the_threshold_are_comments_for_the_reviewer(tmp_path):
    text = run("draft", NOTE, "--items", FIXTURES / "rfa.txt", "--threshold", "0.99").stdout
    assert "# below the threshold" in text
    assert not list(_all_facts(yaml.safe_load(text)))


@pytest.mark.skipif(not (shared_dir() / "corpus").exists(), reason="the IMR corpus (../shared/corpus) is absent")
def test_a_pdf_letter_drafts_with_spans_into_its_extracted_text(tmp_path):
    pdf = sorted((shared_dir() / "corpus" / "raw" / "talhaabacus-IMRCrawler" / "pdf").glob("*.pdf"))[0]
    out = tmp_path / "request.yaml"
    result = run("draft", pdf, "-o", out, "--threshold", "0")
    assert result.exit_code == 0, result.output
    request = yaml.safe_load(out.read_text())
    from imr_rules.drafting.sources import read_document

    text = read_document(pdf).text
    for name, fact in _all_facts(request):
        assert text[fact["span"][0]:fact["span"][1]] == fact["evidence"], name
    assert run("check", out).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["missing.txt", "--items", str(FIXTURES / "rfa.txt")], "missing.txt: file not found"),
    ([str(NOTE)], "no requested items"),
    ([str(NOTE), "--items", str(FIXTURES / "rfa.txt"), "--date", "2016-13-01"], "--date"),
    ([], "no documents given"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = run("draft", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "lumbar" not in result.output  # never echoes clinical text


def test_check_never_imports_the_draft_machinery():
    code = ("import sys; from imr_rules.cli import main; sys.argv=['imr-rules','check',%r,'--format','json'];\n"
            "try: main()\nexcept SystemExit: pass\n"
            "assert not any(m.split('.')[0] in ('medspacy','spacy') or m.startswith('imr_rules.drafting') for m in sys.modules), 'imported'")
    result = subprocess.run([sys.executable, "-c", code % str(ROOT / "examples" / "requests" / "massage-twelve-visits.yaml")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_compare_letters_decides_every_item_with_an_outcome_beside_the_hand_annotation(tmp_path):
    from imr_rules.drafting.letters_compare import compare_letters, format_letter_comparison, hand_annotated
    from imr_rules.letters import read_letter

    folder = tmp_path / "letters"
    folder.mkdir()
    names = ("CM16-0230548.txt", "CM17-0009282.txt")
    for name in names:
        (folder / name).write_text((LETTER.parent / name).read_text())
    result = compare_letters([folder])
    expected = sum(1 for n in names for i in read_letter(LETTER.parent / n).items if i.outcome in ("upheld", "overturned"))
    assert result.letters == 2 and len(result.decided) == expected
    assert {d.actual for d in result.decided} <= {"upheld", "overturned"}
    annotated = hand_annotated(ROOT / "examples" / "cases")
    text = format_letter_comparison(result, annotated)
    assert "hand-annotated facts, the same" in text
    cli = run("draft", "--compare-letters", folder)
    assert cli.exit_code == 0 and "2 letters (0 unreadable)" in cli.stdout
    # A file that is no letter is counted and named, one line on stderr; the report still comes.
    (folder / "notes.txt").write_text("Progress note: the patient is doing well.\n")
    cli = run("draft", "--compare-letters", folder)
    assert cli.exit_code == 0 and "2 letters (1 unreadable)" in cli.stdout
    notes = [line for line in cli.stderr.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and notes[0].startswith(f"note: {folder / 'notes.txt'}: not an IMR determination letter (")


def test_a_finding_of_another_body_region_is_not_drafted_for_the_item(tmp_path):
    """'L4-S1' is the lumbar spine: a neurologic deficit for the lumbar MRI, none for the hip
    X-ray, and so not a request-wide fact either."""
    note = tmp_path / "note.txt"
    note.write_text("Physical examination:\nDr. Lee found tenderness of the right hip. There was decreased sensation "
                    "in the L4-S1\ndistribution. There are no red flags.\n")
    rfa = tmp_path / "rfa.txt"
    rfa.write_text("MRI of the lumbar spine\nX-ray of the right hip\n")
    out = tmp_path / "request.yaml"
    result = run("draft", note, "--items", rfa, "--date", "2016-12-01", "-o", out)
    assert result.exit_code == 0, result.output
    request = yaml.safe_load(out.read_text())
    lumbar, hip = request["items"]
    assert lumbar["body_region"] == "lumbar_spine" and hip["body_region"] == "hip"
    assert lumbar["facts"]["neurologic_deficit"]["value"] is True
    assert "neurologic_deficit" not in (hip.get("facts") or {}) and "neurologic_deficit" not in (request.get("facts") or {})
    # the sentence runs over a line break and past "Dr.": one sentence, quoted verbatim
    assert lumbar["facts"]["neurologic_deficit"]["evidence"] == "There was decreased sensation in the L4-S1\ndistribution."
    _check_evidence(request)
    assert run("check", out).exit_code == 0

    from imr_rules.drafting import draft_request

    draft = draft_request([note], rfa, "2016-12-01")
    assert "neurologic_deficit" in draft.items[0].facts and "neurologic_deficit" not in draft.items[1].facts


def test_a_heading_inside_a_line_does_not_open_a_section():
    """A heading opens a section at the start of a line only: in a letter, "Decision rationale:
    Requested Treatment: ..." is one rationale, not a rationale cut short by a plan."""
    from imr_rules.drafting.extract import extract

    inline = "The patient was seen today. Physical examination: There was decreased sensation in the L5 dermatome.\n"
    assert {m.section for m in extract(inline, "note") if m.fact == "neurologic_deficit"} == {"none"}
    heading = "The patient was seen today.\nPhysical examination: There was decreased sensation in the L5 dermatome.\n"
    assert {m.section for m in extract(heading, "note") if m.fact == "neurologic_deficit"} == {"exam"}


def test_a_planned_surgery_is_certified_only_when_it_is_not_itself_requested(tmp_path):
    """examples/cases/README.md §3: a surgery planned and not in dispute stands for the pre-op
    items; a surgery among the requested items is IMR's to decide, so nothing is drafted."""
    note = tmp_path / "note.txt"
    note.write_text("The treatment plan included scheduling laparoscopic versus open umbilical hernia repair.\n")
    alone, both = tmp_path / "alone.txt", tmp_path / "both.txt"
    alone.write_text("Pre-op chest x-ray\n")
    both.write_text("Umbilical hernia repair\nPre-op chest x-ray\n")
    drafted = yaml.safe_load(run("draft", note, "--items", alone, "--date", "2016-12-01").stdout)
    assert dict(_all_facts(drafted))["surgery_certified"]["value"] is True
    _check_evidence(drafted)
    disputed = yaml.safe_load(run("draft", note, "--items", both, "--date", "2016-12-01").stdout)
    assert "surgery_certified" not in dict(_all_facts(disputed))


def test_built_pipelines_are_reused_per_rule_set_and_bounded():
    """One pipeline per rule set, built once; a process drafting with many rule sets keeps only a few."""
    import copy

    from imr_rules.drafting import pipeline
    from imr_rules.drafting.rules import load_extraction_rules

    rules = load_extraction_rules()
    assert pipeline.build_pipeline(rules) is pipeline.build_pipeline(rules)
    for _ in range(pipeline._BUILT_MAX + 2):
        pipeline.build_pipeline(copy.copy(rules))
    assert len(pipeline._BUILT) == pipeline._BUILT_MAX
