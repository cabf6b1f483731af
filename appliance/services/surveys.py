"""The school's surveys: questions from a data file, answered once per person, anonymous or
named; results as counts per answer, averages and a CSV table."""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from peewee import IntegrityError

from appliance.db import database
from appliance.i18n import N_
from appliance.models.people import PARENT, STUDENT, School, User
from appliance.models.surveys import AUDIENCES, Survey, SurveyParticipation, SurveyResponse
from appliance.services import validation
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404
from appliance.services.questionnaires import Questionnaire, check_answers, load_all

ROLE_OF_AUDIENCE = {"students": (STUDENT,), "parents": (PARENT,), "both": (STUDENT, PARENT)}


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


def answer(user: User, survey_id, data_dir: Path, raw: dict, today: datetime.date) -> SurveyResponse:
    survey = get(user.school, survey_id)
    if user.role not in ROLE_OF_AUDIENCE[survey.audience]:
        raise Forbidden(N_("Этот опрос не для вас."))
    if not survey.opens_on <= today <= survey.closes_on:
        raise ServiceError(N_("Опрос сейчас не проводится."), status=409)
    answers = check_answers(definition(data_dir, survey.questionnaire).answer_specs(user.role), raw)
    try:
        with database.atomic():
            SurveyParticipation.create(survey=survey, user=user)
            return SurveyResponse.create(survey=survey, respondent=None if survey.anonymous else user,
                                         role=user.role, answers=json.dumps(answers, ensure_ascii=False))
    except IntegrityError:
        raise Conflict(N_("Вы уже ответили на этот опрос. Спасибо!")) from None


@dataclass
class QuestionResult:
    question: dict
    counts: dict[str, int] = field(default_factory=dict)  # answer → how many
    average: float | None = None
    texts: list[str] = field(default_factory=list)
    answered: int = 0


def results(survey: Survey, data_dir: Path) -> tuple[list[QuestionResult], int]:
    questionnaire = definition(data_dir, survey.questionnaire)
    found = {q["id"]: QuestionResult(q) for q in questionnaire.questions}
    for q in questionnaire.questions:
        if q["type"] == "scale":
            found[q["id"]].counts = {str(v): 0 for v in range(q["min"], q["max"] + 1)}
        elif q["type"] == "choice":
            found[q["id"]].counts = {option: 0 for option in q["options"]}
    responses = list(SurveyResponse.select().where(SurveyResponse.survey == survey))
    for response in responses:
        for key, value in json.loads(response.answers).items():
            result = found.get(key)
            if result is None:
                continue
            result.answered += 1
            if result.question["type"] == "text":
                result.texts.append(str(value))
            else:
                result.counts[str(value)] = result.counts.get(str(value), 0) + 1
    for result in found.values():
        if result.question["type"] == "scale" and result.answered:
            total = sum(int(k) * v for k, v in result.counts.items())
            result.average = round(total / result.answered, 2)
    return list(found.values()), len(responses)


def results_csv(survey: Survey, data_dir: Path) -> str:
    """One row per response; named surveys add the respondent. Opens in Excel (UTF-8 with BOM, «;»)."""
    questionnaire = definition(data_dir, survey.questionnaire)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    head = ["Роль"] + ([] if survey.anonymous else ["Участник"]) + [q["text"] for q in questionnaire.questions]
    writer.writerow(head)
    query = SurveyResponse.select().where(SurveyResponse.survey == survey).order_by(SurveyResponse.created_at)
    for response in query:
        answers = json.loads(response.answers)
        role = "ученик" if response.role == STUDENT else "родитель"
        who = [] if survey.anonymous else [response.respondent.full_name if response.respondent else ""]
        writer.writerow([role, *who, *(_cell(answers.get(q["id"], "")) for q in questionnaire.questions)])
    return out.getvalue()


def _cell(value) -> str:
    text = str(value)
    # A cell starting with = + - @ would run as a formula in Excel.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
