"""Volunteering: a student records what they did and for how many hours; the teacher or organiser
named in the record, or the student's class teacher, confirms it or returns it with a comment —
the same rule as achievements (`portfolio.may_review`). Confirmed hours add up per school year in
the portfolio and the graduation document; the administration sees hours by class and direction.

Refused: a day in the future, before the school's years, more than 24 hours in one day (counting
the student's other records of that day), zero or negative hours.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from peewee import fn

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import Event, PlannedEvent
from appliance.models.community import CONFIRMED, RETURNED, SUBMITTED, VolunteerRecord
from appliance.models.people import STUDENT, TEACHER, School, Student, TeacherAssignment, User
from appliance.services import access, audit, catalogs, enrolment, portfolio, validation, years
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id

MAX_DAY_HOURS = 24.0
NOT_FOUND = N_("Запись о волонтёрстве не найдена.")


def _hours(value) -> float:
    text = str(value or "").strip().replace(",", ".")
    try:
        hours = float(text[:16])
    except ValueError:
        raise ServiceError(N_("Часы — число, например 2 или 1,5."), status=422) from None
    if not hours > 0 or hours != hours:
        raise ServiceError(N_("Укажи, сколько было часов работы: больше нуля."), status=422)
    if hours > MAX_DAY_HOURS:
        raise ServiceError(N_("В сутках 24 часа: больше за один день записать нельзя."), status=422)
    return round(hours * 4) / 4  # to a quarter of an hour


def _clean(student: User, form: dict, today: datetime.date, record: VolunteerRecord | None = None) -> dict:
    day = validation.date(form.get("day"), N_("Дата"), required=N_("Укажи дату."))
    if day > today:
        raise ServiceError(N_("Дата в будущем: записывают то, что уже сделано."), status=422)
    earliest = portfolio.earliest_date(student)
    if earliest and day < earliest:
        raise ServiceError(N_("Дата раньше начала учёбы в школе (1 сентября %(year)d)."), status=422,
                           year=earliest.year)
    hours = _hours(form.get("hours"))
    others = (VolunteerRecord.select(fn.SUM(VolunteerRecord.hours))
              .where((VolunteerRecord.student == student) & (VolunteerRecord.day == day)))
    if record is not None:
        others = others.where(VolunteerRecord.id != record.id)
    already = others.scalar() or 0.0
    if already + hours > MAX_DAY_HOURS:
        raise ServiceError(N_("За %(day)s у тебя уже записано %(hours)s ч: вместе больше 24 часов в сутки."),
                           status=422, day=day.strftime("%d.%m.%Y"), hours=_fmt(already))
    place = validation.text(form.get("place"), 200, N_("Организация или событие"), one_line=True,
                            required=N_("Напиши, где это было: организация или событие."))
    what = validation.text(form.get("what"), 2000, N_("Что входило в работу"),
                           required=N_("Напиши, что входило в твою работу."))
    return {"day": day, "hours": hours, "place": place, "what": what,
            "direction": catalogs.entry("direction", form.get("direction")),
            "teacher": portfolio._teacher(student, form.get("teacher"))}


def _fmt(hours: float) -> str:
    return f"{hours:g}".replace(".", ",")


def record(student: User, form: dict, today: datetime.date) -> VolunteerRecord:
    """A new record, sent for confirmation at once."""
    if student.role != STUDENT:
        raise Forbidden(N_("Волонтёрские часы записывает ученик."))
    enrolment.check_may_edit(student)
    with database.atomic():
        values = _clean(student, form, today)
        school_year, class_name = years.stamp_for_day(student, values["day"])
        return VolunteerRecord.create(student=student, status=SUBMITTED, school_year=school_year,
                                      class_name=class_name, **values)


def own(student: User, record_id) -> VolunteerRecord:
    return get_or_404(VolunteerRecord, VolunteerRecord.id == parse_id(record_id),
                      VolunteerRecord.student == student, message=NOT_FOUND)


def update(student: User, record_id, form: dict, today: datetime.date) -> VolunteerRecord:
    """Change a record that is not confirmed yet; a returned one goes back for confirmation."""
    found = own(student, record_id)
    enrolment.check_may_edit(student)
    if found.status == CONFIRMED:
        raise Conflict(N_("Подтверждённую запись изменить нельзя."))
    with database.atomic():
        for name, value in _clean(student, form, today, found).items():
            setattr(found, name, value)
        found.school_year, found.class_name = years.stamp_for_day(student, found.day)
        found.status = SUBMITTED
        found.save()
    return found


def delete(student: User, record_id) -> None:
    found = own(student, record_id)
    enrolment.check_may_edit(student)
    if found.status == CONFIRMED:
        raise Conflict(N_("Подтверждённую запись удалить нельзя."))
    found.delete_instance()


def records_of(student: User) -> list[VolunteerRecord]:
    return list(VolunteerRecord.select().where(VolunteerRecord.student == student)
                .order_by(VolunteerRecord.day.desc(), VolunteerRecord.created_at.desc()))


def visible(viewer: User, record_id) -> VolunteerRecord:
    """A record for whoever may see the student, or the teacher named in it."""
    return get_or_404(VolunteerRecord, VolunteerRecord.id == parse_id(record_id), message=NOT_FOUND,
                      visible=lambda row: row.teacher_id == viewer.id
                      or access.can_view_student(viewer, row.student))


def totals_by_year(student: User) -> list[tuple[int, float]]:
    """Confirmed hours per school year, the newest first."""
    rows = (VolunteerRecord.select(VolunteerRecord.school_year, fn.SUM(VolunteerRecord.hours))
            .where((VolunteerRecord.student == student) & (VolunteerRecord.status == CONFIRMED))
            .group_by(VolunteerRecord.school_year).tuples())
    return sorted(((year, float(total or 0)) for year, total in rows if year), reverse=True)


def document_section(student: User) -> dict:
    """Confirmed hours for the graduation document: totals per year and the records."""
    confirmed = [r for r in records_of(student) if r.status == CONFIRMED]
    return {"total": float(sum(r.hours for r in confirmed)),
            "years": [{"school_year": years.label(year), "hours": hours} for year, hours in totals_by_year(student)],
            "records": [{"date": r.day.isoformat(), "year_and_class": years.year_and_class(r.school_year, r.class_name),
                         "place": r.place, "what": r.what, "hours": r.hours,
                         "confirmed_by": r.reviewed_by.full_name if r.reviewed_by_id else None}
                        for r in sorted(confirmed, key=lambda r: r.day)]}


# -- confirming --------------------------------------------------------------------------------
def _reviewable(teacher: User, record_id) -> VolunteerRecord:
    found = get_or_404(VolunteerRecord, VolunteerRecord.id == parse_id(record_id), message=NOT_FOUND,
                       visible=lambda row: portfolio.may_review(teacher, row))
    if found.status != SUBMITTED:
        raise Conflict(N_("Эта запись не ждёт проверки."))
    return found


def confirm(teacher: User, record_id, comment: str = "") -> VolunteerRecord:
    found = _reviewable(teacher, record_id)
    found.status = CONFIRMED
    found.reviewed_by = teacher
    found.reviewed_at = utcnow()
    found.review_comment = validation.text(comment, 1000, N_("Комментарий"))
    with database.atomic():
        found.save()
        audit.record("volunteer.confirm", user=teacher, detail=str(found.id))
    return found


def return_to_student(teacher: User, record_id, comment: str) -> VolunteerRecord:
    found = _reviewable(teacher, record_id)
    comment = validation.text(comment, 1000, N_("Комментарий"))
    if not comment:
        raise ServiceError(N_("Напишите ученику, что нужно исправить."), status=422)
    found.status = RETURNED
    found.reviewed_by = teacher
    found.reviewed_at = utcnow()
    found.review_comment = comment
    with database.atomic():
        found.save()
        audit.record("volunteer.return", user=teacher, detail=str(found.id))
    return found


def review_queue(teacher: User) -> list[VolunteerRecord]:
    """Records waiting for this teacher: named in them, or of a pupil of a class they lead."""
    if teacher.role != TEACHER:
        return []
    led = (TeacherAssignment.select(TeacherAssignment.class_group)
           .where((TeacherAssignment.teacher == teacher) & TeacherAssignment.is_class_teacher))
    in_led = Student.select(Student.user).where(Student.class_group.in_(led))
    Pupil = User.alias()
    return list(VolunteerRecord.select(VolunteerRecord, Pupil)
                .join(Pupil, on=(VolunteerRecord.student == Pupil.id), attr="student")
                .where((VolunteerRecord.status == SUBMITTED) & (Pupil.school == teacher.school)
                       & ((VolunteerRecord.teacher == teacher) | VolunteerRecord.student.in_(in_led)))
                .order_by(VolunteerRecord.created_at))


# -- the school's view -------------------------------------------------------------------------
@dataclass
class SchoolHours:
    year: int
    total: float = 0.0
    students: int = 0
    by_class: list[tuple[str, float, int]] = field(default_factory=list)  # class, hours, pupils
    by_direction: list[tuple[str, float]] = field(default_factory=list)
    waiting: int = 0


def school_hours(school: School, year: int) -> SchoolHours:
    """Confirmed hours of the school year by class (the class the pupil was in then) and direction."""
    found = SchoolHours(year)
    rows = (VolunteerRecord.select(VolunteerRecord.student, VolunteerRecord.class_name, VolunteerRecord.direction,
                                   VolunteerRecord.hours, VolunteerRecord.status)
            .join(User, on=(VolunteerRecord.student == User.id))
            .where((User.school == school) & (VolunteerRecord.school_year == year)).tuples())
    classes: dict[str, list] = defaultdict(lambda: [0.0, set()])
    directions: dict = defaultdict(float)
    pupils = set()
    for student_id, class_name, direction_id, hours, status in rows:
        if status == SUBMITTED:
            found.waiting += 1
        if status != CONFIRMED:
            continue
        found.total += hours
        pupils.add(student_id)
        classes[class_name or "—"][0] += hours
        classes[class_name or "—"][1].add(student_id)
        directions[direction_id] += hours
    found.students = len(pupils)
    found.by_class = sorted(((name, hours, len(who)) for name, (hours, who) in classes.items()),
                            key=lambda row: _class_key(row[0]))
    names = {entry.id: entry.name for entry in catalogs.entries("direction", include_hidden=True)} if directions else {}
    found.by_direction = sorted(((names.get(d, "—"), hours) for d, hours in directions.items()),
                                key=lambda row: -row[1])
    return found


def _class_key(name: str) -> tuple:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 99, name)


def years_with_records(school: School) -> list[int]:
    return sorted({y for (y,) in VolunteerRecord.select(VolunteerRecord.school_year).distinct()
                   .join(User, on=(VolunteerRecord.student == User.id))
                   .where((User.school == school) & VolunteerRecord.school_year.is_null(False)).tuples()},
                  reverse=True)


# -- hours proposed by volunteering events -----------------------------------------------------------

PROPOSAL_DAYS = 90  # how long after a volunteering event its hours are still proposed
PROPOSAL_NOT_FOUND = N_("Такого волонтёрского события в твоём плане нет.")


@dataclass
class Proposal:
    event: object  # calendar.Event
    hours: float | None
    organiser: User | None


def _planned_volunteering(student: User, today: datetime.date):
    done = VolunteerRecord.select(VolunteerRecord.from_event).where(
        (VolunteerRecord.student == student) & VolunteerRecord.from_event.is_null(False))
    return (Event.select(Event, PlannedEvent.id.alias("planned_id"))
            .join(PlannedEvent, on=(PlannedEvent.event == Event.id))
            .where((PlannedEvent.student == student) & ~PlannedEvent.volunteer_dismissed & Event.volunteering
                   & (Event.school == student.school_id) & (Event.ends_on <= today)
                   & (Event.ends_on >= today - datetime.timedelta(days=PROPOSAL_DAYS)) & Event.id.not_in(done)))


def proposals(student: User, today: datetime.date) -> list[Proposal]:
    """Volunteering events that ended (in the last PROPOSAL_DAYS days) which the pupil had in their plan
    and has neither recorded nor said they missed: each proposes a record for the pupil to confirm."""
    if student.role != STUDENT or enrolment.is_graduate(student):
        return []
    found = []
    for event in _planned_volunteering(student, today).order_by(Event.ends_on.desc()):
        organiser = event.created_by if event.created_by_id and event.created_by.role == TEACHER else None
        found.append(Proposal(event, event.volunteer_hours, organiser))
    return found


def _proposed(student: User, event_id, today: datetime.date):
    event = _planned_volunteering(student, today).where(Event.id == parse_id(event_id)).first()
    if event is None:
        raise NotFound(PROPOSAL_NOT_FOUND)
    return event


def accept_proposal(student: User, event_id, form: dict, today: datetime.date) -> VolunteerRecord:
    """The pupil confirms they took part: a record for the event's last day with the hours they give
    (the event's proposal by default), sent to the organiser (a teacher who made the event) or the
    class teacher, as any record."""
    if student.role != STUDENT:
        raise Forbidden(N_("Волонтёрские часы записывает ученик."))
    enrolment.check_may_edit(student)
    event = _proposed(student, event_id, today)
    organiser = event.created_by if event.created_by_id and event.created_by.role == TEACHER else None
    hours = form.get("hours") if str(form.get("hours") or "").strip() else event.volunteer_hours
    values = {"day": event.ends_on.isoformat(), "hours": "" if hours is None else str(hours),
              "place": (f"{event.title} ({event.place})" if event.place else event.title)[:200],
              "what": form.get("what") or f"Участие в событии «{event.title}»",
              "direction": form.get("direction") or "",
              "teacher": organiser.id.hex if organiser else ""}
    with database.atomic():
        made = record(student, values, today)
        made.from_event = event.id
        made.save()
    return made


def dismiss_proposal(student: User, event_id, today: datetime.date) -> None:
    """The pupil did not take part: the event stops proposing hours to them."""
    enrolment.check_may_edit(student)
    event = _proposed(student, event_id, today)
    PlannedEvent.update(volunteer_dismissed=True).where(
        (PlannedEvent.student == student) & (PlannedEvent.event == event)).execute()
