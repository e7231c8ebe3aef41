"""Fact-level agreement between two independent annotations of the same IMR letters.

Two folders of case files (``schemas/case.schema.json``) annotate some of the same disputed items,
keyed by (case number, item index). For every item both annotated, each fact the item's request
carries (request facts, overridden by the item's own facts, as the engine reads them) is compared:

- ``same``: both give the same value and overlapping evidence (equal after whitespace/case
  normalisation, or one quote inside the other);
- ``same_value_other_evidence``: same value, evidence quotes that do not overlap;
- ``different_value``: both give the fact, with different values (true vs false, 6 vs 8);
- ``only_a`` / ``only_b``: one annotation gives the fact, the other leaves it absent.

For boolean facts Cohen's kappa is computed on three labels (documented true, documented false,
absent) over the items where the fact could apply: the shared items whose treatment category has,
in either annotation, at least one shared item carrying that fact. Pairs where both leave the
fact absent count there as agreement; without them kappa would only see the disputed pairs.

Files are read as plain YAML, not through the case loader, so extra keys (``reasons:``,
``depends_on:``, ...) and schema changes in either folder do not stop the comparison; an item
without ``index`` or ``request`` is skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

KINDS = ("same", "same_value_other_evidence", "different_value", "only_a", "only_b")

# Evidence that states an absence of documentation ("there is no documentation of", "a lack of
# documentation", "not documented", "no indication", "no evidence") rather than a finding. One
# annotation writing such a statement as documented false while the other leaves the fact absent
# is a convention difference, not a disagreement on what the letter says; the report counts it.
ABSENCE_STATEMENT = re.compile(
    r"\b(no|not|lack of|without)\b[^.]*\b(document\w*|evidence|indicat\w*|noted|specified|provided|review)\b",
    re.IGNORECASE)
LABELS = ("true", "false", "absent")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Fact:
    value: Any
    evidence: str | None = None


@dataclass(frozen=True)
class AnnotatedItem:
    case_number: str
    index: int
    outcome: str | None
    category: str | None
    facts: Mapping[str, Fact]
    request_date: str | None = None


@dataclass(frozen=True)
class Difference:
    """One fact on one shared item where the annotations differ (or agree, for ``same``)."""

    case_number: str
    index: int
    fact: str
    kind: str
    a: Fact | None
    b: Fact | None


@dataclass
class FactAgreement:
    fact: str
    counts: Counter = field(default_factory=Counter)
    kappa: float | None = None
    kappa_items: int = 0
    boolean: bool = True

    @property
    def compared(self) -> int:
        return sum(self.counts[k] for k in KINDS)


def is_absence_statement(fact: Fact | None) -> bool:
    """A documented-false fact whose evidence says the records lack something (see ABSENCE_STATEMENT)."""
    return fact is not None and fact.value is False and bool(ABSENCE_STATEMENT.search(fact.evidence or ""))


@dataclass
class Agreement:
    shared: list[tuple[str, int]]
    only_a_items: int
    only_b_items: int
    per_fact: dict[str, FactAgreement]
    overall: Counter
    kappa: float | None
    kappa_pairs: int
    differences: list[Difference]
    outcome_mismatches: list[tuple[str, int]]
    absence_only: Counter = field(default_factory=Counter)
    date_mismatches: list[tuple[str, int, str | None, str | None]] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fact(raw: Any) -> Fact:
    if isinstance(raw, Mapping):
        evidence = raw.get("evidence")
        return Fact(_plain(raw.get("value")), evidence if isinstance(evidence, str) else None)
    return Fact(_plain(raw))


def _facts(raw: Any) -> dict[str, Fact]:
    return {str(name): _fact(value) for name, value in raw.items()} if isinstance(raw, Mapping) else {}


def items_from_document(data: Any) -> list[AnnotatedItem]:
    """The annotated items of one parsed case document (a mapping); malformed parts are skipped."""
    if not isinstance(data, Mapping):
        return []
    case_number = str(data.get("case_number", ""))
    found = []
    for spec in data.get("items") or []:
        if not isinstance(spec, Mapping) or not isinstance(spec.get("index"), int):
            continue
        request = spec.get("request")
        if not isinstance(request, Mapping):
            continue
        lines = request.get("items") or []
        line = lines[0] if lines and isinstance(lines[0], Mapping) else {}
        facts = _facts(request.get("facts")) | _facts(line.get("facts"))
        category = line.get("category")
        date = request.get("request_date")
        found.append(AnnotatedItem(case_number, spec["index"], spec.get("outcome"),
                                   str(category) if category else None, facts,
                                   str(_plain(date)) if date is not None else None))
    return found


def read_annotation(folder: str | Path, recursive: bool = False) -> dict[tuple[str, int], AnnotatedItem]:
    """Every annotated item under ``folder`` by (case number, index); subfolders only if asked."""
    folder = Path(folder)
    pattern = "**/*" if recursive else "*"
    items: dict[tuple[str, int], AnnotatedItem] = {}
    for path in sorted(folder.glob(pattern)):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            try:
                data = yaml.load(handle, Loader=_Loader)
            except yaml.YAMLError:
                continue
        for item in items_from_document(data):
            items[(item.case_number, item.index)] = item
    return items


# --- comparing ---------------------------------------------------------------------------------

def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return _norm(a) == _norm(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _evidence_overlaps(a: str | None, b: str | None) -> bool:
    a, b = _norm(a), _norm(b)
    if not a and not b:
        return True
    return bool(a and b) and (a in b or b in a)


def classify(a: Fact | None, b: Fact | None) -> str | None:
    """The kind of (dis)agreement between two annotations of one fact; None if both are absent."""
    if a is None and b is None:
        return None
    if b is None:
        return "only_a"
    if a is None:
        return "only_b"
    if not _same_value(a.value, b.value):
        return "different_value"
    return "same" if _evidence_overlaps(a.evidence, b.evidence) else "same_value_other_evidence"


def label(fact: Fact | None) -> str:
    """Three-valued label of a boolean fact: documented true, documented false, or absent."""
    if fact is None:
        return "absent"
    return "true" if fact.value is True else "false" if fact.value is False else "absent"


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> float | None:
    """Cohen's kappa of paired labels; None without pairs, or when chance agreement is total."""
    pairs = list(pairs)
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(1 for x, y in pairs if x == y) / n
    first, second = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    expected = sum(first[k] * second[k] for k in set(first) | set(second)) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def compare_annotations(a: Mapping[tuple[str, int], AnnotatedItem],
                        b: Mapping[tuple[str, int], AnnotatedItem]) -> Agreement:
    """Fact-level agreement between annotation ``a`` and annotation ``b`` on their shared items."""
    shared = sorted(set(a) & set(b))
    per_fact: dict[str, FactAgreement] = {}
    overall: Counter = Counter()
    differences: list[Difference] = []
    outcome_mismatches = [key for key in shared if a[key].outcome != b[key].outcome]
    boolean: dict[str, bool] = {}
    categories_with: dict[str, set] = defaultdict(set)

    def category(key):
        return a[key].category or b[key].category

    for key in shared:
        fa, fb = a[key].facts, b[key].facts
        for name in sorted(set(fa) | set(fb)):
            kind = classify(fa.get(name), fb.get(name))
            entry = per_fact.setdefault(name, FactAgreement(name))
            entry.counts[kind] += 1
            overall[kind] += 1
            differences.append(Difference(key[0], key[1], name, kind, fa.get(name), fb.get(name)))
            if kind in ("only_a", "only_b") and is_absence_statement(fa.get(name) or fb.get(name)):
                entry.counts[kind + "_absence"] += 1
            values = [f.value for f in (fa.get(name), fb.get(name)) if f is not None]
            boolean[name] = boolean.get(name, True) and all(isinstance(v, bool) for v in values)
            categories_with[name].add(category(key))

    all_pairs: list[tuple[str, str]] = []
    for name, entry in per_fact.items():
        entry.boolean = boolean[name]
        if not entry.boolean:
            continue
        universe = [key for key in shared if category(key) in categories_with[name]]
        pairs = [(label(a[key].facts.get(name)), label(b[key].facts.get(name))) for key in universe]
        entry.kappa_items = len(pairs)
        entry.kappa = cohen_kappa(pairs)
        all_pairs.extend(pairs)

    return Agreement(
        shared=shared,
        only_a_items=len(set(a) - set(b)),
        only_b_items=len(set(b) - set(a)),
        per_fact=dict(sorted(per_fact.items())),
        overall=overall,
        kappa=cohen_kappa(all_pairs),
        kappa_pairs=len(all_pairs),
        differences=differences,
        outcome_mismatches=outcome_mismatches,
        date_mismatches=[(c, i, a[(c, i)].request_date, b[(c, i)].request_date) for c, i in shared
                         if a[(c, i)].request_date != b[(c, i)].request_date],
        absence_only=Counter({k: sum(e.counts[k + "_absence"] for e in per_fact.values()) for k in ("only_a", "only_b")}),
    )


# --- report ------------------------------------------------------------------------------------

def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_agreement(result: Agreement, name_a: str = "A", name_b: str = "B", details: bool = False) -> str:
    """A plain-text report: shared items, per-fact counts and kappa, overall figures."""
    lines = [
        f"Shared items: {len(result.shared)} (only in {name_a}: {result.only_a_items}, only in {name_b}: {result.only_b_items})",
    ]
    if result.outcome_mismatches:
        lines.append("Outcome differs on: " + ", ".join(f"{c}#{i}" for c, i in result.outcome_mismatches))
    if result.date_mismatches:
        lines.append(f"request_date differs on {len(result.date_mismatches)} items: "
                     + ", ".join(f"{c}#{i} ({x} vs {y})" for c, i, x, y in result.date_mismatches))
    header = f"{'fact':38} {'same':>5} {'oth.ev':>6} {'diff':>5} {'only ' + name_a:>8} {'only ' + name_b:>8} {'kappa':>6} {'n':>4}"
    lines += ["", header, "-" * len(header)]
    rows = sorted(result.per_fact.values(), key=lambda e: (-(e.compared - e.counts["same"] - e.counts["same_value_other_evidence"]), e.fact))
    for e in rows:
        c = e.counts
        lines.append(f"{e.fact:38} {c['same']:>5} {c['same_value_other_evidence']:>6} {c['different_value']:>5} "
                     f"{c['only_a']:>8} {c['only_b']:>8} {_kappa(e.kappa) if e.boolean else 'n/a':>6} "
                     f"{e.kappa_items if e.boolean else '':>4}")
    o = result.overall
    total = sum(o[k] for k in KINDS)
    lines.append("-" * len(header))
    lines.append(f"{'all facts':38} {o['same']:>5} {o['same_value_other_evidence']:>6} {o['different_value']:>5} "
                 f"{o['only_a']:>8} {o['only_b']:>8} {_kappa(result.kappa):>6} {result.kappa_pairs:>4}")
    if total:
        agree = o["same"] + o["same_value_other_evidence"]
        lines += ["",
                  f"Facts given by either annotation on shared items: {total}. "
                  f"Both give the same value: {agree} ({agree / total:.0%}; same evidence {o['same']}). "
                  f"Different value: {o['different_value']}. Only {name_a}: {o['only_a']}. Only {name_b}: {o['only_b']}.",
                  f"Of the facts present in one annotation only, documented false from a statement that the records "
                  f"lack something ('there is no documentation of ...'): {name_a} {result.absence_only['only_a']}, "
                  f"{name_b} {result.absence_only['only_b']}.",
                  f"Cohen's kappa (boolean facts; documented true / documented false / absent, over the shared "
                  f"items of the categories where the fact occurs): {_kappa(result.kappa)} on {result.kappa_pairs} pairs."]
    if details:
        lines += ["", "Differences:"]
        for d in result.differences:
            if d.kind == "same":
                continue
            show = lambda f: "absent" if f is None else f"{f.value!r} ({f.evidence!r})"  # noqa: E731
            lines.append(f"  {d.case_number}#{d.index} {d.fact} [{d.kind}]: {name_a}={show(d.a)}; {name_b}={show(d.b)}")
    return "\n".join(lines)
