"""What a new user meets first: the version, the exit codes, listings that are never cut short."""

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
