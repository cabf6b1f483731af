"""The demo school's alumni club, so that `make run` shows it alive: graduates of last summer and
of earlier years with different choices (one shows everything, one hides the class, one waits for
the text to be approved, one was invited and has not come yet), events open to alumni with
sign-ups, and pupils' meeting requests (one waiting, one arranged)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from appliance.models.alumni import TEXT_APPROVED, AlumniProfile
from appliance.models.base import utcnow
from appliance.models.calendar import Event
from appliance.models.people import ADMIN, GRADUATED, STUDENT, ClassMembership, School, Student, User
from appliance.services import accounts, alumni
from appliance.services import school as school_service

# (last, first, middle, login, years ago, class, profile or None, approved)
GRADUATES = (
    ("Смирнова", "Анна", "Викторовна", "alumnus1", 0, "11А", {
        "show_class": "1", "occupation": "СПбГУ, биологический факультет, 1 курс", "show_occupation": "1",
        "city": "Санкт-Петербург", "show_city": "1",
        "about": "Готовилась к олимпиадам по биологии с 8 класса, расскажу, как поступить на бюджет.",
        "help_talk": "1", "help_mentoring": "1", "phone": "+7 921 555-01-02", "email": "anna.smirnova@example.org",
        "contacts_to": "staff"}, True),
    ("Кузнецов", "Илья", "Олегович", None, 2, "11Б", {
        "show_class": "1", "occupation": "Инженер-технолог на заводе «Электросила»", "show_occupation": "1",
        "city": "Санкт-Петербург", "help_trial": "1", "help_excursion": "1", "phone": "+7 911 555-03-04",
        "contacts_to": "alumni"}, True),
    ("Белова", "Дарья", "Сергеевна", None, 5, "11А", {
        "occupation": "Учитель начальных классов", "show_occupation": "1", "city": "Колпино", "show_city": "1",
        "about": "Работаю в школе и веду театральный кружок: могу рассказать, каково это — быть учителем.",
        "help_talk": "1", "email": "d.belova@example.org"}, False),
    ("Орехов", "Павел", "Андреевич", None, 1, "11Б", None, False),
    ("Лебедева", "Марина", "Игоревна", None, 12, "11А", None, False),  # invited, has not come yet
)


def add_demo_data(school: School, add: Callable[..., User], today: datetime.date | None = None) -> None:
    today = today or datetime.date.today()
    year = today.year if today.month >= 9 else today.year - 1  # the open school year
    made: list[User] = []
    for last, first, middle, login, ago, class_name, profile, approved in GRADUATES:
        invited = ago >= 10
        user = add(STUDENT, last, first, middle, login=login, activated=not invited)
        grade, letter = school_service.parse_class_name(class_name)
        left_school = datetime.datetime(year - ago, 6, 25)
        Student.create(user=user, status=GRADUATED, status_changed_at=utcnow() if invited else left_school,
                       start_year=year - ago - grade)
        ClassMembership.create(student=user, school_year=year - ago - 1, class_name=class_name, grade=grade,
                               outcome=GRADUATED)
        if invited:
            accounts.issue_activation_code(user)
        if profile is not None:
            alumni.save_profile(user, profile)
            if approved:
                AlumniProfile.update(text_status=TEXT_APPROVED).where(AlumniProfile.alumnus == user).execute()
        made.append(user)
    anna, ilya = made[0], made[1]
    # The school's events open to alumni: a meeting evening in February and the career week.
    evening = Event.create(school=school, title="Вечер встречи выпускников", level="school", kind="other",
                           starts_on=datetime.date(year + 1, 2, 7), ends_on=datetime.date(year + 1, 2, 7),
                           start_time="18:00", place="Актовый зал", open_to_alumni=True,
                           description="Традиционный вечер: концерт, встречи с учителями, экскурсия по школе.",
                           uid=f"alumni-evening-{year}@demo")
    Event.update(open_to_alumni=True).where((Event.school == school)
                                            & Event.title.startswith("Неделя профориентации")).execute()
    alumni.sign_up(anna, evening.id, today)
    alumni.sign_up(ilya, evening.id, today)
    # Pupils' requests: one waiting for a staff member, one already arranged.
    student1 = User.get(User.login == "student1")
    alumni.ask_meeting(student1, anna.id, {"purpose": "talk", "message": "Хочу узнать, как готовиться к олимпиаде "
                                                                         "по биологии."}, today)
    group = school_service.class_of(student1)
    pupil = next(p for p in school_service.students_of(group) if p.id != student1.id)
    asked = alumni.ask_meeting(pupil, ilya.id, {"purpose": "excursion", "message": ""}, today)
    admin = User.get((User.school == school) & (User.role == ADMIN))
    alumni.arrange(admin, asked.id, f"Экскурсия на завод для {group.name}: в четверг после уроков, сбор у входа.")
