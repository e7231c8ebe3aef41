"""One date reader (vocabulary.parse_date) for requests, rules, conditions, lint and coverage."""

from __future__ import annotations

import datetime as dt

import pytest

from imr_rules.errors import ImrRulesError
from imr_rules.reference.vocabulary import parse_date
from imr_rules.requests.loading import request_from_data


@pytest.mark.parametrize(("value", "leading", "expected"), [
    ("2016-12-05", False, dt.date(2016, 12, 5)),
    (dt.date(2016, 12, 5), False, dt.date(2016, 12, 5)),
    ("2016-12-05T10:30:00", True, dt.date(2016, 12, 5)),
    ("2016-12-05T10:30:00", False, None),
    ("12/05/2016", False, None),
    ("2016-13-01", False, None),
    ("", True, None),
    (None, False, None),
    (20161205, False, None),
])
def test_parse_date(value, leading, expected):
    assert parse_date(value, leading) == expected


def test_a_request_date_is_read_as_its_day_and_a_bad_one_is_refused():
    item = {"service": "Massage therapy", "quantity": 6}
    assert request_from_data({"request_date": "2016-12-05T08:00", "items": [item]}).request_date == dt.date(2016, 12, 5)
    with pytest.raises(ImrRulesError) as raised:
        request_from_data({"request_date": "2016-13-05", "items": [item]})
    assert "request_date" in raised.value.one_line() and "YYYY-MM-DD" in raised.value.one_line()
