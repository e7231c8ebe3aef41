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


def test_a_cached_load_gives_the_rule_set_a_parse_gives(cache, monkeypatch):
    load_ruleset()  # fills the cache
    cached = load_ruleset()
    assert any(d.data.get("tests") for d in cached.documents if isinstance(d.data, dict))
    monkeypatch.setenv("IMR_RULES_CACHE", "off")
    assert snapshot(cached) == snapshot(load_ruleset())


def test_decisions_are_the_same_from_the_cache(cache):
    parsed, cached = load_ruleset(), load_ruleset()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        request = load_request(path, parsed.vocabulary)
        for item in request.items:
            a, b = decide(request, item, parsed), decide(request, item, cached)
            assert (a.outcome, [r.id for r in a.rules], a.statuses) == (b.outcome, [r.id for r in b.rules], b.statuses), path


def cache_files(folder) -> list:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_a_damaged_cache_file_is_ignored(cache):
    expected = snapshot(load_ruleset())
    assert cache_files(cache)
    for file in cache_files(cache):
        file.write_bytes(b"\x00not marshal")
    assert snapshot(load_ruleset()) == expected


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("IMR_RULES_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_ruleset()
    assert not cache_files(tmp_path)


def test_the_same_rules_elsewhere_name_their_own_files(cache, tmp_path):
    load_ruleset()
    copy = shutil.copytree(ROOT / "rules", tmp_path / "copy" / "rules")
    ruleset = load_ruleset([copy])
    assert all(rule.path.startswith(str(copy)) for rule in ruleset.rules)


def edit_in_place(path, old: str, new: str) -> None:
    """Replace text in a file keeping its size and its modification time (an edit within the
    file system's timestamp resolution, a restored backup, a checkout)."""
    import os

    text = path.read_text(encoding="utf-8")
    assert len(old) == len(new) and old in text
    status = path.stat()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size and path.stat().st_mtime_ns == status.st_mtime_ns


def test_a_rule_edited_to_the_same_size_and_time_is_not_served_stale(cache, small_rules):
    # issue 10, section 3: the report kept the old sha256 and still certified 6 visits.
    from imr_rules.engine import evaluate
    from imr_rules.requests.loading import request_from_data

    copy = small_rules
    request = request_from_data({"request_date": "2016-12-12", "facts": {"home_exercise_program": True},
                                 "items": [{"service": "Massage therapy for the neck", "quantity": 12,
                                            "facts": {"prior_sessions": 0}}]})
    before = load_ruleset([copy])
    assert evaluate(request, before).determinations[0].certifiable_quantity == 6
    edit_in_place(copy / "massage" / "mtus-cpmtg-massage.yaml", "max: 6", "max: 9")
    after = load_ruleset([copy])
    assert after.hash != before.hash
    report = evaluate(request, after)
    assert report.ruleset_hash == after.hash
    assert report.determinations[0].certifiable_quantity == 9


def test_the_hash_is_the_hash_of_the_rules_used(cache, small_rules, monkeypatch):
    copy = small_rules
    load_ruleset([copy])  # fills the cache
    edit_in_place(copy / "massage" / "mtus-cpmtg-massage.yaml", "max: 6", "max: 9")
    cached = load_ruleset([copy])
    monkeypatch.setenv("IMR_RULES_CACHE", "off")
    assert snapshot(cached) == snapshot(load_ruleset([copy]))


def test_the_cache_is_bounded(cache, small_rules, monkeypatch):
    from imr_rules.ruleset import cache as rule_cache

    monkeypatch.setattr(rule_cache, "MAX_ENTRIES", 3)
    rules = small_rules
    target = rules / "massage" / "mtus-cpmtg-massage.yaml"
    original = target.read_text(encoding="utf-8")
    for number in range(5):  # distinct rule sets, one entry each
        target.write_text(original + f"\n# edit {number}\n", encoding="utf-8")
        load_ruleset([rules])
    entries = cache_files(cache)
    assert 0 < len(entries) <= rule_cache.MAX_ENTRIES
    assert sum(e.stat().st_size for e in entries) <= rule_cache.MAX_BYTES


def test_pruning_removes_the_least_recently_used_entries(tmp_path):
    import os

    from imr_rules.ruleset import cache as rule_cache

    for age, name in enumerate(["new", "middle", "old", "oldest"]):
        file = tmp_path / f"data-{name}.marshal"
        file.write_bytes(b"x" * 100)
        os.utime(file, ns=(0, 10**18 - age * 10**9))
    (tmp_path / "unrelated.txt").write_text("kept")
    rule_cache.prune(tmp_path, max_entries=3, max_bytes=10**6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data-middle.marshal", "data-new.marshal", "data-old.marshal", "unrelated.txt"]
    rule_cache.prune(tmp_path, max_entries=10, max_bytes=250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data-middle.marshal", "data-new.marshal", "unrelated.txt"]


def test_tests_do_not_write_to_the_users_cache():
    import os
    import tempfile

    from imr_rules.ruleset.cache import cache_dir

    folder = cache_dir()
    assert folder is None or os.path.commonpath([folder, tempfile.gettempdir()]) == tempfile.gettempdir()


def test_a_cache_file_with_the_wrong_contents_is_ignored(cache, small_rules):
    # Files that still decode, but each with one part missing or of the wrong type.
    import marshal

    expected = snapshot(load_ruleset([small_rules]))
    originals = {file: file.read_bytes() for file in cache_files(cache) if file.name.startswith("ruleset-")}
    variants = 0
    for file, original in originals.items():
        payload = marshal.loads(original)
        if not isinstance(payload, dict):
            continue
        for key in payload:
            for damaged in ({k: v for k, v in payload.items() if k != key}, {**payload, key: 12345}):
                file.write_bytes(marshal.dumps(damaged))
                assert snapshot(load_ruleset([small_rules])) == expected, (file.name, key)
                variants += 1
            file.write_bytes(original)
    assert variants


def test_the_rule_set_hash_covers_every_reference_table():
    # The formulary, the drug lexicon, the postsurgical table... decide too: the audit hash names them.
    from importlib import resources

    from imr_rules.reference.vocabulary import decision_tables

    folder = resources.files("imr_rules").joinpath("reference/data")
    names = {name for name, _ in decision_tables()}
    assert {f.name for f in folder.iterdir() if f.name.endswith(".yaml")} <= names
    assert any(name.startswith("vocabulary/") for name in names)


def test_a_loaded_drug_list_changes_the_rule_set_hash(tmp_path, monkeypatch):
    from imr_rules.ruleset.loading import load_ruleset

    before = load_ruleset().hash
    drug_list = tmp_path / "drug-list.yaml"
    drug_list.write_text("drug_lists: []\n", encoding="utf-8")
    monkeypatch.setenv("IMR_RULES_DRUG_LIST", str(drug_list))
    with_list = load_ruleset().hash
    drug_list.write_text("drug_lists: [] # another version\n", encoding="utf-8")
    assert len({before, with_list, load_ruleset().hash}) == 3
