"""Start-up work of the request side: what a first request loads, and the caches that make it cheap.

Speed itself is measured by the benchmarks; these tests guard the structure that keeps it (which
tables a request loads) and that the caches give exactly what uncached work gives.
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


def test_every_pattern_compiles_as_re_compile_does():
    patterns = project_patterns()
    assert len(patterns) > 100
    for lazy in patterns:
        assert lazy.compiled() == re.compile(lazy._source, lazy._flags), lazy._source


def fresh_process(code: str, env: dict | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env=None if env is None else {**os.environ, **env})
    return result.stdout.strip()


def test_a_massage_request_loads_no_drug_or_surgery_table(tmp_path):
    code = (
        "from imr_rules.requests import loading as request, derive_clinical\nfrom imr_rules.reference import drugs\n"
        f"request.load_request({str(EXAMPLES / 'massage-twelve-visits.yaml')!r})\n"
        "print(drugs._lexicon.cache_info().currsize, derive_clinical.postsurgical_table.cache_info().currsize)"
    )
    # With the data cache on (the default): its first run stores the drug-name prefixes, which a
    # later run reads instead of the lexicon (with the cache off, the lexicon gives them).
    cache = {"IMR_RULES_CACHE": str(tmp_path)}
    fresh_process(code, cache)
    assert fresh_process(code, cache) == "0 0"


def test_a_drug_request_loads_the_lexicon():
    code = (
        "from imr_rules.requests import loading as request\nfrom imr_rules.reference import drugs\n"
        f"request.load_request({str(EXAMPLES / 'drug-opioid-maintenance-documented.yaml')!r})\n"
        "print(drugs._lexicon.cache_info().currsize)"
    )
    assert fresh_process(code) == "1"


def test_every_drug_name_is_long_enough_for_the_prefix_screen():
    # find_drug_mentions and lookup skip the lexicon when no word of the text starts like a name.
    assert all(len(key) >= drugs._PREFIX for key in drugs._lexicon().by_name)
    assert drugs._name_prefixes() == frozenset(drugs._lexicon().names_by_prefix)


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
