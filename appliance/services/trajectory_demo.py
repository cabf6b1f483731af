"""Demo data of the trajectory: a school year of events at every level, student1's plan,
goals, milestones and tasks with a reminder due now, a past guidance result and a running
satisfaction survey with answers."""

from __future__ import annotations

import datetime
import json
import random

from appliance.models.competencies import Competency
from appliance.models.guidance import Attempt
from appliance.models.people import PARENT, STUDENT, School, User
from appliance.models.surveys import Survey, SurveyParticipation, SurveyResponse
from appliance.services import calendar as cal
from appliance.services import guidance, reminders, trajectory
from appliance.services import school as school_service
from appliance.services.questionnaires import SHIPPED, load_all

# (title, level, kind, direction, month, day, days long, registration closes N days before, place, url, classes)
SCHOOL_YEAR = (
    ("Школьный этап ВсОШ по математике", "school", "olympiad", "tech", 10, 8, 1, 0, "Школа № 619, каб. 204", "", ()),
    ("Турнир по робототехнике «РобоСтарт»", "school", "contest", "tech", 12, 5, 1, 7, "Школа № 619, актовый зал", "", ()),
    ("Благотворительная ярмарка «Добрые руки»", "school", "other", "social", 12, 19, 1, 0, "Школа № 619, рекреация 1 этажа", "", ()),
    ("Спартакиада школьников: мини-футбол", "school", "contest", "sport", 1, 30, 1, 10, "Спортивный зал школы", "", ("5А", "7Б")),
    ("Конкурс чтецов «Живое слово»", "school", "contest", "humanities", 3, 12, 1, 7, "Школьная библиотека", "", ()),
    ("Фестиваль школьных театров", "school", "contest", "arts", 3, 27, 1, 14, "Актовый зал", "", ()),
    ("Неделя профориентации: встречи с выпускниками", "school", "other", "career", 4, 6, 5, 0, "Школа № 619", "", ("9В", "11А")),
    ("Муниципальный этап ВсОШ по литературе", "municipal", "olympiad", "humanities", 11, 30, 1, 0, "ГБОУ СОШ № 148", "", ()),
    ("Муниципальный этап ВсОШ по информатике", "municipal", "olympiad", "tech", 12, 3, 1, 0, "ЦДО «IT-куб»", "", ()),
    ("Районный слёт волонтёров", "municipal", "conference", "social", 12, 8, 1, 5, "Дом молодёжи района", "", ()),
    ("День открытых дверей колледжа информационных технологий", "municipal", "open_day", "career", 12, 12, 1, 0,
     "Колледж информационных технологий", "", ()),
    ("Районный конкурс исследовательских работ «Эврика»", "municipal", "contest", "science", 1, 24, 1, 14,
     "Дворец детского творчества", "", ()),
    ("Городской фестиваль детского творчества «Звёздный путь»", "municipal", "contest", "arts", 2, 14, 2, 20,
     "Дворец творчества юных", "", ()),
    ("Региональный этап ВсОШ по математике", "regional", "olympiad", "tech", 1, 20, 2, 0, "Академическая гимназия", "", ()),
    ("Региональный этап ВсОШ по биологии", "regional", "olympiad", "science", 1, 27, 1, 0, "Эколого-биологический центр", "", ()),
    ("Региональная олимпиада по робототехнике", "regional", "olympiad", "tech", 2, 18, 1, 21, "Технопарк", "", ()),
    ("День открытых дверей университета", "regional", "open_day", "career", 3, 14, 1, 0,
     "Главное здание университета", "https://abiturient.spbu.ru", ("9В", "11А")),
    ("Профильная смена «Инженеры будущего»", "regional", "camp", "tech", 3, 23, 7, 23,
     "Загородный центр «Зеркальный»", "", ("9В", "11А")),
    ("Региональный конкурс социальных проектов «Я — гражданин»", "regional", "contest", "social", 4, 15, 1, 30, "Дом молодёжи", "", ()),
    ("Олимпиада «Высшая проба»: заключительный этап", "national", "olympiad", "humanities", 2, 10, 2, 0,
     "Площадка в Санкт-Петербурге", "https://olymp.hse.ru", ()),
    ("Олимпиада «Покори Воробьёвы горы!»", "national", "olympiad", "humanities", 3, 4, 1, 30, "Онлайн", "https://pvg.mk.ru", ()),
    ("Всероссийский конкурс «Большая перемена»", "national", "contest", "social", 3, 1, 1, 80,
     "Онлайн", "https://bolshayaperemena.online", ()),
    ("Всероссийский инженерный конкурс школьников", "national", "contest", "tech", 4, 8, 2, 40, "Москва", "", ()),
    ("Всероссийская конференция «Юные исследователи окружающей среды»", "national", "conference", "science", 4, 22, 3, 40,
     "Москва", "", ()),
    ("Президентские состязания: региональный тур", "national", "contest", "sport", 5, 12, 2, 20, "Стадион «Петровский»", "", ()),
    ("Проектная смена «Большие вызовы»", "national", "camp", "science", 7, 1, 24, 90,
     "Образовательный центр «Сириус»", "https://sochisirius.ru", ()),
    ("Международный конкурс-игра по информатике «Бобёр»", "international", "contest", "tech", 11, 9, 5, 10,
     "Онлайн", "https://bebras.ru", ()),
    ("Международная олимпиада «Формула Единства / Третье тысячелетие»", "international", "olympiad", "tech", 3, 21, 1, 30,
     "Онлайн и очно", "https://formulo.org", ()),
    ("Международный фестиваль детского творчества", "international", "contest", "arts", 4, 25, 3, 30, "Санкт-Петербург", "", ()),
    ("Международная конференция школьников «Сахаровские чтения»", "international", "conference", "humanities", 5, 16, 2, 45,
     "Санкт-Петербург", "", ()),
    ("Международная летняя языковая школа", "international", "camp", "humanities", 6, 15, 14, 60, "Ленинградская область", "", ()),
)


def _on(year: int, month: int, day: int) -> datetime.date:
    """A date of the school year that starts in September of `year`."""
    return datetime.date(year if month >= 9 else year + 1, month, day)


def add_demo_data(school: School, rng: random.Random) -> None:
    today = reminders.local_today(school.timezone)
    # In summer the demo shows the coming school year, otherwise the current one.
    year = today.year if today.month >= 6 else today.year - 1
    admin = User.get(User.login == "admin")
    student = User.get(User.login == "student1")
    events = {}
    for title, level, kind, direction, month, day, length, reg, place, url, classes in SCHOOL_YEAR:
        starts = _on(year, month, day)
        form = {"title": title, "level": level, "kind": kind, "direction": direction, "starts_on": starts.isoformat(),
                "ends_on": (starts + datetime.timedelta(days=length - 1)).isoformat(), "place": place, "url": url,
                "registration_deadline": (starts - datetime.timedelta(days=reg)).isoformat() if reg else "",
                "class_ids": [str(school_service.find_class(school, name).id) for name in classes]}
        events[title] = cal.save_event(school, cal.check_event(form), admin)
    # Close at hand whatever the date: the olympiad student1 prepares for and a fair.
    physics = cal.save_event(school, cal.check_event({
        "title": "Муниципальный этап ВсОШ по физике", "level": "municipal", "kind": "olympiad",
        "direction": "science", "starts_on": (today + datetime.timedelta(days=5)).isoformat(), "start_time": "10:00",
        "registration_deadline": (today + datetime.timedelta(days=2)).isoformat(),
        "place": "ГБОУ лицей № 239", "description": "Для 7–11 классов. Взять ручку, линейку и калькулятор."}), admin)
    cal.save_event(school, cal.check_event({
        "title": "Городская ярмарка научных идей", "level": "municipal", "kind": "contest", "direction": "science",
        "starts_on": (today + datetime.timedelta(days=12)).isoformat(),
        "registration_deadline": (today + datetime.timedelta(days=8)).isoformat(),
        "place": "Планетарий", "url": ""}), admin)

    # The school conference student1 prepares a project for, whatever the date of the demo.
    conference = cal.save_event(school, cal.check_event({
        "title": "Научно-практическая конференция «Шаг в науку»", "level": "school", "kind": "conference",
        "direction": "science", "starts_on": (today + datetime.timedelta(days=80)).isoformat(),
        "registration_deadline": (today + datetime.timedelta(days=60)).isoformat(), "place": "Школа № 619"}), admin)

    cal.plan_event(student, str(physics.id), remind_days=3)
    robots = events["Турнир по робототехнике «РобоСтарт»"]
    if robots.starts_on >= today:
        cal.plan_event(student, str(robots.id), remind_days=2)
    cal.plan_event(student, str(conference.id), remind_days=7)

    competencies = list(Competency.select().order_by(Competency.position).limit(40))
    picked = [str(c.id) for c in rng.sample(competencies, min(2, len(competencies)))]
    goal = trajectory.create_goal(student, {
        "title": "Пройти на региональный этап олимпиады по физике",
        "measure": "Набрать на муниципальном этапе проходной балл прошлого года или больше",
        "why": "Хочу поступить в физико-математический класс и проверить себя среди сильных ребят",
        "plan": "Решать по два варианта прошлых лет в неделю, разбирать ошибки с Андреем Николаевичем",
        "deadline": (today + datetime.timedelta(days=60)).isoformat(), "competency_ids": picked,
        "event_ids": [str(physics.id)], "remind_days": 3}, today)
    trajectory.add_milestone(student, goal.id, {"title": "Решить задачи муниципального этапа трёх прошлых лет",
                                                "due_on": (today + datetime.timedelta(days=3)).isoformat()}, today)
    trajectory.add_milestone(student, goal.id, {"title": "Написать муниципальный этап",
                                                "due_on": physics.starts_on.isoformat()}, today)
    project = trajectory.create_goal(student, {
        "title": "Выступить с проектом на конференции «Шаг в науку»",
        "measure": "Готовая работа, презентация и выступление на секции",
        "why": "Хочу научиться исследовать и рассказывать о результатах",
        "deadline": conference.starts_on.isoformat(), "event_ids": [str(conference.id)], "remind_days": 7}, today)
    trajectory.add_milestone(student, project.id, {"title": "Выбрать тему и согласовать с руководителем",
                                                   "due_on": (today + datetime.timedelta(days=14)).isoformat()}, today)
    trajectory.create_goal(student, {"title": "Прочитать пять книг на английском",
                                     "deadline": (today + datetime.timedelta(days=150)).isoformat()}, today)
    for title, days, status in (("Зарегистрироваться на олимпиаду по физике", 1, "todo"),
                                ("Подготовить презентацию по истории", 4, "doing"),
                                ("Сдать эссе по литературе", 6, "todo"),
                                ("Принести справку для секции", None, "done")):
        task = trajectory.add_task(student, {"title": title, "due_on": (today + datetime.timedelta(days=days)).isoformat()
                                             if days is not None else "", "goal_id": str(goal.id) if days == 1 else "",
                                             "remind_days": 1}, today)
        if status != "todo":
            trajectory.set_task_status(student, task.id, status)

    _past_guidance(student, rng, today)
    _survey(school, admin, rng, today)


def _past_guidance(student: User, rng: random.Random, today: datetime.date) -> None:
    """A RIASEC result from a year ago, shared with the class teacher: the history to compare with."""
    questionnaire = load_all(SHIPPED)["riasec"]
    likes = {"I": 5, "R": 4, "C": 3, "A": 2, "S": 3, "E": 2}
    answers = {item["id"]: max(1, min(5, likes[item["scale"]] + rng.choice((-1, 0, 0, 1))))
               for item in questionnaire.items}
    attempt = guidance.take(student, questionnaire, answers)
    taken = datetime.datetime.combine(today - datetime.timedelta(days=365), datetime.time(9, 0))
    Attempt.update(taken_at=taken, shared=True, shared_at=taken).where(Attempt.id == attempt.id).execute()


def _survey(school: School, admin: User, rng: random.Random, today: datetime.date) -> None:
    questionnaire = load_all(SHIPPED)["satisfaction"]
    survey = Survey.create(school=school, questionnaire="satisfaction", title=questionnaire.title, audience="both",
                           anonymous=True, opens_on=today - datetime.timedelta(days=7),
                           closes_on=today + datetime.timedelta(days=30), created_by=admin)
    remarks = ("Хочется напоминаний в телефоне", "Удобно смотреть календарь олимпиад", "",
               "Добавьте тёмную тему", "Спасибо, всё понятно", "")
    people = list(User.select().where((User.school == school) & User.role.in_((STUDENT, PARENT))
                                      & User.password_hash.is_null(False) & (User.login != "student1")
                                      & (User.login != "parent1")).order_by(User.login).limit(30))
    given: list[SurveyResponse] = []
    for person in people:
        answers: dict[str, object] = {}
        for question in questionnaire.questions:
            if person.role not in question.get("for", (STUDENT, PARENT)):
                continue
            if question["type"] == "scale":
                answers[question["id"]] = rng.choices((2, 3, 4, 5), weights=(1, 3, 5, 4))[0]
            elif question["type"] == "choice":
                answers[question["id"]] = rng.choice(question["options"])
            elif (remark := rng.choice(remarks)):
                answers[question["id"]] = remark
        SurveyParticipation.create(survey=survey, user=person)
        given.append(SurveyResponse(survey=survey, respondent=None, role=person.role,
                                    answers=json.dumps(answers, ensure_ascii=False)))
    # As real anonymous answers are stored: apart from who took part, shuffled, with no time of their own.
    rng.shuffle(given)
    stamp = datetime.datetime.combine(survey.opens_on, datetime.time())
    for response in given:
        response.created_at = response.updated_at = stamp
        response.save(force_insert=True)



