"""Annotated IMR cases: a real letter's disputed items beside structured requests built from it.

A case file (YAML or JSON, schema ``schemas/case.schema.json``) names one letter by case number and
lists some of its disputed items: the item's index and description as the letter gives them, the
actual IMR outcome, and a ``request`` in the core request format whose facts are the letter's own
statements (clinical case summary, "there is documentation of ..."). The outcome is never used to
make a fact; a fact the letter does not state is left out, which the engine reads as "not
documented", as IMR does.

Errors are one line, ``file:line: field: message (hint)``; a request's own errors name the field
inside the case file (``items[2].request.items[0].facts.x``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from imr_rules.documents import Document, format_field_path, load_document, schema_errors, schema_validator
from imr_rules.errors import CaseError, ImrRulesError, Source
from imr_rules.model import Request
from imr_rules.requests.loading import request_from_document
from imr_rules.reference.vocabulary import Vocabulary

CASE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Reason:
    """One reason the reviewer gave: our criterion that checks it (``rule/CRITERION``), or short text
    where none does, with the reviewer's words."""

    quote: str
    criterion: str | None = None
    text: str | None = None

    @property
    def label(self) -> str:
        return self.criterion or self.text or ""


@dataclass(frozen=True)
class CaseItem:
    """One disputed item: what IMR decided, and the request we decide it from."""

    index: int
    description: str
    outcome: str
    request: Request
    reviewer_citation: str | None = None
    notes: str | None = None
    line: int | None = None
    # The index of the item (a disputed surgery) that IMR decides this one with; None if independent.
    depends_on: int | None = None
    # The reviewer's stated reasons; None where the annotator has not recorded them.
    reasons: tuple[Reason, ...] | None = None
    # The same request with every clinical fact removed (the RFA alone): the "no facts" baseline.
    without_facts: Request | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Case:
    """One letter's annotated items."""

    case_number: str
    items: tuple[CaseItem, ...]
    decision_date: str | None = None
    letter: Path | None = None
    source: str | None = None


def load_case(path: str | Path, vocabulary: Vocabulary | None = None) -> Case:
    """Read and validate one case file; raise :class:`CaseError` (or an input-file error)."""
    return case_from_document(load_document(path), vocabulary)


def case_from_document(document: Document, vocabulary: Vocabulary | None = None) -> Case:
    if not isinstance(document.data, dict):
        raise CaseError("expected a mapping with 'case_number' and 'items'", document.source())
    problems = schema_errors(document, schema_validator("case.schema.json"), CaseError)
    if problems:
        raise problems[0]
    data = document.data
    items = tuple(_case_item(document, number, spec, vocabulary) for number, spec in enumerate(data["items"]))
    _check_unique_indexes(document, items)
    _check_dependencies(document, items)
    letter = data.get("letter")
    return Case(
        case_number=data["case_number"],
        items=items,
        decision_date=data.get("decision_date"),
        letter=(Path(document.path).parent / letter) if letter else None,
        source=document.path,
    )


def _case_item(document: Document, number: int, spec: dict, vocabulary: Vocabulary | None) -> CaseItem:
    prefix = ("items", number, "request")
    request_id = f"{Path(document.path).stem}#{spec['index']}"
    request = _request(document, prefix, spec["request"], vocabulary, request_id)
    without_facts = _request(document, prefix, _without_facts(spec["request"]), vocabulary, request_id)
    return CaseItem(
        index=spec["index"],
        description=" ".join(spec["description"].split()),
        outcome=spec["outcome"],
        request=request,
        reviewer_citation=spec.get("reviewer_citation"),
        notes=spec.get("notes"),
        line=document.line_of(("items", number)),
        depends_on=spec.get("depends_on"),
        without_facts=without_facts,
        reasons=None if "reasons" not in spec else tuple(
            Reason(" ".join(r["quote"].split()), r.get("criterion"), r.get("text")) for r in spec["reasons"]
        ),
    )


def _without_facts(data: dict) -> dict:
    """The request as the RFA alone gives it: service, quantity, drug, dates, patient and diagnoses."""
    data = {key: value for key, value in data.items() if key != "facts"}
    items = data.get("items")
    if isinstance(items, list):
        data["items"] = [{k: v for k, v in item.items() if k != "facts"} if isinstance(item, dict) else item for item in items]
    return data


def _request(document: Document, prefix: tuple, data: dict, vocabulary: Vocabulary | None, default_id: str) -> Request:
    """The embedded request, read by the request loader; its errors re-pointed into the case file."""
    width = len(prefix)
    lines = {path[width:]: line for path, line in document.lines.items() if path[:width] == prefix}
    data = dict(data)
    data.setdefault("request_id", default_id)
    try:
        return request_from_document(Document(document.path, data, lines), vocabulary)
    except ImrRulesError as error:
        inner = error.source.field
        field = format_field_path(prefix) + (("." + inner) if inner and not inner.startswith("[") else (inner or ""))
        raise CaseError(error.message, Source(document.path, error.source.line, field), error.hint) from None


def _check_unique_indexes(document: Document, items: tuple[CaseItem, ...]) -> None:
    seen: set[int] = set()
    for number, item in enumerate(items):
        if item.index in seen:
            raise CaseError(f"item index {item.index} appears twice", document.source(("items", number, "index")),
                            "annotate each disputed item of the letter once")
        seen.add(item.index)


def _check_dependencies(document: Document, items: tuple[CaseItem, ...]) -> None:
    """``depends_on`` names another annotated item of the same letter (the surgery)."""
    indexes = {item.index for item in items}
    for number, item in enumerate(items):
        if item.depends_on is None:
            continue
        if item.depends_on == item.index or item.depends_on not in indexes:
            raise CaseError(f"depends_on {item.depends_on} is not another annotated item of this letter",
                            document.source(("items", number, "depends_on")),
                            f"name the index of the disputed surgery among {sorted(indexes - {item.index})}")


# A subfolder named ``*-annotation`` holds another annotation of letters annotated beside it (the
# second, independent annotation of issue 12 is examples/cases/second-annotation/): reading it
# with its parent would count the same disputed items twice. A directory's recursion skips such
# folders; name the folder itself as an input to read it.
OTHER_ANNOTATION_SUFFIX = "-annotation"


def case_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """Files as given; a directory contributes its case files (recursively, sorted), except those
    in subfolders named ``*-annotation`` (another annotation of the same letters)."""
    paths: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            paths.extend(sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file()
                                and not _in_other_annotation(p.relative_to(path))))
        else:
            paths.append(path)
    return paths


def _in_other_annotation(relative: Path) -> bool:
    return any(part.endswith(OTHER_ANNOTATION_SUFFIX) for part in relative.parts[:-1])


def iter_cases(inputs: Iterable[str | Path], vocabulary: Vocabulary | None = None) -> Iterator[tuple[Path, Case | ImrRulesError]]:
    """``(path, Case or error)`` for each case file; a bad file yields its error, the batch goes on."""
    for path in case_paths(inputs):
        try:
            yield path, load_case(path, vocabulary)
        except ImrRulesError as error:
            yield path, error


def letter_mismatches(case: Case) -> list[CaseError]:
    """Where the case's items differ from its bundled letter (description or outcome by index).

    This guards annotation errors: an item annotated against the wrong index, or a mistyped
    outcome, would silently corrupt every agreement figure.
    """
    from imr_rules.letters import read_letter

    where = Source(case.source)
    if case.letter is None:
        return [CaseError("no 'letter' to check the items against", where, "bundle the letter and name it")]
    letter = read_letter(case.letter)
    errors = []
    if letter.case_number != case.case_number:
        errors.append(CaseError(f"case number {case.case_number} but the letter says {letter.case_number}", where))
    by_index = {item.index: item for item in letter.items}
    for item in case.items:
        at = Source(case.source, item.line, f"items[index={item.index}]")
        actual = by_index.get(item.index)
        if actual is None:
            errors.append(CaseError(f"the letter has no item {item.index}", at, f"it has {len(letter.items)} items"))
            continue
        if " ".join(actual.description.split()) != item.description:
            errors.append(CaseError(f"description differs from the letter: {actual.description!r}", at))
        if actual.outcome != item.outcome:
            errors.append(CaseError(f"outcome {item.outcome} but the letter says {actual.outcome}", at))
    if case.decision_date and letter.decision_date and case.decision_date != letter.decision_date:
        errors.append(CaseError(f"decision_date {case.decision_date} but the letter says {letter.decision_date}", where))
    return errors


def _spaced(text: str) -> str:
    return " ".join(text.split())


def quote_mismatches(case: Case) -> list[CaseError]:
    """Quotes that are not the letter's own words.

    Each fact's evidence must be one contiguous span of the letter, and each reason's quote one
    span of that item's decision rationale (whitespace aside, as PDF extraction breaks lines).
    A quote joined from pieces ("A ... B") can say what the letter does not: one such quote once
    made a drug look ongoing where the paragraph says it is unclear.
    """
    from imr_rules.letters import read_letter

    if case.letter is None:
        return []
    letter = read_letter(case.letter)
    whole = _spaced(case.letter.read_text(encoding="utf-8", errors="replace"))
    rationales = {item.index: _spaced(item.rationale or "") for item in letter.items}
    errors = []
    for item in case.items:
        at = Source(case.source, item.line, f"items[index={item.index}]")
        request = item.request
        facts = dict(request.facts) | dict(request.items[0].facts)
        for name, fact in sorted(facts.items()):
            if fact.evidence and _spaced(fact.evidence) not in whole:
                errors.append(CaseError(f"evidence of {name} is not a verbatim span of the letter: {fact.evidence!r}", at,
                                        "quote one contiguous passage; give a fact one span, or split it into several facts"))
        for reason in item.reasons or ():
            if reason.quote not in rationales.get(item.index, ""):
                errors.append(CaseError(f"reason {reason.label!r}: quote is not a verbatim span of item {item.index}'s rationale: "
                                        f"{reason.quote!r}", at, "quote the reviewer's words from this item's decision rationale"))
    return errors
