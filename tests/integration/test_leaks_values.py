"""Out-of-range values the probe sent (issue 15, item 8): years and dates far outside a school's
life in query strings, a calendar event in year 9999, a CSV field over 128 KB, a framework JSON
nested 200,000 deep, a sync manifest with a 2^70 sequence number. Each is a Russian 4xx, never a
500, and one bad event does not break anyone's calendar feed."""

from __future__ import annotations

import datetime

import pytest

from appliance.models.calendar import Event
from appliance.models.people import User
from appliance.services import calendar as cal
from appliance.services import calendar_ics, competencies
from appliance.services.errors import ServiceError
from tests.conftest import login

EXTREME = ("9999-12-31", "0001-01-01", "12345678901234567890-01-01", "99999999999999999999")
QUERIES = [
    ("student1", "/calendar/week?d={}"),
    ("teacher1", "/calendar/week?d={}"),
    ("student1", "/calendar/?m={}"),
    ("student1", "/portfolio/?year={}"),
    ("teacher1", "/review/contribution?year={}"),
    ("teacher1", "/review/contribution.csv?year={}"),
    ("admin", "/indicators/?year={}"),
    ("admin", "/indicators/indicators.csv?year={}"),
]


@pytest.mark.parametrize("who,url", QUERIES)
@pytest.mark.parametrize("value", EXTREME + ("9999-12", "0001-01", "10000-01"))
def test_extreme_dates_and_years_in_query_strings_are_a_russian_4xx(app, demo, who, url, value):
    client = app.test_client()
    login(client, who)
    response = client.get(url.format(value))
    assert 400 <= response.status_code < 500, (url.format(value), response.status_code)
    page = response.get_data(as_text=True)
    assert "год" in page or "дата" in page or "месяц" in page


def test_plain_values_still_work(app, demo):
    client = app.test_client()
    login(client, "teacher1")
    for url in ("/calendar/week?d=2026-10-05", "/calendar/?m=2026-10", "/review/contribution?year=2026",
                "/calendar/week", "/calendar/"):
        assert client.get(url).status_code == 200, url


def _ics(start: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:far@future\r\nSUMMARY:Далеко\r\n"
            f"DTSTART;VALUE=DATE:{start}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


@pytest.mark.parametrize("start", ["99991231", "00010101", "99990101"])
def test_an_ics_event_outside_the_schools_years_is_refused(demo, start):
    admin = User.get(User.login == "admin")
    with pytest.raises(ServiceError) as refused:
        calendar_ics.import_ics(_ics(start), admin.school, by=admin)
    assert 400 <= refused.value.status < 500
    assert not Event.select().where(Event.uid == "far@future").exists()


def test_an_event_in_year_9999_does_not_break_the_staff_feeds(demo):
    """Stored before the check existed (or by any other path): every feed still renders."""
    admin = User.get(User.login == "admin")
    Event.create(school=admin.school, title="Конец времён", starts_on=datetime.date(9999, 12, 31),
                 ends_on=datetime.date(9999, 12, 31), start_time="23:30", level="school", kind="event",
                 uid="end@of.time")
    for login_ in ("admin", "teacher1", "student1"):
        user = User.get(User.login == login_)
        body = calendar_ics.feed_ics(user, datetime.date(2026, 9, 1))
        assert b"BEGIN:VCALENDAR" in body
    teacher = User.get(User.login == "teacher1")
    assert cal.personal_items(teacher, datetime.date(9999, 12, 1), datetime.date(9999, 12, 31)) is not None


def test_a_calendar_csv_field_over_128_kb_is_refused(demo):
    admin = User.get(User.login == "admin")
    data = ("Название;Дата;Описание\r\nБольшое;01.10.2026;\"" + "я" * 140_000 + "\"\r\n").encode()
    with pytest.raises(ServiceError) as refused:
        cal.import_csv(data, admin.school, by=admin)
    assert 400 <= refused.value.status < 500


def test_a_calendar_csv_with_year_9999_is_refused(demo):
    admin = User.get(User.login == "admin")
    data = "Название;Дата\r\nДалеко;31.12.9999\r\n".encode()
    with pytest.raises(ServiceError) as refused:
        cal.import_csv(data, admin.school, by=admin)
    assert 400 <= refused.value.status < 500


def test_a_framework_json_nested_200000_deep_is_refused(demo):
    data = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(ServiceError) as refused:
        competencies.import_framework(data, "deep.json")
    assert 400 <= refused.value.status < 500
    nested = b'{"competencies": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(ServiceError):
        competencies.import_framework(nested, "deep.json")


def test_a_typed_date_outside_the_schools_years_is_refused():
    from appliance.services import validation

    for value in ("31.12.9999", "0001-01-01", "01.01.1899"):
        with pytest.raises(validation.Invalid):
            validation.date(value, "Дата")
    with pytest.raises(validation.Invalid):
        validation.date(datetime.date(9999, 12, 31), "Дата")
    assert validation.date("25.12.2026", "Дата") == datetime.date(2026, 12, 25)
