"""Programmes of additional education: кружки, секции, courses of a technopark.

A programme has its teacher (a teacher of the school) or a partner organisation, a schedule and the
competencies it develops. The programme's teacher or the administration enrols a student, or a
student asks and they decide. A finished programme stays in the student's portfolio with the
school years attended; the competency map lists programmes beside achievements.
"""

from __future__ import annotations

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.competencies import Competency
from appliance.models.people import ADMIN, STUDENT, STUDYING, TEACHER, School, Student, User
from appliance.models.programmes import (
    ATTENDING,
    DECLINED,
    FINISHED,
    KINDS,
    REQUESTED,
    Programme,
    ProgrammeCompetency,
    ProgrammeEnrolment,
)
from appliance.models.trials import Organisation
from appliance.services import trials, validation, years
from appliance.services.errors import Conflict, Forbidden, NotFound
from appliance.services.lookup import get_or_404, parse_id

MAX_NAME, MAX_PLACE, MAX_TEXT = 200, 300, 4000


def can_manage(user: User, programme: Programme) -> bool:
    return programme.school_id == user.school_id and (
        user.role == ADMIN or (user.role == TEACHER and programme.teacher_id == user.id))


def programmes(school: School, include_closed: bool = True) -> list[Programme]:
    query = Programme.select().where(Programme.school == school)
    if not include_closed:
        query = query.where(Programme.closed_at.is_null())
    return list(query.order_by(Programme.closed_at.is_null(False), Programme.title))


def get(school: School, programme_id) -> Programme:
    return get_or_404(Programme, Programme.id == parse_id(programme_id), Programme.school == school,
                      message=N_("Программа не найдена."))


def managed(user: User, programme_id) -> Programme:
    """The programme if the user may manage it (its teacher, the administration); else 404."""
    return get_or_404(Programme, Programme.id == parse_id(programme_id), Programme.school == user.school,
                      visible=lambda p: can_manage(user, p), message=N_("Программа не найдена."))


def competencies_of(programme: Programme) -> list[Competency]:
    return list(Competency.select().join(ProgrammeCompetency).where(ProgrammeCompetency.programme == programme)
                .order_by(Competency.position))


def save(school: School, form: dict, competency_values, by: User, programme: Programme | None = None) -> Programme:
    title = validation.text(form.get("title"), MAX_NAME, "Название", one_line=True,
                            required=N_("Укажите название программы."))
    kind = str(form.get("kind", "")).strip()
    if kind not in KINDS:
        raise validation.Invalid(N_("Выберите вид программы из списка."))
    teacher = None
    if by.role == TEACHER:
        teacher = by if programme is None else programme.teacher
    elif parse_id(form.get("teacher")):
        teacher = get_or_404(User, User.id == parse_id(form.get("teacher")), User.school == school,
                             User.role == TEACHER, message=N_("Учитель не найден."))
    organisation = None
    if parse_id(form.get("organisation")):
        organisation = get_or_404(Organisation, Organisation.id == parse_id(form.get("organisation")),
                                  Organisation.school == school, message=N_("Организация не найдена."))
    if teacher is None and organisation is None:
        raise validation.Invalid(N_("Укажите, кто ведёт программу: учитель школы или организация-партнёр."))
    values = {"title": title, "kind": kind, "teacher": teacher, "organisation": organisation,
              "schedule": validation.text(form.get("schedule"), MAX_NAME, "Расписание", one_line=True),
              "place": validation.text(form.get("place"), MAX_PLACE, "Место", one_line=True),
              "description": validation.text(form.get("description"), MAX_TEXT, "Описание")}
    chosen = trials._competency_ids(competency_values)
    with database.atomic():
        if programme is None:
            programme = Programme.create(school=school, school_year=years.current_year(school), **values)
        else:
            for key, value in values.items():
                setattr(programme, key, value)
            programme.save()
            ProgrammeCompetency.delete().where(ProgrammeCompetency.programme == programme).execute()
        for competency_id in chosen:
            ProgrammeCompetency.create(programme=programme, competency=competency_id)
    return programme


def _studying(school: School, student_id) -> User:
    return get_or_404(User.select().join(Student, on=(Student.user == User.id)),
                      User.id == parse_id(student_id), User.school == school, User.role == STUDENT,
                      Student.status == STUDYING, message=N_("Ученик не найден."))


def enrolments_of_programme(programme: Programme) -> list[ProgrammeEnrolment]:
    return list(ProgrammeEnrolment.select(ProgrammeEnrolment, User).join(User, on=(ProgrammeEnrolment.student == User.id))
                .where(ProgrammeEnrolment.programme == programme)
                .order_by(ProgrammeEnrolment.status, User.last_name, User.first_name))


def enrol(by: User, programme_id, student_id) -> ProgrammeEnrolment:
    """The programme's teacher or the administration enrols a student (or accepts a request)."""
    with database.atomic():
        programme = managed(by, programme_id)
        if programme.closed_at is not None:
            raise Conflict(N_("Программа закрыта: записать в неё нельзя."))
        student = _studying(by.school, student_id)
        year, class_name = years.stamp_now(student)
        row = ProgrammeEnrolment.get_or_none((ProgrammeEnrolment.programme == programme)
                                             & (ProgrammeEnrolment.student == student))
        if row is not None and row.status == ATTENDING:
            raise Conflict(N_("Ученик уже занимается в этой программе."))
        if row is None:
            return ProgrammeEnrolment.create(programme=programme, student=student, status=ATTENDING, from_year=year,
                                             class_name=class_name, decided_by=by)
        if row.status == FINISHED:
            row.to_year = None
        else:
            row.from_year, row.class_name = year, class_name
        row.status, row.decided_by = ATTENDING, by
        row.save()
        return row


def request(student: User, programme_id) -> ProgrammeEnrolment:
    """A student asks to join; the programme's teacher or the administration decides."""
    if student.role != STUDENT:
        raise Forbidden(N_("Записываться в программы могут только ученики."))
    with database.atomic():
        programme = get(student.school, programme_id)
        if programme.closed_at is not None:
            raise Conflict(N_("Программа закрыта: записаться в неё нельзя."))
        row = ProgrammeEnrolment.get_or_none((ProgrammeEnrolment.programme == programme)
                                             & (ProgrammeEnrolment.student == student))
        if row is not None and row.status in (REQUESTED, ATTENDING):
            raise Conflict(N_("Твоя запись уже есть или ждёт ответа."))
        year, class_name = years.stamp_now(student)
        if row is None:
            return ProgrammeEnrolment.create(programme=programme, student=student, status=REQUESTED, from_year=year,
                                             class_name=class_name)
        row.status, row.from_year, row.to_year, row.class_name = REQUESTED, year, None, class_name
        row.save()
        return row


def _managed_enrolment(by: User, enrolment_id) -> ProgrammeEnrolment:
    row = get_or_404(ProgrammeEnrolment, ProgrammeEnrolment.id == parse_id(enrolment_id),
                     message=N_("Запись не найдена."))
    if not can_manage(by, row.programme):
        raise NotFound(N_("Запись не найдена."))
    return row


def decide(by: User, enrolment_id, action: str) -> ProgrammeEnrolment:
    """accept / decline a request; finish attending (the year it ended is kept)."""
    with database.atomic():
        row = _managed_enrolment(by, enrolment_id)
        if action == "accept" and row.status == REQUESTED:
            row.status = ATTENDING
        elif action == "decline" and row.status == REQUESTED:
            row.status = DECLINED
        elif action == "finish" and row.status == ATTENDING:
            row.status, row.to_year = FINISHED, years.current_year(row.programme.school)
        else:
            raise Conflict(N_("Так изменить эту запись нельзя."))
        row.decided_by = by
        row.save()
        return row


def close(by: User, programme_id) -> Programme:
    """The programme ends: everyone attending has finished it this year."""
    with database.atomic():
        programme = managed(by, programme_id)
        year = years.current_year(programme.school)
        (ProgrammeEnrolment.update(status=FINISHED, to_year=year)
         .where((ProgrammeEnrolment.programme == programme) & (ProgrammeEnrolment.status == ATTENDING)).execute())
        (ProgrammeEnrolment.update(status=DECLINED)
         .where((ProgrammeEnrolment.programme == programme) & (ProgrammeEnrolment.status == REQUESTED)).execute())
        programme.closed_at = programme.closed_at or utcnow()
        programme.save()
        return programme


def of_student(student: User) -> list[ProgrammeEnrolment]:
    return list(ProgrammeEnrolment.select(ProgrammeEnrolment, Programme).join(Programme)
                .where(ProgrammeEnrolment.student == student).order_by(ProgrammeEnrolment.from_year, Programme.title))


def years_label(row: ProgrammeEnrolment) -> str:
    """«2024/25 – 2025/26», «с 2025/26»."""
    start = years.label(row.from_year)
    if row.to_year is None:
        return f"с {start}"
    return start if row.to_year == row.from_year else f"{start} – {years.label(row.to_year)}"


def evidence(student: User, competency_ids: list) -> list[tuple]:
    """(competency id, programme title, years) of programmes attended or finished."""
    if not competency_ids:
        return []
    rows = (ProgrammeCompetency.select(ProgrammeCompetency, ProgrammeEnrolment, Programme)
            .join(Programme).join(ProgrammeEnrolment, on=(ProgrammeEnrolment.programme == Programme.id))
            .where((ProgrammeEnrolment.student == student) & ProgrammeEnrolment.status.in_((ATTENDING, FINISHED))
                   & ProgrammeCompetency.competency.in_(competency_ids)))
    return [(row.competency_id, row.programme.title, years_label(row.programme.programmeenrolment)) for row in rows]


def document_section(student: User) -> list[dict]:
    return [{"title": row.programme.title, "kind": KINDS[row.programme.kind], "years": years_label(row),
             "finished": row.status == FINISHED,
             "competencies": [c.name for c in competencies_of(row.programme)]}
            for row in of_student(student) if row.status in (ATTENDING, FINISHED)]
