"""Start-up work of the request side: what a first request loads, and the caches that make it cheap.

Speed itself is measured by the benchmarks; these tests guard the structure that keeps it (which
tables a request loads) and that the caches give exactly what uncached work gives.
"""

import importlib
import marshal
import os
import re
import subprocess
import sys

import pytest
from conftest import EXAMPLES

from imr_rules import drugs, lazyre

MODULES_WITH_PATTERNS = (
    "imr_rules.normalize", "imr_rules.describe", "imr_rules.drugs", "imr_rules.diagnoses",
    "imr_rules.derive_clinical", "imr_rules.derive_drugs",
)


def project_patterns() -> list[lazyre.LazyPattern]:
    """Every pattern of the modules, and of the data tables they compile patterns for."""
    from imr_rules import derive_clinical, diagnoses

    values = [vars(importlib.import_module(name)) for name in MODULES_WITH_PATTERNS]
    values += [diagnoses.groups(), derive_clinical.postsurgical_table()]
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


def test_every_pattern_has_a_program_that_builds_what_re_compile_builds(tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_RULES_CACHE", str(tmp_path))  # programs are computed only where they can be kept
    patterns = project_patterns()
    assert len(patterns) > 100
    for lazy in patterns:
        expected = re.compile(lazy._source, lazy._flags)
        program = lazyre._program(lazy._source, int(lazy._flags), expected)
        assert program is not None, lazy._source
        assert lazyre._from_program(lazy._source, program) == expected


def test_a_cached_program_is_used_without_compiling_again(tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_RULES_CACHE", str(tmp_path))
    source, flags = r"\b(?P<n>\d+)\s*visits?\b", int(re.I)
    first = lazyre._ProgramCache()
    expected = first.compile(source, flags)
    first.save()

    def no_compiling(*args):
        raise AssertionError("compiled again")

    monkeypatch.setattr(re, "compile", no_compiling)
    again = lazyre._ProgramCache().compile(source, flags)
    assert again == expected and again.search("12 Visits").group("n") == "12"


def test_without_a_cache_patterns_compile_as_usual(monkeypatch):
    monkeypatch.setenv("IMR_RULES_CACHE", "off")
    cache = lazyre._ProgramCache()
    assert cache.compile(r"x+y", 0) == re.compile(r"x+y")
    cache.save()  # nothing to keep, nowhere to keep it


@pytest.mark.parametrize("entry", [None, b"", marshal.dumps((0,)), marshal.dumps((0, b"\x00", 0, {}, ()))])
def test_an_unusable_cache_entry_falls_back_to_re_compile(tmp_path, monkeypatch, entry):
    monkeypatch.setenv("IMR_RULES_CACHE", str(tmp_path))
    cache = lazyre._ProgramCache()
    cache._programs = {"0:a|b": entry}
    assert cache.compile("a|b", 0) == re.compile("a|b")


def fresh_process(code: str, env: dict | None = None) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env=None if env is None else {**os.environ, **env})
    return result.stdout.strip()


def test_a_massage_request_loads_no_drug_or_surgery_table(tmp_path):
    code = (
        "from imr_rules import request, drugs, derive_clinical\n"
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
        "from imr_rules import request, drugs\n"
        f"request.load_request({str(EXAMPLES / 'drug-opioid-maintenance-documented.yaml')!r})\n"
        "print(drugs._lexicon.cache_info().currsize)"
    )
    assert fresh_process(code) == "1"


def test_every_drug_name_is_long_enough_for_the_prefix_screen():
    # find_drug_mentions and lookup skip the lexicon when no word of the text starts like a name.
    assert all(len(key) >= drugs._PREFIX for key in drugs._lexicon().by_name)
    assert drugs._name_prefixes() == frozenset(drugs._lexicon().names_by_prefix)


def test_every_derive_module_is_discovered():
    import pkgutil

    import imr_rules
    from imr_rules import derived

    expected = sorted(m.name for m in pkgutil.iter_modules(imr_rules.__path__) if m.name.startswith("derive_"))
    assert derived._area_module_names() == expected
    assert {f.__module__ for f in derived.DERIVERS} == {"imr_rules.derived", *(f"imr_rules.{n}" for n in expected)}


def test_compile_cached_gives_what_re_compile_gives():
    assert lazyre.compile_cached(r"(?P<n>\d+)\s*mg", re.I) == re.compile(r"(?P<n>\d+)\s*mg", re.I)


def test_loading_requests_does_not_import_the_item_describer():
    # Categories live in vocabulary and body regions in normalize, so a check never needs describe.
    code = (
        "import sys\nfrom imr_rules import request\n"
        f"for name in ('massage-twelve-visits', 'drug-opioid-maintenance-documented'):\n"
        f"    request.load_request({str(EXAMPLES)!r} + '/' + name + '.yaml')\n"
        "print('imr_rules.describe' in sys.modules)"
    )
    assert fresh_process(code) == "False"
