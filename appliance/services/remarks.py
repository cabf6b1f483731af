"""Teacher ↔ student about a reflection or a self-assessment, where the school asked for it: the class
teacher comments on what the student showed them, the student answers. No general chat: a remark
always belongs to one reflection or one self-assessment, and only its student and their class
teachers take part."""

from __future__ import annotations

import uuid

from appliance.db import database
from appliance.i18n import N_
from appliance.models.competencies import SelfAssessment
from appliance.models.people import STUDENT, TEACHER, User
from appliance.models.portfolio import Reflection, Remark
from appliance.services import access, links, notifications, validation
from appliance.services.errors import Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id

REFLECTION = "reflection"
SELF_ASSESSMENT = "self_assessment"
SUBJECTS = (REFLECTION, SELF_ASSESSMENT)
MAX_TEXT = 2000
_WHAT = {REFLECTION: "комментарий к рефлексии", SELF_ASSESSMENT: "комментарий к самооценке"}
_ANSWER = {REFLECTION: "ответ на комментарий к рефлексии", SELF_ASSESSMENT: "ответ на комментарий к самооценке"}
_STUDENT_PAGE = {REFLECTION: links.REFLECTIONS, SELF_ASSESSMENT: links.SELF_ASSESSMENT}


def _subject(subject: str, subject_id) -> Reflection | SelfAssessment:
    if subject == REFLECTION:
        return get_or_404(Reflection, Reflection.id == parse_id(subject_id), message=N_("Запись рефлексии не найдена."))
    if subject == SELF_ASSESSMENT:
        return get_or_404(SelfAssessment, SelfAssessment.id == parse_id(subject_id),
                          message=N_("Самооценка не найдена."))
    raise NotFound(N_("Не найдено."))


def _text(text) -> str:
    return validation.text(text, MAX_TEXT, N_("Комментарий"), required=N_("Напишите текст комментария."))


def comment(teacher: User, subject: str, subject_id, text: str) -> Remark:
    """The class teacher's word on a reflection the student showed them, or on a self-assessment."""
    if teacher.role != TEACHER:
        raise Forbidden(N_("Комментировать рефлексию и самооценку может классный руководитель."))
    row = _subject(subject, subject_id)
    student = row.student
    if not access.is_class_teacher_of(teacher, student):
        raise Forbidden(N_("Комментировать рефлексию и самооценку может классный руководитель ученика."))
    if subject == REFLECTION and not row.shared:
        raise NotFound(N_("Запись рефлексии не найдена."))
    text = _text(text)
    with database.atomic():
        remark = Remark.create(student=student, author=teacher, subject=subject, subject_id=row.id, text=text)
        notifications.commented(student, teacher, _WHAT[subject], links.LinkTarget(_STUDENT_PAGE[subject]),
                                group=f"{subject}:{row.id.hex}")
    return remark


def answer(student: User, subject: str, subject_id, text: str) -> Remark:
    """The student answers the teachers who commented; before any comment there is nothing to answer."""
    if student.role != STUDENT:
        raise Forbidden(N_("Отвечает ученик."))
    row = _subject(subject, subject_id)
    if row.student_id != student.id:
        raise NotFound(N_("Не найдено."))
    teachers = {r.author_id for r in thread(subject, row.id) if r.author_id != student.id}
    if not teachers:
        raise ServiceError(N_("Отвечать пока не на что: педагог ещё не комментировал."), status=409)
    text = _text(text)
    with database.atomic():
        remark = Remark.create(student=student, author=student, subject=subject, subject_id=row.id, text=text)
        for teacher in teachers:
            notifications.commented(teacher, student, _ANSWER[subject], links.LinkTarget.of(links.PUPIL, student.id),
                                    group=f"answer:{subject}:{row.id.hex}")
    return remark


def thread(subject: str, subject_id: uuid.UUID) -> list[Remark]:
    return list(Remark.select().where((Remark.subject == subject) & (Remark.subject_id == subject_id))
                .order_by(Remark.created_at, Remark.id))


def threads_of(student: User, subject: str) -> dict:
    """Every remark on the student's reflections (or self-assessments), by the id of what it is about."""
    found: dict = {}
    for remark in (Remark.select(Remark, User).join(User, on=(Remark.author == User.id))
                   .where((Remark.student == student) & (Remark.subject == subject))
                   .order_by(Remark.created_at, Remark.id)):
        found.setdefault(remark.subject_id, []).append(remark)
    return found
