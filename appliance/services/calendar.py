"""The events calendar: events of every level, who sees them, a student's plan, the personal
calendar (planned events, goal deadlines, milestones, tasks), feed tokens and CSV import.
iCalendar reading and writing lives in `calendar_ics`."""

from __future__ import annotations

import calendar as pycalendar
import datetime
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import KINDS, Event, EventClass, FeedToken, PlannedEvent
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, ClassGroup, ParentLink, School, Student, TeacherAssignment, User
from appliance.models.trajectory import Goal, Milestone, Task
from appliance.models.trials import Organisation
from appliance.models.vocabulary import DIRECTIONS, LEVEL_NAMES, LEVELS
from appliance.services import links, reminders, tables, validation
from appliance.services.errors import Forbidden, ImportRejected, NotFound, RowError, ServiceError
from appliance.services.links import LinkTarget
from appliance.services.lookup import get_or_404, parse_id

KIND_NAMES = {
    "olympiad": N_("олимпиада"),
    "contest": N_("конкурс"),
    "conference": N_("конференция"),
    "camp": N_("смена, лагерь"),
    "open_day": N_("день открытых дверей"),
    "other": N_("другое"),
}
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_SPAN_DAYS = 366


def _lookup(value: str, names: dict[str, str], extra: dict[str, str] | None = None) -> str | None:
    folded = (value or "").strip().lower().replace("ё", "е")
    if not folded:
        return None
    for code, name in names.items():
        if folded in (code, name.lower().replace("ё", "е")):
            return code
    return (extra or {}).get(folded)


LEVEL_WORDS = {"городской": "municipal", "районный": "municipal", "муниципальный": "municipal",
               "областной": "regional", "краевой": "regional", "всероссийский": "national",
               "федеральный": "national", "школа": "school", "международный": "international"}
# The calendar's own direction list before it took the catalogue's: old tables still import.
DIRECTION_WORDS = {"math_it": "tech", "engineering": "tech", "business": "social",
                   "естественные науки": "science", "математика и информатика": "tech",
                   "техника и робототехника": "tech", "гуманитарные науки и языки": "humanities",
                   "искусство и творчество": "arts", "социальные проекты и волонтерство": "social",
                   "предпринимательство и лидерство": "social"}
KIND_WORDS = {"смена": "camp", "лагерь": "camp", "день открытых дверей": "open_day", "фестиваль": "contest",
              "соревнования": "contest", "чемпионат": "contest", "форум": "conference"}


@dataclass
class EventInput:
    title: str
    level: str
    kind: str
    direction: str
    starts_on: datetime.date
    ends_on: datetime.date
    start_time: str = ""
    registration_deadline: datetime.date | None = None
    place: str = ""
    url: str = ""
    description: str = ""
    class_ids: list[str] = field(default_factory=list)
    # None: the form did not ask (a CSV or iCalendar import), the event keeps what it had.
    open_to_alumni: bool | None = None
    # Likewise: a volunteering event and the hours it proposes to the pupils who planned it.
    volunteering: bool | None = None
    volunteer_hours: float | None = None
    # The partner organisation that runs or hosts it: "" none; None: not asked (an import keeps what is set).
    organisation_id: str | None = None


def check_event(form: dict) -> EventInput:
    """Validate an event form (also used for each CSV row); ServiceError names the problem."""
    title = validation.text(form.get("title"), 300, N_("Название"), one_line=True,
                            required=N_("Укажите название события."))
    level = _lookup(form.get("level", ""), LEVEL_NAMES, LEVEL_WORDS)
    if level not in LEVELS:
        raise ServiceError(N_("Неизвестный уровень «%(value)s»: школьный, муниципальный, региональный, "
                              "всероссийский или международный."), status=422, value=form.get("level", ""))
    kind = _lookup(form.get("kind", ""), KIND_NAMES, KIND_WORDS) or "other"
    if kind not in KINDS:
        kind = "other"
    direction = _lookup(form.get("direction", ""), DIRECTIONS, DIRECTION_WORDS) or ""
    if (form.get("direction") or "").strip() and not direction:
        raise ServiceError(N_("Неизвестное направление «%(value)s»."), status=422, value=form.get("direction"))
    starts_on = validation.date(form.get("starts_on"), N_("Начало"), required=N_("Укажите дату начала события."))
    ends_on = validation.date(form.get("ends_on"), N_("Окончание")) or starts_on
    deadline = validation.date(form.get("registration_deadline"), N_("Конец регистрации"))
    if ends_on < starts_on:
        raise ServiceError(N_("Событие заканчивается раньше, чем начинается."), status=422)
    if (ends_on - starts_on).days > MAX_SPAN_DAYS:
        raise ServiceError(N_("Событие не может длиться больше года."), status=422)
    if deadline and deadline > ends_on:
        raise ServiceError(N_("Регистрация не может заканчиваться после самого события."), status=422)
    start_time = validation.clock(form.get("start_time"), N_("Время начала"))
    url = validation.text(form.get("url"), 500, N_("Ссылка"))
    if url and not url.startswith(("http://", "https://")):
        raise ServiceError(N_("Ссылка должна начинаться с http:// или https://."), status=422)
    classes = form.get("class_ids") or []
    return EventInput(title=title, level=level, kind=kind, direction=direction, starts_on=starts_on,
                      ends_on=ends_on, start_time=start_time, registration_deadline=deadline,
                      place=validation.text(form.get("place"), 300, N_("Место")),
                      url=url, description=validation.text(form.get("description"), 5000, N_("Описание")),
                      class_ids=list(classes),
                      open_to_alumni=(form.get("open_to_alumni") == "1") if "alumni_choice" in form else None,
                      organisation_id=str(form.get("organisation") or "")[:64] if "organisation" in form else None,
                      **_volunteering(form))


def _volunteering(form: dict) -> dict:
    """The event form's volunteering choice: the flag and the hours proposed (a quarter-hour number
    from 0 to 24, or empty: each pupil gives their own)."""
    if "volunteer_choice" not in form:
        return {}
    flag = form.get("volunteering") == "1"
    text = str(form.get("volunteer_hours") or "").strip().replace(",", ".")
    hours = None
    if flag and text:
        try:
            hours = float(text[:16])
        except ValueError:
            raise ServiceError(N_("Часы волонтёрства — число, например 2 или 1,5."), status=422) from None
        if not 0 < hours <= 24:
            raise ServiceError(N_("Часы волонтёрства — больше нуля и не больше 24."), status=422)
        hours = round(hours * 4) / 4
    return {"volunteering": flag, "volunteer_hours": hours}


def _resolve_classes(school: School, ids: list[str]) -> list[ClassGroup]:
    groups = []
    for value in ids:
        try:
            group = ClassGroup.get_or_none((ClassGroup.id == value) & (ClassGroup.school == school))
        except ValueError:
            group = None
        if group is None:
            raise ServiceError(N_("Класс не найден."), status=422)
        groups.append(group)
    return groups


def _resolve_organisation(school: School, value: str, event: Event | None) -> Organisation | None:
    """The partner named in the form: one of the school's, not archived (unless the event already names it)."""
    if not value:
        return None
    found = Organisation.get_or_none((Organisation.id == parse_id(value)) & (Organisation.school == school)) \
        if parse_id(value) else None
    if found is None or (found.archived_at is not None and (event is None or event.organisation_id != found.id)):
        raise ServiceError(N_("Организация-партнёр не найдена."), status=422)
    return found


def organisations(school: School) -> list[Organisation]:
    """The partners an event may name (those not archived)."""
    return list(Organisation.select().where((Organisation.school == school) & Organisation.archived_at.is_null())
                .order_by(Organisation.name))


def _apply(event: Event, data: EventInput) -> None:
    for name in ("title", "level", "kind", "direction", "starts_on", "ends_on", "start_time",
                 "registration_deadline", "place", "url", "description"):
        setattr(event, name, getattr(data, name))
    if data.open_to_alumni is not None:
        event.open_to_alumni = data.open_to_alumni
    if data.volunteering is not None:
        event.volunteering, event.volunteer_hours = data.volunteering, data.volunteer_hours


def can_change_event(user: User, event: Event) -> bool:
    """An event is changed (or deleted) by its author, the school's administration, or the class
    teachers of its classes: of every class it is published to, so no one changes another's class."""
    if user.school_id != event.school_id:
        return False
    if user.role == ADMIN or (event.created_by_id is not None and event.created_by_id == user.id):
        return True
    if user.role != TEACHER or event.audience != "classes":
        return False
    groups = {row.class_group_id for row in EventClass.select(EventClass.class_group).where(EventClass.event == event)}
    led = {row.class_group_id for row in TeacherAssignment.select(TeacherAssignment.class_group).where(
        (TeacherAssignment.teacher == user) & TeacherAssignment.is_class_teacher)}
    return bool(groups) and groups <= led


def require_change(user: User | None, event: Event) -> Event:
    """`event`, when `user` may change it (None: the command line, which may)."""
    if user is not None and not can_change_event(user, event):
        raise Forbidden(N_("Изменить это событие может его автор, администрация или классный руководитель "
                           "классов, для которых оно."))
    return event


def editable_event(user: User, event_id: str) -> Event:
    return require_change(user, get_event(user.school, event_id))


def save_event(school: School, data: EventInput, by: User | None = None, event: Event | None = None,
               source: str = "manual", uid: str | None = None) -> Event:
    """Create or update an event; with classes it is published to those classes only. Changing an
    event needs `by` to be allowed to (see can_change_event)."""
    if event is not None:
        require_change(by, event)
    groups = _resolve_classes(school, data.class_ids)
    partner = _resolve_organisation(school, data.organisation_id or "", event)
    with database.atomic():
        created = event is None
        if created:
            event = Event(school=school, created_by=by, source=source, uid=uid or f"{uuid.uuid4()}@okey")
        _apply(event, data)
        if data.organisation_id is not None:
            event.organisation = partner
        event.audience = "classes" if groups else "all"
        event.save(force_insert=created)  # a UUID key is set before insert: say it is new
        EventClass.delete().where(EventClass.event == event).execute()
        for group in groups:
            EventClass.create(event=event, class_group=group)
        _reschedule_event(event)
    return event


def delete_event(school: School, event_id: str, by: User | None = None) -> None:
    event = require_change(by, get_event(school, event_id))
    with database.atomic():
        reminders.cancel("event", event.id)
        reminders.cancel("registration", event.id)
        event.delete_instance()


def get_event(school: School, event_id: str) -> Event:
    return get_or_404(Event, Event.id == event_id, Event.school == school, message=N_("Событие не найдено."))


def event_classes(event: Event) -> list[ClassGroup]:
    return list(ClassGroup.select().join(EventClass).where(EventClass.event == event).order_by(ClassGroup.grade))


def visible_query(user: User):
    """Events this user may see: staff see all of the school; a student sees events for
    everyone and those published to their class, a parent those of their children's classes."""
    query = Event.select().where((Event.school == user.school) & Event.published)
    if user.role in (STUDENT, PARENT):
        if user.role == STUDENT:
            students = Student.select(Student.class_group).where(Student.user == user)
        else:
            students = (Student.select(Student.class_group)
                        .join(ParentLink, on=(ParentLink.student == Student.user)).where(ParentLink.parent == user))
        shown = EventClass.select(EventClass.event).where(EventClass.class_group.in_(students))
        query = query.where((Event.audience == "all") | Event.id.in_(shown))
    return query


def visible_event(user: User, event_id: str) -> Event:
    return get_or_404(visible_query(user), Event.id == event_id, message=N_("Событие не найдено."))


def upcoming(user: User, today: datetime.date, level: str = "", direction: str = "",
             limit: int | None = None) -> list[Event]:
    query = visible_query(user).where(Event.ends_on >= today)
    if level in LEVELS:
        query = query.where(Event.level == level)
    if direction in DIRECTIONS:
        query = query.where(Event.direction == direction)
    query = query.order_by(Event.starts_on, Event.title)
    return list(query.limit(limit) if limit else query)


# -- a student's plan -------------------------------------------------------------------------

def plan_event(student: User, event_id: str, remind_days: int = 3) -> PlannedEvent:
    event = visible_event(student, event_id)
    if student.role != STUDENT:
        raise ServiceError(N_("Добавлять события в план могут ученики."), status=403)
    with database.atomic():
        planned, created = PlannedEvent.get_or_create(student=student, event=event,
                                                      defaults={"remind_days": remind_days})
        if not created and planned.remind_days != remind_days:
            planned.remind_days = remind_days
            planned.save()
        _schedule_for(planned, event)
    return planned


def _schedule_for(planned: PlannedEvent, event: Event) -> None:
    # Nothing to remind of a day already gone (a past event stays in the plan as a record).
    today = reminders.local_today(event.school.timezone)
    for kind, day in (("event", event.starts_on), ("registration", event.registration_deadline)):
        if day is not None and day >= today:
            reminders.schedule(planned.student, kind, event.id, event.title, day, planned.remind_days)
        else:
            reminders.cancel(kind, event.id, planned.student)


def _reschedule_event(event: Event) -> None:
    for planned in PlannedEvent.select().where(PlannedEvent.event == event):
        _schedule_for(planned, event)


def unplan_event(student: User, event_id: str) -> None:
    with database.atomic():
        try:
            planned = PlannedEvent.get_or_none((PlannedEvent.student == student) & (PlannedEvent.event == event_id))
        except ValueError:
            planned = None
        if planned is None:
            raise NotFound(N_("Этого события нет в твоём плане."))
        reminders.cancel("event", planned.event_id, student)
        reminders.cancel("registration", planned.event_id, student)
        planned.delete_instance()


def planned_ids(student: User) -> set:
    return {row.event_id for row in PlannedEvent.select(PlannedEvent.event).where(PlannedEvent.student == student)}


# -- the personal calendar ----------------------------------------------------------------------

@dataclass
class Item:
    day: datetime.date
    kind: str  # event | goal | milestone | task
    title: str
    link: LinkTarget  # what the entry opens; the web interface makes the address
    time: str = ""
    level: str = ""
    done: bool = False


def personal_items(user: User, start: datetime.date, end: datetime.date) -> list[Item]:
    """Everything on the user's calendar between start and end inclusive, by day."""
    items: list[Item] = []
    if user.role == STUDENT:
        events = (Event.select().join(PlannedEvent, on=(PlannedEvent.event == Event.id))
                  .where((PlannedEvent.student == user) & (Event.starts_on <= end) & (Event.ends_on >= start)))
    else:
        events = visible_query(user).where((Event.starts_on <= end) & (Event.ends_on >= start))
    for event in events:
        first, last = max(event.starts_on, start), min(event.ends_on, end)
        # Counted, never stepped past `last`: an event on 31.12.9999 cannot overflow the date.
        for offset in range(max((last - first).days + 1, 0)):
            day = first + datetime.timedelta(days=offset)
            items.append(Item(day, "event", event.title, LinkTarget.of(links.EVENT, event.id),
                              event.start_time if day == event.starts_on else "", event.level))
    if user.role == STUDENT:
        for goal in Goal.select().where((Goal.student == user) & Goal.deadline.between(start, end)
                                        & (Goal.status != "dropped")):
            items.append(Item(goal.deadline, "goal", goal.title, LinkTarget.of(links.GOAL, goal.id),
                              done=goal.status == "done"))
        for milestone in (Milestone.select(Milestone, Goal).join(Goal)
                          .where((Goal.student == user) & Milestone.due_on.between(start, end)
                                 & (Goal.status != "dropped"))):
            items.append(Item(milestone.due_on, "milestone", milestone.title,
                              LinkTarget.of(links.GOAL, milestone.goal_id), done=milestone.done_at is not None))
        for task in Task.select().where((Task.student == user) & Task.due_on.between(start, end)):
            items.append(Item(task.due_on, "task", task.title, LinkTarget(links.TASKS), done=task.status == "done"))
        from appliance.services import trials

        for session, trial, _confirmed in trials.calendar_sessions(user, start, end):
            day = max(session.starts_on, start)
            while day <= min(session.ends_on, end):
                items.append(Item(day, "trial", trial.title, LinkTarget(links.TRIALS),
                                  session.start_time if day == session.starts_on else ""))
                day += datetime.timedelta(days=1)
    from appliance.services import mentoring

    for meeting in mentoring.calendar_meetings(user, start, end):
        items.append(Item(meeting.day, "meeting", meeting.topic or meeting.pair.title,
                          LinkTarget.of(links.MENTORING_PAIR, meeting.pair_id), meeting.start_time))
    order = {"event": 0, "trial": 1, "meeting": 2, "goal": 3, "milestone": 4, "task": 5}
    return sorted(items, key=lambda item: (item.day, order[item.kind], item.time, item.title))


def month_weeks(year: int, month: int) -> list[list[datetime.date]]:
    """The weeks (Monday first) covering a month, with days of the neighbouring months."""
    return pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def by_day(items: list[Item]) -> dict[datetime.date, list[Item]]:
    days: dict[datetime.date, list[Item]] = {}
    for item in items:
        days.setdefault(item.day, []).append(item)
    return days


# -- the secret feed address ------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_feed_token(user: User) -> str:
    """A new secret for the user's feed; every older one stops working."""
    token = secrets.token_urlsafe(24)
    with database.atomic():
        revoke_feed_tokens(user)
        FeedToken.create(user=user, token_hash=_hash(token))
    return token


def revoke_feed_tokens(user: User) -> int:
    return (FeedToken.update(revoked_at=utcnow())
            .where((FeedToken.user == user) & FeedToken.revoked_at.is_null()).execute())


def active_feed(user: User) -> FeedToken | None:
    return FeedToken.get_or_none((FeedToken.user == user) & FeedToken.revoked_at.is_null())


def user_for_feed(token: str) -> User:
    feed = FeedToken.get_or_none((FeedToken.token_hash == _hash(token or "")) & FeedToken.revoked_at.is_null())
    if feed is None or not feed.user.active:
        raise NotFound(N_("Календарь не найден: ссылка неверна или отозвана."))
    now = utcnow()
    # Phones poll often; note the use at most once an hour to spare the database writes.
    if feed.last_used_at is None or now - feed.last_used_at > datetime.timedelta(hours=1):
        FeedToken.update(last_used_at=now).where(FeedToken.id == feed.id).execute()
    return feed.user


# -- CSV import ------------------------------------------------------------------------------------------

CSV_COLUMNS = {
    "title": ("название", "событие", "title"),
    "level": ("уровень", "level"),
    "kind": ("вид", "тип", "kind"),
    "direction": ("направление", "direction"),
    "starts_on": ("начало", "дата начала", "дата", "start"),
    "ends_on": ("окончание", "дата окончания", "конец", "end"),
    "start_time": ("время", "время начала", "time"),
    "registration_deadline": ("регистрация до", "регистрация", "registration"),
    "place": ("место", "place"),
    "url": ("ссылка", "сайт", "url"),
    "description": ("описание", "description"),
    "classes": ("классы", "для классов", "classes"),
}
CSV_REQUIRED = {"title": "Название", "level": "Уровень", "starts_on": "Начало"}
TEMPLATE_HEADER = ("Название", "Уровень", "Начало", "Окончание", "Время", "Направление", "Вид", "Регистрация до",
                   "Место", "Ссылка", "Описание", "Классы")


def csv_template(today: datetime.date) -> tuple[tuple[str, ...], ...]:
    """The template offered on the import page: the header and one example event a month from today."""
    starts = today + datetime.timedelta(days=30)
    day = "%d.%m.%Y"
    return (TEMPLATE_HEADER,
            ("Олимпиада по математике, школьный этап", "школьный", starts.strftime(day), starts.strftime(day),
             "10:00", "Наука", "олимпиада", (starts - datetime.timedelta(days=10)).strftime(day), "Актовый зал",
             "", "Для 5–11 классов; с собой ручка и линейка.", ""))


def import_csv(data: bytes, school: School, by: User | None = None) -> list[Event]:
    """Events from a CSV table (Excel-friendly). Every row is checked; with any error nothing is
    written and every bad line is listed."""
    reader = tables.read_table(data, max_bytes=MAX_IMPORT_BYTES, too_big=N_(
        "Файл слишком большой: таблица событий календаря должна быть не больше %(mb)s МБ."))
    header = [h.strip().strip("\ufeff").lower().replace("ё", "е") for h in next(reader, [])]
    columns = {}
    for name, words in CSV_COLUMNS.items():
        for index, title in enumerate(header):
            if title in words:
                columns[name] = index
                break
    missing = [label for name, label in CSV_REQUIRED.items() if name not in columns]
    if missing:
        raise ImportRejected(N_("В файле нет обязательных колонок: %(columns)s. Первая строка должна содержать "
                                "названия колонок: Название; Уровень; Начало (и по желанию Окончание, Направление, "
                                "Вид, Регистрация до, Место, Ссылка, Классы)."), columns=", ".join(missing))
    parsed: list[tuple[int, EventInput]] = []
    errors: list[RowError] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {name: (row[index] if index < len(row) else "") for name, index in columns.items()}
        try:
            classes = [name.strip() for name in values.pop("classes", "").split(",") if name.strip()]
            values["class_ids"] = [_class_id(school, name) for name in classes]
            parsed.append((line, check_event(values)))
        except ServiceError as exc:
            errors.append(RowError(line, exc.message.template, **exc.message.params))
    if errors:
        raise ImportRejected(N_("Файл не загружен: в нём есть ошибки (строк с ошибками — %(count)s). "
                                "Исправьте их и загрузите файл снова."), rows=errors, count=len(errors))
    if not parsed:
        raise ImportRejected(N_("В файле нет ни одной строки с событием."))
    with database.atomic():
        return [save_event(school, item, by, source="csv") for _, item in parsed]


def _class_id(school: School, name: str) -> str:
    from appliance.services import school as school_service

    group = school_service.find_class(school, name)
    if group is None:
        raise ServiceError(N_("Класс «%(name)s» не найден."), status=422, name=name)
    return str(group.id)
