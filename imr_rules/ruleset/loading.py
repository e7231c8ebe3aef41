"""Loading rule files: read, validate against the rule schema, compile into :class:`Rule` objects.

A rule directory holds a manifest, ``ruleset.yaml`` (name, version, shared named conditions), and
rule files (``*.yaml``, one rule each) in any sub-folders. Loading happens once per run; the
compiled :class:`RuleSet` is immutable and evaluating an item never touches a file again.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import field
from functools import cache, cached_property
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from imr_rules import package_files
from imr_rules.ruleset import cache as _cache
from imr_rules.ruleset.conditions import ConditionError, check_pattern, compile_condition, kleene, unguarded_facts
from imr_rules.documents import Document, load_document
from imr_rules.errors import ImrRulesError, RuleError, Source
from imr_rules.ruleset.kinds import KINDS
from imr_rules.model import Citation, Criterion, Edition, Role, Rule, RuleSpec, Status, Tier
from imr_rules.records import record
from imr_rules.reference.vocabulary import Vocabulary, default_vocabulary, decision_tables, parse_date

if TYPE_CHECKING:
    from imr_rules.ruleset.packs import Pack, PackSource

MANIFEST = "ruleset.yaml"
PACKS_ENVIRONMENT = "IMR_RULES_PACKS"
RULES_DIR_ENVIRONMENT = "IMR_RULES_DIR"
_DEFAULT_ROLE = {Tier.MTUS: Role.PRIMARY, Tier.ACOEM: Role.PRIMARY, Tier.ODG: Role.FALLBACK, Tier.OTHER: Role.FALLBACK}


@record
class RuleSet:
    """Compiled rules plus what identifies them: a version and a hash of every file used."""

    name: str
    version: str
    hash: str
    rules: tuple[Rule, ...]
    vocabulary: Vocabulary
    definitions: Mapping[str, Any] = field(default_factory=dict, compare=False)
    # The parsed files, complete with embedded tests and line maps. From the on-disk cache they are
    # decoded on first use: checking requests needs only the compiled rules.
    load_documents: Callable[[], Iterable[Document]] = field(default=tuple, compare=False, repr=False)
    # The engine's memo (engine._Memo, under "engine"): rule selections and compiled functions.
    # It changes no result, only how fast the same selection is found again.
    memo: dict = field(default_factory=dict, compare=False, repr=False)
    # The criteria packs layered over the bundled rules, by name; ``hash`` covers them.
    packs: tuple[Pack, ...] = ()

    @cached_property
    def documents(self) -> tuple[Document, ...]:
        return tuple(self.load_documents())

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


class RuleSetError(ImrRulesError):
    """One or more rule files are invalid; ``errors`` holds one :class:`RuleError` each."""

    def __init__(self, errors: list[ImrRulesError]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the rule files", errors[0].source if errors else None)

    def one_line(self) -> str:
        return "\n".join(error.one_line() for error in self.errors)


def default_rules_dir() -> Path:
    """$IMR_RULES_DIR, else the rules/ folder of a source checkout, else the rules installed with the package."""
    configured = os.environ.get(RULES_DIR_ENVIRONMENT)
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if (checkout / MANIFEST).exists():
        return checkout
    return Path(str(package_files().joinpath("rules")))


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every YAML file under the given files/directories, sorted, so the rule set is deterministic."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            # os.walk rather than Path.rglob: the same files, in a fraction of the time
            found.extend(sorted(Path(folder, name) for folder, _, names in os.walk(path)
                                for name in names if name.endswith((".yaml", ".yml"))))
        else:
            found.append(path)
    return found


def ruleset_root(path: str | Path) -> Path | None:
    """The rule set a file or folder belongs to: the nearest folder, itself or above, holding a
    ruleset.yaml; None outside any rule set."""
    path = Path(path).resolve()
    for folder in [path, *path.parents]:
        if (folder / MANIFEST).is_file():
            return folder
    return None


def with_manifest(paths: list[Path], files: list[Path]) -> list[Path]:
    """The rule files named, with the manifest of the rule set they belong to when none is among
    them: a subfolder of rules/ (``--rules rules/imaging``) or one rule file uses the shared
    conditions of its rule set's ruleset.yaml. A file outside any rule set gets the bundled
    manifest, as ``rules test`` gives it, so {ref: ...} still resolves. The manifest read is a
    file used, so the rule set's hash covers it."""
    if any(f.name == MANIFEST for f in files):
        return files
    roots = [ruleset_root(p) for p in paths if Path(p).exists()]
    manifests = [root / MANIFEST for root in roots if root is not None] or [default_rules_dir() / MANIFEST]
    return [*dict.fromkeys(m for m in manifests if m.is_file()), *files]


def folders_without_rules(paths: Iterable[str | Path], hint: str | None = None) -> list[ImrRulesError]:
    """One error per folder named that holds no rule file (a manifest alone is none): most likely
    the wrong folder, and checking with no rules would pass for a clean run."""
    return [RuleError("no rule files (*.yaml) in this folder", Source(str(path)),
                      hint or "give a folder of rule files such as rules/ or rules/imaging, or a rule file")
            for path in map(Path, paths)
            if path.is_dir() and not any(f.name != MANIFEST for f in rule_files([path]))]


def load_ruleset(paths: Iterable[str | Path] | None = None, vocabulary: Vocabulary | None = None,
                 packs: Iterable[str | Path] = ()) -> RuleSet:
    """Load, validate and compile rule files, with criteria packs layered over them
    (:mod:`imr_rules.ruleset.packs`); raise :class:`RuleSetError` listing every problem."""
    ruleset, errors = load_ruleset_collecting(paths, vocabulary, packs)
    if errors:
        raise RuleSetError(errors)
    return ruleset


def load_ruleset_collecting(
    paths: Iterable[str | Path] | None = None, vocabulary: Vocabulary | None = None, packs: Iterable[str | Path] = (),
) -> tuple[RuleSet, list[ImrRulesError]]:
    """Like :func:`load_ruleset`, but return the problems with whatever rules did compile.

    Validated documents are cached on disk keyed by the hash of the vocabulary and of every rule
    and pack file's name and bytes, so a run with unchanged rules neither parses YAML nor imports
    jsonschema; only compiling (cheap) happens every run.
    """
    vocabulary = vocabulary or default_vocabulary()
    errors: list[ImrRulesError] = []
    if paths is None:
        paths = [default_rules_dir()]
        files = rule_files(paths)
        if not any(f.name != MANIFEST for f in files):  # the folder's files, just listed: no second walk
            errors.extend(folders_without_rules(paths, f"check ${RULES_DIR_ENVIRONMENT}: it names the rule folder to use"
                                                if os.environ.get(RULES_DIR_ENVIRONMENT) else None))
    else:
        paths = [Path(p) for p in paths]
        errors.extend(folders_without_rules(paths))
        files = with_manifest(paths, rule_files(paths))
        if paths and not errors and all(f.name == MANIFEST for f in files):
            errors.append(RuleError("no rule file given, only a rule set manifest", Source(str(paths[0])),
                                    "give the folder of rule files, or rule files beside it"))
    packs = list(packs)
    sources = _pack_sources(packs, paths, errors) if packs else []
    contents = _contents([*files, *(f for s in sources for f in s.files)])
    digest = ruleset_hash((f, contents[f]) for f in files)
    pack_hashes: dict[Path, str] = {}
    if sources:
        from imr_rules.ruleset.packs import combined_hash, pack_hash

        pack_hashes = {s.root: pack_hash(s, contents) for s in sources}
        digest = combined_hash(digest, pack_hashes.values())
    every_file = [*files, *(f for s in sources for f in s.files)]
    cached = _cache.read(digest, [str(p) for p in every_file])
    validated = cached is not None
    if cached is not None:
        documents, complete_documents = cached
    else:
        documents = read_documents(every_file, errors)
        complete_documents = lambda: documents  # noqa: E731
    base_names = {str(f) for f in files}
    base = [d for d in documents if d.path in base_names]
    manifests = [d for d in base if Path(d.path).name == MANIFEST]
    rule_documents = [d for d in base if Path(d.path).name != MANIFEST]
    name, version, definitions = _read_manifests(manifests, errors, validated)
    used, layered = rule_documents, []
    if sources:
        used, layered = _layer_packs(sources, pack_hashes, documents, rule_documents, definitions, errors, validated)
    origin = {d.path: pack.name for pack, _, pack_documents in layered for d in pack_documents}
    rules = _compile_rule_documents(used, vocabulary, definitions, errors, validated, origin)
    if not errors and not validated:
        _cache.write(digest, documents)
    packs_used = tuple(sorted((pack for pack, _, _ in layered), key=lambda p: p.name))
    return RuleSet(name, version, digest, tuple(rules), vocabulary, definitions, complete_documents, packs=packs_used), errors


def read_documents(paths: Iterable[Path], errors: list[ImrRulesError]) -> list[Document]:
    """Each file parsed; a file that cannot be read or parsed is an error, and the others still load."""
    documents = []
    for path in paths:
        try:
            documents.append(load_document(path))
        except ImrRulesError as exc:
            errors.append(exc)
    return documents


def environment_packs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The pack folders named by $IMR_RULES_PACKS (os.pathsep-separated; empty entries ignored)."""
    value = (os.environ if environ is None else environ).get(PACKS_ENVIRONMENT, "")
    return [Path(part) for part in value.split(os.pathsep) if part.strip()]


def requested_packs(options: Iterable[str | Path] | None, environ: Mapping[str, str] | None = None) -> list[Path]:
    """The packs a command uses: those of $IMR_RULES_PACKS, then those of --pack, each folder once.

    Here rather than in :mod:`imr_rules.ruleset.packs`, so that a run without packs never imports it."""
    chosen: list[Path] = []
    seen: set[str] = set()
    for path in [*environment_packs(environ), *(Path(p) for p in options or ())]:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            chosen.append(path)
    return chosen


def _pack_sources(packs: Iterable[str | Path], bundled: list, errors: list[ImrRulesError]) -> list[PackSource]:
    from imr_rules.ruleset.packs import find_pack, nested_in

    sources = []
    for folder in packs:
        try:
            source = find_pack(folder, rule_files)
        except ImrRulesError as exc:
            errors.append(exc)
            continue
        holder = nested_in(source, bundled)
        if holder is not None:
            errors.append(RuleError(f"the criteria pack is inside the rule folder {holder}", Source(str(folder)),
                                    "keep packs outside the rule folder: its files would be read twice"))
            continue
        sources.append(source)
    return sources


def _layer_packs(sources: list[PackSource], hashes: Mapping[Path, str], documents: list[Document],
                 base_rules: list[Document], definitions: dict[str, Any], errors: list[ImrRulesError], validated: bool):
    """The rule documents to compile (bundled and packs, layered) and each usable pack with its
    manifest and rule documents."""
    from imr_rules.ruleset.packs import duplicate_names, layer, merge_definitions, read_manifest

    by_path = {d.path: d for d in documents}
    layered = []
    for source in sources:
        manifest = by_path.get(str(source.manifest))
        if manifest is None:
            continue  # unreadable: load_document reported it
        pack, problems = read_manifest(manifest, source, hashes[source.root], validated)
        problems.extend(merge_definitions(definitions, manifest) if pack is not None else ())
        errors.extend(problems)
        if pack is not None:
            layered.append((pack, manifest, [by_path[str(f)] for f in source.rule_files if str(f) in by_path]))
    errors.extend(duplicate_names(pack for pack, _, _ in layered))
    used, conflicts = layer(base_rules, layered)
    errors.extend(conflicts)
    return used, layered


def _contents(files: list[Path]) -> dict[Path, bytes]:
    """Every file's bytes, read now.

    Always from the bytes: the hash in a report is the audit record of the rules used, and file
    sizes and modification times cannot prove a file unchanged (an edit in place can keep both).
    """
    contents: dict[Path, bytes] = {}
    for path in files:
        try:
            contents[path] = path.read_bytes()
        except OSError:
            contents[path] = b""  # reported by load_document, with the reason
    return contents


def ruleset_hash(contents: Iterable[tuple[Path, bytes]]) -> str:
    """sha256 over every reference table a decision reads (vocabulary, data tables, a loaded Drug
    List) and every rule file's name (within its folder) and bytes."""
    digest = sha256()
    for name, data in decision_tables():
        digest.update(f"\0table:{name}\0".encode("utf-8"))
        digest.update(data)
    for path, data in sorted(contents, key=lambda item: (item[0].parent.name, item[0].name)):
        digest.update(f"\0{path.parent.name}/{path.name}\0".encode("utf-8"))
        digest.update(data)
    return digest.hexdigest()


def _read_manifests(manifests: list[Document], errors: list[ImrRulesError], validated: bool = False) -> tuple[str, str, dict[str, Any]]:
    name, version, definitions = "unnamed", "unversioned", {}
    for manifest in manifests:
        problems = [] if validated else schema_problems(manifest, "ruleset.schema.json")
        if problems:
            errors.extend(problems)
            continue
        name = manifest.data["name"]
        version = str(manifest.data["version"])
        definitions.update(manifest.data.get("definitions") or {})
    return name, version, definitions


def schema_problems(document: Document, schema: str) -> list[ImrRulesError]:
    from imr_rules.documents import schema_errors, schema_validator

    if not isinstance(document.data, dict):
        return [RuleError("expected a mapping at the top of the file", document.source())]
    return schema_errors(document, schema_validator(schema), RuleError)


def _compile_rule_documents(
    documents: list[Document], vocabulary: Vocabulary, definitions: Mapping[str, Any], errors: list[ImrRulesError],
    validated: bool = False, origin: Mapping[str, str] | None = None,
) -> list[Rule]:
    rules: list[Rule] = []
    first_seen: dict[str, Document] = {}
    for document in documents:
        problems = [] if validated else schema_problems(document, "rule.schema.json") or check_patterns(document)
        if problems:
            errors.extend(problems)
            continue
        rule_id = document.data["id"]
        if rule_id in first_seen:
            other = first_seen[rule_id]
            errors.append(
                RuleError(
                    f"duplicate rule id '{rule_id}' (first defined in {other.path}:{other.line_of(('id',))})",
                    document.source(("id",)),
                    "give each rule a unique id",
                )
            )
            continue
        first_seen[rule_id] = document
        try:
            rules.append(compile_rule(document, vocabulary, definitions, lazy=validated,
                                      pack=(origin or {}).get(document.path)))
        except ImrRulesError as exc:
            errors.append(exc)
    return sorted(rules, key=lambda r: r.id)


def check_patterns(document: Document) -> list[ImrRulesError]:
    """Every 'matches' regular expression of a rule file compiles (checked once, before caching)."""
    problems: list[ImrRulesError] = []

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            if "matches" in node:
                try:
                    check_pattern(node["matches"], path + ("matches",))
                except ConditionError as exc:
                    problems.append(RuleError(exc.message, document.source(exc.path)))
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, path + (index,))

    walk(document.data, ())
    return problems


def compile_rule(document: Document, vocabulary: Vocabulary, definitions: Mapping[str, Any], lazy: bool = False,
                 pack: str | None = None) -> Rule:
    """Turn one schema-valid rule document into a :class:`Rule` (raises :class:`RuleError`).

    With ``lazy`` (a document that compiled cleanly before, read from the cache) the criteria, the
    logic and ``when`` are compiled on first use; otherwise now, so that every problem is reported
    at load.
    """
    data = document.data
    tier = Tier(data["source"]["tier"])
    role = Role(data["source"].get("role") or _DEFAULT_ROLE[tier].value)

    def criteria_factory() -> tuple[Criterion, ...]:
        compiled = tuple(_compile_criterion(document, i, vocabulary, definitions) for i in range(len(data["criteria"])))
        _check_unique_criteria(document, compiled)
        return compiled

    criteria_factory = _compiled(criteria_factory, lazy)
    applies = data["applies_to"]
    when_factory = None
    if "when" in applies:
        when_factory = _compiled(
            lambda: _compile_or_raise(document, applies["when"], ("applies_to", "when"), vocabulary, definitions)[0], lazy)
    spec = RuleSpec(
        id=data["id"],
        title=data["title"],
        tier=tier,
        role=role,
        summary=" ".join(data["summary"].split()),
        editions=_editions(document, tier),
        categories=tuple(applies.get("categories", ())),
        codes=tuple(str(c) for c in applies.get("codes", ())),
        keywords=tuple(k.lower() for k in applies.get("keywords", ())),
        confidence=data.get("confidence"),
        unit=data.get("unit", "visits"),
        limit=bool(data["source"].get("limit")),
        path=document.path,
        line=document.line_of(("id",)),
        criteria=tuple(data["criteria"]),
        when=applies.get("when"),
        logic=data.get("logic", "all"),
        pack=pack,
    )
    for index, criterion in enumerate(data["criteria"]):
        if ("decisive" in criterion) != ("why" in criterion):
            raise RuleError(
                "decisive: false and why: go together", document.source(("criteria", index)),
                "an advisory criterion says why reviewers do not weigh it (guideline wording, letters); give both or neither",
            )
    return Rule(
        spec=spec,
        criteria_factory=criteria_factory,
        logic_factory=_compiled(lambda: _compile_logic(document, spec.logic, spec.criterion_ids), lazy),
        when_factory=when_factory,
    )


def _compiled(factory: Callable[[], Any], lazy: bool) -> Callable[[], Any]:
    """A factory of what ``factory`` compiles: compiling on first use, once whoever asks (``lazy``:
    a rule read from the cache compiled cleanly before), else compiled now, so that every problem
    of a rule file is reported at load."""
    if lazy:
        return cache(factory)
    compiled = factory()
    return lambda: compiled


_NOT_APPLICABLE = (Status.NOT_APPLICABLE, None)


def reference_statuses(
    criteria: tuple[Criterion, ...], facts: Mapping[str, Any]
) -> tuple[tuple[Status, ...], tuple[int | None, ...], tuple[int, ...]]:
    """Each criterion's status and certifiable quantity, by the reference closures, and the
    positions of the criteria whose applicability is unknown.

    A criterion whose ``applies_when`` is unknown (a fact that decides it is not documented) is
    evaluated as if it applied, so that the reviewer sees both branches, and its position is
    returned: the engine never certifies an item while it is unknown which criteria apply.
    """
    statuses, certifiable, unknown = [], [], []
    for index, criterion in enumerate(criteria):
        applies = True if criterion.applies_when is None else criterion.applies_when(facts)
        if applies is False:
            status, quantity = _NOT_APPLICABLE
        else:
            status, quantity = criterion.evaluate(facts)
            if applies is not True:
                unknown.append(index)
        statuses.append(status)
        certifiable.append(quantity)
    return tuple(statuses), tuple(certifiable), tuple(unknown)


def _editions(document: Document, tier: Tier) -> tuple[Edition, ...]:
    editions = []
    for index, spec in enumerate(document.data["editions"]):
        start = _date(document, spec.get("from"), ("editions", index, "from"))
        end = _date(document, spec.get("to"), ("editions", index, "to"))
        if start and end and end < start:
            raise RuleError("edition ends before it starts", document.source(("editions", index)), "swap from and to")
        editions.append(Edition(start, end, _citation(spec["citation"], tier)))
    return tuple(sorted(editions, key=lambda e: e.effective_from or dt.date.min))


def _date(document: Document, value: Any, path: tuple) -> dt.date | None:
    if value is None:
        return None
    day = parse_date(value)
    if day is None:
        raise RuleError(f"invalid date {value!r}", document.source(path), "write YYYY-MM-DD")
    return day


def _citation(spec: Mapping[str, Any], tier: Tier) -> Citation:
    pages = spec.get("pages")
    return Citation(
        tier=Tier(spec.get("tier", tier.value)),
        title=spec["title"],
        year=spec.get("year"),
        section=spec.get("section"),
        pages=None if pages is None else str(pages),
        chapter=spec.get("chapter"),
    )


def _compile_or_raise(document: Document, spec: Any, path: tuple, vocabulary: Vocabulary, definitions: Mapping[str, Any]):
    try:
        return compile_condition(spec, vocabulary, definitions)
    except ConditionError as exc:
        raise RuleError(exc.message, document.source(path + exc.path), exc.hint) from None


def _compile_criterion(document: Document, index: int, vocabulary: Vocabulary, definitions: Mapping[str, Any]) -> Criterion:
    spec = document.data["criteria"][index]
    path = ("criteria", index)
    kind_name = spec.get("kind", "condition")
    try:
        compiled = KINDS[kind_name].compile(spec, vocabulary, definitions)
    except ConditionError as exc:
        raise RuleError(exc.message, document.source(path + exc.path), exc.hint) from None
    applies_when, applies_facts, deciding, by_default = None, (), (), None
    if "applies_when" in spec:
        applies_when, applies_facts = _compile_or_raise(document, spec["applies_when"], path + ("applies_when",), vocabulary, definitions)
        by_default = applies_when if spec.get("applies_if_undocumented") is True else None
        applies_when = _undocumented_default(applies_when, spec.get("applies_if_undocumented"))
        deciding = unguarded_facts(spec["applies_when"], definitions) or applies_facts
    citation = _citation(spec["citation"], Tier(document.data["source"]["tier"])) if "citation" in spec else None
    return Criterion(
        id=spec["id"],
        requirement=" ".join(spec["requirement"].split()),
        kind=kind_name,
        wording={k: " ".join(v.split()) for k, v in spec["wording"].items()},
        evaluate=compiled.evaluate,
        applies_when=applies_when,
        applies_by_default=by_default,
        facts_used=tuple(sorted(set(compiled.facts_used) | set(applies_facts))),
        applies_facts=deciding,
        params=compiled.params,
        remedy=spec.get("remedy"),
        citation=citation,
        confidence=spec.get("confidence", document.data.get("confidence")),
        line=document.line_of(path),
        decisive=spec.get("decisive", True) is not False,
        why=" ".join(spec["why"].split()) if "why" in spec else None,
    )


def _undocumented_default(applies_when, default: bool | None):
    """``applies_if_undocumented`` as the rule author declared it.

    Absent: an unknown ``applies_when`` stays unknown (the engine reports it and never certifies).
    true: the criterion applies when its facts are not documented; false: it does not (each only
    where the guideline or IMR's letters justify that default, e.g. an exclusion that applies
    only where aberrant behaviour is documented).
    """
    if default is True:
        return lambda facts: applies_when(facts) is not False
    if default is False:
        return lambda facts: applies_when(facts) is True
    return applies_when


def _check_unique_criteria(document: Document, criteria: tuple[Criterion, ...]) -> None:
    seen: set[str] = set()
    for index, criterion in enumerate(criteria):
        if criterion.id in seen:
            raise RuleError(
                f"duplicate criterion id '{criterion.id}'", document.source(("criteria", index, "id")),
                "give each criterion of a rule a unique id",
            )
        seen.add(criterion.id)


_TRUTH = {Status.MET: True, Status.NOT_MET: False, Status.NOT_DOCUMENTED: None}


def _compile_logic(document: Document, spec: Any, criterion_ids: tuple[str, ...]):
    """'all', or {all|any: [criterion id | nested]} -> a Kleene function of the statuses.

    A not-applicable criterion is neutral: it neither satisfies an ``any`` nor fails an ``all``.
    """
    ids = set(criterion_ids)
    if spec == "all":
        spec = {"all": list(criterion_ids)}

    def build(node: Any, path: tuple):
        if isinstance(node, str):
            if node not in ids:
                raise RuleError(f"logic names unknown criterion '{node}'", document.source(path), f"criteria: {', '.join(sorted(ids))}")
            return lambda statuses: _TRUTH.get(statuses[node], "skip")
        if isinstance(node, Mapping) and len(node) == 1 and next(iter(node)) in ("all", "any") and isinstance(next(iter(node.values())), list):
            key, parts = next(iter(node.items()))
            compiled = [build(part, path + (key, i)) for i, part in enumerate(parts)]
            return _combine(compiled, decisive=key == "any")
        raise RuleError("logic must be 'all' or {all|any: [criterion ids or nested logic]}", document.source(path))

    return build(spec, ("logic",))


def _combine(parts, decisive: bool):
    """all / any of a rule's logic over criterion statuses: parts that "skip" (criteria not
    applicable) are left out, and a combination of nothing but skips skips too."""
    def combined(statuses):
        values = [v for v in (p(statuses) for p in parts) if v != "skip"]
        return kleene(values, decisive) if values else "skip"

    return combined
