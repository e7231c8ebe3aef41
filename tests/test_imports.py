"""Start-up cost guards: the library imports no terminal libraries; JSON output never loads rich."""

import subprocess
import sys

from conftest import EXAMPLES


def modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_plain_import_loads_neither_rich_nor_typer():
    modules = modules_after("import imr_rules, imr_rules.engine, imr_rules.rules, imr_rules.request")
    assert not any(m == "rich" or m.startswith("rich.") for m in modules)
    assert "typer" not in modules


def test_json_check_does_not_import_rich():
    code = (
        "import sys, contextlib, io\n"
        "from imr_rules.cli import app\n"
        f"sys.argv = ['imr-rules', 'check', {str(EXAMPLES / 'massage-twelve-visits.yaml')!r}, '--format', 'json']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        app()\n    except SystemExit:\n        pass\n"
    )
    modules = modules_after(code)
    assert "imr_rules.engine" in modules
    assert not any(m == "rich" or m.startswith("rich.") for m in modules)
