import pytest

from imr_rules.requests.shorthand import parse_directions, parse_schedule, parse_strength


@pytest.mark.parametrize(
    "text, quantity, per_week, weeks",
    [
        ("2x/week x 6 weeks", 12, 2, 6),
        ("2x/wk x 6 wks", 12, 2, 6),
        ("2x4", 8, 2, 4),
        ("Physical therapy 2x4 for the lumbar spine", 8, 2, 4),
        ("Message Therapy 2x week for 6 weeks for low back", 12, 2, 6),
        ("two times a week times six weeks", 12, 2, 6),
        ("3 times per week for 4 weeks", 12, 3, 4),
        ("once a week for six weeks", 6, 1, 6),
        ("1x/week x 2 months", 8, 1, 8),
        ("x12", 12, None, None),
        ("2 times weekly for 6 weeks", 12, 2, 6),
        ("Acupuncture times 12", 12, None, None),
        ("x6 visits", 6, None, None),
        ("qty: 12", 12, None, None),
        ("#90", 90, None, None),
        ("Norco 10/325 #120", 120, None, None),
        ("12 sessions", 12, None, None),
        ("Massage therapy", None, None, None),
        ("", None, None, None),
    ],
)
def test_schedule_shorthand(text, quantity, per_week, weeks):
    schedule = parse_schedule(text)
    assert (schedule.quantity, schedule.frequency_per_week, schedule.duration_weeks) == (quantity, per_week, weeks)


@pytest.mark.parametrize(
    "text, units, doses, prn",
    [
        ("1-2 tabs at bedtime", (1, 2), (1, 1), False),
        ("1 po q6h prn", (1, 1), (4, 4), True),
        ("1 tab every 4-6 hours as needed", (1, 1), (4, 6), True),
        ("1-2 tabs orally every 4-6 hrs as needed", (1, 2), (4, 6), True),
        ("take one tablet three times a day", (1, 1), (3, 3), False),
        ("1 tab twice a day", (1, 1), (2, 2), False),
        ("bid", (1, 1), (2, 2), False),
    ],
)
def test_directions(text, units, doses, prn):
    directions = parse_directions(text)
    assert directions.units_per_dose == units
    assert directions.doses_per_day == doses
    assert directions.as_needed is prn


def test_directions_unreadable_is_none():
    assert parse_directions("as directed by physician") is None


def test_max_units_per_day():
    assert parse_directions("1-2 tabs q6h").max_units_per_day == 8


@pytest.mark.parametrize("text, value, unit", [("7.5 mg", 7.5, "mg"), ("Norco 7.5-325mg", 7.5, "mg"), ("Norco 10/325mg", 10, "mg"), ("Lidoderm 5%", 5, "%"), ("fentanyl 25 mcg/hr", 25, "mcg/hr")])
def test_strength(text, value, unit):
    strength = parse_strength(text)
    assert (strength.value, strength.unit) == (value, unit)
