"""Criteria packs (issue 13, section 3): rule files kept outside the repository, layered over the
bundled rules with --pack / IMR_RULES_PACKS, named with version and hash in every report."""

from __future__ import annotations

import json
import os
import re
import shutil
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, ROOT
from imr_rules.cli import app
from imr_rules.engine import evaluate
from imr_rules.requests.loading import load_request
from imr_rules.ruleset.loading import RuleSetError, load_ruleset, load_ruleset_collecting

EXAMPLE_PACK = ROOT / "examples" / "packs" / "fictitious-acoem-knee"
KNEE = EXAMPLES / "imaging-knee-mri-2026.yaml"
MASSAGE_RULE = ROOT / "rules" / "massage" / "mtus-cpmtg-massage.yaml"


def run(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def make_pack(folder: Path, name: str = "test-pack", extra: str = "", rules: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(textwrap.dedent(f"""\
        name: {name}
        version: "1.0"
        licence: test content, not real criteria
        editions: [{{title: Test guideline, edition: "2020"}}]
        """) + extra, encoding="utf-8")
    for file, text in (rules or {}).items():
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def massage_rule_as(rule_id: str) -> str:
    """The bundled massage rule's text under another id (a pack rule of the same format)."""
    return MASSAGE_RULE.read_text(encoding="utf-8").replace("id: mtus-cpmtg-massage", f"id: {rule_id}", 1)


def problems(base, *packs) -> list[str]:
    _, errors = load_ruleset_collecting([base], packs=list(packs))
    return [e.one_line() for e in errors]


# ---- the library --------------------------------------------------------------------------------


def test_the_example_pack_decides_an_item_the_bundled_rules_leave_to_odg(ruleset):
    layered = load_ruleset(packs=[EXAMPLE_PACK])
    request = load_request(KNEE)
    bundled = evaluate(request, ruleset).determinations[0]
    packed = evaluate(request, layered).determinations[0]
    assert [r.rule_id for r in bundled.rule_results][0] == "odg-imaging"
    assert packed.rule_results[0].rule_id == "fictitious-acoem-knee-mri"
    assert packed.rule_results[0].pack == "fictitious-acoem-knee"
    assert {r.pack for r in packed.rule_results[1:]} == {None}
    assert [p.name for p in layered.packs] == ["fictitious-acoem-knee"]
    assert layered.hash != ruleset.hash
    assert evaluate(request, layered).packs == layered.packs


def test_no_pack_keeps_the_bundled_hash(ruleset):
    assert load_ruleset(packs=[]).hash == ruleset.hash == load_ruleset().hash


def test_the_hash_covers_the_packs_used_whatever_their_order_or_place(small_rules, tmp_path):
    one = make_pack(tmp_path / "one", "one", rules={"r.yaml": massage_rule_as("pack-one-massage")})
    two = make_pack(tmp_path / "two", "two", rules={"r.yaml": massage_rule_as("pack-two-massage")})
    forward = load_ruleset([small_rules], packs=[one, two])
    backward = load_ruleset([small_rules], packs=[two, one])
    assert forward.hash == backward.hash and [p.name for p in backward.packs] == ["one", "two"]
    moved = shutil.copytree(one, tmp_path / "elsewhere" / "one")
    assert load_ruleset([small_rules], packs=[moved]).packs[0].hash == load_ruleset([small_rules], packs=[one]).packs[0].hash
    before = load_ruleset([small_rules], packs=[one])
    (one / "r.yaml").write_text(massage_rule_as("pack-one-massage").replace("max: 6", "max: 9"), encoding="utf-8")
    after = load_ruleset([small_rules], packs=[one])
    assert after.hash != before.hash and after.packs[0].hash != before.packs[0].hash


def test_the_rule_cache_serves_a_changed_pack_file_anew(small_rules, tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_RULES_CACHE", str(tmp_path / "cache"))
    pack = make_pack(tmp_path / "p", rules={"r.yaml": massage_rule_as("pack-massage")})
    first = load_ruleset([small_rules], packs=[pack])
    assert load_ruleset([small_rules], packs=[pack]).hash == first.hash  # from the cache
    (pack / "r.yaml").write_text(massage_rule_as("pack-massage").replace("max: 6", "max: 9"), encoding="utf-8")
    changed = load_ruleset([small_rules], packs=[pack])
    criterion = next(c for c in changed.get("pack-massage").criteria if c.id == "MS-2")
    assert changed.hash != first.hash and criterion.params["max"] == 9


def test_a_pack_rule_with_a_bundled_id_is_refused_unless_the_manifest_overrides_it(small_rules, tmp_path):
    clash = make_pack(tmp_path / "clash", rules={"m.yaml": massage_rule_as("mtus-cpmtg-massage")})
    [error] = problems(small_rules, clash)
    assert re.match(rf"{re.escape(str(clash / 'm.yaml'))}:1: id: rule id 'mtus-cpmtg-massage' is the id of a bundled rule", error)
    assert "list 'mtus-cpmtg-massage' under overrides: in test-pack's pack.yaml" in error
    replacing = make_pack(tmp_path / "replacing", extra="overrides: [mtus-cpmtg-massage]\n",
                          rules={"m.yaml": massage_rule_as("mtus-cpmtg-massage").replace("max: 6", "max: 8")})
    layered = load_ruleset([small_rules], packs=[replacing])
    rule = layered.get("mtus-cpmtg-massage")
    assert rule.pack == "test-pack" and rule.path == str(replacing / "m.yaml")
    assert next(c for c in rule.criteria if c.id == "MS-2").params["max"] == 8
    assert layered.packs[0].overrides == ("mtus-cpmtg-massage",)


def test_overrides_must_name_a_bundled_rule_the_pack_replaces(small_rules, tmp_path):
    stale = make_pack(tmp_path / "stale", extra="overrides: [no-such-rule]\n")
    assert [e.split(": ", 2)[2] for e in problems(small_rules, stale)] == [
        "overrides names 'no-such-rule', which is not a bundled rule (correct the id or remove it)"]
    empty = make_pack(tmp_path / "empty", extra="overrides: [odg-massage]\n")
    [error] = problems(small_rules, empty)
    assert error.startswith(f"{empty / 'pack.yaml'}:5: overrides[0]: overrides names 'odg-massage', but the pack has no rule")


def test_two_packs_may_not_define_one_id_nor_share_a_name(small_rules, tmp_path):
    rule = {"r.yaml": massage_rule_as("shared-id")}
    one, two = make_pack(tmp_path / "one", "one", rules=rule), make_pack(tmp_path / "two", "two", rules=rule)
    [error] = problems(small_rules, one, two)
    assert "rule id 'shared-id' is defined by two criteria packs, 'two' and 'one'" in error
    assert problems(small_rules, two, one)[0].endswith("(use one of the packs, or give one rule another id)")
    twin = make_pack(tmp_path / "twin", "one")
    assert any("two criteria packs are named 'one'" in e for e in problems(small_rules, one, twin))


def test_a_pack_may_add_but_not_redefine_shared_conditions(small_rules, tmp_path):
    fine = make_pack(tmp_path / "fine", extra="definitions:\n  knee_tear: {fact: internal_derangement_suspected, is: true}\n")
    assert "knee_tear" in load_ruleset([small_rules], packs=[fine]).definitions
    bad = make_pack(tmp_path / "bad", extra="definitions:\n  functional_improvement: {fact: adl_improvement, is: true}\n")
    [error] = problems(small_rules, bad)
    assert error.startswith(f"{bad / 'pack.yaml'}:6: definitions.functional_improvement: definition 'functional_improvement' is already defined")


@pytest.mark.parametrize("setup, expected", [
    (lambda t: t / "missing", r"missing: criteria pack not found \(check the path"),
    (lambda t: (t / "file.yaml").write_text("x: 1\n") and t / "file.yaml", r"file\.yaml: a criteria pack is a folder, not a file"),
    (lambda t: (t / "empty").mkdir() or t / "empty", r"empty: not a criteria pack: no pack\.yaml \(a pack is a folder with pack\.yaml"),
    (lambda t: make_pack(t / "v", extra="").joinpath("pack.yaml").write_text(
        'name: v\nversion: 1\nlicence: x\neditions: [{title: T, edition: "1"}]\n') and t / "v",
     r"v/pack\.yaml:2: version: expected string, got a number"),
    (lambda t: make_pack(t / "u", extra="licenses: x\n") and t / "u",
     r"u/pack\.yaml:1: unknown field\(s\) 'licenses' \(did you mean 'licence'\?\)"),
    (lambda t: make_pack(t / "Bad Name", name="'Bad Name'") and t / "Bad Name", r"pack\.yaml:1: name: "),
    # The schema checks only the form of a date: a day that does not exist, or an edition that
    # ends before it starts, is refused as in a rule file.
    (lambda t: make_pack(t / "d").joinpath("pack.yaml").write_text(
        'name: d\nversion: "1"\nlicence: x\neditions: [{title: T, edition: "1", from: "2020-19-41"}]\n') and t / "d",
     r"d/pack\.yaml:4: editions\[0\]\.from: invalid date '2020-19-41' \(write YYYY-MM-DD\)$"),
    (lambda t: make_pack(t / "e").joinpath("pack.yaml").write_text(
        'name: e\nversion: "1"\nlicence: x\neditions: [{title: T, edition: "1", from: "2020-09-21", to: "2019-01-01"}]\n') and t / "e",
     r"e/pack\.yaml:4: editions\[0\]: edition ends before it starts \(swap from and to\)$"),
])
def test_a_bad_pack_is_one_line_naming_file_and_field(small_rules, tmp_path, setup, expected):
    folder = setup(tmp_path)
    found = problems(small_rules, folder)
    assert len(found) == 1 and re.search(expected, found[0]), found
    with pytest.raises(RuleSetError):
        load_ruleset([small_rules], packs=[folder])


def test_a_pack_inside_the_rule_folder_is_refused(small_rules):
    inner = make_pack(small_rules / "inner")
    assert problems(small_rules, inner)[0].endswith("(keep packs outside the rule folder: its files would be read twice)")


# ---- the command line ---------------------------------------------------------------------------


def test_every_check_format_names_the_pack_with_version_and_hash():
    layered = load_ruleset(packs=[EXAMPLE_PACK])
    pack_hash = f"sha256:{layered.packs[0].hash}"
    report = json.loads(run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "json").stdout)
    assert report["ruleset"]["hash"] == f"sha256:{layered.hash}"
    [pack] = report["ruleset"]["packs"]
    assert (pack["name"], pack["version"], pack["hash"]) == ("fictitious-acoem-knee", "0.1.0", pack_hash)
    assert "FICTITIOUS" in pack["licence"]
    assert report["items"][0]["rules"][0]["pack"] == "fictitious-acoem-knee"
    line = json.loads(run("check", "-p", EXAMPLE_PACK, KNEE, "--format", "jsonl").stdout)
    assert line["ruleset"] == report["ruleset"]
    markdown = run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "markdown").stdout
    assert f"- Criteria pack fictitious-acoem-knee 0.1.0 ({pack_hash}): FICTITIOUS" in markdown
    text = " ".join(run("check", "--pack", EXAMPLE_PACK, KNEE).stdout.split())
    assert f"Criteria pack fictitious-acoem-knee 0.1.0 ({pack_hash[:19]}…): FICTITIOUS" in text  # as the rule set's hash


def test_html_pages_name_the_pack():
    check = run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "html").stdout
    assert "Pack</dt><dd>fictitious-acoem-knee 0.1.0<br><code>sha256:" in check
    case = ROOT / "examples" / "cases" / "CM16-0229336.yaml"
    compare = run("compare", "--pack", EXAMPLE_PACK, case, "--format", "html").stdout
    assert "Pack</dt><dd>fictitious-acoem-knee 0.1.0<br><code>sha256:" in compare and "+ 1 criteria pack" in compare


def test_the_report_with_a_pack_matches_the_report_schema():
    import jsonschema

    schema = json.loads((ROOT / "imr_rules/schemas/report.schema.json").read_text())
    report = json.loads(run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "json").stdout)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(report)) == []


def test_the_environment_variable_adds_packs_and_the_same_folder_counts_once():
    direct = run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "json")
    env = {"IMR_RULES_PACKS": os.pathsep.join(["", str(EXAMPLE_PACK)])}
    through_env = run("check", KNEE, "--format", "json", env=env)
    both = run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "json", env=env)
    assert direct.exit_code == through_env.exit_code == both.exit_code == 0
    assert direct.stdout == through_env.stdout == both.stdout
    assert json.loads(run("check", KNEE, "--format", "json", env={"IMR_RULES_PACKS": ""}).stdout)["ruleset"]["packs"] == []


def test_output_with_a_pack_is_byte_identical_between_runs():
    first = run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "markdown")
    assert first.exit_code == 0 and first.stdout == run("check", "--pack", EXAMPLE_PACK, KNEE, "--format", "markdown").stdout


def test_a_bad_pack_exits_2_with_one_line(tmp_path):
    result = run("check", "--pack", tmp_path, KNEE)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path}: not a criteria pack: no pack.yaml (a pack is a folder with pack.yaml (name, version, "
        "licence, editions) and rule files; see README, Criteria packs)"]


def test_rules_list_show_and_validate_name_the_pack():
    listing = json.loads(run("rules", "list", "--pack", EXAMPLE_PACK, "--format", "json").stdout)
    assert listing["ruleset"]["packs"][0]["name"] == "fictitious-acoem-knee"
    assert {r["id"]: r["pack"] for r in listing["rules"]}["fictitious-acoem-knee-mri"] == "fictitious-acoem-knee"
    shown = run("rules", "show", "fictitious-acoem-knee-mri", "--pack", EXAMPLE_PACK, "--format", "json")
    assert json.loads(shown.stdout)["pack"] == "fictitious-acoem-knee"
    validated = run("rules", "validate", "--pack", EXAMPLE_PACK)
    assert validated.exit_code == 0 and "Criteria pack fictitious-acoem-knee 0.1.0" in validated.stdout
    assert run("rules", "validate", EXAMPLE_PACK).stdout == validated.stdout  # a pack folder named as a path


def test_compare_names_the_pack_in_every_format():
    case = ROOT / "examples" / "cases" / "CM16-0229336.yaml"
    data = json.loads(run("compare", "--pack", EXAMPLE_PACK, case, "--format", "json").stdout)
    assert data["ruleset"]["packs"][0]["name"] == "fictitious-acoem-knee"
    rows = run("compare", "--pack", EXAMPLE_PACK, case, "--format", "csv").stdout.splitlines()
    header = rows[0].split(",")
    assert header[-2:] == ["ruleset_hash", "packs"]
    assert rows[1].endswith(f"{data['ruleset']['hash']},fictitious-acoem-knee 0.1.0 {data['ruleset']['packs'][0]['hash']}")
    for fmt in ("markdown", "text"):
        out = " ".join(run("compare", "--pack", EXAMPLE_PACK, case, "--format", fmt).stdout.split())
        assert "+ 1 criteria pack" in out and "Criteria pack fictitious-acoem-knee 0.1.0" in out, fmt


def test_rules_test_lint_and_doc_work_on_a_pack():
    tested = run("rules", "test", "--pack", EXAMPLE_PACK, "--format", "json", "--require-both-ways")
    assert tested.exit_code == 0, tested.output
    data = json.loads(tested.stdout)
    assert (data["rules"], data["cases"], data["passed"]) == (1, 2, 2)  # the pack's own, within the layered set
    assert data["ruleset"]["packs"][0]["name"] == "fictitious-acoem-knee"
    assert run("rules", "test", EXAMPLE_PACK, "--format", "json").stdout == tested.stdout
    sarif = json.loads(run("rules", "test", "--pack", EXAMPLE_PACK, "--format", "sarif").stdout)
    assert sarif["runs"][0]["properties"]["ruleset"]["packs"][0]["name"] == "fictitious-acoem-knee"
    junit = ET.fromstring(run("rules", "test", "--pack", EXAMPLE_PACK, "--format", "junit").stdout)
    assert {p.get("name") for p in junit.iter("property")} >= {"ruleset.hash", "pack.fictitious-acoem-knee"}
    linted = run("rules", "lint", "--pack", EXAMPLE_PACK)
    assert linted.exit_code == 0 and "ok: no findings" in linted.output
    doc = run("rules", "doc", "--pack", EXAMPLE_PACK).stdout
    assert "## Criteria packs" in doc and "**fictitious-acoem-knee 0.1.0**" in doc
    assert "### fictitious-acoem-knee-mri" in doc and "- From criteria pack fictitious-acoem-knee" in doc


def test_lint_reports_pack_conflicts_and_manifest_problems(tmp_path):
    pack = make_pack(tmp_path / "p", extra="overrides: [no-such-rule]\n",
                     rules={"m.yaml": massage_rule_as("mtus-cpmtg-massage"), "n.yaml": massage_rule_as("own-rule")})
    result = run("rules", "lint", "--pack", pack, "--format", "json")
    assert result.exit_code == 3
    found = {(Path(f["path"]).name, f["code"]) for f in json.loads(result.stdout)["findings"]}
    assert ("m.yaml", "IMR014") in found and ("pack.yaml", "IMR014") in found
    assert ("m.yaml", "IMR004") not in found  # the clash is IMR014's, with the overrides hint
    (pack / "pack.yaml").write_text("name: p\nversion: 1\n", encoding="utf-8")
    codes = {(f["code"], f["rule_id"]) for f in json.loads(run("rules", "lint", "--pack", pack, "--format", "json").stdout)["findings"]}
    assert ("IMR001", "pack") in codes


def test_lint_reports_a_pack_edition_date_that_does_not_exist_as_loading_refuses_it(tmp_path):
    pack = make_pack(tmp_path / "p")
    (pack / "pack.yaml").write_text(
        'name: p\nversion: "1"\nlicence: x\neditions: [{title: T, edition: "1", from: "2020-19-41"}]\n', encoding="utf-8")
    result = run("rules", "lint", "--pack", pack, "--format", "json")
    assert result.exit_code == 3, result.output
    found = [(f["code"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert ("IMR001", "editions[0].from: invalid date '2020-19-41'") in found


def test_a_pack_given_as_rules_says_to_give_it_with_pack():
    request = ROOT / "examples/requests/imaging-knee-mri-2026.yaml"
    for command in (["check", str(request)], ["coverage", "MRI of the knee"]):
        result = run(*command, "--rules", EXAMPLE_PACK)
        assert result.exit_code == 2
        assert result.stderr.strip() == (f"error: {EXAMPLE_PACK}: a criteria pack, not a rule folder "
                                         f"(give it with --pack {EXAMPLE_PACK}, or in $IMR_RULES_PACKS)")


def test_the_example_pack_is_labelled_fictitious_everywhere():
    for file in [EXAMPLE_PACK / "pack.yaml", EXAMPLE_PACK / "README.md", *EXAMPLE_PACK.rglob("*.yaml")]:
        assert "FICTITIOUS" in file.read_text(encoding="utf-8"), file
    assert "NOT real" in (EXAMPLE_PACK / "README.md").read_text(encoding="utf-8")


def test_the_readme_shows_the_example_pack():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Criteria packs", 1)[1].split("\n## ", 1)[0]
    assert "--pack examples/packs/fictitious-acoem-knee" in section and "IMR_RULES_PACKS" in section
    assert "Criteria pack fictitious-acoem-knee 0.1.0" in section and "overrides:" in section


def test_a_run_without_packs_never_imports_the_pack_module():
    import subprocess
    import sys

    code = ("import sys; from imr_rules.ruleset.loading import load_ruleset; load_ruleset(); "
            "print('imr_rules.ruleset.packs' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "IMR_RULES_PACKS": ""})
    assert result.stdout.strip() == "False", result.stderr
