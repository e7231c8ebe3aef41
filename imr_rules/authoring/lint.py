"""Static checks of rule files, each with a stable code, in the spirit of pySigma's validators.

A check is a small function registered with :func:`check` under a code (IMR001 ...), a name, a
default severity and a description. It reads the parsed rule files (valid or not: lint works on
broken files too) and yields :class:`Problem` s; :func:`lint` turns them into
:class:`LintFinding` s that name file, line and rule id. Adding a check is adding one function.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from imr_rules.ruleset.conditions import ConditionError, compile_condition
from imr_rules.documents import Document, load_document
from imr_rules.errors import ImrRulesError
from imr_rules.ruleset.kinds import KINDS, kind_of
from imr_rules.ruleset.loading import MANIFEST, compile_rule, rule_files
from imr_rules.reference.vocabulary import Vocabulary, default_vocabulary, parse_date, python_type_matches

ERROR = "error"
WARNING = "warning"
# Every field of a criterion that holds a condition: the common applies_when and each kind's own.
CONDITION_FIELDS = ("applies_when", *dict.fromkeys(f for kind in KINDS.values() for f in kind.condition_fields))
# Values a criterion's wording may name beside the facts it reads (see rationale.template_values).
TEMPLATE_VALUES = frozenset({"unit", "service", "quantity", "certifiable"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_NUMERIC = ("integer", "number")
_GENERIC_UNIT = "units"  # item.quantity counts whatever the rule's unit is: visits, tablets, ...
_TIME_UNITS = frozenset({"days", "weeks", "months", "years", "per week"})


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

    def rules(self) -> Iterator[tuple[Document, dict]]:
        for document in self.rule_documents:
            if isinstance(document.data, dict):
                yield document, document.data

    def criteria(self) -> Iterator[tuple[Document, dict, int, dict]]:
        for document, data in self.rules():
            for index, criterion in enumerate(_list(data.get("criteria"))):
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


def lint(paths: Iterable[str | Path] | None = None, exclude: Iterable[str] = (), vocabulary: Vocabulary | None = None) -> list[LintFinding]:
    """Lint the rule files named (within the rule set they belong to); findings sorted by place."""
    from imr_rules.authoring.ruletests import rule_scope

    scope = rule_scope(paths)
    context = lint_context(scope.load, vocabulary)
    findings = [f for f in run_checks(context) if scope.includes(f.path)]
    excluded = {code.upper() for code in exclude}
    return [f for f in findings if f.code not in excluded]


def lint_context(paths: Iterable[str | Path], vocabulary: Vocabulary | None = None) -> LintContext:
    documents, unreadable = [], []
    for path in rule_files(paths):
        try:
            documents.append(load_document(path))
        except ImrRulesError as exc:
            unreadable.append(exc)
    manifests = tuple(d for d in documents if Path(d.path).name == MANIFEST)
    definitions: dict[str, Any] = {}
    for manifest in manifests:
        if isinstance(manifest.data, dict) and isinstance(manifest.data.get("definitions"), dict):
            definitions.update(manifest.data["definitions"])
    rule_documents = tuple(d for d in documents if Path(d.path).name != MANIFEST)
    return LintContext(rule_documents, manifests, tuple(unreadable), vocabulary or default_vocabulary(), definitions,
                       known_categories())


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
    return LintFinding(registered.code, problem.severity or registered.severity, problem.message,
                       problem.document.path, problem.line or problem.document.line_of(problem.at), rule_id, problem.hint)


def _drop_explained_compile_errors(findings: list[LintFinding]) -> list[LintFinding]:
    """Compiling stops at a rule's first problem, usually one a dedicated check already reported."""
    explained = {f.path for f in findings if f.severity == ERROR and f.code != "IMR013"}
    return [f for f in findings if f.code != "IMR013" or f.path not in explained]


def has_errors(findings: Iterable[LintFinding]) -> bool:
    return any(f.severity == ERROR for f in findings)


# ---- walking conditions ----------------------------------------------------------------------


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def condition_spots(data: dict) -> Iterator[tuple[tuple, Any]]:
    """Every condition of a rule file, with its field path."""
    applies = data.get("applies_to")
    if isinstance(applies, dict) and "when" in applies:
        yield ("applies_to", "when"), applies["when"]
    for index, criterion in enumerate(_list(data.get("criteria"))):
        if isinstance(criterion, dict):
            for key in CONDITION_FIELDS:
                if key in criterion:
                    yield ("criteria", index, key), criterion[key]


def comparisons(spec: Any, path: tuple) -> Iterator[tuple[tuple, Mapping]]:
    """The comparison leaves of a condition ({fact: ...} or {sum: ...}); refs are not followed."""
    if not isinstance(spec, Mapping):
        return
    for key in ("all", "any"):
        if key in spec:
            for index, part in enumerate(_list(spec[key])):
                yield from comparisons(part, path + (key, index))
            return
    if "not" in spec:
        yield from comparisons(spec["not"], path + ("not",))
    elif "fact" in spec or "sum" in spec:
        yield path, spec


def leaf_facts(leaf: Mapping, path: tuple) -> Iterator[tuple[tuple, Any]]:
    """The fact names one comparison reads, each with its field path."""
    if "fact" in leaf:
        yield path + ("fact",), leaf["fact"]
    for index, name in enumerate(_list(leaf.get("sum"))):
        yield path + ("sum", index), name
    for op, operand in leaf.items():
        if op not in ("fact", "sum") and isinstance(operand, Mapping) and "fact" in operand:
            yield path + (op, "fact"), operand["fact"]


def facts_read(spec: Any, definitions: Mapping[str, Any], _seen: tuple = ()) -> set[str]:
    """Every fact name a condition reads, following {ref: ...} into the shared definitions."""
    names: set[str] = set()
    for path, leaf in comparisons(spec, ()):
        names.update(n for _, n in leaf_facts(leaf, path) if isinstance(n, str))
    for name in _refs(spec):
        if name in definitions and name not in _seen:
            names |= facts_read(definitions[name], definitions, _seen + (name,))
    return names


def _refs(spec: Any) -> Iterator[str]:
    if isinstance(spec, Mapping):
        if isinstance(spec.get("ref"), str):
            yield spec["ref"]
        for key in ("all", "any"):
            for part in _list(spec.get(key)):
                yield from _refs(part)
        if "not" in spec:
            yield from _refs(spec["not"])


def constant_value(spec: Any, definitions: Mapping[str, Any], _seen: tuple = ()) -> bool | None:
    """True/False when a condition is the same whatever the request documents, else None."""
    if not isinstance(spec, Mapping):
        return None
    if "const" in spec:
        return spec["const"] if isinstance(spec["const"], bool) else None
    if "not" in spec:
        inner = constant_value(spec["not"], definitions, _seen)
        return None if inner is None else not inner
    if isinstance(spec.get("ref"), str):
        name = spec["ref"]
        return None if name in _seen or name not in definitions else constant_value(definitions[name], definitions, _seen + (name,))
    for key, absorbing in (("all", False), ("any", True)):
        if key in spec:
            values = [constant_value(p, definitions, _seen) for p in _list(spec[key])]
            if absorbing in values:
                return absorbing
            return (not absorbing) if values and all(v is not None for v in values) else None
    return None


def can_be_unknown(spec: Any, definitions: Mapping[str, Any], _seen: tuple = ()) -> bool:
    """Whether a condition can be unknown (a comparison other than ``documented`` reads a fact)."""
    if any(not (len(leaf) == 2 and "documented" in leaf) for _, leaf in comparisons(spec, ())):
        return True
    return any(
        can_be_unknown(definitions[n], definitions, _seen + (n,)) for n in _refs(spec) if n in definitions and n not in _seen
    )


def criterion_facts(criterion: dict, definitions: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for key in CONDITION_FIELDS:
        if key in criterion:
            names |= facts_read(criterion[key], definitions)
    kind = kind_of(criterion)
    return names | (kind.facts_named(criterion) if kind else set())


def _did_you_mean(name: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _units_compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return _GENERIC_UNIT in (a, b) and not ({a, b} & _TIME_UNITS)


# ---- the checks ------------------------------------------------------------------------------


@check("IMR001", "invalid-file", ERROR, "A rule file cannot be read, is not YAML, or does not match the rule schema.")
def invalid_files(context: LintContext) -> Iterator[Problem]:
    from imr_rules.ruleset.loading import _validate

    for error in context.unreadable:
        yield Problem(Document(error.source.path or "?", None), (), error.message, error.hint, line=error.source.line)
    for document in context.manifests:
        for error in _validate(document, "ruleset.schema.json"):
            yield _schema_problem(document, error)
    for document in context.rule_documents:
        for error in _validate(document, "rule.schema.json"):
            if not _is_missing_not_met(error):  # IMR006 says that one better
                yield _schema_problem(document, error)


def _schema_problem(document: Document, error: ImrRulesError) -> Problem:
    message = f"{error.source.field}: {error.message}" if error.source.field else error.message
    return Problem(document, (), message, error.hint, line=error.source.line)


def _is_missing_not_met(error: ImrRulesError) -> bool:
    return (error.source.field or "").endswith("wording") and "'not_met'" in error.message


@check("IMR002", "unknown-name", ERROR, "A condition refers to a fact the vocabulary does not define, or to an unknown shared definition.")
def unknown_facts(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        for path, spec in condition_spots(data):
            yield from _unknown_in_condition(context, document, spec, path)
            yield from _unknown_refs(context, document, spec, path)
        for _, _, index, criterion in ((d, x, i, c) for d, x, i, c in context.criteria() if d is document):
            for key in ("fact", "prior"):
                name = criterion.get(key)
                if isinstance(name, str) and name not in context.vocabulary:
                    yield _unknown_fact(context, document, ("criteria", index, key), name)
    for manifest in context.manifests:
        for name, spec in context.definitions.items():
            if isinstance(manifest.data, dict) and name in (manifest.data.get("definitions") or {}):
                yield from _unknown_in_condition(context, manifest, spec, ("definitions", name))


def _unknown_in_condition(context: LintContext, document: Document, spec: Any, path: tuple) -> Iterator[Problem]:
    for leaf_path, leaf in comparisons(spec, path):
        for fact_path, name in leaf_facts(leaf, leaf_path):
            if isinstance(name, str) and name not in context.vocabulary:
                yield _unknown_fact(context, document, fact_path, name)


def _unknown_refs(context: LintContext, document: Document, spec: Any, path: tuple) -> Iterator[Problem]:
    for ref_path, name in _ref_paths(spec, path):
        if name not in context.definitions:
            yield Problem(document, ref_path, f"unknown shared definition '{name}'",
                          _did_you_mean(name, context.definitions) or "shared definitions live in ruleset.yaml under definitions:")


def _ref_paths(spec: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if not isinstance(spec, Mapping):
        return
    if isinstance(spec.get("ref"), str):
        yield path + ("ref",), spec["ref"]
    for key in ("all", "any"):
        for index, part in enumerate(_list(spec.get(key))):
            yield from _ref_paths(part, path + (key, index))
    if "not" in spec:
        yield from _ref_paths(spec["not"], path + ("not",))


def _unknown_fact(context: LintContext, document: Document, path: tuple, name: str) -> Problem:
    return Problem(document, path, f"unknown fact '{name}'", context.vocabulary.unknown_fact_hint(name))


@check("IMR003", "type-mismatch", ERROR, "A comparison uses a value or fact of the wrong type or unit for its fact.")
def type_mismatches(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        for path, spec in condition_spots(data):
            yield from _mismatches_in_condition(context, document, spec, path)
        for _, _, index, criterion in ((d, x, i, c) for d, x, i, c in context.criteria() if d is document):
            kind = kind_of(criterion)
            for key, message, hint in kind.lint_problems(criterion, context.vocabulary, _units_compatible) if kind else ():
                yield Problem(document, ("criteria", index, key), message, hint)
    for manifest in context.manifests:
        for name, spec in ((manifest.data or {}).get("definitions") or {}).items() if isinstance(manifest.data, dict) else ():
            yield from _mismatches_in_condition(context, manifest, spec, ("definitions", name))


def _mismatches_in_condition(context: LintContext, document: Document, spec: Any, path: tuple) -> Iterator[Problem]:
    vocabulary = context.vocabulary
    for leaf_path, leaf in comparisons(spec, path):
        names = [(p, n) for p, n in leaf_facts(leaf, leaf_path)]
        if any(not isinstance(n, str) or n not in vocabulary for _, n in names):
            continue  # IMR002 reports unknown names; types of unknown facts cannot be judged
        try:
            compile_condition(leaf, vocabulary, {})
        except ConditionError as exc:
            yield Problem(document, leaf_path + exc.path, exc.message, exc.hint)
            continue
        yield from _unit_mismatch(context, document, leaf_path, names)
        yield from _value_mismatch(context, document, leaf_path, leaf)


def _unit_mismatch(context: LintContext, document: Document, path: tuple, names: list[tuple[tuple, str]]) -> Iterator[Problem]:
    units = [(p, n, context.vocabulary.get(n).unit) for p, n in names]
    for fact_path, name, unit in units[1:]:
        first_name, first_unit = units[0][1], units[0][2]
        if not _units_compatible(first_unit, unit):
            yield Problem(document, fact_path, f"combines '{first_name}' ({first_unit}) with '{name}' ({unit})",
                          "compare or add facts of the same unit")


def _value_mismatch(context: LintContext, document: Document, path: tuple, leaf: Mapping) -> Iterator[Problem]:
    """Values the compiler accepts but that can never equal a value of the fact's type."""
    if "fact" not in leaf:
        return
    fact_type = context.vocabulary.get(leaf["fact"]).type
    for op in ("eq", "ne", "in"):
        if op not in leaf or isinstance(leaf[op], Mapping):
            continue
        values = leaf[op] if op == "in" and isinstance(leaf[op], list) else [leaf[op]]
        for value in values:
            if fact_type != "list" and not _value_fits(fact_type, value):
                yield Problem(document, path + (op,), f"compares the {fact_type} fact '{leaf['fact']}' with {value!r}",
                              f"write a {fact_type} value")
                break


def _value_fits(fact_type: str, value: Any) -> bool:
    """Whether a value written in a rule can equal a documented value of the fact's type (dates
    are written as text; an integer fact may be compared with any number)."""
    if fact_type == "date":
        return parse_date(value) is not None
    return python_type_matches("number" if fact_type in _NUMERIC else fact_type, value)


@check("IMR004", "duplicate-id", ERROR, "Two rules share an id, or two criteria of one rule do.")
def duplicate_ids(context: LintContext) -> Iterator[Problem]:
    by_id: dict[str, list[Document]] = {}
    for document, data in context.rules():
        if isinstance(data.get("id"), str):
            by_id.setdefault(data["id"], []).append(document)
    for rule_id, documents in by_id.items():
        for document in documents if len(documents) > 1 else ():
            others = ", ".join(f"{d.path}:{d.line_of(('id',))}" for d in documents if d is not document)
            yield Problem(document, ("id",), f"duplicate rule id '{rule_id}'", f"also in {others}")
    for document, data in context.rules():
        seen: dict[str, int] = {}
        for index, criterion in enumerate(_list(data.get("criteria"))):
            criterion_id = criterion.get("id") if isinstance(criterion, dict) else None
            if isinstance(criterion_id, str):
                if criterion_id in seen:
                    yield Problem(document, ("criteria", index, "id"), f"duplicate criterion id '{criterion_id}'",
                                  f"first at line {document.line_of(('criteria', seen[criterion_id], 'id'))}")
                seen.setdefault(criterion_id, index)


@check("IMR005", "missing-citation", ERROR, "A criterion has no citation with a section or pages (its own or its edition's).")
def missing_citations(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        if _locates(criterion.get("citation")):
            continue
        editions = [e for e in _list(data.get("editions")) if isinstance(e, dict)]
        vague = [i for i, e in enumerate(editions) if not _locates(e.get("citation"))]
        if vague or not editions:
            which = f"edition {vague[0] + 1}'s citation" if vague else "the rule (no editions)"
            yield Problem(document, ("criteria", index), f"criterion '{criterion.get('id')}' has no citation with a section or pages",
                          f"{which} names neither; add section or pages there or a citation to the criterion")


def _locates(citation: Any) -> bool:
    return isinstance(citation, dict) and any(str(citation.get(k) or "").strip() for k in ("section", "pages"))


@check("IMR006", "missing-wording", ERROR, "A criterion has no wording for a way it can fail (not_met, not_documented).")
def missing_wording(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        wording = criterion.get("wording") if isinstance(criterion.get("wording"), dict) else {}
        where = ("criteria", index, "wording") if "wording" in criterion else ("criteria", index)
        name = criterion.get("id")
        if not str(wording.get("not_met") or "").strip():
            yield Problem(document, where, f"criterion '{name}' has no 'not_met' wording", "say in a sentence why it fails")
        if not str(wording.get("not_documented") or "").strip() and _can_be_not_documented(criterion, context.definitions):
            yield Problem(document, where, f"criterion '{name}' can be not documented but has no 'not_documented' wording",
                          "complete 'there is no documentation of ...'", WARNING)


def _can_be_not_documented(criterion: dict, definitions: Mapping[str, Any]) -> bool:
    kind = kind_of(criterion)
    if kind is None:
        return False
    if kind.facts_named(criterion):
        return True  # a fact read by name can be undocumented
    # applies_when: {fact: X, documented: true} means a condition only runs where X is known.
    known = documented_by(criterion.get("applies_when"))
    return any(
        can_be_unknown(criterion.get(key), definitions) and not (known and facts_read(criterion.get(key), definitions) <= known)
        for key in kind.deciding_conditions
    )


def documented_by(spec: Any) -> set[str]:
    """The facts a condition, when true, guarantees are documented ({fact: X, documented: true}, and all of)."""
    if not isinstance(spec, Mapping):
        return set()
    if spec.get("documented") is True and isinstance(spec.get("fact"), str):
        return {spec["fact"]}
    if isinstance(spec.get("all"), list):
        return set().union(*(documented_by(part) for part in spec["all"]))
    return set()


_EDITION_SUFFIX = re.compile(r"-(?:v\d+|ed\d+|(?:19|20)\d\d(?:-\d\d){0,2})$")


@check("IMR007", "overlapping-editions", ERROR, "Two editions of a rule, or two rules of one id family, are in force on the same day.")
def overlapping_editions(context: LintContext) -> Iterator[Problem]:
    families: dict[str, list[tuple[Document, str, list]]] = {}
    for document, data in context.rules():
        spans = _spans(data)
        for (i, a), (j, b) in ((x, y) for n, x in enumerate(spans) for y in spans[n + 1:]):
            if _overlap(a, b):
                yield Problem(document, ("editions", j), f"editions {i + 1} and {j + 1} are both in force on {_first_shared_day(a, b)}",
                              "end one edition the day before the next begins")
        if isinstance(data.get("id"), str):
            families.setdefault(_EDITION_SUFFIX.sub("", data["id"]), []).append((document, data["id"], spans))
    for members in families.values():
        for (doc_a, id_a, spans_a), (doc_b, id_b, spans_b) in ((x, y) for n, x in enumerate(members) for y in members[n + 1:]):
            shared = next((_first_shared_day(a, b) for _, a in spans_a for _, b in spans_b if _overlap(a, b)), None)
            if id_a != id_b and shared:
                yield Problem(doc_b, ("editions",), f"in force on {shared} together with '{id_a}' of the same id family",
                              f"{doc_a.path}:{doc_a.line_of(('editions',))}; make their dates follow each other")


def _spans(data: dict) -> list[tuple[int, tuple[dt.date, dt.date]]]:
    spans = []
    for index, edition in enumerate(_list(data.get("editions"))):
        if isinstance(edition, dict):
            spans.append((index, (parse_date(edition.get("from")) or dt.date.min, parse_date(edition.get("to")) or dt.date.max)))
    return spans


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _first_shared_day(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> str:
    day = max(a[0], b[0])
    return "every day" if day == dt.date.min else day.isoformat()


@check("IMR008", "unselectable-rule", ERROR, "No category, code or keyword can select the rule, or it names an unknown category.")
def unselectable_rules(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        applies = data.get("applies_to") if isinstance(data.get("applies_to"), dict) else {}
        categories = [c for c in _list(applies.get("categories")) if isinstance(c, str)]
        unknown = [c for c in categories if context.categories is not None and c not in context.categories]
        for category in unknown:
            index = categories.index(category)
            yield Problem(document, ("applies_to", "categories", index), f"unknown category '{category}'",
                          _did_you_mean(category, context.categories or ()) or "categories are listed in imr_rules/reference/data/categories.yaml",
                          WARNING)
        if isinstance(data.get("category"), str) and context.categories is not None and data["category"] not in context.categories:
            yield Problem(document, ("category",), f"unknown category '{data['category']}'",
                          _did_you_mean(data["category"], context.categories) or "see imr_rules/reference/data/categories.yaml", WARNING)
        selectable = len(categories) > len(unknown) or _list(applies.get("codes")) or _list(applies.get("keywords"))
        if not selectable:
            yield Problem(document, ("applies_to",), "no category, code or keyword can select this rule",
                          "name a known category, a code or a keyword under applies_to")
        elif constant_value(applies.get("when"), context.definitions) is False:
            yield Problem(document, ("applies_to", "when"), "applies_to.when is always false: the rule never applies")


@check("IMR009", "unreachable-criterion", ERROR, "A criterion can never apply, or the rule's logic never reads it.")
def unreachable_criteria(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        if "applies_when" in criterion and constant_value(criterion["applies_when"], context.definitions) is False:
            yield Problem(document, ("criteria", index, "applies_when"),
                          f"criterion '{criterion.get('id')}' never applies: applies_when is always false")
    for document, data in context.rules():
        logic = data.get("logic", "all")
        if logic == "all" or not isinstance(logic, Mapping):
            continue
        named = set(_logic_ids(logic))
        for index, criterion in enumerate(_list(data.get("criteria"))):
            if isinstance(criterion, dict) and criterion.get("id") not in named:
                yield Problem(document, ("criteria", index, "id"), f"the logic never references criterion '{criterion.get('id')}'",
                              "its status cannot change the decision; add it to logic or remove it", WARNING)


def _logic_ids(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for parts in node.values():
            for part in _list(parts):
                yield from _logic_ids(part)


@check("IMR010", "test-mismatch", ERROR, "A test case names a criterion the rule lacks, or a fact the vocabulary lacks.")
def test_mismatches(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        ids = {c.get("id") for c in _list(data.get("criteria")) if isinstance(c, dict)}
        for index, case in enumerate(_list(data.get("tests"))):
            if not isinstance(case, dict):
                continue
            expected = (case.get("expect") or {}).get("criteria") if isinstance(case.get("expect"), dict) else None
            for criterion_id in expected if isinstance(expected, dict) else ():
                if criterion_id not in ids:
                    yield Problem(document, ("tests", index, "expect", "criteria", criterion_id),
                                  f"test '{case.get('name')}' expects criterion '{criterion_id}', which the rule lacks",
                                  _did_you_mean(str(criterion_id), (i for i in ids if isinstance(i, str))))
            yield from _unknown_case_facts(context, document, index, case)


def _unknown_case_facts(context: LintContext, document: Document, index: int, case: dict) -> Iterator[Problem]:
    item = case.get("item") if isinstance(case.get("item"), dict) else {}
    for path, facts in ((("tests", index, "facts"), case.get("facts")), (("tests", index, "item", "facts"), item.get("facts"))):
        for name in facts if isinstance(facts, dict) else ():
            if name not in context.vocabulary:
                yield Problem(document, path + (name,), f"test '{case.get('name')}' documents unknown fact '{name}'",
                              context.vocabulary.unknown_fact_hint(name))


@check("IMR011", "unknown-placeholder", ERROR,
       "Wording names a {placeholder} that is neither a fact the criterion reads nor a template value (warning if a vocabulary fact).")
def unknown_placeholders(context: LintContext) -> Iterator[Problem]:
    for document, data, index, criterion in context.criteria():
        refs = {n for key in CONDITION_FIELDS for _, n in _ref_paths(criterion.get(key), ())}
        if refs - set(context.definitions):
            continue  # what the criterion reads is unknown until IMR002's unknown definition is fixed
        known = criterion_facts(criterion, context.definitions) | TEMPLATE_VALUES | _kind_values(criterion)
        texts = [(("criteria", index, "wording", k), v) for k, v in (criterion.get("wording") or {}).items()] \
            if isinstance(criterion.get("wording"), dict) else []
        if "remedy" in criterion:
            texts.append((("criteria", index, "remedy"), criterion["remedy"]))
        for path, text in texts:
            for name in _PLACEHOLDER.findall(text if isinstance(text, str) else ""):
                if name in known:
                    continue
                message = f"placeholder '{{{name}}}' is neither a fact criterion '{criterion.get('id')}' reads nor a template value"
                if name in context.vocabulary:  # filled when documented, shown as {name} when not
                    yield Problem(document, path, message, "it shows as written when the request does not document it", WARNING)
                else:
                    yield Problem(document, path, message, _did_you_mean(name, known) or f"known: {', '.join(sorted(known))}")


def _kind_values(criterion: dict) -> set[str]:
    kind = kind_of(criterion)
    return kind.template_names(criterion) if kind else set()


@check("IMR012", "rec-without-note", WARNING, "A rule relies on recalled guideline text (REC) but has no confidence_note.")
def rec_without_note(context: LintContext) -> Iterator[Problem]:
    for document, data in context.rules():
        recalled = data.get("confidence") == "REC" or any(
            isinstance(c, dict) and c.get("confidence") == "REC" for c in _list(data.get("criteria")))
        if recalled and not str(data.get("confidence_note") or "").strip():
            yield Problem(document, ("confidence",) if "confidence" in data else ("id",), "REC rule without a confidence_note",
                          "say where the recalled text comes from and what must be confirmed")


@check("IMR013", "compile-error", ERROR, "The rule does not compile, for a reason no other check names.")
def compile_errors(context: LintContext) -> Iterator[Problem]:
    from imr_rules.ruleset.loading import _validate

    for document, data in context.rules():
        if _validate(document, "rule.schema.json"):
            continue  # IMR001 reports it; compiling a schema-invalid rule would only repeat that
        try:
            compile_rule(document, context.vocabulary, context.definitions)
        except ImrRulesError as exc:
            message = f"{exc.source.field}: {exc.message}" if exc.source.field else exc.message
            yield Problem(document, (), message, exc.hint, line=exc.source.line)
        except (KeyError, TypeError, ValueError) as exc:
            yield Problem(document, (), f"cannot compile: {type(exc).__name__}: {exc}")
