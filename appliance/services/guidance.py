"""Career guidance: scoring the questionnaires, keeping each student's attempts with history,
sharing a result with the class teacher."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.guidance import Attempt, AttemptComment
from appliance.models.people import PARENT, STUDENT, TEACHER, User
from appliance.services import access, questionnaires, validation
from appliance.services.errors import Forbidden, NotFound
from appliance.services.lookup import get_or_404, parse_id
from appliance.services.questionnaires import Questionnaire, load_all


@dataclass
class ScaleResult:
    code: str
    name: str
    score: int
    maximum: int
    band_key: str
    band_title: str
    text: str
    about: str


@dataclass
class Result:
    questionnaire: Questionnaire
    scores: dict[str, int]
    code: str
    scales: list[ScaleResult]  # in the order of strength, strongest first


def questionnaire_dir(data_dir: Path) -> Path:
    return data_dir / "questionnaires"


def available(data_dir: Path) -> list[Questionnaire]:
    return [q for q in load_all(questionnaire_dir(data_dir)).values() if q.kind == "guidance"]


def available_by_code(data_dir: Path) -> dict[str, Questionnaire]:
    return {q.code: q for q in available(data_dir)}


def questionnaire(data_dir: Path, code: str) -> Questionnaire:
    found = load_all(questionnaire_dir(data_dir)).get(code)
    if found is None or found.kind != "guidance":
        raise NotFound(N_("Тест не найден."))
    return found


def check_answers(questionnaire: Questionnaire, raw: dict[str, object]) -> dict[str, object]:
    """The answers cleaned to numbers or option values; every missing or bad one is named."""
    return questionnaires.check_answers(
        questionnaire.answer_specs(), raw,
        wrong_message=N_("Недопустимый ответ в вопросах: %(numbers)s. Выбери один из предложенных вариантов."),
        missing_message=N_("Ответь, пожалуйста, на все вопросы. Пропущены: %(numbers)s."))


def score(questionnaire: Questionnaire, answers: dict[str, object]) -> Result:
    """Scale sums from checked answers, their bands, and the code of the strongest scales."""
    scores = {scale["code"]: 0 for scale in questionnaire.scales}
    maximum = {scale["code"]: 0 for scale in questionnaire.scales}
    rating = questionnaire.response["type"] == "rating"
    for item in questionnaire.items:
        if rating:
            scores[item["scale"]] += int(answers[item["id"]])
            maximum[item["scale"]] += questionnaire.response["max"]
        else:
            for option in item["options"]:
                maximum[option["scale"]] += 1
                if option["value"] == answers[item["id"]]:
                    scores[option["scale"]] += 1
    order = [scale["code"] for scale in questionnaire.scales]
    # Stable sort: equal scores keep the order the file lists the scales in.
    ranked = sorted(order, key=lambda code: -scores[code])
    result = questionnaire.data.get("result", {})
    letters = int(result.get("letters", 1)) if result.get("type") == "code" else 1
    code = "".join(ranked[:letters]) if result.get("type") == "code" else ranked[0]
    scales = []
    for code_ in ranked:
        scale = questionnaire.scale(code_)
        band = _band(questionnaire, scores[code_])
        scales.append(ScaleResult(code_, scale["name"], scores[code_], maximum[code_], band.get("key", ""),
                                  band.get("title", ""), scale.get("texts", {}).get(band.get("key", ""), ""),
                                  scale.get("about", "")))
    return Result(questionnaire, scores, code, scales)


def result_names(data_dir: Path, questionnaire_code: str, result_code: str) -> str:
    """A result in words, not its code: «Исследовательский (мыслитель), Реалистичный (практик), …» for RIASEC's
    «IR…», «Человек — художественный образ» for Klimov's «art». An unknown code is shown as it is."""
    found = load_all(questionnaire_dir(data_dir)).get(questionnaire_code)
    if found is None:
        return result_code
    names = {scale["code"]: scale["name"] for scale in found.scales}
    if result_code in names:
        return names[result_code]
    if found.data.get("result", {}).get("type") == "code" and all(letter in names for letter in result_code):
        return ", ".join(names[letter] for letter in result_code)
    return result_code


def _band(questionnaire: Questionnaire, value: int) -> dict:
    for band in questionnaire.data.get("bands", []):
        if int(band["min"]) <= value <= int(band["max"]):
            return band
    return {}


def take(student: User, questionnaire: Questionnaire, raw_answers: dict[str, object]) -> Attempt:
    if student.role != STUDENT:
        raise Forbidden(N_("Тесты по профориентации проходят ученики."))
    answers = check_answers(questionnaire, raw_answers)
    result = score(questionnaire, answers)
    with database.atomic():
        return Attempt.create(student=student, questionnaire=questionnaire.code, version=questionnaire.version,
                              answers=json.dumps(answers, ensure_ascii=False),
                              scores=json.dumps(result.scores, ensure_ascii=False), code=result.code)


def result_of(attempt: Attempt, questionnaire: Questionnaire) -> Result:
    return score(questionnaire, json.loads(attempt.answers))


def history(student: User, code: str | None = None) -> list[Attempt]:
    query = Attempt.select().where(Attempt.student == student)
    if code:
        query = query.where(Attempt.questionnaire == code)
    return list(query.order_by(Attempt.taken_at.desc(), Attempt.created_at.desc()))


def latest(student: User) -> dict[str, Attempt]:
    """The newest attempt of each questionnaire."""
    found: dict[str, Attempt] = {}
    for attempt in history(student):
        found.setdefault(attempt.questionnaire, attempt)
    return found


def attempt_for(viewer: User, attempt_id: str) -> Attempt:
    """An attempt the viewer may see: the student's own, or a shared one of a class teacher's
    student. Everyone else gets «not found», so ids of others' results say nothing."""
    def visible(attempt: Attempt) -> bool:
        return viewer.id == attempt.student_id or (
            attempt.shared and viewer.role == TEACHER and access.is_class_teacher_of(viewer, attempt.student)) or (
            attempt.shared_with_parents and viewer.role == PARENT and access.can_view_student(viewer, attempt.student))

    return get_or_404(Attempt, Attempt.id == attempt_id, message=N_("Результат не найден."), visible=visible)


def set_shared(student: User, attempt_id: str, shared: bool) -> Attempt:
    attempt = attempt_for(student, attempt_id)
    if attempt.student_id != student.id:
        raise NotFound(N_("Результат не найден."))
    attempt.shared = shared
    attempt.shared_at = utcnow() if shared else None
    attempt.save()
    return attempt


def set_shared_with_parents(student: User, attempt_id: str, shared: bool) -> Attempt:
    """The student shows a result to their parents (or stops showing it)."""
    attempt = get_or_404(Attempt, Attempt.id == parse_id(attempt_id), Attempt.student == student,
                         message=N_("Результат не найден."))
    attempt.shared_with_parents = shared
    attempt.save()
    return attempt


def shared_with_parents_of(student: User) -> list[Attempt]:
    return list(Attempt.select().where((Attempt.student == student) & Attempt.shared_with_parents)
                .order_by(Attempt.taken_at.desc()))


def shared_of(student: User) -> list[Attempt]:
    return list(Attempt.select().where((Attempt.student == student) & Attempt.shared)
                .order_by(Attempt.taken_at.desc()))


def latest_shared(students: list[User]) -> dict:
    """Each student's newest result shared with the class teacher (or None), by student id: one query."""
    found: dict = {student.id: None for student in students}
    if students:
        for attempt in (Attempt.select().where(Attempt.student.in_(list(found)) & Attempt.shared)
                        .order_by(Attempt.taken_at.desc())):
            if found[attempt.student_id] is None:
                found[attempt.student_id] = attempt
    return found


def comment(teacher: User, attempt_id: str, text: str) -> AttemptComment:
    attempt = attempt_for(teacher, attempt_id)
    if teacher.role != TEACHER:
        raise Forbidden(N_("Комментировать результат может классный руководитель."))
    text = validation.text(text, 2000, N_("Комментарий"), required=N_("Напишите текст комментария."))
    return AttemptComment.create(attempt=attempt, author=teacher, text=text)
