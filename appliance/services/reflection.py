"""Reflection: a short Gibbs-style cycle of prompts in Russian, deeper as grades rise.

Stages: what happened, feelings, evaluation, analysis, conclusion, the next step. The next
step is stored apart (`Reflection.next_step`) so the student can later turn it into a goal.
"""

from __future__ import annotations

import json
import uuid

from appliance.db import database
from appliance.i18n import N_
from appliance.models.people import STUDENT, User
from appliance.models.portfolio import Achievement, Reflection, Remark
from appliance.services import school as school_service
from appliance.services import validation, years
from appliance.services.errors import NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id

STAGES = ("description", "feelings", "evaluation", "analysis", "conclusion", "next_step")
MAX_ANSWER = 3000

# Prompt sets by grade band: (stage, question, hint).
PROMPT_SETS: dict[str, list[tuple[str, str, str]]] = {
    "5-6": [
        ("description", N_("Что произошло?"), N_("Где это было и в чём было твоё участие?")),
        ("feelings", N_("Какие были чувства?"), N_("Было интересно, страшно, радостно?")),
        ("evaluation", N_("Что получилось, а что нет?"), N_("Назови одно удачное и одно неудачное.")),
        ("analysis", N_("Почему так вышло?"), N_("Что тебе помогло, а что помешало?")),
        ("conclusion", N_("Что я сделаю по-другому?"), N_("Как поступишь в следующий раз?")),
        ("next_step", N_("Мой следующий шаг"), N_("Одно дело, которое ты сделаешь дальше.")),
    ],
    "7-9": [
        ("description", N_("Что произошло и какой была моя роль?"),
         N_("Коротко опиши событие, свою задачу и свою часть работы.")),
        ("feelings", N_("Какие были чувства и мысли?"), N_("До, во время и после — что менялось?")),
        ("evaluation", N_("Что получилось хорошо, а что не удалось?"), N_("Приведи примеры.")),
        ("analysis", N_("Почему так получилось?"),
         N_("Что зависело от тебя, а что — от обстоятельств? Какие умения пригодились?")),
        ("conclusion", N_("Чему удалось научиться и что сделаю иначе?"), N_("Какой вывод ты делаешь на будущее?")),
        ("next_step", N_("Мой следующий шаг"), N_("Что конкретно и к какому сроку ты сделаешь?")),
    ],
    "10-11": [
        ("description", N_("Ситуация: цель, контекст, мой вклад"),
         N_("Какая была цель, в каких условиях шла работа, какая ответственность была на тебе?")),
        ("feelings", N_("Мысли и чувства"),
         N_("Что мотивировало и что мешало? Как менялось твоё отношение к работе?")),
        ("evaluation", N_("Оценка результата"),
         N_("Сравни результат с целью. Каковы сильные и слабые стороны твоей работы?")),
        ("analysis", N_("Анализ причин"),
         N_("Почему результат именно такой? Какие компетенции проявились? Что сказали бы педагог и команда?")),
        ("conclusion", N_("Выводы"),
         N_("Что ты сделаешь иначе? Какой опыт перенесёшь в учёбу и в выбор профессии?")),
        ("next_step", N_("План: мой следующий шаг"),
         N_("Сформулируй по SMART: что именно, к какому сроку и как ты поймёшь, что получилось.")),
    ],
}


def prompt_set_for(student: User) -> str:
    group = school_service.class_of(student)
    grade = group.grade if group else 7
    return "5-6" if grade <= 6 else "7-9" if grade <= 9 else "10-11"


def prompts(code: str) -> list[tuple[str, str, str]]:
    return PROMPT_SETS.get(code, PROMPT_SETS["7-9"])


def answers_of(reflection: Reflection) -> list[tuple[str, str]]:
    """(question, answer) pairs in the order of the reflection's prompt set, next step included."""
    stored = json.loads(reflection.answers or "{}")
    stored["next_step"] = reflection.next_step
    return [(question, stored.get(stage, "")) for stage, question, _ in prompts(reflection.prompt_set)
            if stored.get(stage, "").strip()]


def _clean_answers(answers: dict) -> dict[str, str]:
    cleaned = {}
    for stage in STAGES:
        cleaned[stage] = validation.text(answers.get(stage), MAX_ANSWER, N_("Ответ"))
    if not any(cleaned.values()):
        raise ServiceError(N_("Ответь хотя бы на один вопрос."), status=422)
    return cleaned


def _own_achievement(student: User, achievement_id) -> Achievement | None:
    if not achievement_id:
        return None
    try:
        found = Achievement.get_or_none(Achievement.id == uuid.UUID(str(achievement_id)))
    except ValueError:
        found = None
    if found is None or found.student_id != student.id:
        raise NotFound(N_("Достижение не найдено."))
    return found


def save(student: User, answers: dict, achievement_id=None, in_document: bool = False,
         reflection_id=None) -> Reflection:
    """Create a reflection, or change the student's own one when `reflection_id` is given."""
    if student.role != STUDENT:
        raise ServiceError(N_("Рефлексию пишет ученик."), status=403)
    cleaned = _clean_answers(answers)
    achievement = _own_achievement(student, achievement_id)
    next_step = cleaned.pop("next_step")
    with database.atomic():
        if reflection_id:
            reflection = get(student, reflection_id)
        else:
            school_year, class_name = years.stamp_now(student)
            reflection = Reflection(student=student, prompt_set=prompt_set_for(student), school_year=school_year,
                                    class_name=class_name)
        reflection.achievement = achievement
        reflection.answers = json.dumps(cleaned, ensure_ascii=False)
        reflection.next_step = next_step
        reflection.in_document = bool(in_document)
        reflection.save(force_insert=not reflection_id)
    return reflection


def get(student: User, reflection_id) -> Reflection:
    return get_or_404(Reflection, Reflection.id == parse_id(reflection_id), Reflection.student == student,
                      message=N_("Запись рефлексии не найдена."))


def delete(student: User, reflection_id) -> None:
    row = get(student, reflection_id)
    with database.atomic():
        Remark.delete().where((Remark.subject == "reflection") & (Remark.subject_id == row.id)).execute()
        row.delete_instance()


def set_sharing(student: User, reflection_id, *, teacher: bool | None = None, parents: bool | None = None) -> Reflection:
    """The student shows a reflection to the class teacher (who may then comment) or to the parents."""
    row = get(student, reflection_id)
    if teacher is not None:
        row.shared = teacher
    if parents is not None:
        row.shared_with_parents = parents
    row.save()
    return row


def shared_of(student: User, with_parents: bool = False) -> list[Reflection]:
    """What the student showed the class teacher, or (with_parents) the parents; newest first."""
    column = Reflection.shared_with_parents if with_parents else Reflection.shared
    return list(Reflection.select().where((Reflection.student == student) & column)
                .order_by(Reflection.created_at.desc()))


def reflections_of(student: User, only_in_document: bool = False) -> list[Reflection]:
    query = Reflection.select().where(Reflection.student == student)
    if only_in_document:
        query = query.where(Reflection.in_document)
    return list(query.order_by(Reflection.created_at.desc()))


def next_steps(student: User) -> list[Reflection]:
    """Reflections whose next step is written down, newest first: candidates for goals."""
    return [r for r in reflections_of(student) if r.next_step.strip()]
