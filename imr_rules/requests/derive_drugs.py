"""Derived drug facts: which drug a line asks for, how much of it a day, and for how long.

Each deriver reads the item's drug line (``items[].drug``: name, strength, quantity, directions)
or, without one, the service text ("Norco 10/325mg #90 1 po q6h prn"), and returns the ``drug.*``
facts declared in ``imr_rules/reference/data/vocabulary/drugs.yaml``. Anything that cannot be read is left
out, so a rule that needs it finds it *not documented*, as a reviewer would.

The drug table (names, classes, MME factors) is :mod:`imr_rules.reference.drugs`; the Drug Formulary
statuses come from :mod:`imr_rules.reference.formulary` (partial unless an official list is loaded).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

from imr_rules.reference import datafiles
from imr_rules.lazyre import lazy  # patterns compile on first use (start-up cost)
from imr_rules.reference import drugs as lexicon
from imr_rules.reference.formulary import status as formulary_status
from imr_rules.model import Item, Request
from imr_rules.requests.derive_core import documented
from imr_rules.reference.vocabulary import drug_categories
from imr_rules.requests.shorthand import number_word_alternatives, number_words, parse_directions, parse_strength

DEFAULT_MME_TABLE = "cdc-2016"

# "Norco 7.5-325mg": a combination strength written with a hyphen; the first number is the opioid.
_HYPHENATED_COMBINATION = lazy(r"(\d(?:\.\d+)?)-(\d+(?:\.\d+)?\s*(?:mg|mcg))", re.I)
_PERCENT = lazy(r"\d\s*%")
_COMPOUND_WORD = lazy(r"\bcompound(?:ed)?\b", re.I)
_REFILL_WORD = lazy(r"refill", re.I)


def _whole_words(words: list[str]) -> str:
    return r"\b(?:" + "|".join(words) + r")\b"


@lru_cache(maxsize=1)
def _form_table() -> tuple[tuple[tuple[str, re.Pattern[str]], ...], frozenset[str], re.Pattern[str]]:
    """From reference/data/drug_forms.yaml: (form, pattern of its words and brands) most specific
    first; the topical forms; the form words that end generic names."""
    table = datafiles.load_table("drug_forms.yaml", "drug_forms.schema.json")
    forms = tuple(
        (entry["form"], lazy(_whole_words(entry["words"] + [re.escape(b) for b in entry.get("brands", ())]), re.I))
        for entry in table["forms"]
    )
    topical = frozenset(entry["form"] for entry in table["forms"] if entry["topical"])
    # Matched as the lexicon writes generic names (lower case), so without IGNORECASE.
    name_form_words = lazy(r"\s+(?:" + "|".join(table["generic_name_form_words"]) + r")$")
    return forms, topical, name_form_words


def _drug_text(item: Item) -> str:
    return item.drug.name if item.drug is not None else item.service


def identify(item: Item) -> tuple[lexicon.Drug | None, tuple[lexicon.Drug, ...]]:
    """The drug an item asks for and every drug its text names (for compounds).

    An item whose category is set to something other than a drug ("injection_other" for a
    lidocaine injection) is not a drug line, whatever words it contains.
    """
    return _identify(item.category, _drug_text(item), item.service, item.drug is not None)


# Several derivers ask which drug each item is, and a batch names the same drugs again and again:
# the lexicon's answers are remembered by the words asked about (bounded).
@lru_cache(maxsize=4096)
def _identify(category: str | None, text: str, service: str, drug_line: bool) -> tuple[lexicon.Drug | None, tuple[lexicon.Drug, ...]]:
    if category is not None and category not in drug_categories():
        return None, ()
    found = lexicon.find_drugs(text) or (lexicon.find_drugs(service) if drug_line else ())
    primary = lexicon.lookup(text) or (found[0] if found else None)
    if primary is not None and primary not in found:
        found = (primary, *found)
    return primary, found


def is_drug_line(item: Item) -> bool:
    """A drug was requested: a drug line, a drug category, or a drug the lexicon recognises."""
    return item.drug is not None or item.category in drug_categories() or identify(item)[0] is not None


def _full_text(item: Item) -> str:
    parts = [item.service]
    if item.drug is not None:
        parts += [item.drug.name, item.drug.strength or "", item.drug.directions or ""]
    return " ".join(p for p in parts if p)


def ingredients(found: tuple[lexicon.Drug, ...]) -> tuple[str, ...]:
    """Bare substances of every drug named: Terocin -> methyl salicylate, capsaicin, menthol, lidocaine."""
    names: list[str] = []
    for drug in found:
        for part in drug.generic.split("/"):
            name = _form_table()[2].sub("", part.strip())
            if name not in names:
                names.append(name)
    return tuple(names)


@lru_cache(maxsize=4096)  # each form's pattern searched in the line's text: remembered, as above
def dosage_form(text: str, drug: lexicon.Drug) -> str:
    for form, pattern in _form_table()[0]:
        if pattern.search(text):
            return form
    if drug.generic.endswith("patch"):
        return "patch"
    if drug.topical or _PERCENT.search(text):
        return "cream"  # a topical product named without its form word (Terocin, "Ketoprofen 20%")
    return "oral"


def _is_topical(item: Item, drug: lexicon.Drug) -> bool:
    """Applied to the skin; a fentanyl patch stays an opioid, not a topical analgesic."""
    return drug.topical or (dosage_form(_full_text(item), drug) in _form_table()[1] and drug.drug_class != "opioid")


def drug_identity(request: Request, item: Item) -> dict[str, Any]:
    """What the drug is: generic, class, ingredients, form, brand, compounding."""
    return dict(_reading(item).identity)


def _identity(item: Item, drug: lexicon.Drug, found: tuple[lexicon.Drug, ...]) -> dict[str, Any]:
    text = _full_text(item)
    form = dosage_form(text, drug)
    substances = ingredients(found)
    mentions = lexicon.find_drug_mentions(_drug_text(item))
    topical = _is_topical(item, drug)
    values: dict[str, Any] = {
        "drug.name": _drug_text(item),
        "drug.description": text,
        "drug.generic": drug.generic,
        "drug.class": drug.drug_class,
        "drug.ingredients": substances,
        "drug.form": form,
        "drug.topical": bool(topical),
        "drug.brand_requested": bool(mentions) and mentions[0][1] in drug.brands,
        "drug.compounded": bool(
            (topical and len(substances) > 1)
            or _COMPOUND_WORD.search(text)
            or drug.subclass == "compound"
            or drug.generic.endswith("oral suspension")
        ),
    }
    if drug.subclass:
        values["drug.subclass"] = drug.subclass
    return values


class _Reading(NamedTuple):
    """What a line's wording says of its drug. Only the wording counts (category, service, drug
    name, strength, directions), never the amounts or facts of a request."""

    drug_line: bool  # a drug is requested (see is_drug_line), recognised or not
    drug: lexicon.Drug | None  # the drug recognised (identify)
    identity: Mapping[str, Any]  # drug_identity's facts; empty where no drug is recognised
    strength_mg: float | None
    units_per_day: float | None
    as_needed: bool | None
    refills: int | None  # None where the line asks for no drug


_NOT_A_DRUG = _Reading(False, None, MappingProxyType({}), None, None, None, None)
_READINGS: dict[tuple, _Reading] = {}
_READINGS_LIMIT = 4096


def _reading(item: Item) -> _Reading:
    """The reading of the item's wording, remembered (bounded): a batch words the same drug lines
    again and again, and reading one costs tens of microseconds of pattern searches. Every drug
    deriver of an item asks, so the line is read once, not once per deriver."""
    line = item.drug
    key = ((item.category, item.service) if line is None
           else (item.category, item.service, line.name, line.strength, line.directions))
    reading = _READINGS.get(key)
    if reading is None:
        if len(_READINGS) >= _READINGS_LIMIT:
            _READINGS.clear()
        reading = _READINGS[key] = _read(item)
    return reading


def _read(item: Item) -> _Reading:
    drug, found = identify(item)
    if drug is None:
        return _NOT_A_DRUG if not is_drug_line(item) else _NOT_A_DRUG._replace(drug_line=True, refills=_refills(item))
    units, as_needed = _units_per_day(item, drug)
    return _Reading(True, drug, MappingProxyType(_identity(item, drug, found)), _strength_mg(item), units, as_needed,
                    _refills(item))


def _strength_mg(item: Item) -> float | None:
    """The active component's strength in mg (mcg/hr for a patch dosed per hour)."""
    text = item.drug.strength if item.drug is not None and item.drug.strength else _drug_text(item)
    strength = parse_strength(_HYPHENATED_COMBINATION.sub(r"\1/\2", text)) or parse_strength(
        _HYPHENATED_COMBINATION.sub(r"\1/\2", item.service)
    )
    if strength is None:
        return None
    return {"mg": strength.value, "mcg": strength.value / 1000, "mcg/hr": strength.value, "g": strength.value * 1000}.get(strength.unit)


def _units_per_day(item: Item, drug: lexicon.Drug) -> tuple[float | None, bool | None]:
    text = item.drug.directions if item.drug is not None and item.drug.directions else item.service
    directions = parse_directions(text)
    if directions is None:
        return None, None
    if drug.mme_strength_unit == "mcg/hr":
        # A patch dosed in mcg/hr delivers its dose around the clock: count patches worn at once.
        return directions.units_per_dose[1], directions.as_needed
    return directions.max_units_per_day, directions.as_needed


def mme_table(request: Request) -> str:
    fact = request.facts.get("mme_table")
    return DEFAULT_MME_TABLE if fact is None else str(fact.value)


def drug_amounts(request: Request, item: Item) -> dict[str, Any]:
    """How much: strength, units and mg per day, days' supply and morphine equivalents."""
    reading = _reading(item)
    drug = reading.drug
    if drug is None:
        return {}
    values: dict[str, Any] = {}
    strength, units, as_needed = reading.strength_mg, reading.units_per_day, reading.as_needed
    quantity = item.drug.quantity if item.drug is not None and item.drug.quantity is not None else item.quantity
    if strength is not None:
        values["drug.strength_mg"] = strength
    if as_needed is not None:
        values["drug.as_needed"] = as_needed
    if units:
        values["drug.units_per_day"] = units
        if quantity is not None:
            values["drug.days_supply"] = round(quantity / units, 1)
        if strength is not None:
            values["drug.daily_dose_mg"] = round(strength * units, 2)
    table = mme_table(request)
    values["drug.mme_table"] = table
    if drug.mme_opioid and strength is not None and units and table in lexicon.MME_TABLES:
        mme = lexicon.mme_per_day(drug, strength, units, table=table)
        if mme is not None:
            values["drug.mme_per_day"] = mme
    return values


@lru_cache(maxsize=1)
def _refills_patterns() -> tuple[re.Pattern[str], ...]:
    """"refills: 3", "refill x2" first (the number after the word), then "2 refills", "two
    refills", "with 1 refill" (a number not written as a quantity, "#60")."""
    number = rf"(\d{{1,2}}|{number_word_alternatives()})"
    return (re.compile(rf"\brefills?\s*(?::|x|\u00d7)\s*{number}\b", re.I),
            re.compile(rf"(?<!#)\b{number}\s+refills?\b", re.I))


def drug_refills(request: Request, item: Item) -> dict[str, Any]:
    """Refills the line asks for beside its quantity: none where it states none, as the RFA asks
    for what it writes. Refills turn a short course into longer use ("Two refills of Ibuprofen
    600mg #90 ... Long term use is not recommended", CM17-0002181; "as this is a request for a trial
    of Voltaren, the request for 1 refill is excessive", CM16-0243394)."""
    reading = _reading(item)
    return {"drug.refills": reading.refills} if reading.drug_line else {}


def _refills(item: Item) -> int:
    text = _full_text(item)
    # Both patterns hold the word "refill" (matched as they match it, ignoring case as re does): most
    # lines lack it, and then need no scan for the number words.
    match = _REFILL_WORD.search(text) and next((m for m in (p.search(text) for p in _refills_patterns()) if m), None)
    if not match:
        return 0
    word = match.group(1)
    return int(word) if word.isdigit() else number_words()[word.lower()]


def weeks_in_use(request: Request, item: Item) -> float | None:
    start = documented(request, item, "medication.start_date")
    if isinstance(start, dt.date) and request.request_date is not None:
        return max(0.0, round((request.request_date - start).days / 7, 1))
    weeks = documented(request, item, "medication.weeks_in_use")
    if weeks is not None:
        return float(weeks)
    if documented(request, item, "medication.current") is False:
        return 0.0
    return None


def pain_relief_percent(request: Request, item: Item) -> float | None:
    stated = documented(request, item, "medication.pain_relief_percent")
    if stated is not None:
        return float(stated)
    without = documented(request, item, "medication.pain_without")
    with_drug = documented(request, item, "medication.pain_with")
    if without is None or with_drug is None or without <= 0:
        return None
    return round(100 * (without - with_drug) / without, 1)


def drug_history(request: Request, item: Item) -> dict[str, Any]:
    """For how long the patient has taken the drug, and what it did for the pain.

    These read only documented facts, so they hold for any drug line, even one the lexicon lacks.
    """
    if not _reading(item).drug_line:
        return {}
    values: dict[str, Any] = {}
    weeks = weeks_in_use(request, item)
    if weeks is not None:
        values["drug.weeks_in_use"] = weeks
        start = documented(request, item, "medication.start_date")
        exact = isinstance(start, dt.date) and request.request_date is not None
        values["drug.days_in_use"] = max(0, (request.request_date - start).days) if exact else round(weeks * 7)
    current = documented(request, item, "medication.current")
    if current is not None:
        values["drug.ongoing"] = current
    elif weeks is not None:
        values["drug.ongoing"] = weeks > 0
    relief = pain_relief_percent(request, item)
    if relief is not None:
        values["drug.pain_relief_percent"] = relief
    return values


def other_drug_items(request: Request, item: Item) -> dict[str, Any]:
    """Whether the same request also asks for an oral NSAID or an opioid (PPI and drug tests depend on it)."""
    nsaids, opioids = _oral_classes_on_request(request)
    # Another item than this one: most requests have none at all, and then no set is made.
    return {
        "drug.nsaid_on_request": bool(nsaids) and nsaids != {item.id},
        "drug.opioid_on_request": bool(opioids) and opioids != {item.id},
    }


# The request whose items were last read, and which item ids ask for an oral NSAID or opioid.
# Every item of a request asks the same question about the others: reading each item's drug once
# per request keeps loading linear in the number of items (it was quadratic). Keyed by identity,
# so a different request (even an equal one) is read afresh; one tuple, read and replaced whole,
# so threads loading requests at once never pair one request with another's answer.
_last_request: tuple = (None, None)


def _oral_classes_on_request(request: Request) -> tuple[frozenset, frozenset]:
    """The ids of the items asking for an oral NSAID, and for an oral opioid."""
    global _last_request
    last, answer = _last_request
    if last is request:
        return answer
    nsaids, opioids = set(), set()
    for other in request.items:
        identity = _reading(other).identity  # empty where no drug is recognised
        if identity and not identity["drug.topical"]:
            if identity["drug.class"] == "nsaid":
                nsaids.add(other.id)
            elif identity["drug.class"] == "opioid":
                opioids.add(other.id)
    answer = (frozenset(nsaids), frozenset(opioids))
    _last_request = (request, answer)
    return answer


def formulary(request: Request, item: Item) -> dict[str, Any]:
    """MTUS Drug Formulary status, and whether prospective review was needed (9792.27.10-.13).

    A status no source establishes (unknown) leaves these facts undocumented: nothing is guessed.
    """
    reading = _reading(item)
    drug, identity = reading.drug, reading.identity
    if drug is None:
        return {}
    found = formulary_status(drug.generic, request.request_date, identity["drug.compounded"])
    if found.status in ("unknown", "not_in_force"):
        return {}
    values: dict[str, Any] = {
        "drug.formulary_status": found.status,
        "drug.special_fill_listed": bool(found.special_fill),
        "drug.perioperative_fill_listed": bool(found.perioperative_fill),
    }
    if found.status == "exempt":
        # A brand-name Exempt drug needs review where a generic exists (the lexicon lists one).
        values["drug.prospective_review_required"] = identity["drug.brand_requested"]
    elif found.status == "non_exempt" and (_special_fill_applies(request, item, found.special_fill)
                                           or _perioperative_fill_applies(request, item, found.perioperative_fill)):
        values["drug.prospective_review_required"] = False
    else:
        values["drug.prospective_review_required"] = True
    return values


def _special_fill_applies(request: Request, item: Item, limit_days: int | None) -> bool:
    """9792.27.12: within 7 days of the injury (the day after it is day one), supply within the limit."""
    injury, day = request.patient.date_of_injury, request.request_date
    if not limit_days or injury is None or day is None or not 0 < (day - injury).days <= 7:
        return False
    supply = drug_amounts(request, item).get("drug.days_supply")
    return supply is not None and supply <= limit_days


def _perioperative_fill_applies(request: Request, item: Item, limit_days: int | None) -> bool:
    """9792.27.13: prescribed from 4 days before to 4 days after surgery, supply within the limit."""
    surgery, day = documented(request, item, "surgery_date"), request.request_date
    if not limit_days or not isinstance(surgery, dt.date) or day is None or abs((day - surgery).days) > 4:
        return False
    supply = drug_amounts(request, item).get("drug.days_supply")
    return supply is not None and supply <= limit_days


def drug_screens(request: Request, item: Item) -> dict[str, Any]:
    last = documented(request, item, "uds.last_date")
    if not isinstance(last, dt.date) or request.request_date is None:
        return {}
    return {"uds.weeks_since_last": round((request.request_date - last).days / 7, 1)}


def drug_line(request: Request, item: Item) -> dict[str, Any]:
    """What a drug line asks for: its identity, amounts, refills and use history. Every other item
    (most items of a batch) gets nothing from any of them, so it is asked once, here."""
    if not _reading(item).drug_line:
        return {}
    values = drug_identity(request, item)
    for deriver in (drug_amounts, drug_refills, drug_history):
        values.update(deriver(request, item))
    return values


DERIVERS = (drug_line, other_drug_items, formulary, drug_screens,)
