"""The HTML pages as a person sees them: rendered by headless Chromium at letter width.

One Chromium launch per page type. The page under test is a copy with a small measuring script
appended (the pages themselves carry none): it writes what the layout shows into the DOM, which
``--dump-dom`` returns. The window is 816 px wide, 8.5 in at 96 px per inch; the content must fit
the 7.5 in (720 px) between the 0.5 in margins that the page's ``@page`` rule asks the printer for.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from imr_rules.cli import app

from conftest import EXAMPLES, ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)")

LETTER_PX = 816  # 8.5 in
PRINTABLE_PX = 720  # 7.5 in: the width between the 0.5 in margins

MEASURE = """<script>
(function () {
  function shown(el) {
    var box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility === "visible" && style.display !== "none"
      && parseFloat(style.opacity) > 0 && style.color !== "rgb(255, 255, 255)";
  }
  var left = Infinity, right = -Infinity;
  document.querySelectorAll("body *").forEach(function (el) {
    var box = el.getBoundingClientRect();
    if (box.width > 0) { left = Math.min(left, box.left); right = Math.max(right, box.right); }
  });
  var pageRule = null;
  Array.prototype.forEach.call(document.styleSheets, function (sheet) {
    Array.prototype.forEach.call(sheet.cssRules, function (rule) {
      if (rule.type === CSSRule.PAGE_RULE) pageRule = {size: rule.style.size, margin: rule.style.margin};
    });
  });
  var out = {
    viewport: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
    contentWidth: right - left, pageRule: pageRule,
    decisions: Array.prototype.map.call(document.querySelectorAll(".decision .badge"),
      function (el) { return {text: el.innerText, shown: shown(el)}; }),
    bars: Array.prototype.filter.call(document.querySelectorAll("rect.bar"),
      function (el) { return el.getBoundingClientRect().width > 0; }).length,
    cells: Array.prototype.filter.call(document.querySelectorAll("rect.cell"),
      function (el) { return el.getBoundingClientRect().width > 20; }).length,
    text: document.body.innerText
  };
  var pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def measured(page: str, tmp_path) -> dict:
    """Render the page (with the measuring script) at letter width; what the script measured."""
    target = tmp_path / "measured.html"
    target.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={LETTER_PX},1056",
               "--virtual-time-budget=5000", "--dump-dom", target.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found, f"Chromium rendered no measurement (exit {done.returncode}): {done.stderr[-500:]}"
    import html

    return json.loads(html.unescape(found.group(1)))


def assert_fits_letter(seen: dict) -> None:
    assert seen["pageRule"] == {"size": "letter", "margin": "0.5in"}
    assert seen["scrollWidth"] <= seen["viewport"] == LETTER_PX, "the page scrolls sideways at 8.5 in"
    assert seen["contentWidth"] <= PRINTABLE_PX + 1, f"content {seen['contentWidth']} px is wider than 7.5 in"


def test_check_page_in_a_browser(tmp_path):
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / "massage-twelve-visits.yaml"),
                                      str(EXAMPLES / "imaging-lumbar-mri-nerve-compromise.yaml"), "--format", "html"])
    assert result.exit_code == 0, result.output
    seen = measured(result.stdout, tmp_path)
    assert_fits_letter(seen)
    assert [d["text"] for d in seen["decisions"]][0] == "Not medically necessary"
    assert all(d["shown"] for d in seen["decisions"]) and len(seen["decisions"]) >= 2
    assert "Certifiable portion: 6 of 12." in seen["text"]
    assert "Rationale." in seen["text"]


def test_compare_page_in_a_browser(tmp_path):
    cases = ROOT / "examples" / "cases"
    names = ["CM16-0229336.yaml", "CM16-0230548.yaml", "CM16-0235724.yaml", "CM16-0235991.yaml", "CM17-0015198.yaml"]
    result = CliRunner().invoke(app, ["compare", *(str(cases / n) for n in names), "--format", "html"])
    assert result.exit_code == 0, result.output
    seen = measured(result.stdout, tmp_path)
    assert_fits_letter(seen)
    assert seen["cells"] == 4  # the confusion matrix's heat map is drawn
    assert seen["bars"] >= 10  # the charts have their bars
    for words in ("Confusion matrix", "Agreement beside the baselines", "Disagreements (", "The letter's own words"):
        assert words in seen["text"]
