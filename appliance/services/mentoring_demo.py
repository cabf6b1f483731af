"""The demo school's mentoring, so that `make run` shows it alive: a coordinator (teacher1), a register
with teachers, pupils, a parent, a university student from outside (login mentor1) and a graduate with
her own alumni account (alumnus1), pairs of five forms with their programmes, meetings held with notes
and meetings to come, a closed pair with both reflections, and requests waiting for a mentor with their
answers to the needs questionnaire."""

from __future__ import annotations

import datetime

from appliance.models.calendar import Event
from appliance.models.mentoring import MentoringMeeting, MentoringPair
from appliance.models.people import PARENT, TEACHER, User
from appliance.models.trials import Organisation
from appliance.services import accounts, mentoring
from appliance.services import school as school_service

UNIVERSITY = "Технический университет им. Г. И. Носова"


def _profile(coordinator: User, user: User, offer: str, capacity: int = 2):
    return mentoring.add_mentor(coordinator, {"user": user.id.hex, "offer": offer, "capacity": str(capacity)})


def _pair(coordinator: User, form: str, profile, mentee: User, title: str, goals: str, starts: datetime.date,
          planned: int, first: tuple | None = None) -> MentoringPair:
    values = {"form": form, "mentor": profile.id.hex, "mentee_login": mentee.login, "title": title, "goals": goals,
              "meetings_planned": str(planned), "starts_on": starts.isoformat()}
    if first:
        values.update({"meeting_day": first[0].isoformat(), "meeting_time": first[1], "meeting_place": first[2],
                       "meeting_topic": first[3]})
    return mentoring.form_pair(coordinator, values, starts)


def _held(pair: MentoringPair, day: datetime.date, topic: str, mentor_note: str, mentee_note: str = "") -> None:
    MentoringMeeting.create(pair=pair, day=day, start_time="15:00", place="Кабинет 214", topic=topic, status="held",
                            mentor_note=mentor_note, mentee_note=mentee_note)


def add_demo_data(school, passwords: dict[str, str], password: str | None, today: datetime.date | None = None) -> None:
    today = today or datetime.date.today()
    day = datetime.timedelta(days=1)
    admin = User.get(User.login == "admin")
    coordinator = User.get(User.login == "teacher1")
    mentoring.set_coordinator(admin, coordinator.id, True)
    student1 = User.get(User.login == "student1")
    parent1 = User.get(User.login == "parent1")
    teachers = {t.last_name: t for t in User.select().where((User.school == school) & (User.role == TEACHER))}
    groups = {g.name: g for g in school_service.classes(school)}
    seventh = [p for p in school_service.students_of(groups["7Б"]) if p.id != student1.id]
    ninth = school_service.students_of(groups["9В"])
    eleventh = school_service.students_of(groups["11А"])

    physicist = _profile(coordinator, teachers["Карпов"], "Физика, подготовка к олимпиадам, выбор инженерного профиля.")
    informatics = _profile(coordinator, teachers["Белова"], "Цифровые инструменты на уроке: онлайн-доски, тесты, "
                           "электронный журнал.", 3)
    senior = _profile(coordinator, eleventh[0], "Помогу освоиться в школе и разобраться с алгеброй.")
    young_tutor = _profile(coordinator, ninth[1], "Научу пользоваться смартфоном, госуслугами и видеосвязью.")
    parent_mentor = mentoring.add_mentor(coordinator, {
        "user": school_service.parents_of(ninth[2])[0][0].id.hex, "capacity": "1",
        "offer": "Инженер-программист: расскажу учителям, как устроены нейросети и где они полезны."})
    university = Organisation.get((Organisation.school == school) & (Organisation.name == UNIVERSITY))
    # The university's open day names its partner in the calendar.
    Event.update(organisation=university).where((Event.school == school)
                                                & (Event.title == "День открытых дверей университета")).execute()
    outside = mentoring.add_outside_mentor(coordinator, {
        "last_name": "Сафонова", "first_name": "Дарья", "middle_name": "Игоревна", "kind": "university",
        "organisation": university.id.hex, "capacity": "2",
        "offer": "Студентка 3 курса (металлургия): расскажу, как поступить и как учатся в техническом вузе."})
    mentor1 = outside.profile.user
    mentor1.login = "mentor1"
    mentor1.save()
    passwords["mentor1"] = password or passwords.get("student1", "")
    accounts.set_password(mentor1, passwords["mentor1"])

    # учитель — ученик: student1 and the physicist, a meeting held and the next one in three days.
    physics = _pair(coordinator, "teacher_student", physicist, student1, "Физика: путь к олимпиаде",
                    "Решить 30 задач муниципального этапа прошлых лет\nПодготовить проект к научной конференции\n"
                    "Понять, подходит ли инженерный профиль", today - 20 * day, 10,
                    (today + 3 * day, "15:30", "Кабинет физики 214", "Задачи на динамику"))
    _held(physics, today - 11 * day, "Знакомство и план", "Составили план подготовки, выбрали тему проекта.",
          "Было интересно, буду решать по две задачи в неделю.")
    # ученик — ученик: an eleventh-grader helps a seventh-grader settle in.
    settle = _pair(coordinator, "student_student", senior, seventh[2], "Освоиться в новом классе",
                   "Разобраться с расписанием и кружками\nПодтянуть алгебру", today - 30 * day, 6,
                   (today + 5 * day, "14:00", "Библиотека", "Алгебра: уравнения"))
    _held(settle, today - 16 * day, "Кружки школы", "Сходили на робототехнику, понравилось.")
    # студент — ученик: the university student and a ninth-grader.
    _pair(coordinator, "university_student", outside.profile, ninth[4], "Инженер-металлург: как поступить",
          "Узнать, какие экзамены нужны\nПобывать в лаборатории университета", today - 7 * day, 4,
          (today + 8 * day, "16:00", "Технический университет, корпус 2", "Экскурсия в лабораторию"))
    # студент — ученик with a graduate: alumnus1 offered to mentor in the alumni club and mentors under her
    # own alumni account, no new login.
    graduate = User.get(User.login == "alumnus1")
    alumna = mentoring.add_mentor(coordinator, {
        "user": graduate.id.hex, "capacity": "2",
        "offer": "Первокурсница биофака СПбГУ: помогу с подготовкой к олимпиаде по биологии и поступлением."})
    _pair(coordinator, "university_student", alumna, ninth[5], "Биология: от олимпиады к поступлению",
          "Выбрать олимпиады на год\nСоставить план подготовки к ЕГЭ по биологии", today - 5 * day, 4,
          (today + 6 * day, "17:00", "Библиотека школы", "Какие бывают олимпиады по биологии"))
    # учитель — учитель: digital tools for a colleague.
    digital = _pair(coordinator, "teacher_teacher", informatics, teachers["Громова"], "Цифровой урок истории",
                    "Провести урок с онлайн-доской\nСоздать тест в портале", today - 40 * day, 5,
                    (today + 10 * day, "13:30", "Кабинет информатики", "Тест по теме «Реформы Петра I»"))
    _held(digital, today - 25 * day, "Онлайн-доска", "Разобрали доску, коллега провела пробный урок.",
          "Ученикам понравилось!")
    # реверсивное: a pupil teaches a parent digital skills («Отложи вязанье – займись веб-дизайном»).
    reverse = _pair(coordinator, "reverse", young_tutor, parent1, "Отложи вязанье — займись веб-дизайном",
                    "Записаться к врачу через Госуслуги\nСделать видеозвонок\nСобрать простую страницу-визитку",
                    today - 60 * day, 4)
    for n, topic in enumerate(("Госуслуги", "Видеосвязь", "Страница-визитка")):
        _held(reverse, today - (50 - 12 * n) * day, topic, "Всё получилось с первого раза.")
    mentoring.reflect(reverse.mentor, reverse.id, {"reflection": "Было здорово объяснять взрослым.", "rating": "5"})
    mentoring.reflect(parent1, reverse.id, {"reflection": "Теперь сама записываюсь к врачу.", "rating": "5"})
    mentoring.close_pair(coordinator, reverse.id, {"status": "finished", "goals_reached": "yes"})
    # родитель — учитель is registered, waiting for a request; two requests wait for a mentor.
    assert parent_mentor.user.role == PARENT
    mentoring.apply(seventh[5], None, {"needs": ["profession", "digital"], "form": "any", "meeting_format": "school",
                                       "request": "Хочу понять, кем работать: люблю рисовать и компьютеры.",
                                       "frequency": "fortnightly", "urgency": "3"})
    mentoring.apply(teachers["Осипова"], None, {
        "needs": ["digital", "teaching"], "form": "parent_teacher", "meeting_format": "any", "frequency": "monthly",
        "request": "Хочу научиться делать интерактивные задания по биологии.", "urgency": "2"})
