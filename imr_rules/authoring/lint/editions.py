"""IMR007: editions of a rule, or rules of one id family, in force on the same day."""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterator

from imr_rules.authoring.lint.base import ERROR, LintContext, Problem, check
from imr_rules.authoring.lint.walk import as_list
from imr_rules.documents import Document
from imr_rules.reference.vocabulary import parse_date


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
    for index, edition in enumerate(as_list(data.get("editions"))):
        if isinstance(edition, dict):
            spans.append((index, (parse_date(edition.get("from")) or dt.date.min, parse_date(edition.get("to")) or dt.date.max)))
    return spans


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _first_shared_day(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> str:
    day = max(a[0], b[0])
    return "every day" if day == dt.date.min else day.isoformat()
