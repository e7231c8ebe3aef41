"""The lint machinery: findings, the context checks read, the registry of checks, and running them.

A check is a small function registered with :func:`check` under a code (IMR001 ...), a name, a
default severity and a description, in the module of its family (``files``, ``names``, ``types``,
...). It reads the parsed rule files (valid or not: lint works on broken files too) and yields
:class:`Problem` s; :func:`run_checks` turns them into :class:`LintFinding` s that name file, line
and rule id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from imr_rules.documents import Document
from imr_rules.errors import ImrRulesError
from imr_rules.ruleset.loading import MANIFEST, read_documents, rule_files
from imr_rules.ruleset.packs import MANIFEST as PACK_MANIFEST
from imr_rules.reference.vocabulary import Vocabulary, default_vocabulary

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class LintFinding:
    code: str
    severity: str
    message: str
    path: str | None
    line: int | None
    rule_id: str | None
    hint: str | None = None

    def one_line(self) -> str:
        """``path:line: CODE rule-id: message (hint)``."""
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        text = f"{where}: {self.code} {self.rule_id or '-'}: {self.message}"
        return text + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True)
class Problem:
    """What a check yields: where (document and field path) and what is wrong."""

    document: Document
    at: tuple
    message: str
    hint: str | None = None
    severity: str | None = None  # None: the check's default
    line: int | None = None  # where the field path cannot say (e.g. a YAML syntax error)


@dataclass(frozen=True)
class LintContext:
    rule_documents: tuple[Document, ...]
    manifests: tuple[Document, ...]
    unreadable: tuple[ImrRulesError, ...]
    vocabulary: Vocabulary
    definitions: Mapping[str, Any]
    categories: frozenset[str] | None
    # Criteria packs: their manifests, the conflicts layering them found (ids, definitions), and
    # the pack each rule document comes from (absent: the bundled rules).
    pack_manifests: tuple[Document, ...] = ()
    pack_problems: tuple[ImrRulesError, ...] = ()
    origin: Mapping[str, str] = field(default_factory=dict)

    def rules(self) -> Iterator[tuple[Document, dict]]:
        for document in self.rule_documents:
            if isinstance(document.data, dict):
                yield document, document.data

    def criteria(self) -> Iterator[tuple[Document, dict, int, dict]]:
        for document, data in self.rules():
            criteria = data.get("criteria")
            for index, criterion in enumerate(criteria if isinstance(criteria, list) else []):
                if isinstance(criterion, dict):
                    yield document, data, index, criterion


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: str
    description: str
    run: Callable[[LintContext], Iterable[Problem]] = field(repr=False)


CHECKS: list[Check] = []


def check(code: str, name: str, severity: str, description: str):
    def register(function: Callable[[LintContext], Iterable[Problem]]):
        CHECKS.append(Check(code, name, severity, description, function))
        return function

    return register


def known_categories() -> frozenset[str]:
    """The item categories rules may select by: imr_rules/reference/data/categories.yaml."""
    from imr_rules.reference.vocabulary import categories

    return frozenset(categories())


# ---- running ---------------------------------------------------------------------------------


def lint(paths: Iterable[str | Path] | None = None, exclude: Iterable[str] = (), vocabulary: Vocabulary | None = None,
         packs: Iterable[str | Path] = ()) -> list[LintFinding]:
    """Lint the rule files named (within the rule set they belong to, with the criteria packs
    layered over it); findings sorted by place."""
    from imr_rules.authoring.ruletests import rule_scope

    scope = rule_scope(paths, packs)
    context = lint_context(scope.load, vocabulary, scope.packs)
    findings = [f for f in run_checks(context) if scope.includes(f.path)] + _empty_folders(paths)
    excluded = {code.upper() for code in exclude}
    return [f for f in findings if f.code not in excluded]


def _empty_folders(paths: Iterable[str | Path] | None) -> list[LintFinding]:
    """A folder named that holds no rule file: linting nothing would pass for a clean rule set."""
    from imr_rules.ruleset.loading import folders_without_rules

    return [LintFinding("IMR001", ERROR, e.message, e.source.path, None, None, e.hint)
            for e in folders_without_rules(paths or ())]


def lint_context(paths: Iterable[str | Path], vocabulary: Vocabulary | None = None,
                 packs: Iterable[str | Path] = ()) -> LintContext:
    unreadable: list[ImrRulesError] = []
    documents = read_documents(rule_files(paths), unreadable)
    manifests = tuple(d for d in documents if Path(d.path).name == MANIFEST)
    definitions: dict[str, Any] = {}
    for manifest in manifests:
        if isinstance(manifest.data, dict) and isinstance(manifest.data.get("definitions"), dict):
            definitions.update(manifest.data["definitions"])
    rule_documents = [d for d in documents if Path(d.path).name != MANIFEST]
    layered = _lint_packs(packs, rule_documents, definitions, unreadable)
    return LintContext(tuple(layered.documents), manifests, tuple(unreadable), vocabulary or default_vocabulary(),
                       definitions, known_categories(), layered.manifests, layered.problems, layered.origin)


@dataclass(frozen=True)
class _LintedPacks:
    documents: list[Document]  # the bundled rule documents not replaced, and every pack rule document
    manifests: tuple[Document, ...]
    problems: tuple[ImrRulesError, ...]
    origin: Mapping[str, str]


def _lint_packs(packs: Iterable[str | Path], base: list[Document], definitions: dict[str, Any],
                unreadable: list[ImrRulesError]) -> _LintedPacks:
    """The packs read as loading reads them (:mod:`imr_rules.ruleset.packs`), except that every pack
    rule file is linted, a conflicting one too: its conflict is a finding (IMR014), not a reason
    to skip its other problems."""
    from imr_rules.ruleset import packs as packing

    manifests, problems, layered, origin = [], [], [], {}
    pack_documents: list[Document] = []
    for folder in packs:
        try:
            source = packing.find_pack(folder, rule_files)
        except ImrRulesError as exc:
            unreadable.append(exc)
            continue
        manifest = read_documents([source.manifest], unreadable)
        documents = read_documents(source.rule_files, unreadable)
        pack_documents.extend(documents)
        if not manifest:
            continue
        manifests.append(manifest[0])
        pack, invalid = packing.read_manifest(manifest[0], source, "", validated=False)
        if pack is None:
            continue  # IMR001 reports the manifest
        problems.extend(packing.merge_definitions(definitions, manifest[0]))
        layered.append((pack, manifest[0], documents))
        origin.update({d.path: pack.name for d in documents})
    problems.extend(packing.duplicate_names(pack for pack, _, _ in layered))
    kept, conflicts = packing.layer(base, layered)
    problems.extend(conflicts)
    replaced = {d.path for d in base} - {d.path for d in kept}
    documents = [d for d in base if d.path not in replaced] + pack_documents
    return _LintedPacks(documents, tuple(manifests), tuple(problems), origin)


def run_checks(context: LintContext) -> list[LintFinding]:
    findings = []
    for registered in CHECKS:
        try:
            problems = list(registered.run(context))
        except Exception as exc:  # a check must never stop the others; say which one broke
            findings.append(LintFinding("IMR000", ERROR, f"check {registered.code} failed: {type(exc).__name__}: {exc}",
                                        None, None, None, "please report this lint bug"))
            continue
        findings.extend(_finding(registered, p) for p in problems)
    findings = _drop_explained_compile_errors(findings)
    return sorted(set(findings), key=lambda f: (f.path or "", f.line or 0, f.code, f.message))


def _finding(registered: Check, problem: Problem) -> LintFinding:
    data = problem.document.data
    rule_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
    if Path(problem.document.path).name == MANIFEST:
        rule_id = "ruleset"
    elif Path(problem.document.path).name == PACK_MANIFEST:
        rule_id = "pack"
    return LintFinding(registered.code, problem.severity or registered.severity, problem.message,
                       problem.document.path, problem.line or problem.document.line_of(problem.at), rule_id, problem.hint)


def _drop_explained_compile_errors(findings: list[LintFinding]) -> list[LintFinding]:
    """Compiling stops at a rule's first problem, usually one a dedicated check already reported."""
    explained = {f.path for f in findings if f.severity == ERROR and f.code != "IMR013"}
    return [f for f in findings if f.code != "IMR013" or f.path not in explained]


def has_errors(findings: Iterable[LintFinding]) -> bool:
    return any(f.severity == ERROR for f in findings)
