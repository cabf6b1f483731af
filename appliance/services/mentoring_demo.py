"""The demo school's mentoring, so that `make run` shows it alive: a coordinator (teacher1), a register
with teachers, pupils, a parent, a university student from outside (login mentor1) and a graduate with
her own alumni account (alumnus1), pairs of five forms with their programmes (a pupil's goals in the
pupil's trajectory, with milestones), a small group of three eleventh-graders with the robotics teacher,
meetings held with notes and meetings to come, a closed pair with both reflections, and requests waiting
for a mentor with their answers to the needs questionnaire."""

from __future__ import annotations

import datetime

from appliance.models.calendar import Event
from appliance.models.mentoring import MentoringMeeting, MentoringPair
from appliance.models.people import PARENT, TEACHER, User
from appliance.models.trajectory import Milestone
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
    # The physicist adds a goal with milestones: it is student1's trajectory goal; the first step is done.
    goal = mentoring.add_pair_goal(physicist.user, physics.id, {
        "goal_title": "Выступить на школьной научной конференции", "goal_deadline": (today + 60 * day).isoformat(),
        "step_1": "Выбрать тему и прочитать две статьи", "step_due_1": (today + 5 * day).isoformat(),
        "step_2": "Собрать установку и провести измерения", "step_due_2": (today + 30 * day).isoformat(),
        "step_3": "Подготовить доклад и презентацию", "step_due_3": (today + 55 * day).isoformat()}, today)
    mentoring.mark_milestone(physicist.user, goal.milestones.order_by(Milestone.due_on).first().id)
    # A small group (учитель — ученик): the robotics teacher and three eleventh-graders, one programme.
    robotics = _profile(coordinator, teachers["Ершов"], "Робототехника и инженерные проекты: от идеи до прототипа.", 6)
    team = eleventh[2:5]
    group = mentoring.form_group(coordinator, {
        "form": "teacher_student", "mentor": robotics.id.hex, "mentee_logins": "\n".join(p.login for p in team),
        "title": "Командный инженерный проект", "goals": "Собрать робота для городских соревнований\n"
        "Научиться распределять роли в команде", "meetings_planned": "8",
        "starts_on": (today - 21 * day).isoformat(), "meeting_day": (today + 2 * day).isoformat(),
        "meeting_time": "15:00", "meeting_place": "Кабинет технологии", "meeting_topic": "Сборка шасси"},
        [], today - 21 * day)
    mentoring.add_group_meeting(coordinator, group.id, {"day": (today - 7 * day).isoformat(), "start_time": "15:00",
                                                        "place": "Кабинет технологии", "topic": "Идея и роли"},
                                today - 8 * day)
    held = MentoringMeeting.select().join(MentoringPair).where(
        (MentoringPair.group == group) & (MentoringMeeting.day == today - 7 * day)).first()
    mentoring.note_meeting(robotics.user, held.id, {"note": "Выбрали задачу соревнований, распределили роли."}, today)
    first_member = MentoringPair.get((MentoringPair.group == group) & (MentoringPair.mentee == team[0]))
    own = MentoringMeeting.get((MentoringMeeting.pair == first_member) & (MentoringMeeting.group_key == held.group_key))
    mentoring.note_meeting(team[0], own.id, {"note": "Буду отвечать за программирование датчиков."}, today)
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
