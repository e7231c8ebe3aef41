"""Shared fixtures: the bundled rule set (loaded once) and paths to the project's folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "requests"


def shared_dir() -> Path:
    return Path(os.environ.get("IMR_RULES_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def ruleset():
    from imr_rules.ruleset.loading import load_ruleset

    return load_ruleset()


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
