"""Criteria packs: rule files kept outside this repository (say, licensed ACOEM or ODG criteria)
and layered over the bundled rules.

A pack is a folder holding a manifest, ``pack.yaml`` (name, version, licence note, editions
covered; ``imr_rules/schemas/pack.schema.json``), and rule files in the format of ``rules/``, in
any sub-folders. ``--pack DIR`` (repeatable) and ``$IMR_RULES_PACKS`` (folders separated by
``os.pathsep``; :func:`imr_rules.ruleset.loading.requested_packs`) name the packs to use. This module
is imported only when packs are used: a run without them never loads it.

Precedence. A pack adds rules. A pack rule with the id of a bundled rule is refused unless the
pack's manifest lists that id under ``overrides:``, and then it replaces the bundled rule. Two
packs defining the same id is an error, in whatever order they are given.

Why refuse by default: a pack that silently replaced a bundled rule because two ids happened to
match would change answers without anyone having decided so; an ``overrides:`` entry makes the
replacement a choice written down in the manifest, which every report names with the pack's
hash. Why no order between packs: answers would then depend on the order of the options or of
the environment variable, which no report shows; refusing conflicts makes the same packs give
the same rules, and the same hash, in any order.

A pack's hash covers its manifest and rule files (their names within the pack, and their bytes),
not where the folder is: a pack copied elsewhere keeps its hash, a changed file changes it.
"""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

from imr_rules.documents import Document
from imr_rules.errors import ImrRulesError, RuleError, Source

MANIFEST = "pack.yaml"
_SEE = "see README, Criteria packs"


# NamedTuples rather than dataclasses, like errors.Source and documents.Document: the rule loader
# imports this module on every start, and defining a dataclass costs about a millisecond.
class PackSource(NamedTuple):
    """A pack folder found on disk, before anything in it is read."""

    root: Path
    manifest: Path
    rule_files: tuple[Path, ...]

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.manifest, *self.rule_files)


class PackEdition(NamedTuple):
    """A guideline edition a pack says it encodes."""

    title: str
    edition: str
    effective_from: str | None = None
    effective_to: str | None = None

    def __str__(self) -> str:
        return f"{self.title} ({self.edition})"


class Pack(NamedTuple):
    """A criteria pack used to build a rule set: what every report names."""

    name: str
    version: str
    hash: str
    licence: str
    editions: tuple[PackEdition, ...]
    overrides: tuple[str, ...] = ()
    title: str | None = None
    path: str | None = None


def is_pack(path: str | Path) -> bool:
    return (Path(path) / MANIFEST).is_file()


def pack_root(path: str | Path) -> Path | None:
    """The pack a file or folder belongs to (the nearest folder at or above it with a pack.yaml)."""
    resolved = Path(path).resolve()
    for folder in [resolved, *resolved.parents]:
        if (folder / MANIFEST).is_file():
            return folder
    return None


def find_pack(directory: str | Path, rule_files) -> PackSource:
    """A pack folder and its files; a :class:`RuleError` naming the folder when it is not a pack."""
    root = Path(directory)
    if not root.exists():
        raise RuleError("criteria pack not found", Source(str(root)), "check the path given to --pack or $IMR_RULES_PACKS")
    if not root.is_dir():
        raise RuleError("a criteria pack is a folder, not a file", Source(str(root)),
                        f"give the folder that holds {MANIFEST}; {_SEE}")
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise RuleError(f"not a criteria pack: no {MANIFEST}", Source(str(root)),
                        f"a pack is a folder with {MANIFEST} (name, version, licence, editions) and rule files; {_SEE}")
    files = tuple(path for path in rule_files([root]) if path.name != MANIFEST)
    return PackSource(root, manifest, files)


def pack_hash(source: PackSource, contents: Mapping[Path, bytes]) -> str:
    """sha256 over the pack's files: each one's name within the pack and its bytes."""
    digest = sha256()
    for path in sorted(source.files, key=lambda p: p.relative_to(source.root).as_posix()):
        digest.update(f"\0pack-file:{path.relative_to(source.root).as_posix()}\0".encode("utf-8"))
        digest.update(contents.get(path, b""))
    return digest.hexdigest()


def combined_hash(base: str, pack_hashes: Iterable[str]) -> str:
    """The rule set's hash: the bundled rules' hash alone when no pack is used (so reports made
    without packs keep their hash), else a hash of it and of every pack's hash, in any order."""
    hashes = sorted(pack_hashes)
    if not hashes:
        return base
    digest = sha256(f"imr-rules rule set\0base:{base}".encode("utf-8"))
    for value in hashes:
        digest.update(f"\0pack:{value}".encode("utf-8"))
    return digest.hexdigest()


def read_manifest(document: Document, source: PackSource, digest: str, validated: bool) -> tuple[Pack | None, list[ImrRulesError]]:
    """The :class:`Pack` a manifest describes, or the problems that keep it from being used."""
    problems = [] if validated else manifest_problems(document)
    if problems:
        return None, problems
    data = document.data
    editions = tuple(PackEdition(e["title"], e["edition"], e.get("from"), e.get("to")) for e in data["editions"])
    pack = Pack(name=data["name"], version=data["version"], hash=digest, licence=" ".join(data["licence"].split()),
                editions=editions, overrides=tuple(data.get("overrides") or ()), title=data.get("title"),
                path=str(source.root))
    return pack, []


def manifest_problems(document: Document) -> list[ImrRulesError]:
    """What keeps a manifest from being used (loading and lint alike): its schema problems, else
    its edition dates. The schema checks the form YYYY-MM-DD only: a day that does not exist
    (2020-19-41), or an edition that ends before it starts, is refused here, as in a rule file."""
    from imr_rules.reference.vocabulary import parse_date
    from imr_rules.ruleset.loading import schema_problems

    schema = schema_problems(document, "pack.schema.json")
    if schema:
        return schema

    problems: list[ImrRulesError] = []
    for index, edition in enumerate(document.data["editions"]):
        days = {}
        for end in ("from", "to"):
            if end in edition:
                days[end] = parse_date(edition[end])
                if days[end] is None:
                    problems.append(RuleError(f"invalid date {edition[end]!r}", document.source(("editions", index, end)),
                                              "write YYYY-MM-DD"))
        if days.get("from") and days.get("to") and days["to"] < days["from"]:
            problems.append(RuleError("edition ends before it starts", document.source(("editions", index)), "swap from and to"))
    return problems


def merge_definitions(definitions: dict[str, Any], document: Document) -> list[ImrRulesError]:
    """Add a pack's named conditions to the bundled ones; a name already defined is refused (a pack
    redefining, say, functional_improvement would change every bundled rule that uses it)."""
    errors: list[ImrRulesError] = []
    for name, condition in (document.data.get("definitions") or {}).items():
        if name in definitions:
            errors.append(RuleError(f"definition '{name}' is already defined", document.source(("definitions", name)),
                                    "give the pack's condition another name"))
        else:
            definitions[name] = condition
    return errors


def duplicate_names(packs: Iterable[Pack]) -> list[ImrRulesError]:
    """Two different folders holding packs of one name: a report could not tell them apart."""
    errors: list[ImrRulesError] = []
    first: dict[str, Pack] = {}
    for pack in packs:
        if pack.name in first:
            errors.append(RuleError(f"two criteria packs are named '{pack.name}' (also {first[pack.name].path})",
                                    Source(str(Path(pack.path or "?") / MANIFEST), None, "name"),
                                    "use one of them, or rename one"))
        else:
            first[pack.name] = pack
    return errors


def rule_id(document: Document) -> str | None:
    data = document.data
    return data["id"] if isinstance(data, dict) and isinstance(data.get("id"), str) else None


def layer(base: list[Document], packs: list[tuple[Pack, Document, list[Document]]]) -> tuple[list[Document], list[ImrRulesError]]:
    """The rule documents of the bundled rules with each pack's over them, by the precedence above.

    ``packs``: each pack with its manifest document and its rule documents. Returns the documents
    to compile and one error per conflict; a refused pack rule is left out (the bundled one stays).
    """
    errors: list[ImrRulesError] = []
    bundled: dict[str, list[Document]] = {}
    for document in base:
        bundled.setdefault(rule_id(document) or "", []).append(document)
    replaced: set[str] = set()
    defined_by: dict[str, tuple[Pack, Document]] = {}
    kept: list[Document] = []
    for pack, manifest, documents in packs:
        overrides = set(pack.overrides)
        for document in documents:
            identifier = rule_id(document)
            if identifier is None:
                kept.append(document)  # compiling reports what is wrong with it
                continue
            if identifier in defined_by and defined_by[identifier][0] is not pack:
                other_pack, other = defined_by[identifier]
                errors.append(RuleError(
                    f"rule id '{identifier}' is defined by two criteria packs, '{pack.name}' and "
                    f"'{other_pack.name}' ({other.path}:{other.line_of(('id',))})",
                    document.source(("id",)), "use one of the packs, or give one rule another id"))
                continue
            if identifier in bundled and identifier not in overrides:
                first = bundled[identifier][0]
                errors.append(RuleError(
                    f"rule id '{identifier}' is the id of a bundled rule ({first.path}:{first.line_of(('id',))})",
                    document.source(("id",)),
                    f"list '{identifier}' under overrides: in {pack.name}'s {MANIFEST} to replace the bundled rule, "
                    "or give this rule another id"))
                continue
            defined_by.setdefault(identifier, (pack, document))
            if identifier in bundled:
                replaced.add(identifier)
            kept.append(document)
        own = {rule_id(d) for d in documents}
        for index, identifier in enumerate(pack.overrides):
            if identifier not in bundled:
                errors.append(RuleError(f"overrides names '{identifier}', which is not a bundled rule",
                                        manifest.source(("overrides", index)), "correct the id or remove it"))
            elif identifier not in own:
                errors.append(RuleError(f"overrides names '{identifier}', but the pack has no rule with that id",
                                        manifest.source(("overrides", index)),
                                        "add the replacing rule to the pack, or remove the entry"))
    remaining = [d for d in base if rule_id(d) not in replaced]
    return remaining + kept, errors


def nested_in(source: PackSource, folders: Iterable[str | Path]) -> str | None:
    """A bundled rule folder that holds this pack (its files would be read twice), if any."""
    root = source.root.resolve()
    for folder in folders:
        resolved = Path(folder).resolve()
        if resolved.is_dir() and (resolved == root or resolved in root.parents):
            return str(folder)
    return None
