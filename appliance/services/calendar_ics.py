"""iCalendar (.ics, RFC 5545) for the calendar: a user's feed, exporting events, importing a
file from another calendar. The level, direction and registration deadline travel in
X-OKEY-* properties so an export imports back unchanged."""

from __future__ import annotations

import datetime
import hashlib
import zoneinfo

from peewee import fn

from appliance.db import database
from appliance.i18n import N_
from appliance.lazy import lazy
from appliance.models.calendar import Event, EventClass, PlannedEvent
from appliance.models.changes import SyncChange
from appliance.models.people import STUDENT, School, User
from appliance.models.trajectory import Goal, Milestone, Task
from appliance.services import calendar as cal
from appliance.services.errors import ImportRejected, RowError, ServiceError
from appliance.services.validation import in_range, parse_clock

icalendar = lazy("icalendar")

PRODID = "-//Okey School//okey-school//RU"
MAX_EVENTS = 5000
_STAFF_FEEDS: dict[tuple, tuple] = {}


def _calendar(name: str) -> icalendar.Calendar:
    feed = icalendar.Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", name)
    return feed


def _event_component(event: Event, tz: zoneinfo.ZoneInfo, stamp: datetime.datetime) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("dtstamp", stamp)
    item.add("summary", event.title)
    if event.start_time:
        hours, minutes = parse_clock(event.start_time)
        start = datetime.datetime.combine(event.starts_on, datetime.time(hours, minutes), tzinfo=tz)
        item.add("dtstart", start)
        if event.ends_on > event.starts_on:
            item.add("dtend", datetime.datetime.combine(event.ends_on, datetime.time(23, 59), tzinfo=tz))
    else:
        item.add("dtstart", event.starts_on)
        item.add("dtend", event.ends_on + datetime.timedelta(days=1))  # DTEND of a date is exclusive
    description = event.description
    if event.registration_deadline:
        description = (description + "\n\n" if description else "") + \
            f"Регистрация до {event.registration_deadline.strftime('%d.%m.%Y')}"
    if description:
        item.add("description", description)
    if event.place:
        item.add("location", event.place)
    if event.url:
        item.add("url", event.url)
    item.add("categories", [cal.LEVEL_NAMES[event.level]] + ([cal.DIRECTIONS[event.direction]]
                                                             if event.direction else []))
    item.add("x-okey-level", event.level)
    item.add("x-okey-kind", event.kind)
    if event.direction:
        item.add("x-okey-direction", event.direction)
    if event.registration_deadline:
        item.add("x-okey-registration", event.registration_deadline.isoformat())
    return item


ALARM_HOUR = 9  # an alarm before a whole-day item rings at 9:00 of its day


def _alarm(item: icalendar.Event | None, days: int | None, title: str) -> icalendar.Event | None:
    """A VALARM at the offset the student chose for this reminder: `days` before, at 9:00 for a
    whole-day item, at the start time for a timed one (an hour before when they chose «0 days»)."""
    if item is None or days is None:
        return item
    days = max(0, min(int(days), 60))
    timed = isinstance(item.decoded("dtstart"), datetime.datetime)
    if timed:
        trigger = -datetime.timedelta(days=days) if days else -datetime.timedelta(hours=1)
    else:
        trigger = datetime.timedelta(days=-days, hours=ALARM_HOUR)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Напоминание: {title}")
    alarm.add("trigger", trigger)
    item.add_component(alarm)
    return item


def _all_day(uid: str, title: str, day: datetime.date, stamp: datetime.datetime, note: str) -> icalendar.Event | None:
    if not _fits(day):
        return None
    item = icalendar.Event()
    item.add("uid", uid)
    item.add("dtstamp", stamp)
    item.add("summary", title)
    item.add("dtstart", day)
    item.add("dtend", day + datetime.timedelta(days=1))
    item.add("description", note)
    return item


def events_ics(events, school: School, name: str) -> bytes:
    tz = zoneinfo.ZoneInfo(school.timezone)
    stamp = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    feed = _calendar(name)
    for event in events:
        if _fits(event.starts_on, event.ends_on):
            feed.add_component(_event_component(event, tz, stamp))
    feed.add_missing_timezones()
    return feed.to_ical()


def _add(feed: icalendar.Calendar, item: icalendar.Event | None) -> None:
    if item is not None:
        feed.add_component(item)


def _fits(*days) -> bool:
    """A row stored before dates were held to the school's years (or by any other path) is left
    out of a calendar file rather than breaking it for everyone."""
    return all(day is None or in_range(day) for day in days)


def feed_ics(user: User, since: datetime.date) -> bytes:
    """A user's feed: a student's planned events, goal deadlines, milestones and open tasks;
    staff get the school's events. Only what has not ended before `since`."""
    school = user.school
    if user.role != STUDENT:
        # Staff feeds hold the whole school calendar and phones poll them often: build each
        # once per change of the events (an edit bumps updated_at, a deletion the count).
        key = (user.id, since)
        mark = (Event.select(fn.MAX(Event.updated_at), fn.COUNT(Event.id)).where(Event.school == school).tuples()
                .first(), EventClass.select().count(),
                # On SQLite the change log also catches two edits within one second.
                SyncChange.select(fn.MAX(SyncChange.seq)).where(SyncChange.table.in_(("event", "event_class")))
                .scalar())
        cached = _STAFF_FEEDS.get(key)
        if cached and cached[0] == mark:
            return cached[1]
    tz = zoneinfo.ZoneInfo(school.timezone)
    stamp = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    feed = _calendar(f"Окей, школа — {user.short_name}")
    # A student's items ring (VALARM) as many days before as the student chose for each reminder.
    remind: dict = {}
    if user.role == STUDENT:
        events = (Event.select().join(PlannedEvent, on=(PlannedEvent.event == Event.id))
                  .where((PlannedEvent.student == user) & (Event.ends_on >= since)))
        remind = {row.event_id: row.remind_days for row in PlannedEvent.select().where(PlannedEvent.student == user)}
    else:
        events = cal.visible_query(user).where(Event.ends_on >= since)
    for event in events.order_by(Event.starts_on):
        if _fits(event.starts_on, event.ends_on, event.registration_deadline):
            feed.add_component(_alarm(_event_component(event, tz, stamp), remind.get(event.id), event.title))
    if user.role == STUDENT:
        for goal in Goal.select().where((Goal.student == user) & (Goal.status == "active") & (Goal.deadline >= since)):
            title = f"Срок цели: {goal.title}"
            _add(feed, _alarm(_all_day(f"goal-{goal.id.hex}@okey", title, goal.deadline, stamp, goal.measure),
                              goal.remind_days, title))
        for milestone in (Milestone.select(Milestone, Goal).join(Goal)
                          .where((Goal.student == user) & (Goal.status == "active")
                                 & Milestone.done_at.is_null() & (Milestone.due_on >= since))):
            title = f"Этап: {milestone.title}"
            _add(feed, _alarm(_all_day(f"milestone-{milestone.id.hex}@okey", title, milestone.due_on, stamp,
                                       f"Цель: {milestone.goal.title}"), milestone.goal.remind_days, title))
        for task in Task.select().where((Task.student == user) & (Task.status != "done") & (Task.due_on >= since)):
            title = f"Задача: {task.title}"
            _add(feed, _alarm(_all_day(f"task-{task.id.hex}@okey", title, task.due_on, stamp, ""),
                              task.remind_days, title))
    feed.add_missing_timezones()  # a VTIMEZONE for every TZID used, as RFC 5545 asks
    body = feed.to_ical()
    if user.role != STUDENT:
        if len(_STAFF_FEEDS) > 500:
            _STAFF_FEEDS.clear()
        _STAFF_FEEDS[key] = (mark, body)
    return body


# -- import ----------------------------------------------------------------------------------------

def _vevent_lines(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1)
            if line.strip().upper() == "BEGIN:VEVENT"]


def _local(value, tz: zoneinfo.ZoneInfo) -> tuple[datetime.date, str]:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz)
        return value.date(), value.strftime("%H:%M")
    if isinstance(value, datetime.date):
        return value, ""
    raise ValueError(str(value))


def _text(component, name: str) -> str:
    value = component.get(name)
    return str(value).strip() if value is not None else ""


def import_ics(data: bytes, school: School, by: User | None = None, level: str = "", direction: str = "") -> list[Event]:
    """Events from an .ics file. Every event is checked; with any error nothing is written.
    An event imported again (same UID) is updated, not duplicated."""
    if len(data) > cal.MAX_IMPORT_BYTES:
        raise ServiceError(N_("Файл слишком большой: календарь не должен быть больше %(mb)s МБ."), status=413,
                           mb=cal.MAX_IMPORT_BYTES // (1024 * 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(N_("Это не файл iCalendar: он должен быть в кодировке UTF-8."), status=415) from None
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise ServiceError(N_("Это не файл iCalendar (.ics): он должен начинаться со строки BEGIN:VCALENDAR."),
                           status=415)
    try:
        parsed = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise ServiceError(N_("Файл iCalendar повреждён и не читается: %(reason)s"), status=422,
                           reason=str(exc)[:200]) from None
    tz = zoneinfo.ZoneInfo(school.timezone)
    vevents = list(parsed.walk("VEVENT"))
    if not vevents:
        raise ImportRejected(N_("В файле нет ни одного события (VEVENT)."))
    if len(vevents) > MAX_EVENTS:
        raise ImportRejected(N_("В файле слишком много событий: не больше %(count)s за раз."), count=MAX_EVENTS)
    lines = _vevent_lines(text)
    errors: list[RowError] = []
    ready: list[tuple[str, cal.EventInput]] = []
    for index, component in enumerate(vevents):
        line = lines[index] if index < len(lines) else index + 1
        try:
            start_value = component.decoded("DTSTART") if "DTSTART" in component else None
            if start_value is None:
                raise ServiceError(N_("у события нет даты начала (DTSTART)."))
            starts_on, start_time = _local(start_value, tz)
            ends_on = starts_on
            if "DTEND" in component:
                end_value = component.decoded("DTEND")
                ends_on, _ = _local(end_value, tz)
                if not isinstance(end_value, datetime.datetime) and ends_on > starts_on:
                    ends_on -= datetime.timedelta(days=1)  # an all-day DTEND is exclusive
        except ValueError:
            errors.append(RowError(line, N_("дата события не читается.")))
            continue
        except ServiceError as exc:
            errors.append(RowError(line, exc.message.template))
            continue
        form = {
            "title": _text(component, "SUMMARY"),
            "level": _text(component, "X-OKEY-LEVEL") or level,
            "kind": _text(component, "X-OKEY-KIND"),
            "direction": _text(component, "X-OKEY-DIRECTION") or direction,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "start_time": start_time,
            "registration_deadline": _text(component, "X-OKEY-REGISTRATION"),
            "place": _text(component, "LOCATION"),
            "url": _text(component, "URL"),
            "description": _strip_registration(_text(component, "DESCRIPTION")),
        }
        try:
            data_ = cal.check_event(form)
        except ServiceError as exc:
            errors.append(RowError(line, exc.message.template, **exc.message.params))
            continue
        uid = _text(component, "UID") or hashlib.sha256(
            f"{form['title']}|{form['starts_on']}".encode()).hexdigest()[:32] + "@import"
        ready.append((uid[:255], data_))
    if errors:
        raise ImportRejected(N_("Календарь не загружен: в нём есть ошибки (событий с ошибками — %(count)s). "
                                "Номер строки указывает на начало события (BEGIN:VEVENT)."),
                             rows=errors, count=len(errors))
    saved = []
    with database.atomic():
        for uid, data_ in ready:
            existing = Event.get_or_none((Event.uid == uid) & (Event.school == school))
            saved.append(cal.save_event(school, data_, by, event=existing, source="ics", uid=uid))
    return saved


def _strip_registration(description: str) -> str:
    """Drop the «Регистрация до …» line our own export appends (it is in X-OKEY-REGISTRATION)."""
    lines = description.rstrip().splitlines()
    if lines and lines[-1].startswith("Регистрация до "):
        lines = lines[:-1]
    return "\n".join(lines).strip()
