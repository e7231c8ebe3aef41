"""Bad input met at the edges of the CLI: rule paths, letters, malformed files, reports that must
name their rule set. Each is one line naming the file, the place and the fix, with exit code 2
(README, "Exit codes and bad input"), never a traceback or a silent run on nothing."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app
from imr_rules.errors import ImrRulesError

from conftest import EXAMPLES, ROOT

REQUEST = str(EXAMPLES / "massage-twelve-visits.yaml")


def run(*args):
    return CliRunner().invoke(app, list(args))


# ---- --rules: a subfolder, an empty folder ---------------------------------------------------


def test_a_subfolder_of_a_rule_set_loads_with_its_shared_definitions(tmp_path):
    # rules/imaging's rules use conditions defined in rules/ruleset.yaml ({ref: conservative_care_failed})
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = load_ruleset([ROOT / "rules" / "imaging"])
    assert ruleset.rules and all("imaging" in rule.categories for rule in ruleset.rules)
    assert ruleset.name != "unnamed"  # the manifest was read, so the report names the rule set
    result = run("check", str(EXAMPLES / "imaging-knee-mri-2026.yaml"), "--rules", str(ROOT / "rules" / "imaging"),
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ruleset"]["hash"] == f"sha256:{ruleset.hash}"


def test_the_manifest_a_subfolder_borrows_is_covered_by_the_hash(tmp_path):
    from imr_rules.ruleset.loading import load_ruleset

    shutil.copytree(ROOT / "rules" / "massage", tmp_path / "rules" / "massage")
    manifest = tmp_path / "rules" / "ruleset.yaml"
    shutil.copy(ROOT / "rules" / "ruleset.yaml", manifest)
    before = load_ruleset([tmp_path / "rules" / "massage"]).hash
    manifest.write_text(manifest.read_text() + "\n# edited\n")
    assert load_ruleset([tmp_path / "rules" / "massage"]).hash != before


@pytest.mark.parametrize("command", [["check", REQUEST, "--rules"], ["rules", "validate"], ["rules", "test"],
                                     ["coverage", "massage", "--rules"], ["rules", "list", "--rules"]])
def test_a_folder_with_no_rule_file_is_bad_input(tmp_path, command):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(*command, str(empty))
    assert result.exit_code == 2, result.output
    assert f"error: {empty}: no rule files (*.yaml) in this folder (give a folder of rule files" in result.stderr
    assert "Traceback" not in result.output
    assert "0/0" not in result.stdout and "Rule set" not in result.stdout  # no empty report beside the error


def test_a_folder_holding_only_the_manifest_is_bad_input(tmp_path):
    (tmp_path / "rules").mkdir()
    shutil.copy(ROOT / "rules" / "ruleset.yaml", tmp_path / "rules" / "ruleset.yaml")
    result = run("check", REQUEST, "--rules", str(tmp_path / "rules"))
    assert result.exit_code == 2
    assert "no rule files (*.yaml) in this folder" in result.stderr
    result = run("check", REQUEST, "--rules", str(tmp_path / "rules" / "ruleset.yaml"))
    assert result.exit_code == 2
    assert "ruleset.yaml: no rule file given, only a rule set manifest" in result.stderr


def test_the_library_refuses_an_empty_rule_folder(tmp_path):
    from imr_rules.ruleset.loading import load_ruleset

    with pytest.raises(ImrRulesError, match="no rule files"):
        load_ruleset([tmp_path])


def test_lint_of_an_empty_folder_is_a_finding(tmp_path):
    result = run("rules", "lint", str(tmp_path))
    assert result.exit_code == 3  # lint's code for an error finding
    assert f"{tmp_path}: IMR001 -: no rule files (*.yaml) in this folder" in result.stdout


# ---- coverage --letters: an unreadable letter among readable ones ------------------------------


LETTERS = ROOT / "tests" / "fixtures" / "letters"


def test_coverage_reports_each_unreadable_letter_and_covers_the_rest(tmp_path):
    folder = tmp_path / "letters"
    folder.mkdir()
    shutil.copy(LETTERS / "pages_letter.txt", folder)
    (folder / "empty.txt").write_text("")
    shutil.copy(LETTERS / "not_a_letter.txt", folder)
    empty_folder = tmp_path / "none"
    empty_folder.mkdir()
    alone = run("coverage", "--letters", str(LETTERS / "pages_letter.txt"), "--format", "json")
    result = run("coverage", "--letters", str(folder), "--letters", str(empty_folder), "--format", "json")
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert errors == [
        f"error: {empty_folder}: no letter files (.txt, .md, .markdown, .pdf) in this folder (give a folder of letters, or a letter file)",
        f"error: {folder / 'empty.txt'}: file is empty (expected an IMR determination letter)",
        f"error: {folder / 'not_a_letter.txt'}: not an IMR determination letter (expected a case number "
        "(CMyy-nnnnnnn) and an 'IMR ISSUES, DECISIONS AND RATIONALES' section)",
    ]
    assert json.loads(result.stdout)["total"] == json.loads(alone.stdout)["total"] > 0  # the readable letter still counted


def test_coverage_of_only_unreadable_letters_says_why_in_one_line_each(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = run("coverage", "--letters", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {tmp_path / 'empty.txt'}: file is empty (expected an IMR determination letter)"]
    assert run("coverage").stderr.splitlines() == ["error: no item descriptions given: pass descriptions, --file or --letters"]


def test_the_library_does_not_skip_an_unreadable_letter_silently(tmp_path):
    from imr_rules.evaluation.coverage import descriptions_from_letters

    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ImrRulesError, match="file is empty"):
        list(descriptions_from_letters([tmp_path]))
    errors = []
    assert list(descriptions_from_letters([tmp_path, LETTERS / "pages_letter.txt"], errors))
    assert [e.message for e in errors] == ["file is empty"]


# ---- malformed YAML: file, line, column and the fix, whatever the file is for -----------------


BROKEN = "name: x\nitems: [\n  - a: b\n"  # an unclosed bracket: the parser stops at line 3
EXPECTED = ("malformed YAML: did not find expected node content (column 3) "
            "(fix the YAML syntax at or just above line 3: check indentation, quotes and brackets)")


def _pack_with_broken_manifest(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "examples" / "packs" / "fictitious-acoem-knee", pack)
    (pack / "pack.yaml").write_text(BROKEN)
    return pack / "pack.yaml", ["check", REQUEST, "--pack", str(pack)]


def _broken_rule(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / "massage", rules / "massage")
    shutil.copy(ROOT / "rules" / "ruleset.yaml", rules)
    (rules / "massage" / "broken.yaml").write_text(BROKEN)
    return rules / "massage" / "broken.yaml", ["check", REQUEST, "--rules", str(rules)]


def _broken_request(tmp_path):
    (tmp_path / "request.yaml").write_text(BROKEN)
    return tmp_path / "request.yaml", ["check", str(tmp_path / "request.yaml")]


def _broken_case(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "CM16-0000001.yaml").write_text(BROKEN)
    return tmp_path / "cases" / "CM16-0000001.yaml", ["compare", str(tmp_path / "cases")]


@pytest.mark.parametrize("make", [_broken_request, _broken_rule, _broken_case, _pack_with_broken_manifest])
def test_malformed_yaml_names_file_line_column_and_fix(tmp_path, make):
    path, command = make(tmp_path)
    result = run(*command)
    assert result.exit_code == 2
    assert f"error: {path}:3: {EXPECTED}" in result.stderr.splitlines()


def test_a_tab_in_the_indentation_says_to_use_spaces(tmp_path):
    (tmp_path / "request.yaml").write_text("request_date: 2016-12-01\n\titems: []\n")
    result = run("check", str(tmp_path / "request.yaml"))
    assert result.exit_code == 2
    assert result.stderr.endswith("(column 1) (indent line 2 with spaces, not tabs)\n")


# ---- every report names the rule set it used --------------------------------------------------


@pytest.mark.parametrize("command", [
    ["coverage", "MRI of the lumbar spine"],
    ["facts"],
    ["facts", "--category", "massage"],
    ["categories"],
    ["rules", "show", "mtus-cpmtg-massage"],
    ["rules", "test", str(ROOT / "rules" / "massage")],
])
def test_text_reports_name_the_rule_set_and_its_hash(small_rules, command):
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = load_ruleset([small_rules])
    loaded = [] if command[:2] == ["rules", "test"] else ["--rules", str(small_rules)]
    expected = load_ruleset([ROOT / "rules"]) if loaded == [] else ruleset
    result = run(*command, *loaded)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"Rule set {expected.name} {expected.version} (sha256:{expected.hash})"


@pytest.mark.parametrize("command", [
    ["coverage", "MRI of the lumbar spine"],
    ["facts"],
    ["categories"],
    ["rules", "show", "mtus-cpmtg-massage"],
])
def test_json_reports_name_the_rule_set_and_its_hash(small_rules, command):
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = load_ruleset([small_rules])
    result = run(*command, "--rules", str(small_rules), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ruleset"] == {"name": ruleset.name, "version": ruleset.version,
                                                    "hash": f"sha256:{ruleset.hash}", "packs": []}


def test_the_coverage_report_names_its_rule_set_through_the_library(small_rules):
    from imr_rules.evaluation.coverage import Description, measure
    from imr_rules.ruleset.loading import load_ruleset

    ruleset = load_ruleset([small_rules])
    assert measure([Description("Massage therapy")], ruleset).to_dict()["ruleset"]["hash"] == f"sha256:{ruleset.hash}"


# ---- lint: a pack conflict names the rule it concerns ------------------------------------------


def test_a_pack_conflict_finding_names_the_rule_or_the_pack(tmp_path):
    from imr_rules.authoring.lint import lint

    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "examples" / "packs" / "fictitious-acoem-knee", pack)
    rule = next((pack / "imaging").glob("*.yaml"))
    rule.write_text(rule.read_text().replace("id: fictitious-acoem-knee-mri", "id: odg-imaging", 1))
    with (pack / "pack.yaml").open("a") as manifest:
        manifest.write("overrides: [no-such-rule]\n")
    findings = {(f.path, f.rule_id) for f in lint(packs=[pack]) if f.code == "IMR014"}
    assert findings == {(str(rule), "odg-imaging"), (str(pack / "pack.yaml"), "pack")}
    result = run("rules", "lint", "--pack", str(pack))
    assert result.exit_code == 3
    assert f"{rule}:2: IMR014 odg-imaging: rule id 'odg-imaging' is the id of a bundled rule" in result.stdout


# ---- more edges: folders where files are expected, folders holding nothing ---------------------


def test_compare_names_a_folder_holding_no_case_file_and_still_compares_the_rest(tmp_path):
    case = ROOT / "examples" / "cases" / "CM16-0229336.yaml"
    alone = run("compare", str(case), "--format", "json")
    result = run("compare", str(tmp_path), str(case), "--format", "json")
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path}: no case files (.yaml, .yml, .json) in this folder (give a folder of cases, or a case file)\n"
    assert result.stdout == alone.stdout


@pytest.mark.parametrize("command", [["check", REQUEST], ["parse", str(ROOT / "tests" / "fixtures" / "letters" / "pages_letter.txt")],
                                     ["compare", str(ROOT / "examples" / "cases" / "CM16-0229336.yaml")], ["rules", "doc"]])
def test_an_output_that_is_a_folder_is_bad_input_not_an_internal_error(tmp_path, command):
    result = run(*command, "-o", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path}: is a folder (give --output a file name, e.g. {tmp_path / 'report.txt'})\n"


def test_formulary_import_names_a_folder_or_a_missing_file(tmp_path):
    options = ["--list-version", "v1", "--effective-from", "2020-01-01", "-o", str(tmp_path / "list.yaml")]
    for given, problem in ((tmp_path, "is a folder"), (tmp_path / "gone.csv", "file not found")):
        result = run("formulary", "import", str(given), *options)
        assert result.exit_code == 2
        assert result.stderr == (f"error: {given}: {problem} (give the official Drug List: the DWC workbook (.xlsx) "
                                 "or its sheet saved as CSV)\n")


def test_an_empty_rules_dir_in_the_environment_is_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_RULES_DIR", str(tmp_path))
    result = run("facts")
    assert result.exit_code == 2
    assert result.stderr == (f"error: {tmp_path}: no rule files (*.yaml) in this folder "
                             "(check $IMR_RULES_DIR: it names the rule folder to use)\n")


def test_coverage_file_given_a_folder_points_to_letters(tmp_path):
    result = run("coverage", "--file", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (f"error: {tmp_path}: is a folder, not a file of descriptions "
                             f"(a folder of IMR letters goes with '--letters {tmp_path}')\n")


def test_draft_measures_refuse_a_missing_or_empty_folder(tmp_path):
    pytest.importorskip("medspacy", reason="the optional 'draft' extra (medspaCy) is not installed")
    result = run("draft", "--evaluate", str(tmp_path / "gone"))
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'gone'}: no such file or folder (check the --evaluate path)\n"
    result = run("draft", "--compare-letters", str(tmp_path))
    assert result.exit_code == 2
    assert "no letter files (.txt, .md, .markdown, .pdf) in this folder" in result.stderr


def test_draft_output_is_written_as_every_output_is(tmp_path):
    pytest.importorskip("medspacy", reason="the optional 'draft' extra (medspaCy) is not installed")
    draft = ROOT / "tests" / "fixtures" / "draft"
    args = ["draft", str(draft / "progress-note.txt"), "--items", str(draft / "rfa.txt")]
    result = run(*args, "-o", str(tmp_path))
    assert result.exit_code == 2 and "is a folder" in result.stderr
    written = tmp_path / "request.yaml"
    assert run(*args, "-o", str(written)).exit_code == 0
    assert written.stat().st_mode & 0o777 == 0o600
    assert written.read_text() == run(*args).stdout


@pytest.mark.parametrize("format", ["text", "jsonl", "json"])
def test_check_of_an_empty_stdin_or_jsonl_file_is_bad_input(tmp_path, format):
    (tmp_path / "none.jsonl").write_text("\n")
    for args, name, stdin in ((["-"], "<stdin>", "\n\n"), ([str(tmp_path / "none.jsonl")], str(tmp_path / "none.jsonl"), "")):
        result = CliRunner().invoke(app, ["check", *args, "--format", format], input=stdin)
        assert result.exit_code == 2
        line = f"{name}: no request read (a .jsonl file or standard input gives one JSON request a line)"
        assert result.stderr == f"error: {line}\n"
        if format == "json":  # a JSON run always gives a document, here with the error
            assert json.loads(result.stdout) == {"reports": [], "errors": [line]}


def test_parse_of_an_empty_stdin_is_bad_input():
    result = CliRunner().invoke(app, ["parse", "-", "--format", "jsonl"], input="\n")
    assert result.exit_code == 2
    assert result.stderr == 'error: <stdin>: no letter read (give one path a line, or JSON Lines {"text": ..., "name": ...})\n'
