"""Derived facts of the non-drug rules: body regions, postsurgical status, course counts, rentals.

Each value comes from the request's structure (fields, dates, service text); a value that cannot
be computed is left out and reads as *not documented*. Tables live in data files, not here.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Mapping


from imr_rules import package_files
from imr_rules.reference import datafiles
from imr_rules.lazyre import lazy  # patterns compile on first use (start-up cost)
from imr_rules.model import Item, Request
from imr_rules.requests.derive_core import documented
from imr_rules.requests.shorthand import body_regions as regions_named, number_word_alternatives, number_words

_POSTOP_TEXT = lazy(r"\bpost-?\s?op(?:erative)?\b|post-?surgical|associated surgical service", re.I)


@lru_cache(maxsize=1)
def _rental_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """"14 days", "a seven-day rental", "2 weeks": days and weeks, in digits or number words."""
    words = number_word_alternatives()
    return (re.compile(rf"\b(\d{{1,3}}|{words})[- ]?days?\b", re.I),
            re.compile(rf"\b(\d{{1,2}}|{words})[- ]?weeks?\b", re.I))


_DAYS_PER_MONTH = 30.4375
# A spinal level or a span of levels: L4, L4-5, L5-S1, C5-C7, T12-L1.
_LEVEL = lazy(r"\b([CTLS])(\d{1,2})(?:\s*-\s*([CTLS])?(\d{1,2}))?\b", re.I)
_REGION_ORDER = {"C": 0, "T": 8, "L": 20, "S": 25}


@lru_cache(maxsize=1)
def postsurgical_table() -> Mapping[str, Any]:
    text = package_files().joinpath("reference/data/postsurgical_courses.yaml").read_text(encoding="utf-8")
    data = datafiles.safe_load(text)
    for entry in data["surgeries"]:
        entry["pattern"] = lazy(entry["match"], re.I)
    return data


@lru_cache(maxsize=1024)  # each wording is searched for once in the table's patterns; bounded
def surgery_course(surgery_type: str) -> Mapping[str, Any] | None:
    """The 9792.24.3 table entry for a surgery described in words, or None if it is not listed."""
    return next((e for e in postsurgical_table()["surgeries"] if e["pattern"].search(surgery_type)), None)


def body_regions(request: Request, item: Item) -> dict[str, Any]:
    # The item's own field first; the service text adds what it names ("lumbar spine and left
    # knee"). An RFA line without a region field still selects region-specific rules this way.
    regions: list[str] = [item.body_region] if item.body_region else []
    regions += [r for r in _text_regions(item.service) if r not in regions]
    values: dict[str, Any] = {"item.regions": tuple(regions)}
    if item.body_region is None and regions:
        values["item.body_region"] = regions[0]
    return values


@lru_cache(maxsize=4096)
def _text_regions(text: str) -> tuple[str, ...]:
    # Cached: 13 patterns cost tens of microseconds a text, and batches repeat services.
    return regions_named(text)


def course_counts(request: Request, item: Item) -> dict[str, Any]:
    # Visits already completed: the documented count, or none for a documented first course;
    # otherwise not documented (a limit on the whole course cannot then be checked). Visits of the
    # same original request already authorized count too: reviewers judge the remaining portion
    # as part of the original request ("the originally requested 6 additional sessions ... is in
    # excess of the guidelines", CM17-0020728; "the full complement of 12", CM17-0014320).
    prior = documented(request, item, "prior_sessions")
    if prior is None and documented(request, item, "prior_course") is False:
        prior = 0
    if prior is not None:
        prior += documented(request, item, "authorized_visits") or 0
    values: dict[str, Any] = {} if prior is None else {"item.prior_visits": prior}
    days = _rental_days(item)
    if days is not None:
        values["item.rental_days"] = days
    levels = documented(request, item, "injection_levels")
    levels = levels if levels is not None else _spinal_levels(item.service)
    if levels:
        values["item.spinal_levels"] = levels
    return values


@lru_cache(maxsize=4096)  # a batch repeats its services' wording; bounded
def _spinal_levels(text: str) -> int:
    """Motion segments named in the text: a span counts its segments, a single vertebra one."""
    count = 0
    for region, start, end_region, end in _LEVEL.findall(text):
        if not end:
            count += 1
            continue
        first = _REGION_ORDER[region.upper()] + int(start)
        last = _REGION_ORDER[(end_region or region).upper()] + int(end)
        count += max(last - first, 1)
    return count


def _number(text: str) -> int:
    return int(text) if text.isdigit() else number_words()[text.lower()]


def _rental_days(item: Item) -> int | None:
    stated = _rental_days_stated(item.service)
    if stated is not None:
        return stated
    if item.duration_weeks is not None and item.frequency_per_week is None:
        return int(round(item.duration_weeks * 7))
    return None


@lru_cache(maxsize=4096)  # a batch repeats its services' wording; bounded
def _rental_days_stated(service: str) -> int | None:
    """Days of rental the service text states ("14 days", "a seven-day rental", "2 weeks")."""
    days, weeks = _rental_patterns()
    match = days.search(service)
    if match:
        return _number(match.group(1))
    match = weeks.search(service)
    if match:
        return 7 * _number(match.group(1))
    return None


def postsurgical(request: Request, item: Item) -> dict[str, Any]:
    values: dict[str, Any] = {}
    surgery_type = documented(request, item, "surgery_type")
    course = surgery_course(surgery_type) if isinstance(surgery_type, str) else None
    if course:
        values["surgery.general_course_visits"] = course["visits"]
        values["surgery.initial_course_visits"] = course["visits"] // 2
    if surgery_type is not None:
        values["surgery.period_months"] = _period_months(course)
    surgery_date = documented(request, item, "surgery_date")
    within_period = False
    # A surgery dated after the request is not yet done: the time since it is not documented (and
    # the report says why, see surgery_date_notes), never a negative time that passes "within".
    if isinstance(surgery_date, dt.date) and request.request_date is not None and surgery_date <= request.request_date:
        days = (request.request_date - surgery_date).days
        values["surgery.weeks_since"] = round(days / 7, 1)
        values["surgery.months_since"] = round(days / _DAYS_PER_MONTH, 1)
        within_period = 0 <= days <= _period_months(course) * _DAYS_PER_MONTH
    values["item.postsurgical"] = _says_postoperative(item.service) or within_period
    return values


@lru_cache(maxsize=4096)  # a batch repeats its services' wording; bounded
def _says_postoperative(service: str) -> bool:
    return _POSTOP_TEXT.search(service) is not None


def _period_months(course: Mapping[str, Any] | None) -> int:
    # A function, not a value computed up front: a request without a surgery never reads the table.
    return course["period_months"] if course else postsurgical_table()["default_period_months"]


DERIVERS = (body_regions, course_counts, postsurgical,)


def surgery_date_notes(request: Request) -> tuple[str, ...]:
    """A report note for each surgery_date after the request date (the request is still decided)."""
    if request.request_date is None:
        return ()
    places = [("facts", request.facts)] + [(f"items[{i}].facts", item.facts) for i, item in enumerate(request.items)]
    return tuple(
        f"{where}.surgery_date is after the request date: the time since surgery is taken as not documented."
        for where, facts in places
        if "surgery_date" in facts and isinstance(facts["surgery_date"].value, dt.date)
        and facts["surgery_date"].value > request.request_date
    )
