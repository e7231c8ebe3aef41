"""Start-up work of the request side: what a first request loads, and the caches that make it cheap.

Speed itself is measured by the benchmarks; these tests guard the structure that keeps it (which
tables a request loads) and that the caches give exactly what uncached work gives.
"""

import gc
import importlib
import re

import pytest

from imr_rules import lazyre

MODULES_WITH_PATTERNS = (
    "imr_rules.normalize", "imr_rules.describe", "imr_rules.drugs", "imr_rules.diagnoses",
    "imr_rules.derive_clinical", "imr_rules.derive_drugs",
)


def project_patterns() -> list[lazyre.LazyPattern]:
    for name in MODULES_WITH_PATTERNS:
        importlib.import_module(name)
    return [o for o in gc.get_objects() if isinstance(o, lazyre.LazyPattern)]


def test_every_pattern_has_a_program_that_builds_what_re_compile_builds():
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


@pytest.mark.parametrize("entry", [None, (0,), (0, b"\x00", 0, {}, ())])
def test_an_unusable_cache_entry_falls_back_to_re_compile(tmp_path, monkeypatch, entry):
    monkeypatch.setenv("IMR_RULES_CACHE", str(tmp_path))
    cache = lazyre._ProgramCache()
    cache._programs = {("a|b", 0): entry}
    assert cache.compile("a|b", 0) == re.compile("a|b")
