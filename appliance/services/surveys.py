"""The school's surveys: questions from a data file, answered once per person, anonymous or
named; results as counts per answer, averages and a CSV table.

Who reads the answers: the administration reads every survey of its school. A teacher reads a
named survey's answers only from the students of their classes and those students' parents, and
no anonymous survey (its answers cannot be told apart by class). An anonymous answer is never
stored next to the row saying its author took part: it waits until BATCH answers have come, then
the batch is stored in shuffled order with the survey's own date instead of a time of its own.
"""

from __future__ import annotations

import datetime
import json
import random
from pathlib import Path

from peewee import IntegrityError

from appliance.db import database
from appliance.documents.csv_table import csv_table
from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, ParentLink, School, Student, TeacherAssignment, User
from appliance.models.surveys import AUDIENCES, Survey, SurveyParticipation, SurveyPending, SurveyResponse
from appliance.services import validation
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404
from appliance.services.questionnaires import Questionnaire, QuestionResult, check_answers, load_all, tally

ROLE_OF_AUDIENCE = {"students": (STUDENT,), "parents": (PARENT,), "both": (STUDENT, PARENT)}
BATCH = 5  # anonymous answers are stored this many at a time, shuffled


def definitions(data_dir: Path) -> list[Questionnaire]:
    return [q for q in load_all(data_dir / "questionnaires").values() if q.kind == "survey"]


def definition(data_dir: Path, code: str) -> Questionnaire:
    found = load_all(data_dir / "questionnaires").get(code)
    if found is None or found.kind != "survey":
        raise NotFound(N_("Опрос не найден."))
    return found


def create(school: School, by: User, data_dir: Path, form: dict) -> Survey:
    questionnaire = definition(data_dir, form.get("questionnaire", ""))
    audience = form.get("audience", "both")
    if audience not in AUDIENCES:
        raise ServiceError(N_("Выберите, кого опрашивать."), status=422)
    both = N_("Укажите, с какого и по какое число идёт опрос.")
    opens = validation.date(form.get("opens_on"), N_("Начало опроса"), required=both)
    closes = validation.date(form.get("closes_on"), N_("Конец опроса"), required=both)
    if closes < opens:
        raise ServiceError(N_("Опрос не может закончиться раньше, чем начнётся."), status=422)
    title = validation.text(form.get("title"), 300, N_("Название"), one_line=True) or questionnaire.title
    return Survey.create(school=school, questionnaire=questionnaire.code, title=title, audience=audience,
                         anonymous=bool(form.get("anonymous")), opens_on=opens, closes_on=closes, created_by=by)


def all_surveys(school: School) -> list[Survey]:
    return list(Survey.select().where(Survey.school == school).order_by(Survey.opens_on.desc()))


def get(school: School, survey_id) -> Survey:
    return get_or_404(Survey, Survey.id == survey_id, Survey.school == school, message=N_("Опрос не найден."))


def open_for(user: User, today: datetime.date) -> list[tuple[Survey, bool]]:
    """Surveys running today for the user's role, with whether they have answered."""
    roles = [a for a, r in ROLE_OF_AUDIENCE.items() if user.role in r]
    surveys = (Survey.select().where((Survey.school == user.school) & Survey.audience.in_(roles)
                                     & (Survey.opens_on <= today) & (Survey.closes_on >= today))
               .order_by(Survey.closes_on))
    answered = {p.survey_id for p in SurveyParticipation.select().where(SurveyParticipation.user == user)}
    return [(survey, survey.id in answered) for survey in surveys]


def answer(user: User, survey_id, data_dir: Path, raw: dict, today: datetime.date) -> SurveyResponse | None:
    """Store the user's answers; an anonymous survey's wait for their batch (None is returned then)."""
    survey = get(user.school, survey_id)
    if user.role not in ROLE_OF_AUDIENCE[survey.audience]:
        raise Forbidden(N_("Этот опрос не для вас."))
    if not survey.opens_on <= today <= survey.closes_on:
        raise ServiceError(N_("Опрос сейчас не проводится."), status=409)
    answers = check_answers(definition(data_dir, survey.questionnaire).answer_specs(user.role), raw)
    try:
        with database.atomic():
            SurveyParticipation.create(survey=survey, user=user)
            text = json.dumps(answers, ensure_ascii=False)
            if not survey.anonymous:
                return SurveyResponse.create(survey=survey, respondent=user, role=user.role, answers=text)
            SurveyPending.create(survey=survey, role=user.role, answers=text)
            _release(survey, everything=False)
            return None
    except IntegrityError:
        raise Conflict(N_("Вы уже ответили на этот опрос. Спасибо!")) from None


def _release(survey: Survey, everything: bool) -> int:
    """Store the survey's waiting anonymous answers when a batch is full (or all of them), shuffled,
    all with the same time: the survey's opening day."""
    waiting = list(SurveyPending.select().where(SurveyPending.survey == survey))
    if not waiting or (len(waiting) < BATCH and not everything):
        return 0
    random.SystemRandom().shuffle(waiting)
    stamp = datetime.datetime.combine(survey.opens_on, datetime.time())
    with database.atomic():
        for row in waiting:
            SurveyResponse.insert(survey=survey, respondent=None, role=row.role, answers=row.answers,
                                  created_at=stamp, updated_at=stamp).execute()
        SurveyPending.delete().where(SurveyPending.id.in_([row.id for row in waiting])).execute()
    return len(waiting)


def release_closed(today: datetime.date) -> int:
    """Store what anonymous answers still wait in surveys that have closed (a nightly job)."""
    closed = Survey.select().where((Survey.closes_on < today)
                                   & Survey.id.in_(SurveyPending.select(SurveyPending.survey)))
    return sum(_release(survey, everything=True) for survey in closed)


def waiting(survey: Survey) -> int:
    return SurveyPending.select().where(SurveyPending.survey == survey).count()


def can_read_results(viewer: User, survey: Survey) -> bool:
    if viewer.school_id != survey.school_id:
        return False
    return viewer.role == ADMIN or (viewer.role == TEACHER and not survey.anonymous)


def readable(viewer: User, survey: Survey) -> Survey:
    if not can_read_results(viewer, survey):
        raise Forbidden(N_("Ответы анонимного опроса видит только администрация школы."))
    return survey


def _responses(survey: Survey, viewer: User):
    """The responses `viewer` may read: everything for the administration; a teacher's classes only."""
    readable(viewer, survey)
    query = SurveyResponse.select().where(SurveyResponse.survey == survey)
    if viewer.role == ADMIN:
        return query
    pupils = (Student.select(Student.user)
              .join(TeacherAssignment, on=(TeacherAssignment.class_group == Student.class_group))
              .where(TeacherAssignment.teacher == viewer))
    parents = ParentLink.select(ParentLink.parent).where(ParentLink.student.in_(pupils))
    return query.where(SurveyResponse.respondent.in_(pupils) | SurveyResponse.respondent.in_(parents))


def results(survey: Survey, data_dir: Path, viewer: User,
            today: datetime.date) -> tuple[list[QuestionResult], int]:
    """Counts, averages and texts of the answers `viewer` may read (see the module's rules)."""
    readable(viewer, survey)
    if today > survey.closes_on:
        _release(survey, everything=True)
    questionnaire = definition(data_dir, survey.questionnaire)
    responses = list(_responses(survey, viewer))
    return tally(questionnaire.all_questions(), (json.loads(r.answers) for r in responses)), len(responses)


def results_csv(survey: Survey, data_dir: Path, viewer: User) -> str:
    """One row per response `viewer` may read; named surveys add the respondent. Opens in Excel."""
    questionnaire = definition(data_dir, survey.questionnaire)
    questions = questionnaire.all_questions()
    head = ["Роль"] + ([] if survey.anonymous else ["Участник"]) + [q["text"] for q in questions]
    rows: list[list] = [head]
    for response in _responses(survey, viewer).order_by(SurveyResponse.created_at):
        answers = json.loads(response.answers)
        role = "ученик" if response.role == STUDENT else "родитель"
        who = [] if survey.anonymous else [response.respondent.full_name if response.respondent else ""]
        rows.append([role, *who, *(_cell(answers.get(q["id"], "")) for q in questions)])
    return csv_table(rows)


def _cell(value) -> str | int:
    """An answer in a CSV cell: several chosen answers joined by «; »."""
    return "; ".join(str(v) for v in value) if isinstance(value, list) else value
