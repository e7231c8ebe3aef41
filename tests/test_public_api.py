"""The public API: every name imr_rules exports resolves, and the README's example runs as written."""

import re
import subprocess
import sys

from conftest import ROOT

import imr_rules


def test_every_exported_name_resolves():
    for name in imr_rules.__all__:
        assert getattr(imr_rules, name) is not None, name


def test_an_unknown_name_is_an_attribute_error():
    try:
        imr_rules.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("no AttributeError")


def test_the_readme_example_runs_as_written():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using it from Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-500:]
    assert "not_medically_necessary" in result.stdout and "sha256" not in result.stderr


def test_importing_the_package_loads_no_engine():
    code = "import sys, imr_rules; print(sorted(m for m in sys.modules if m.startswith('imr_rules')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['imr_rules']"
