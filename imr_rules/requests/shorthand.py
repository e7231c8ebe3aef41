"""RFA shorthand: turn "2x/week x 6 weeks", "x12", "qty: 12", "#90", "1-2 tabs at bedtime" into numbers,
and "L4-5", "BLE", "low back" into body regions.

Requests for Authorization put frequency, duration and quantity in one free-text box ("Other
Information"), and determinations restate them in prose ("two times a week times six weeks").
Every parser here is a pure function of its text; none raises on text it cannot read: it returns
what it could find (``None`` for the rest), because an unreadable quantity is a fact about the
request ("the request does not specify the quantity"), not an error.
"""

from __future__ import annotations

import re
from collections import namedtuple
from functools import lru_cache
from typing import Any

from imr_rules.lazyre import lazy  # patterns compile on first use: a drug-free request never needs the sig ones
from imr_rules.limits import MAX_NUMBER_DIGITS
from imr_rules.reference import datafiles



@lru_cache(maxsize=1)
def number_words() -> dict[str, int]:
    """Number words ("six", "twice") -> value: reference/data/number_words.yaml, the one table."""
    return dict(datafiles.load_table("number_words.yaml", "number_words.schema.json")["numbers"])


def number_word_alternatives() -> str:
    """The number words as regex alternatives, longest first ("twenty-four" before "twenty")."""
    return "|".join(re.escape(word) for word in sorted(number_words(), key=len, reverse=True))


@lru_cache(maxsize=1)
def _number_word_pattern() -> re.Pattern[str]:
    return re.compile(r"\b(" + number_word_alternatives() + r")\b", re.I)


# Units that a treatment count may be expressed in; the first group is visits of therapy.
_VISIT_UNITS = r"(?:visits?|sessions?|treatments?|appointments?|tx)"
_PER_WEEK = r"(?:(?:(?:x|times?)\s*(?:/|a|per|each)?|/|per|a)\s*(?:wk|week)\b|(?:x|times?)\s*weekly\b)"
_DURATION_UNIT = r"(?:wk|week|weeks|wks|month|months|mo|mos)\b"

_FREQ_X_DUR = lazy(
    # "2x/week x 6 weeks", "2 x week for 6 weeks", "2 times a week times 6 weeks", "2x4", "2 x 6"
    r"(?P<f>\d+(?:\.\d+)?)\s*(?:x|times)\s*(?:/|a|per|each)?\s*(?:wk|week|weeks|wks|weekly)?\s*"
    r"(?:x|times|for|over|\*)\s*(?P<d>\d+(?:\.\d+)?)\s*(?P<u>" + _DURATION_UNIT + r")?",
    re.I,
)
# "2x4", "2 x 6": the bare RFA form, frequency per week by weeks (but not "10/325 x 2 mg").
_BARE_FREQ_X_DUR = lazy(r"(?<![\d/.])(?P<f>\d)\s*x\s*(?P<d>\d{1,2})\b(?!\s*(?:mg|mcg|ml|%|/))", re.I)
_FREQ_ONLY = lazy(r"(?P<f>\d+(?:\.\d+)?)\s*" + _PER_WEEK, re.I)
_DURATION_ONLY = lazy(
    r"(?:for|over|x|times|\bduration:?)\s*(?P<d>\d+(?:\.\d+)?)\s*(?P<u>" + _DURATION_UNIT + r")", re.I
)
_COUNT_PATTERNS = (
    # "#90", "# 60"
    lazy(r"#\s*(?P<n>\d+)\b"),
    # "qty: 12", "Qty 15", "quantity 30", "QTY:30"
    lazy(r"\b(?:qty|quantity)\s*[:=.]?\s*(?P<n>\d+)\b", re.I),
    # "12 sessions", "6 visits", "x 12 visits"
    lazy(r"\b(?P<n>\d+)\s*" + _VISIT_UNITS + r"\b", re.I),
    # "x12", "x 6", "times 12" (standing alone, not followed by a duration unit)
    lazy(r"(?:^|[\s(,;])(?:x|times)\s*(?P<n>\d+)\b(?!\s*(?:/|" + _DURATION_UNIT + r"))", re.I),
)
_UNIT_WORDS = (
    ("visit", lazy(r"\b(?:visits?|sessions?|treatments?|appointments?)\b", re.I)),
    ("tablet", lazy(r"\b(?:tabs?|tablets?|caps?|capsules?|pills?)\b", re.I)),
    ("patch", lazy(r"\bpatch(?:es)?\b", re.I)),
)


# The records are named tuples, not dataclasses: creating a frozen dataclass compiles its methods
# (about 1 ms each at import, more than parsing a request), a named tuple costs a tenth of that.
class Schedule(namedtuple("Schedule", "quantity frequency_per_week duration_weeks unit", defaults=(None,) * 4)):
    """How much of a treatment is requested. Any part that the text does not give is ``None``.

    ``quantity`` (int), ``frequency_per_week`` and ``duration_weeks`` (float), ``unit`` (str).
    """

    __slots__ = ()


class Strength(namedtuple("Strength", "value unit")):
    """A strength: ``value`` (float) in ``unit`` (str: mg, mcg, mcg/hr, g, ml, mg/ml, mg/g, %)."""

    __slots__ = ()


class Directions(namedtuple("Directions", "units_per_dose doses_per_day as_needed", defaults=(False,))):
    """Sig: units per dose (a range, "1-2 tabs") and doses per day (a range; ``None`` if unstated).

    ``units_per_dose`` and ``doses_per_day`` are (low, high) float pairs; ``as_needed`` a bool.
    """

    __slots__ = ()

    @property
    def max_units_per_day(self) -> float | None:
        if self.doses_per_day is None:
            return None
        return self.units_per_dose[1] * self.doses_per_day[1]


def words_to_digits(text: str) -> str:
    """Replace number words ("two times a week times six weeks") with digits."""
    numbers = number_words()
    return _number_word_pattern().sub(lambda m: str(numbers[m.group(1).lower()]), text)


# A number written with more digits than a request may hold (limits.MAX_NUMBER_DIGITS), with its
# fraction: no plausible count, strength or dose. Read, it would be infinity (float) or beyond what
# int() converts, and break the arithmetic and the report made of it.
_IMPLAUSIBLE_NUMBER = lazy(rf"\d*\.?\d{{{MAX_NUMBER_DIGITS + 1},}}(?:\.\d+)?")


def _plausible_numbers(text: str) -> str:
    """The text without its implausible numbers, so that the parsers leave them unread (the
    fact they would give is then not documented), as any other text they cannot read."""
    return _IMPLAUSIBLE_NUMBER.sub(" ", text)


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _weeks(amount: float, unit: str | None) -> float:
    if unit and unit.lower().startswith("mo"):
        return amount * 4
    return amount


def parse_schedule(text: str | None) -> Schedule:
    """Read frequency, duration and total quantity from RFA shorthand or letter prose."""
    if not text:
        return Schedule()
    return _parse_schedule(str(text))


# A batch repeats its services' wording ("Norco 10/325 mg #90"): each text is read once. Bounded,
# so a long batch of free text cannot grow memory without end.
@lru_cache(maxsize=4096)
def _parse_schedule(text: str) -> Schedule:
    clean = _plausible_numbers(words_to_digits(text))
    frequency = duration = quantity = None
    match = _FREQ_X_DUR.search(clean) or _BARE_FREQ_X_DUR.search(clean)
    if match:
        frequency = _number(match.group("f"))
        duration = _weeks(_number(match.group("d")), match.groupdict().get("u"))
        # The numbers read as frequency and duration must not be read again as a count.
        clean = clean[: match.start()] + " " + clean[match.end():]
    else:
        freq_match = _FREQ_ONLY.search(clean)
        if freq_match:
            frequency = _number(freq_match.group("f"))
        dur_match = _DURATION_ONLY.search(clean)
        if dur_match:
            duration = _weeks(_number(dur_match.group("d")), dur_match.group("u"))
    for pattern in _COUNT_PATTERNS:
        count_match = pattern.search(clean)
        if count_match:
            quantity = int(count_match.group("n"))
            break
    if quantity is None and frequency is not None and duration is not None:
        product = frequency * duration
        quantity = int(product) if float(product).is_integer() else None
    unit = next((name for name, pattern in _UNIT_WORDS if pattern.search(clean)), None)
    if unit is None and (frequency is not None or duration is not None):
        unit = "visit"
    return Schedule(quantity, frequency, duration, unit)


_STRENGTH_RE = lazy(
    r"(?P<v>\d+(?:\.\d+)?)\s*(?:[/-]\s*\d+(?:\.\d+)?\s*)?(?P<u>mcg/hr|mcg/h|mg/ml|mg/g|mcg|mg|g|ml|%)",
    re.I,
)


def parse_strength(text: str | None) -> Strength | None:
    """First strength in the text: "7.5 mg" -> 7.5 mg; "10/325mg" -> 10 mg (the first component)."""
    if not text:
        return None
    match = _STRENGTH_RE.search(_plausible_numbers(str(text)))
    if not match:
        return None
    unit = match.group("u").lower().replace("mcg/h", "mcg/hr").replace("mcg/hrr", "mcg/hr")
    return Strength(float(match.group("v")), unit)


# Number words are already digits here ("three times a day" -> "3 times a day"; "twice" -> "2").
_TIMES_A_DAY = lazy(
    r"\b(?P<n>\d)\s*(?:(?:x|times)\s*(?:a|per|/)?|a|per|/)\s*(?:day|daily)\b", re.I
)
_FREQUENCY_WORDS = (
    (lazy(r"\bqid\b", re.I), (4, 4)),
    (lazy(r"\btid\b", re.I), (3, 3)),
    (lazy(r"\b(?:bid|2 daily)\b", re.I), (2, 2)),
    (lazy(r"\b(?:qd|daily|1 (?:a|per) day|q ?day|qhs|hs|at bedtime|nightly|every night|qam|qpm)\b", re.I), (1, 1)),
)
_EVERY_HOURS = lazy(r"\bq\s*(?P<a>\d+)(?:\s*-\s*(?P<b>\d+))?\s*(?:h|hr|hrs|hours?)\b", re.I)
_EVERY_HOURS_WORDS = lazy(r"\bevery\s*(?P<a>\d+)(?:\s*(?:-|to)\s*(?P<b>\d+))?\s*(?:hours?|hrs?|h)\b", re.I)
_UNITS_PER_DOSE = lazy(
    r"\b(?:take\s+)?(?P<a>\d+(?:\.\d+)?)(?:\s*(?:-|to)\s*(?P<b>\d+(?:\.\d+)?))?\s*"
    r"(?:tabs?|tablets?|caps?|capsules?|pills?|patch(?:es)?|po\b|puffs?|sprays?|applications?)",
    re.I,
)
_PRN = lazy(r"\b(?:prn|as needed|as necessary)\b", re.I)


def parse_directions(text: str | None) -> Directions | None:
    """Read a sig ("1-2 tabs at bedtime", "1 po q6h prn", "bid") into units per dose and doses per day."""
    if not text:
        return None
    clean = _plausible_numbers(words_to_digits(str(text)))
    units_match = _UNITS_PER_DOSE.search(clean)
    doses = None
    hours_match = _EVERY_HOURS.search(clean) or _EVERY_HOURS_WORDS.search(clean)
    if hours_match:
        shortest = float(hours_match.group("a"))
        longest = float(hours_match.group("b") or shortest)
        doses = (24 / longest, 24 / shortest) if shortest and longest else None  # "q0h", "q4-0h": unread
    elif times_match := _TIMES_A_DAY.search(clean):
        doses = (float(times_match.group("n")),) * 2
    else:
        for pattern, per_day in _FREQUENCY_WORDS:
            if pattern.search(clean):
                doses = (float(per_day[0]), float(per_day[1]))
                break
    if units_match is None and doses is None:
        return None
    if units_match:
        low = float(units_match.group("a"))
        units = (low, float(units_match.group("b") or low))
    else:
        units = (1.0, 1.0)
    return Directions(units, doses, bool(_PRN.search(clean)))


# ------------------------------------------------------------------ body regions

@lru_cache(maxsize=1)
def _region_rules() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(region, pattern of its words) from reference/data/body_regions.yaml, in documented order."""
    table = datafiles.load_table("body_regions.yaml", "body_regions.schema.json")["regions"]
    return tuple((region, lazy("|".join(words), re.I)) for region, words in table.items())


def body_region_ids() -> tuple[str, ...]:
    """The body region ids, in documented order (lumbar_spine, cervical_spine, ...)."""
    return tuple(region for region, _ in _region_rules())


def __getattr__(name: str) -> Any:
    # BODY_REGIONS stays importable, read from the data file on first use.
    if name == "BODY_REGIONS":
        return body_region_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def body_regions(text: str) -> tuple[str, ...]:
    """The body regions a text names, in order of mention ("L4-5 and left knee": lumbar, knee)."""
    found: list[tuple[int, str]] = []
    for region, pattern in _region_rules():
        match = pattern.search(text)
        if match:
            found.append((match.start(), region))
    return tuple(region for _, region in sorted(found))
