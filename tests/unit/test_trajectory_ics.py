"""iCalendar: export parsed back with the icalendar library, import round trip, the feed,
and refused files (not iCalendar, broken dates, too big), plus CSV import all-or-nothing."""

import datetime

import icalendar
import pytest

from appliance.models.calendar import Event, EventClass
from appliance.services import calendar as cal
from appliance.services import calendar_ics, trajectory
from appliance.services.errors import ImportRejected, ServiceError
from tests.trajectory_fixtures import add_event, small_school_fixture  # noqa: F401 - the fixture

DAY = datetime.timedelta(days=1)
FIELDS = ("title", "level", "kind", "direction", "starts_on", "ends_on", "start_time", "registration_deadline",
          "place", "url", "description")


def _sample(s):
    camp = cal.save_event(s.school, cal.check_event({
        "title": "Профильная смена «Инженеры будущего»", "level": "regional", "kind": "camp",
        "direction": "tech", "starts_on": (s.today + 30 * DAY).isoformat(),
        "ends_on": (s.today + 36 * DAY).isoformat(), "registration_deadline": (s.today + 10 * DAY).isoformat(),
        "place": "Загородный центр, корпус 2", "url": "https://example.org/camp",
        "description": "Робототехника, 3D-печать; с собой: ноутбук", "class_ids": [str(s.ninth.id)]}))
    olympiad = cal.save_event(s.school, cal.check_event({
        "title": "Муниципальный этап ВсОШ по физике", "level": "municipal", "kind": "olympiad",
        "direction": "science", "starts_on": (s.today + 5 * DAY).isoformat(), "start_time": "9:30",
        "place": "Лицей № 239"}))
    return camp, olympiad


def test_export_parses_back(small_school):
    s = small_school
    camp, olympiad = _sample(s)
    parsed = icalendar.Calendar.from_ical(calendar_ics.events_ics([camp, olympiad], s.school, "Школа"))
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {camp.title, olympiad.title}
    whole_days = events[camp.title]
    assert whole_days.decoded("DTSTART") == camp.starts_on
    assert whole_days.decoded("DTEND") == camp.ends_on + DAY  # exclusive end of whole days
    assert str(whole_days["LOCATION"]) == camp.place and str(whole_days["URL"]) == camp.url
    assert "Регистрация до" in str(whole_days["DESCRIPTION"])
    assert str(whole_days["X-OKEY-LEVEL"]) == "regional"
    timed = events[olympiad.title].decoded("DTSTART")
    assert timed.hour == 9 and timed.minute == 30 and str(timed.tzinfo) == "Europe/Moscow"
    assert parsed.walk("VTIMEZONE"), "a TZID needs its VTIMEZONE"


def test_import_round_trip_without_duplicates(small_school):
    s = small_school
    camp, olympiad = _sample(s)
    before = {e.uid: {f: getattr(e, f) for f in FIELDS} for e in (camp, olympiad)}
    data = calendar_ics.events_ics([camp, olympiad], s.school, "Школа")
    EventClass.delete().execute()
    Event.delete().execute()
    imported = calendar_ics.import_ics(data, s.school)
    after = {e.uid: {f: getattr(e, f) for f in FIELDS} for e in imported}
    assert after == before
    calendar_ics.import_ics(data, s.school)  # the same file again updates, never duplicates
    assert Event.select().count() == 2


def test_import_from_another_calendar(small_school):
    s = small_school
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Yandex//RU\r\n"
        "BEGIN:VEVENT\r\nUID:a1@yandex\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:День открытых дверей СПбГУ\r\n"
        "DTSTART:20270314T080000Z\r\nLOCATION:Университетская наб.\\, 7\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n")
    [event] = calendar_ics.import_ics(text.encode(), s.school, level="regional", direction="career")
    assert (event.title, event.level, event.direction) == ("День открытых дверей СПбГУ", "regional", "career")
    assert event.starts_on == datetime.date(2027, 3, 14) and event.start_time == "11:00"  # UTC → Moscow
    assert event.place == "Университетская наб., 7"


def test_not_icalendar_is_refused(small_school):
    with pytest.raises(ServiceError, match="Это не файл iCalendar") as caught:
        calendar_ics.import_ics(b"%PDF-1.7 binary", small_school.school, level="school")
    assert caught.value.status == 415
    with pytest.raises(ServiceError, match="повреждён") as caught:
        calendar_ics.import_ics(b"BEGIN:VCALENDAR\r\nthis is not a content line\r\n", small_school.school)
    assert caught.value.status == 422


def test_broken_dates_are_refused_with_line_numbers(small_school):
    s = small_school
    good = "BEGIN:VEVENT\r\nUID:g\r\nSUMMARY:Хорошее\r\nDTSTART;VALUE=DATE:20270110\r\nEND:VEVENT\r\n"
    bad = "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Плохое\r\nDTSTART:2027-13-45\r\nEND:VEVENT\r\n"
    no_start = "BEGIN:VEVENT\r\nUID:n\r\nSUMMARY:Без даты\r\nEND:VEVENT\r\n"
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + good + bad + no_start + "END:VCALENDAR\r\n"
    with pytest.raises(ImportRejected) as caught:
        calendar_ics.import_ics(text.encode(), s.school, level="school")
    assert [(row.line, str(row.message)) for row in caught.value.rows] == [
        (8, "дата события не читается."), (13, "у события нет даты начала (DTSTART).")]
    assert Event.select().count() == 0  # the good event was not written either


def test_twenty_megabytes_is_refused(small_school):
    data = b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"x" * (20 * 1024 * 1024) + b"\r\nEND:VCALENDAR\r\n"
    with pytest.raises(ServiceError, match="слишком большой") as caught:
        calendar_ics.import_ics(data, small_school.school)
    assert caught.value.status == 413


def test_feed_of_a_student(small_school):
    s = small_school
    camp, olympiad = _sample(s)
    cal.plan_event(s.anna, str(olympiad.id))
    goal = trajectory.create_goal(s.anna, {"title": "Пройти на регион", "deadline": s.today + 40 * DAY}, s.today)
    trajectory.add_milestone(s.anna, goal.id, {"title": "Решить 20 задач", "due_on": s.today + 4 * DAY}, s.today)
    trajectory.add_task(s.anna, {"title": "Взять паспорт", "due_on": s.today + 2 * DAY}, s.today)
    parsed = icalendar.Calendar.from_ical(calendar_ics.feed_ics(s.anna, s.today))
    summaries = sorted(str(e["SUMMARY"]) for e in parsed.walk("VEVENT"))
    assert summaries == sorted([olympiad.title, "Срок цели: Пройти на регион", "Этап: Решить 20 задач",
                                "Задача: Взять паспорт"])
    # Staff see the school's events; the class-only camp is not in another class's student's view.
    staff = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(
        calendar_ics.feed_ics(s.teacher, s.today)).walk("VEVENT")}
    assert staff == {camp.title, olympiad.title}
    assert cal.visible_query(s.anna).where(Event.id == camp.id).count() == 0
    assert cal.visible_query(s.vera).where(Event.id == camp.id).count() == 1


def test_feed_token_is_secret_and_revocable(small_school):
    s = small_school
    token = cal.issue_feed_token(s.anna)
    assert cal.user_for_feed(token) == s.anna
    with pytest.raises(ServiceError) as caught:
        cal.user_for_feed(token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert caught.value.status == 404
    newer = cal.issue_feed_token(s.anna)
    with pytest.raises(ServiceError):
        cal.user_for_feed(token)  # a new address retires the old one
    cal.revoke_feed_tokens(s.anna)
    with pytest.raises(ServiceError):
        cal.user_for_feed(newer)


CSV_GOOD = ("Название;Уровень;Начало;Окончание;Направление;Регистрация до;Место;Классы\n"
            "Олимпиада «Высшая проба»;всероссийский;10.02.2027;11.02.2027;гуманитарные науки и языки;;НИУ ВШЭ;\n"
            "Турнир роботов;школьный;05.12.2026;;техника и робототехника;01.12.2026;Актовый зал;7Б, 9В\n")


def test_csv_import(small_school):
    events = cal.import_csv(CSV_GOOD.encode("cp1251"), small_school.school)
    assert [(e.title, e.level) for e in events] == [("Олимпиада «Высшая проба»", "national"),
                                                    ("Турнир роботов", "school")]
    assert {g.name for g in cal.event_classes(events[1])} == {"7Б", "9В"}


def test_csv_missing_columns(small_school):
    with pytest.raises(ImportRejected, match="нет обязательных колонок: Уровень, Начало") as caught:
        cal.import_csv("Название;Место\nОлимпиада;Школа\n".encode(), small_school.school)
    assert caught.value.status == 422


def test_csv_bad_rows_all_or_nothing(small_school):
    text = CSV_GOOD + ("Без уровня;;01.03.2027;;;;;\n"
                       "Кривая дата;региональный;31.02.2027;;;;;\n"
                       "Чужой класс;школьный;01.03.2027;;;;;8Я\n")
    with pytest.raises(ImportRejected) as caught:
        cal.import_csv(text.encode(), small_school.school)
    assert [row.line for row in caught.value.rows] == [4, 5, 6]
    assert "Неизвестный уровень" in str(caught.value.rows[0].message)
    assert "31.02.2027" in str(caught.value.rows[1].message)
    assert "8Я" in str(caught.value.rows[2].message)
    assert Event.select().count() == 0


def test_event_checks():
    with pytest.raises(ServiceError, match="раньше, чем начинается"):
        cal.check_event({"title": "x", "level": "school", "starts_on": "2027-01-10", "ends_on": "2027-01-09"})
    with pytest.raises(ServiceError, match="после самого события"):
        cal.check_event({"title": "x", "level": "school", "starts_on": "2027-01-10",
                         "registration_deadline": "2027-01-11"})
    with pytest.raises(ServiceError, match="http"):
        cal.check_event({"title": "x", "level": "school", "starts_on": "2027-01-10", "url": "javascript:alert(1)"})


def test_staff_feed_follows_every_change(small_school):
    s = small_school
    camp, olympiad = _sample(s)

    def titles():
        parsed = icalendar.Calendar.from_ical(calendar_ics.feed_ics(s.teacher, s.today))
        return sorted(str(e["SUMMARY"]) for e in parsed.walk("VEVENT"))

    assert titles() == sorted([camp.title, olympiad.title])
    olympiad.title = "Муниципальный этап ВсОШ по астрономии"
    olympiad.save()  # within the same second as the feed above
    assert titles() == sorted([camp.title, olympiad.title])
    cal.delete_event(s.school, camp.id.hex)
    assert titles() == [olympiad.title]


def test_who_sees_class_only_events(small_school):
    from appliance.models.people import User
    from appliance.services import school as school_service

    s = small_school
    camp, olympiad = _sample(s)  # the camp is for 9В only
    parent = User.create(school=s.school, role="parent", login="mama", full_name="Сидорова Мария")
    school_service.link_parent(parent, s.vera)
    other_parent = User.create(school=s.school, role="parent", login="papa", full_name="Иванов Павел")
    school_service.link_parent(other_parent, s.anna)

    def seen(user):
        return set(cal.visible_query(user).order_by(Event.starts_on))

    assert seen(s.vera) == seen(parent) == seen(s.teacher) == seen(s.admin) == {camp, olympiad}
    assert seen(s.anna) == seen(other_parent) == {olympiad}


def test_the_student_feed_rings_at_the_chosen_offsets(small_school):
    """VALARM blocks parse with the icalendar library and ring as many days before as chosen."""
    s = small_school
    _camp, olympiad = _sample(s)
    cal.plan_event(s.anna, str(olympiad.id), remind_days=5)
    goal = trajectory.create_goal(s.anna, {"title": "Пройти на регион", "deadline": s.today + 40 * DAY,
                                           "remind_days": 7}, s.today)
    trajectory.add_milestone(s.anna, goal.id, {"title": "Решить 20 задач", "due_on": s.today + 4 * DAY}, s.today)
    trajectory.add_task(s.anna, {"title": "Взять паспорт", "due_on": s.today + 2 * DAY, "remind_days": 0}, s.today)
    parsed = icalendar.Calendar.from_ical(calendar_ics.feed_ics(s.anna, s.today))
    triggers = {}
    for vevent in parsed.walk("VEVENT"):
        [alarm] = vevent.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"]).startswith("Напоминание: ")
        triggers[str(vevent["SUMMARY"])] = alarm.decoded("TRIGGER")
    nine = datetime.timedelta(hours=9)
    assert triggers["Срок цели: Пройти на регион"] == -7 * DAY + nine
    assert triggers["Этап: Решить 20 задач"] == -7 * DAY + nine  # milestones follow their goal's choice
    assert triggers["Задача: Взять паспорт"] == nine  # «in the day itself», at 9:00
    start = olympiad.starts_on
    expected = -5 * DAY if olympiad.start_time else -5 * DAY + nine
    assert triggers[olympiad.title] == expected, start
    # Staff feeds carry the school's events without anyone's alarms.
    staff = icalendar.Calendar.from_ical(calendar_ics.feed_ics(s.teacher, s.today))
    assert list(staff.walk("VALARM")) == []
