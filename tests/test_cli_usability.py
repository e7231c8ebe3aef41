"""What a new user meets first: the version, the exit codes, listings that are never cut short."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from imr_rules import cli
from imr_rules.cli import app

ROOT = Path(__file__).resolve().parent.parent


def run(*args, **kwargs):
    return CliRunner().invoke(app, list(args), **kwargs)


def test_version_is_the_package_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = subprocess.run([sys.executable, "-m", "imr_rules.cli", "--version"], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0
    assert result.stdout == f"imr-rules {version}\n"


def test_exit_codes_are_distinct_and_documented():
    codes = {name: getattr(cli, name) for name in dir(cli) if name.startswith("EXIT_")}
    assert len(set(codes.values())) == len(codes), codes
    assert codes["EXIT_FAILED"] not in (codes["EXIT_INTERNAL"], codes["EXIT_BAD_INPUT"])
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Exit codes and bad input", 1)[1].split("\n\n", 2)[1]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == set(codes.values())


def test_rules_list_never_cuts_an_id_and_honours_columns(ruleset):
    ids = [rule.id for rule in ruleset.rules]
    for columns in ("40", "80", "200"):
        result = run("rules", "list", env={"COLUMNS": columns})
        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert lines[1] == f"sha256:{ruleset.hash}"  # the listing names the rule set it read, in full
        first_words = [line.split(" ", 1)[0] for line in lines[3:] if not line.startswith(" ")]
        assert first_words == ids, columns
        assert "…" not in result.stdout
    narrow = run("rules", "list", env={"COLUMNS": "80"}).stdout.splitlines()
    wide = run("rules", "list", env={"COLUMNS": "200"}).stdout.splitlines()
    assert max(map(len, narrow)) <= 80 < max(map(len, wide)) <= 200


def test_rules_show_never_cuts_a_fact_name():
    import json

    shown = {}
    for rule_id in ("mtus-opioids-2016", "mtus-cpmtg-massage"):
        shown[rule_id] = json.loads(run("rules", "show", rule_id, "--format", "json").stdout)
    rule_id, rule = max(shown.items(), key=lambda kv: max(len(f) for c in kv[1]["criteria"] for f in c["facts"]))
    facts = {f for c in rule["criteria"] for f in c["facts"]}
    assert max(map(len, facts)) > 20
    result = run("rules", "show", rule_id, env={"COLUMNS": "40"})
    assert result.exit_code == 0
    words = set(re.findall(r"[\w.]+", result.stdout))
    assert facts <= words
    assert "…" not in result.stdout


def test_categories_lists_every_valid_name_with_its_rules_and_keywords(ruleset):
    import json

    import yaml

    names = list(yaml.safe_load((ROOT / "imr_rules/reference/data/categories.yaml").read_text())["categories"])
    listing = json.loads(run("categories", "--format", "json").stdout)["categories"]
    assert [row["name"] for row in listing] == names
    massage = next(row for row in listing if row["name"] == "massage")
    assert set(massage["rules"]) == {r.id for r in ruleset.rules if "massage" in r.categories}
    assert "massage" in massage["keywords"]
    text = run("categories").stdout
    assert text.startswith("Rule set ")  # the rule set whose rules select each category
    assert [line.split()[0] for line in text.splitlines()[1:] if not line.startswith(" ")] == names
    # a request naming a category outside the list is refused, and the hint leads to the listing
    assert "massage" in text and "keywords: " in text


def test_facts_grouped_by_scope_and_category_with_filters():
    import json

    everything = json.loads(run("facts", "--format", "json").stdout)["facts"]
    mme = json.loads(run("facts", "--format", "json", "--grep", "MME", "--category", "opioid").stdout)["facts"]
    assert mme and all("opioid" in row["categories"] for row in mme)
    assert all(re.search("mme", row["name"] + row["description"], re.I) for row in mme)
    assert len(mme) < len(everything)
    text = run("facts", "--scope", "item").stdout.splitlines()
    assert text[0].startswith("Rule set ") and text[1].startswith("Item facts") and not any(line.startswith(("Request", "Derived")) for line in text)
    item_names = {row["name"] for row in everything if row["scope"] == "item"}
    listed = {line.split()[0] for line in text if line.startswith("    ") and not line.startswith("     ")}
    assert listed == item_names
    assert "  imaging" in text and "  shared" in text
    bad = run("facts", "--category", "masage")
    assert bad.exit_code == 2 and "did you mean 'massage'" in bad.output
    assert run("facts", "--grep", "(").exit_code == 2


def test_coverage_refuses_a_path_given_as_a_description(tmp_path):
    letter = tmp_path / "letter.txt"
    letter.write_text("Independent Medical Review Final Determination\n")
    result = run("coverage", "MRI of the lumbar spine", str(letter), str(tmp_path), str(tmp_path / "gone.pdf"))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and result.stdout == ""
    assert lines[0].startswith(f"error: {letter}: names a file") and f"--letters {letter}" in lines[0]
    assert f"--letters {tmp_path}'" in lines[1]
    assert "gone.pdf: no such file" in lines[2]
    fine = run("coverage", "MRI of the lumbar spine", "Norco 10/325 mg #120")
    assert fine.exit_code == 0 and "100.0%" in fine.stdout


def test_a_quantity_lost_to_a_yaml_comment_is_noted_with_file_and_line(tmp_path):
    import json

    request = tmp_path / "norco.yaml"
    request.write_text(
        "request_date: 2016-12-01\n"
        "items:\n"
        "  - service: Norco 10/325mg #120\n"          # the trap: '#120' is a comment
        "  - service: \"Norco 10/325mg #90\"\n"       # quoted: the quantity is read
        "  - service: Norco 10/325mg  # refill\n"     # a comment that is not a quantity
        "  - service: Norco 10/325mg #60\n"
        "    quantity: 60\n"                          # the quantity is given anyway
    )
    report = json.loads(run("check", str(request), "--format", "json").stdout)
    lost = [note for note in report["notes"] if "YAML comment" in note]
    assert lost == [f"{request}:3: items[0]: no quantity was read, but the line ends in the YAML comment '#120' "
                    "(after a space, # starts a comment): quote the value (\"… #120\") or give quantity: 120"]
    assert [item["quantity"] for item in report["items"]] == [None, 90, None, 60]
    as_json = tmp_path / "norco.json"
    as_json.write_text(json.dumps({"request_date": "2016-12-01", "items": [{"service": "Norco 10/325mg #120"}]}))
    assert not [n for n in json.loads(run("check", str(as_json), "--format", "json").stdout)["notes"] if "#" in n]


def _report_validator(definition=None):
    import json

    import jsonschema

    schema = json.loads((ROOT / "imr_rules/schemas/report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    if definition:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(schema)


def test_json_output_matches_its_schema_in_both_documented_shapes(tmp_path):
    import json

    examples = ROOT / "examples" / "requests"
    one = json.loads(run("check", str(examples / "massage-twelve-visits.yaml"), "--format", "json").stdout)
    assert "items" in one and "reports" not in one  # one input checked: the report itself
    assert list(_report_validator("report").iter_errors(one)) == []
    assert list(_report_validator("envelope").iter_errors(one)) != []
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: 3\n")
    several = run("check", str(examples), str(bad), "--format", "json")
    assert several.exit_code == 2
    envelope = json.loads(several.stdout)
    assert len(envelope["reports"]) > 20 and len(envelope["errors"]) == 1
    assert list(_report_validator("envelope").iter_errors(envelope)) == []
    only_bad = json.loads(run("check", str(bad), "--format", "json").stdout)  # one input, not checked
    assert only_bad["reports"] == [] and list(_report_validator().iter_errors(only_bad)) == []
    lines = run("check", str(examples / "massage-twelve-visits.yaml"), str(examples), "--format", "jsonl").stdout
    validator = _report_validator("report")
    for line in lines.splitlines():
        assert list(validator.iter_errors(json.loads(line))) == []
    # the schema is not vacuous: a report that lost a field, or a decision outside the three, fails
    broken = json.loads(json.dumps(one))
    broken["items"][0]["decision"] = "approved"
    del broken["items"][0]["criteria"][0]["status"]
    assert len(list(validator.iter_errors(broken))) == 2


def test_every_problem_of_a_request_is_reported_at_once_in_line_order(tmp_path):
    # Three typos took three runs (issue 16): now one run names them all, in line order.
    from typer.testing import CliRunner

    from imr_rules.cli import app

    path = tmp_path / "typos.yaml"
    path.write_text(
        "request_date: 2016-12-01\n"
        "facts:\n"
        "  home_excercise_program: true\n"
        "  pain_scor: 5\n"
        "items:\n"
        "  - service: Massage therapy\n"
        "    quantity: 4\n"
        "    category: masage\n"
        "  - service: Physical therapy\n"
        "    facts: {prior_sesions: 3}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [line.split(":")[2] for line in lines] == ["3", "4", "8", "10"]
    assert all("did you mean" in line for line in (lines[0], lines[2], lines[3]))


def test_schema_problems_and_unknown_facts_come_together(tmp_path):
    from typer.testing import CliRunner

    from imr_rules.cli import app

    path = tmp_path / "mixed.yaml"
    path.write_text(
        "request_date: 2016-12-01\nfacts:\n  home_excercise_program: true\n"
        "items:\n  - service: Massage therapy\n    quantity: [4]\n    body_regon: neck\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 2
    errors = json.loads(result.stdout)["errors"]
    assert [e.split(":")[1] for e in errors] == ["3", "5", "6"]
