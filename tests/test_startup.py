"""What start-up shortcuts promise: the same results with or without them.

Speed itself is measured by the benchmarks (benchmarks/bench.py), never here; these tests hold the
promises that make the shortcuts safe: lazily compiled patterns are valid, the drug-name screen
misses no name, the on-disk cache changes no output, and checking a request imports no more than
it needs.
"""

import importlib
import os
import re
import subprocess
import sys

import pytest
from conftest import EXAMPLES

from imr_rules.reference import drugs
from imr_rules import lazyre

MODULES_WITH_PATTERNS = (
    "imr_rules.requests.shorthand", "imr_rules.letters.describe", "imr_rules.reference.drugs", "imr_rules.reference.diagnoses",
    "imr_rules.requests.derive_clinical", "imr_rules.requests.derive_drugs",
)


def project_patterns() -> list[lazyre.LazyPattern]:
    """Every pattern of the modules, and of the data tables they compile patterns for."""
    from imr_rules.letters import describe
    from imr_rules.reference import diagnoses
    from imr_rules.requests import derive_clinical, derive_drugs, shorthand

    values = [vars(importlib.import_module(name)) for name in MODULES_WITH_PATTERNS]
    values += [diagnoses.groups(), derive_clinical.postsurgical_table()]
    values += [describe._tables(), shorthand._region_rules(), derive_drugs._form_table()]
    found: list[lazyre.LazyPattern] = []
    while values:
        value = values.pop()
        if isinstance(value, lazyre.LazyPattern):
            found.append(value)
        elif isinstance(value, dict):
            values.extend(value.values())
        elif isinstance(value, (tuple, list)):
            values.extend(value)
    return found


def test_every_pattern_is_a_valid_regular_expression():
    # Compiled on first use: a broken pattern would otherwise fail only when a request reaches it.
    patterns = project_patterns()
    assert len(patterns) > 100
    for lazy in patterns:
        assert isinstance(lazy.compiled(), re.Pattern)


def fresh_process(code: str, env: dict | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env=None if env is None else {**os.environ, **env})
    return result.stdout.strip()


def test_every_drug_name_is_found_in_text():
    # The name screen (a table of name prefixes, cached on disk) must never hide a lexicon name.
    for drug in drugs.all_drugs():
        for name in drug.names:
            found = drugs.lookup(name)
            assert found is not None, name
            assert found in drugs.find_drugs(f"Refill: {name} as before."), name


def check_output(cache: str) -> str:
    run = subprocess.run([sys.executable, "-m", "imr_rules.cli", "check", str(EXAMPLES), "--format", "jsonl"],
                         capture_output=True, text=True, env={**os.environ, "IMR_RULES_CACHE": cache})
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_the_cache_changes_no_output(tmp_path):
    folder = str(tmp_path / "cache")
    uncached = check_output("off")
    assert check_output(folder) == uncached  # a cold cache, filled by this run
    assert check_output(folder) == uncached  # read from the cache


def test_every_derive_module_is_listed():
    import os

    from imr_rules.requests import derived

    folder = os.path.dirname(derived.__file__)
    modules = sorted(f"imr_rules.requests.{n[:-3]}" for n in os.listdir(folder) if n.startswith("derive_") and n.endswith(".py"))
    assert sorted({f.__module__ for f in derived.DERIVERS}) == modules


def test_loading_requests_does_not_import_the_item_describer():
    # Categories live in vocabulary and body regions in normalize, so a check never needs describe.
    code = (
        "import sys\nfrom imr_rules.requests import loading as request\n"
        f"for name in ('massage-twelve-visits', 'drug-opioid-maintenance-documented'):\n"
        f"    request.load_request({str(EXAMPLES)!r} + '/' + name + '.yaml')\n"
        "print('imr_rules.letters.describe' in sys.modules)"
    )
    assert fresh_process(code) == "False"
