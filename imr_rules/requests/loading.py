"""Reading structured treatment requests (YAML or JSON) into :class:`Request` objects.

A request is validated against the request schema, its facts against the fact vocabulary (unknown
name -> error with a "did you mean"; wrong type -> error), and RFA shorthand is normalised
("2x/week x 6 weeks" -> 12 visits). Everything the engine needs is computed here, once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import time
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from imr_rules.limits import check_data, short_key
from imr_rules.documents import Document, dates_to_text, load_document, parse_document, schema_errors, schema_validator
from imr_rules.requests.derived import with_item_facts
from imr_rules.errors import RequestError, enum_value_shown, raise_all, text_shape, value_kind
from imr_rules.model import EMPTY, Diagnosis, Drug, Fact, Item, Patient, Provenance, Request
from imr_rules.requests.comments import lost_quantity_notes
from imr_rules.requests.shorthand import Schedule, parse_schedule
from imr_rules.requests.quickschema import schema_check
from imr_rules.reference.vocabulary import Vocabulary, categories, default_vocabulary, parse_date, python_type_matches


def load_request(path: str | Path, vocabulary: Vocabulary | None = None) -> Request:
    """Read, validate and normalise a request file; raise an :class:`ImrRulesError` on bad input."""
    return request_from_document(load_document(path), vocabulary)


def parse_request(text: str, name: str = "<request>", vocabulary: Vocabulary | None = None) -> Request:
    return request_from_document(parse_document(text, name), vocabulary)


def request_from_data(data: Mapping[str, Any], name: str = "<request>", vocabulary: Vocabulary | None = None) -> Request:
    """Build a request from an already-parsed mapping (e.g. one JSON Lines record)."""
    return request_from_document(Document(name, data), vocabulary)


def request_from_document(document: Document, vocabulary: Vocabulary | None = None) -> Request:
    vocabulary = vocabulary or default_vocabulary()
    if not isinstance(document.data, dict):
        raise RequestError("expected a mapping with 'items' at the top of the file", document.source())
    data = document.data
    if not document.checked:
        # Data given to the library gets the bounds a file gets when read (a parsed file has had them).
        check_data(data, document.source)
        data = dates_to_text(data)
    source_document = document
    document = Document(document.path, data, document.lines)
    problems: list = []
    if not schema_check("request.schema.json")(data):  # only a failure pays for jsonschema's messages
        problems = schema_errors(document, schema_validator("request.schema.json"), RequestError)
        if problems:
            # The fact names are checked too where the facts are a mapping, so that one run
            # reports every problem of the file, in line order.
            problems += _fact_name_problems(document, data, vocabulary)
            raise_all(problems)
    facts = _collecting(problems, lambda: _facts(document, ("facts",), data.get("facts") or {}, vocabulary, "request"))
    patient_data = data.get("patient") or {}
    patient = Patient(
        age=patient_data.get("age"),
        sex=patient_data.get("sex"),
        date_of_injury=_date(document, patient_data.get("date_of_injury"), ("patient", "date_of_injury")),
    )
    diagnoses = tuple(
        Diagnosis(code=(d.get("code") or "").strip().upper() or None, system=d.get("system"), text=d.get("text"))
        for d in data.get("diagnoses") or ()
    )
    items = tuple(_collecting(problems, lambda index=index, spec=spec: _item(document, index, spec, vocabulary))
                  for index, spec in enumerate(data["items"]))
    raise_all(problems)
    _check_unique_item_ids(document, items)
    _check_item_amounts(document, data["items"], items)
    request = Request(
        # The file name only where no id is given: a Path costs some 6 us, and a batch gives ids.
        id=str(data["request_id"]) if "request_id" in data else Path(document.path).stem,
        request_date=_date(document, data.get("request_date"), ("request_date",)),
        patient=patient,
        diagnoses=diagnoses,
        items=items,
        facts=facts,
        source=document.path,
        notes=lost_quantity_notes(source_document, items),
    )
    _check_dates(document, request)
    return with_item_facts(request)


def _date(document: Document, value: Any, path: tuple) -> dt.date | None:
    if value is None:
        return None
    day = parse_date(value, leading=True)
    if day is None:
        raise RequestError(f"invalid date (of the form {text_shape(value)})", document.source(path),
                           "write dates as YYYY-MM-DD")
    return day


# A request dated this many days ahead of today is a typo, not a request: the guideline edition in
# force would be guessed. (The check depends on the day it runs; the report never does.)
FUTURE_TOLERANCE_DAYS = 31


def _check_dates(document: Document, request: Request) -> None:
    """Impossible dates are errors: a request before the injury, a date too far in the future."""
    latest = _latest_date(int(time.time()) // 60)
    for date, path in ((request.request_date, ("request_date",)), (request.patient.date_of_injury, ("patient", "date_of_injury"))):
        if date is not None and date > latest:
            raise RequestError(f"date is more than {FUTURE_TOLERANCE_DAYS} days after today", document.source(path),
                               "check the year")
    injury = request.patient.date_of_injury
    if request.request_date is not None and injury is not None and request.request_date < injury:
        raise RequestError("request_date is before patient.date_of_injury", document.source(("request_date",)),
                           "a request for this injury comes after it: check both dates")


@lru_cache(maxsize=1)
def _latest_date(minute: int) -> dt.date:
    """The latest plausible date, worked out again each minute rather than for every request of a
    batch (today's date costs a look at the local time zone): a request checked in the minute
    after midnight may see yesterday's limit, a day within the month's tolerance."""
    return dt.date.today() + dt.timedelta(days=FUTURE_TOLERANCE_DAYS)


def _check_item_amounts(document: Document, specs: list, items: tuple[Item, ...]) -> None:
    """A quantity, frequency or duration of zero or less is impossible, not a small request."""
    for index, (spec, item) in enumerate(zip(specs, items)):
        drug_quantity = item.drug.quantity if item.drug is not None else None
        for name, value in (("frequency", item.frequency_per_week), ("duration", item.duration_weeks),
                            ("quantity", item.quantity), ("quantity", drug_quantity)):
            if value is not None and value <= 0:
                field = name if name in spec else ("drug", "quantity") if name == "quantity" and "drug" in spec else ()
                path = ("items", index) + ((field,) if isinstance(field, str) else field)
                raise RequestError(f"the {name} requested must be more than 0", document.source(path),
                                   "give the amount requested, or leave it out if the request does not state it")


# The range a documented number can take, by the unit the vocabulary gives it; every count,
# duration, dose and score is at least 0.
_UNIT_MAXIMUM = {"percent": 100, "0-10": 10}


def _check_range(name: str, value: Any, unit: str | None, where: Callable[[], Any]) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    maximum = _UNIT_MAXIMUM.get(unit or "")
    if value < 0 or (maximum is not None and value > maximum):
        expected = f"from 0 to {maximum}" if maximum is not None else "0 or more"
        raise RequestError(f"fact '{name}' must be {expected}" + (f" ({unit})" if unit else ""), where(),
                           "write the documented value; leave the fact out if it is not documented")


def _collecting(problems: list, step):
    """Run one step of loading; a bad-input problem is kept (the step gives None) so that the
    other steps still run and the request's problems are all reported together."""
    try:
        return step()
    except RequestError as error:
        problems.append(error)
        return None


def _fact_name_problems(document: Document, data: Mapping[str, Any], vocabulary: Vocabulary) -> list:
    """Unknown fact names in the request's and items' facts (where those are mappings)."""
    sections = [(("facts",), data.get("facts"))]
    items = data.get("items")
    if isinstance(items, list):
        sections += [(("items", i, "facts"), item.get("facts")) for i, item in enumerate(items) if isinstance(item, dict)]
    return [
        RequestError(f"unknown fact '{short_key(name)}'", document.source(path + (name,)), vocabulary.unknown_fact_hint(name))
        for path, raw in sections if isinstance(raw, dict)
        for name in sorted(raw, key=str) if isinstance(name, str) and vocabulary.get(name) is None
    ]


def _facts(document: Document, path: tuple, raw: Mapping[str, Any], vocabulary: Vocabulary, scope: str) -> Mapping[str, Fact]:
    if not raw:
        return EMPTY  # most items document no fact of their own
    problems: list = []
    facts = {}
    for name, spec in sorted(raw.items()):
        try:  # as _collecting does, written out: a batch reads thousands of facts
            facts[name] = _one_fact(document, path, name, spec, vocabulary, scope)
        except RequestError as error:
            problems.append(error)
    if problems:
        raise_all(problems)
    return MappingProxyType(facts)


def _one_fact(document: Document, path: tuple, name: str, spec: Any, vocabulary: Vocabulary, scope: str) -> Fact:
    # The place is worked out only for an error: most facts have none, and a batch reads many.
    where = lambda: document.source(path + (name,))  # noqa: E731
    definition = vocabulary.get(name)
    if definition is None:
        raise RequestError(f"unknown fact '{short_key(name)}'", where(), vocabulary.unknown_fact_hint(name))
    if definition.scope == "derived":
        raise RequestError(f"'{name}' is computed from the request and cannot be written as a fact", where(),
                           "give it through the item's fields (quantity, frequency, ...)")
    if scope == "request" and definition.scope == "item":
        raise RequestError(f"'{name}' describes one item's prior course", where(), "put it under that item's facts:")
    fact = _fact(spec, definition.type == "date")
    if not python_type_matches(definition.type, fact.value):
        raise RequestError(f"expected {definition.type} for fact '{name}', got {value_kind(fact.value)}",
                           where(), _type_hint(definition.type))
    _check_range(name, fact.value, definition.unit, where)
    return fact


_PROVENANCE_KEYS = frozenset(("source", "span", "section", "rule", "context", "confidence", "confirmed"))


def _fact(spec: Any, is_date: bool) -> Fact:
    """A fact from its plain value or its mapping; provenance keys (from ``draft``) go together.
    A date fact's ISO text is read as a date (other text is left for the type check to report)."""
    if not isinstance(spec, dict):
        return Fact(_coerce(spec) if is_date else spec)
    provenance = None
    if not _PROVENANCE_KEYS.isdisjoint(spec):
        span = spec.get("span")
        provenance = Provenance(
            source=spec.get("source"), span=tuple(span[:2]) if span else None, section=spec.get("section"),
            rule=spec.get("rule"), context=tuple(spec.get("context") or ()), confidence=spec.get("confidence"),
            confirmed=bool(spec.get("confirmed", False)),
        )
    value = spec["value"]
    return Fact(_coerce(value) if is_date else value, spec.get("evidence"), spec.get("date"), provenance)


def _coerce(value: Any) -> Any:
    """A date fact's ISO text as a date; anything else unchanged (the type check then reports it)."""
    day = parse_date(value)
    return value if day is None else day


def _type_hint(fact_type: str) -> str:
    return {
        "boolean": "write true or false (omit the fact if the records do not document it)",
        "integer": "write a whole number",
        "number": "write a number",
        "date": "write YYYY-MM-DD",
        "list": "write a list",
    }.get(fact_type, f"write a {fact_type}")


def _item(document: Document, index: int, spec: Mapping[str, Any], vocabulary: Vocabulary) -> Item:
    path = ("items", index)
    schedule = _schedule(spec)
    drug = None
    if "drug" in spec:
        drug_spec = spec["drug"]
        drug_quantity = drug_spec.get("quantity")
        if isinstance(drug_quantity, str):
            drug_quantity = parse_schedule(drug_quantity).quantity
        strength = drug_spec.get("strength")
        drug = Drug(
            name=drug_spec["name"],
            strength=None if strength is None else str(strength),
            quantity=drug_quantity,
            directions=drug_spec.get("directions"),
        )
    quantity = schedule["quantity"]
    if quantity is None and drug is not None:
        quantity = drug.quantity
    _check_category(document, path, spec.get("category"))
    return Item(
        id=str(spec.get("id", index + 1)),
        service=" ".join(spec["service"].split()),
        category=spec.get("category"),
        codes=tuple(str(c) for c in spec.get("codes", ())),
        body_region=spec.get("body_region"),
        laterality=spec.get("laterality"),
        quantity=quantity,
        frequency_per_week=schedule["frequency"],
        duration_weeks=schedule["duration"],
        unit=schedule["unit"],
        drug=drug,
        facts=_facts(document, path + ("facts",), spec.get("facts") or {}, vocabulary, "item"),
    )


def _check_category(document: Document, path: tuple, category: Any) -> None:
    """A category outside the known list would silently select no rule: it is a typo, say so."""
    if category is None:
        return
    known = categories()
    if category not in known:
        close = difflib.get_close_matches(str(category), list(known), n=1)
        listing = "'imr-rules categories' lists them with their keywords"
        hint = f"did you mean '{close[0]}'? {listing}" if close else f"leave it out to classify by the service text; {listing}"
        raise RequestError(f"unknown category {enum_value_shown(category)}", document.source(path + ("category",)), hint)


def _schedule(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Quantity, frequency and duration from the item's fields, falling back to its free text.

    Explicit fields win over ``other_info``, which wins over the service text ("... 2x6").
    """
    stated = _stated_schedule(spec.get("other_info"), spec.get("service"))
    frequency = spec.get("frequency")
    if isinstance(frequency, str):
        frequency = parse_schedule(frequency if "week" in frequency or "wk" in frequency else frequency + "/week").frequency_per_week
    duration = spec.get("duration")
    if isinstance(duration, str):
        duration = parse_schedule("for " + duration).duration_weeks
    quantity = spec.get("quantity")
    if isinstance(quantity, str):
        quantity = parse_schedule(quantity).quantity
    frequency = frequency if frequency is not None else stated.frequency_per_week
    duration = duration if duration is not None else stated.duration_weeks
    if quantity is None and frequency is not None and duration is not None and float(frequency * duration).is_integer():
        quantity = int(frequency * duration)
    if quantity is None:
        quantity = stated.quantity
    return {"quantity": quantity, "frequency": frequency, "duration": duration, "unit": stated.unit}


@lru_cache(maxsize=4096)  # a batch repeats its items' wording; bounded
def _stated_schedule(other_info: str | None, service: str | None) -> Schedule:
    """The frequency, duration, quantity and unit the free text states: each from ``other_info``
    where it states one, else from the service text."""
    parsed = [parse_schedule(text) for text in (other_info, service) if text]

    def first(name: str, stated=lambda value: value is not None) -> Any:
        return next((getattr(p, name) for p in parsed if stated(getattr(p, name))), None)

    return Schedule(frequency_per_week=first("frequency_per_week"), duration_weeks=first("duration_weeks"),
                    quantity=first("quantity"), unit=first("unit", bool))


def _check_unique_item_ids(document: Document, items: tuple[Item, ...]) -> None:
    seen = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise RequestError(f"duplicate item id '{short_key(item.id)}'", document.source(("items", index, "id")), "give each item a unique id")
        seen.add(item.id)

