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

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from imr_rules.documents import Document, format_field_path, load_document, schema_errors, schema_validator
from imr_rules.errors import CaseError, ImrRulesError, Source
from imr_rules.model import Request
from imr_rules.requests.loading import request_from_document
from imr_rules.reference.vocabulary import Vocabulary

CASE_SUFFIXES = (".yaml", ".yml", ".json")


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
    request = _request(document, prefix, spec["request"], vocabulary, f"{Path(document.path).stem}#{spec['index']}")
    return CaseItem(
        index=spec["index"],
        description=" ".join(spec["description"].split()),
        outcome=spec["outcome"],
        request=request,
        reviewer_citation=spec.get("reviewer_citation"),
        notes=spec.get("notes"),
        line=document.line_of(("items", number)),
    )


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
    from imr_rules.letters.parsing import read_letter

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
