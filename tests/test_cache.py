"""The on-disk cache of validated rule files: it changes how fast rules load, never what loads."""

from __future__ import annotations

import shutil

import pytest

from conftest import EXAMPLES, ROOT
from imr_rules.engine import decide
from imr_rules.requests.loading import load_request
from imr_rules.ruleset.loading import load_ruleset


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("IMR_RULES_CACHE", str(folder))
    return folder


def snapshot(ruleset) -> tuple:
    """What a rule set is, as data: rules, criteria, complete documents with their line maps."""
    rules = tuple((r.id, r.line, r.path, tuple((c.id, c.line, c.requirement) for c in r.criteria)) for r in ruleset.rules)
    documents = tuple((d.path, d.data, d.lines) for d in ruleset.documents)
    return ruleset.hash, rules, documents


def test_a_cached_load_gives_the_rule_set_a_parse_gives(cache):
    parsed = load_ruleset()
    assert len(list(cache.glob("ruleset-*.marshal"))) == 1
    cached = load_ruleset()
    assert snapshot(cached) == snapshot(parsed)
    assert any(d.data.get("tests") for d in cached.documents if isinstance(d.data, dict))


def test_decisions_are_the_same_from_the_cache(cache):
    parsed, cached = load_ruleset(), load_ruleset()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        request = load_request(path, parsed.vocabulary)
        for item in request.items:
            a, b = decide(request, item, parsed), decide(request, item, cached)
            assert (a.outcome, [r.id for r in a.rules], a.statuses) == (b.outcome, [r.id for r in b.rules], b.statuses), path


def test_a_damaged_cache_file_is_ignored(cache):
    expected = snapshot(load_ruleset())
    for file in cache.glob("ruleset-*.marshal"):
        file.write_bytes(b"\x00not marshal")
    assert snapshot(load_ruleset()) == expected


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_RULES_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_ruleset()
    assert not list(tmp_path.rglob("*.marshal"))


def test_the_same_rules_elsewhere_name_their_own_files(cache, tmp_path):
    load_ruleset()
    copy = shutil.copytree(ROOT / "rules", tmp_path / "copy" / "rules")
    ruleset = load_ruleset([copy])
    assert all(rule.path.startswith(str(copy)) for rule in ruleset.rules)


def test_the_built_in_sha256_gives_hashlib_digests():
    import hashlib

    from imr_rules.digest import sha256

    for data in (b"", b"imr-rules", bytes(range(256)) * 1000):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()


def test_unchanged_rule_files_are_not_read_again(cache, monkeypatch):
    import pathlib

    expected = load_ruleset().hash

    read_bytes = pathlib.Path.read_bytes

    def refuse_rule_files(self):
        assert ROOT / "rules" not in self.parents, f"read {self}"
        return read_bytes(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse_rule_files)
    assert load_ruleset().hash == expected


def test_a_changed_rule_file_is_hashed_and_parsed_again(cache, tmp_path):
    import os

    copy = shutil.copytree(ROOT / "rules", tmp_path / "rules")
    before = load_ruleset([copy])
    target = copy / "massage" / "mtus-cpmtg-massage.yaml"
    text = target.read_text(encoding="utf-8")
    assert "max: 6" in text
    target.write_text(text.replace("max: 6", "max: 5"), encoding="utf-8")  # the same size
    status = target.stat()
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    after = load_ruleset([copy])
    assert after.hash != before.hash
    criterion = next(c for c in after.get("mtus-cpmtg-massage").criteria if c.id == "MS-2")
    assert criterion.params["max"] == 5


def test_a_cache_file_with_the_wrong_contents_is_ignored(cache):
    import marshal

    expected = snapshot(load_ruleset())
    for file in cache.glob("*.marshal"):
        if file.name == "digests.marshal":
            file.write_bytes(marshal.dumps({key: 12345 for key in marshal.loads(file.read_bytes())}))
        else:
            payload = marshal.loads(file.read_bytes())
            file.write_bytes(marshal.dumps({k: v for k, v in payload.items() if k != "compile"}))
    assert snapshot(load_ruleset()) == expected
