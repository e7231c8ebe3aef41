"""Shared fixtures: the bundled rule set (loaded once) and paths to the project's folders."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "requests"
# Both PDF engines, for tests that hold for either; pdfium is skipped where pypdfium2 is missing.
PDF_ENGINES = [
    pytest.param("pdfium", marks=pytest.mark.skipif(importlib.util.find_spec("pypdfium2") is None,
                                                    reason="the pdfium engine needs pypdfium2: pip install pypdfium2")),
    "pdfminer",
]


def pytest_configure(config):
    """Point the on-disk cache at a temporary folder for the whole session (and every subprocess a
    test starts): tests must never write to the user's cache. IMR_RULES_CACHE=off is kept.
    Piped output honours COLUMNS: tests see the documented default width (100) whatever the shell exports."""
    os.environ.pop("COLUMNS", None)
    if os.environ.get("IMR_RULES_CACHE", "").lower() in ("off", "0", "no"):
        return
    folder = tempfile.mkdtemp(prefix="imr-rules-test-cache-")
    os.environ["IMR_RULES_CACHE"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def massage_rule(rule_id: str, title: str, body: str) -> str:
    """A small test rule file selecting massage items (MTUS, in force since 2009): the header, then ``body``."""
    return (f"id: {rule_id}\ntitle: {title}\napplies_to: {{categories: [massage]}}\nsource: {{tier: MTUS}}\n"
            "editions:\n  - from: 2009-07-18\n    citation: {title: Test guideline}\nsummary: a test rule.\n" + body)


def shared_dir() -> Path:
    return Path(os.environ.get("IMR_RULES_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def ruleset():
    from imr_rules.ruleset.loading import load_ruleset

    return load_ruleset()


@pytest.fixture
def small_rules(tmp_path):
    """A copy of the manifest and the massage rules: a rule set that loads fast uncached."""
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules" / "massage", folder / "massage")
    shutil.copy(ROOT / "rules" / "ruleset.yaml", folder / "ruleset.yaml")
    return folder


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


@pytest.fixture
def workers_at_once(monkeypatch):
    """--jobs sends work to the worker processes from the second item on, in chunks of one: a small
    input then crosses many chunk boundaries (by default a small input never starts a worker)."""
    from imr_rules import batch

    monkeypatch.setattr(batch, "WARMUP_SECONDS", 0.0)
    monkeypatch.setattr(batch, "CHUNK_SECONDS", 1e-9)
