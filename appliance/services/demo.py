"""A realistic demo school: four classes of Russian names, teachers, parents and an admin."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, ClassMembership, School, Student, User
from appliance.services import (
    accounts,
    alumni_demo,
    community_demo,
    mentoring_demo,
    portfolio_demo,
    trajectory_demo,
    trials_demo,
    years,
)
from appliance.services import school as school_service
from appliance.services.names import make_login

DEMO_SCHOOL = "Школа № 619 (демонстрация)"
DEMO_CODE = "demo-619"
CLASSES = ("5А", "7Б", "9В", "11А")
STUDENTS_PER_CLASS = 18

MALE = ("Александр", "Максим", "Артём", "Михаил", "Иван", "Дмитрий", "Даниил", "Кирилл", "Егор",
        "Никита", "Матвей", "Тимофей", "Андрей", "Илья", "Алексей", "Роман", "Сергей", "Владимир",
        "Ярослав", "Фёдор", "Григорий", "Лев", "Марк", "Павел")
FEMALE = ("Анастасия", "Мария", "Дарья", "Анна", "Елизавета", "Полина", "Виктория", "Екатерина",
          "Софья", "Александра", "Варвара", "Ксения", "Алиса", "Вероника", "Арина", "Милана",
          "Ульяна", "Таисия", "Ева", "Василиса", "Олеся", "Валерия")
SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
            "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
            "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
            "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
            "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
            "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
            "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев")
FATHERS = ("Александр", "Сергей", "Андрей", "Дмитрий", "Алексей", "Игорь", "Владимир", "Олег",
           "Николай", "Евгений", "Михаил", "Павел", "Виктор", "Юрий")
# The teachers: (last, first, middle, classes taught, class teacher of, subject)
TEACHERS = (
    ("Смирнова", "Ольга", "Викторовна", ("7Б", "5А"), "7Б", "Русский язык и литература"),
    ("Карпов", "Андрей", "Николаевич", ("9В", "11А", "7Б"), "9В", "Физика"),
    ("Лебедева", "Наталья", "Сергеевна", ("5А", "7Б"), "5А", "Математика"),
    ("Громова", "Елена", "Павловна", ("11А", "9В"), "11А", "История и обществознание"),
    ("Власов", "Игорь", "Олегович", ("5А", "7Б", "9В", "11А"), "", "Физическая культура"),
    ("Белова", "Марина", "Юрьевна", ("7Б", "9В", "11А"), "", "Информатика"),
    ("Осипова", "Татьяна", "Андреевна", ("5А", "9В", "11А"), "", "Биология"),
    ("Ершов", "Константин", "Игоревич", ("9В", "11А"), "", "Технология и робототехника"),
)


@dataclass
class DemoSchool:
    school: School
    # Logins with known passwords, to print once.
    passwords: dict[str, str] = field(default_factory=dict)
    pending_codes: int = 0


def _female(surname: str) -> str:
    for ending, replacement in (("ский", "ская"), ("цкий", "цкая"), ("ов", "ова"), ("ёв", "ёва"),
                                ("ев", "ева"), ("ин", "ина")):
        if surname.endswith(ending):
            return surname[: -len(ending)] + replacement
    return surname


# Patronymics are written out, not built by a rule: Павел → Павлович, Дмитрий → Дмитриевич, Михаил → Михайлович.
PATRONYMICS = {
    "Александр": ("Александрович", "Александровна"), "Сергей": ("Сергеевич", "Сергеевна"),
    "Андрей": ("Андреевич", "Андреевна"), "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Алексей": ("Алексеевич", "Алексеевна"), "Игорь": ("Игоревич", "Игоревна"),
    "Владимир": ("Владимирович", "Владимировна"), "Олег": ("Олегович", "Олеговна"),
    "Николай": ("Николаевич", "Николаевна"), "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Михаил": ("Михайлович", "Михайловна"), "Павел": ("Павлович", "Павловна"),
    "Виктор": ("Викторович", "Викторовна"), "Юрий": ("Юрьевич", "Юрьевна"),
}


def _patronymic(father: str, female: bool) -> str:
    return PATRONYMICS[father][1 if female else 0]


def _person(rng: random.Random, female: bool, surname: str | None = None) -> tuple[str, str, str]:
    surname = surname or rng.choice(SURNAMES)
    first = rng.choice(FEMALE if female else MALE)
    return (_female(surname) if female else surname, first, _patronymic(rng.choice(FATHERS), female))


def create_demo_school(password: str | None = None, seed: int = 619, settings=None) -> DemoSchool:
    """Fill an empty database with the demo school. Without a password, generate them. With
    `settings`, the demo news carry photos (written to the uploads directory)."""
    rng = random.Random(seed)  # nosec B311 - reproducible demo names, not secrets
    now = utcnow()
    with database.atomic():
        school = school_service.ensure_school(DEMO_SCHOOL, DEMO_CODE)
        demo = DemoSchool(school)
        taken: set[str] = set()
        # One hash for everyone who is not a named login: cheap, and nobody knows it (not the demo
        # password: only the logins the README names open with that).
        shared_hash = accounts.hash_password(secrets.token_urlsafe(18))

        def add(role, last, first, middle, login=None, activated=True):
            login = login or make_login(last, first, taken)
            taken.add(login)
            user = User.create(school=school, role=role, login=login,
                               full_name=f"{last} {first} {middle}".strip(),
                               last_name=last, first_name=first, middle_name=middle,
                               activated_at=now if activated else None)
            if login in ("admin", "teacher1", "student1", "parent1", "alumnus1"):
                demo.passwords[login] = password or secrets.token_urlsafe(9)
                accounts.set_password(user, demo.passwords[login])
            elif activated:
                user.password_hash = shared_hash
                user.save()
            else:
                accounts.issue_activation_code(user)
                demo.pending_codes += 1
            return user

        add(ADMIN, "Воронцова", "Ирина", "Геннадьевна", login="admin")
        groups = {name: school_service.get_or_create_class(school, name) for name in CLASSES}
        for index, (last, first, middle, taught, leads, subject) in enumerate(TEACHERS):
            teacher = add(TEACHER, last, first, middle, login="teacher1" if index == 0 else None)
            for name in taught:
                school_service.assign_teacher(teacher, groups[name], name == leads, subject)
        year = now.year if now.month >= 9 else now.year - 1
        for name, group in groups.items():
            start_year = year - group.grade + 1
            for number in range(STUDENTS_PER_CLASS):
                female = rng.random() < 0.5
                last, first, middle = _person(rng, female)
                first_student = name == "7Б" and number == 0
                # Most of the school has logged in already; a few still have their cards.
                activated = first_student or rng.random() < 0.8
                student = add(STUDENT, last, first, middle,
                              login="student1" if first_student else None, activated=activated)
                Student.create(user=student, class_group=group, start_year=start_year)
                # The classes the student was in the years before (the demo's history).
                for back in range(0, min(group.grade, 4)):
                    ClassMembership.create(student=student, school_year=year - back,
                                           class_group=group if back == 0 else None,
                                           class_name=school_service.class_name(group.grade - back, group.letter),
                                           grade=group.grade - back, outcome="" if back == 0 else "promoted")
                mother = _person(rng, True, surname=last[:-1] if female and last.endswith("а") else last)
                parent = add(PARENT, *mother, login="parent1" if first_student else None,
                             activated=first_student or rng.random() < 0.6)
                link = school_service.link_parent(parent, student)
                if activated and rng.random() < 0.85:
                    link.consent_given_at = now
                    link.consent_by = parent.full_name
                    link.consent_version = "2026-09"
                    link.save()
        portfolio_demo.add_demo_data(school, rng)
        trajectory_demo.add_demo_data(school, rng)
        trials_demo.add_demo_data(school, rng)
        community_demo.add_demo_data(school)
        community_demo.add_demo_news(settings, school)
        alumni_demo.add_demo_data(school, add)
        mentoring_demo.add_demo_data(school, demo.passwords, password)
        years.fill_missing_stamps()
    return demo
