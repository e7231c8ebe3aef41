"""The bundled rule set's version means one set of rules: rules/CHANGES.md records its hash."""

from __future__ import annotations

import re
from pathlib import Path

from imr_rules.ruleset.loading import load_ruleset

CHANGES = Path(__file__).resolve().parents[1] / "rules" / "CHANGES.md"


def recorded_hashes(text: str) -> dict[str, str]:
    """Version -> the hash line under its heading."""
    versions = {}
    for block in re.split(r"^## ", text, flags=re.M)[1:]:
        version = block.split()[0]
        found = re.search(r"^hash: (sha256:[0-9a-f]{64})$", block, flags=re.M)
        if found:
            versions[version] = found.group(1)
    return versions


def test_the_bundled_rules_give_the_hash_recorded_for_their_version():
    ruleset = load_ruleset()
    recorded = recorded_hashes(CHANGES.read_text(encoding="utf-8"))
    assert ruleset.version in recorded, (
        f"rules/CHANGES.md has no entry with a hash for version {ruleset.version}: add one")
    assert recorded[ruleset.version] == f"sha256:{ruleset.hash}", (
        f"the bundled rules changed since version {ruleset.version} was recorded: raise the "
        f"version in rules/ruleset.yaml and add an entry to rules/CHANGES.md (hash sha256:{ruleset.hash})")


def test_a_changed_hash_is_caught():
    text = CHANGES.read_text(encoding="utf-8")
    changed = re.sub(r"(hash: sha256:)[0-9a-f]", r"\g<1>z", text, count=1)
    ruleset = load_ruleset()
    assert recorded_hashes(changed).get(ruleset.version) != f"sha256:{ruleset.hash}"
