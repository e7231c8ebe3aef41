"""The HTML pages (check --format html, compare --format html): self-contained, escaped, byte-identical.

What a person sees in a browser is tested in test_html_browser.py; these tests read the bytes.
"""

from __future__ import annotations

import re

from typer.testing import CliRunner

from imr_rules.cli import app

from conftest import EXAMPLES, ROOT

CASES = ROOT / "examples" / "cases"
# A few annotated cases with disagreements among them keep the compare tests fast.
SOME_CASES = ["CM16-0229336.yaml", "CM16-0230548.yaml", "CM16-0235724.yaml", "CM16-0235991.yaml", "CM17-0015198.yaml"]
HOSTILE = """\
request_date: 2016-12-01
facts: {home_exercise_program: true}
items:
  - service: "Massage <script>alert('x')</script> & more"
    quantity: 12
"""


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_self_contained(page: str) -> None:
    """No script, nothing fetched: no external reference of any kind."""
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)\s*=", page, re.I)
    assert "@import" not in page and "url(" not in page
    # Only the SVG namespace may name a web address (it is an identifier, never fetched).
    assert set(re.findall(r"https?://[^\"' )]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_check_html_shows_the_decision_criteria_and_rule_set():
    result = run("check", EXAMPLES / "massage-twelve-visits.yaml", "--format", "html")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert_self_contained(page)
    assert "@page { size: letter" in page
    assert re.search(r"sha256:[0-9a-f]{64}", page)  # the whole hash, not a prefix
    assert "Request date</dt><dd>2016-12-12" in page
    assert "Not medically necessary</span>" in page
    assert "Certifiable portion: 6 of 12." in page
    assert "reduce the request to 6 visits" in page
    assert "Guideline in force (8 CCR 9792.21.1)" in page
    assert "<strong>Rationale.</strong>" in page
    assert page.count("<tr") > 3  # a row per criterion


def test_check_html_escapes_every_value(write):
    path = write("hostile.yaml", HOSTILE)
    result = run("check", path, "--format", "html")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "<script" not in page
    assert "Massage &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page


def test_check_html_is_byte_identical_across_runs(tmp_path):
    inputs = [EXAMPLES / "massage-and-uncovered-item.yaml", EXAMPLES / "drug-opioid-maintenance-undocumented.yaml"]
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    assert run("check", *inputs, "--format", "html", "--output", first).exit_code == 0
    assert run("check", *inputs, "--format", "html", "--output", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    page = first.read_text(encoding="utf-8")
    assert page.count("<section class=\"request\">") == 2  # one page per run, a section per request


def test_check_html_lists_the_inputs_not_checked(write):
    bad = write("bad.yaml", "items:\n  - service: Massage\n    category: masage\n")
    result = run("check", EXAMPLES / "massage-twelve-visits.yaml", bad, "--format", "html")
    assert result.exit_code == 2
    assert "Inputs not checked" in result.stdout
    assert "unknown category &#x27;masage&#x27;" in result.stdout
    assert "massage-twelve-visits" in result.stdout


def test_check_html_with_no_request_checked_still_names_the_tool_and_the_errors(write):
    bad = write("broken.yaml", "items: [\n")
    result = run("check", bad, "--format", "html")
    assert result.exit_code == 2
    assert "imr-rules check: 0 requests" in result.stdout and "broken.yaml:2: malformed YAML" in result.stdout
    assert re.search(r"Written by imr-rules \d", result.stdout)


def test_check_html_library_renders_any_packs_the_report_names(ruleset):
    from imr_rules import evaluate, load_request
    from imr_rules.render.check_html import render_check_html
    from imr_rules.render.data import report_to_dict

    report = report_to_dict(evaluate(load_request(EXAMPLES / "massage-twelve-visits.yaml", ruleset.vocabulary), ruleset))
    assert "Pack</dt>" not in render_check_html([report])
    report["ruleset"]["packs"] = [{"name": "ca-mtus-<2017>", "version": "1.2", "hash": "sha256:" + "ab" * 32, "rules": 3}]
    page = render_check_html([report])
    assert "Pack</dt><dd>ca-mtus-&lt;2017&gt; 1.2<br><code>sha256:" + "ab" * 32 in page
    assert "rules: 3" in page


def test_compare_html_dashboard(tmp_path):
    inputs = [CASES / name for name in SOME_CASES]
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    result = run("compare", *inputs, "--format", "html", "--output", first)
    assert result.exit_code == 0, result.output
    assert run("compare", *inputs, "--format", "html", "--output", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    page = first.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert page.count("<rect class=\"cell\"") == 4  # the confusion matrix
    assert page.count("class=\"chart bars\"") >= 3  # baselines, categories, failing criteria
    assert "always upheld" in page and "no facts" in page
    for heading in ("Confusion matrix", "Agreement beside the baselines", "By category",
                    "Criteria that fail most often", "Spurious failures", "Disagreements ("):
        assert heading in page


def disagreement(number: str, quote: str, statement: str):
    """A compared item where IMR overturned and we denied, with one reason and one failing criterion."""
    from imr_rules.evaluation.cases import Reason
    from imr_rules.evaluation.compare import FailingCriterion, ItemComparison

    return ItemComparison(
        case_number=number, item_index=1, description="MRI <b>lumbar</b>", category="imaging", actual="overturned",
        ours="not_medically_necessary", rule_ids=("mtus-acoem-low-back-imaging",),
        failing_criteria=(FailingCriterion("mtus-acoem-low-back-imaging", "IM-L2", "not_documented", statement),),
        reviewer_citation="ACOEM <2004>", decision_date=None, source=None,
        reasons=(Reason(quote=quote, criterion="mtus-acoem-low-back-imaging/IM-L1"),))


def test_compare_html_sets_the_letters_words_beside_our_failing_criteria():
    from imr_rules.evaluation.compare import Comparison, metrics_of
    from imr_rules.render.compare_html import render_comparison_html

    items = (disagreement("CM1", "<script>alert(1)</script> red flags", "a & b"),
             disagreement("CM2", "progressive deficit", "imaging <findings>"))
    page = render_comparison_html(Comparison(items, metrics_of(items), (), "test"))
    assert "<script" not in page
    blocks = page.split("<div class=\"disagreement\">")[1:]
    assert len(blocks) == 2
    words, ours = blocks[0].split("<th>Our failing criteria</th>")[1].split("</td><td>")
    assert "“&lt;script&gt;alert(1)&lt;/script&gt; red flags”" in words and "ACOEM &lt;2004&gt;" in words
    assert "mtus-acoem-low-back-imaging/IM-L2" in ours and "a &amp; b" in ours and "red flags" not in ours
    assert "progressive deficit" in blocks[1] and "imaging &lt;findings&gt;" in blocks[1]
    assert "MRI &lt;b&gt;lumbar&lt;/b&gt;" in blocks[0]


def test_svg_bars_are_proportional_and_undefined_values_draw_none():
    from imr_rules.render.svg import WIDTH, Bar, bar_chart

    svg = bar_chart([("a <b>", [Bar(1.0, "100%"), Bar(None, "-")]), ("c", [Bar(0.5, "50%"), Bar(0.0, "0%")])],
                    ["ours", "baseline"], "t")
    widths = [float(w) for w in re.findall(r'class="bar"[^>]*width="([0-9.]+)"', svg)]
    assert len(widths) == 2  # None and 0 draw no bar; their text is still written
    assert widths[0] == 2 * widths[1] and widths[0] <= WIDTH
    assert "a &lt;b&gt;" in svg and ">-</text>" in svg
