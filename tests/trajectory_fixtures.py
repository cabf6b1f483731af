"""A small school for the trajectory tests: two classes, three students, a class teacher."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from appliance.models.people import ClassGroup, School, Student, User
from appliance.services import calendar as cal
from appliance.services import reminders
from appliance.services import school as school_service


@dataclass
class SmallSchool:
    school: School
    seventh: ClassGroup
    ninth: ClassGroup
    anna: User  # 7Б
    boris: User  # 7Б
    vera: User  # 9В
    teacher: User  # class teacher of 7Б
    other_teacher: User  # teaches 9В only
    admin: User
    today: datetime.date


def _user(school, role, login, last, first):
    return User.create(school=school, role=role, login=login, full_name=f"{last} {first}", last_name=last,
                       first_name=first)


@pytest.fixture(name="small_school")
def small_school_fixture(db) -> SmallSchool:
    school = school_service.ensure_school("Школа № 1", "s1")
    seventh = school_service.get_or_create_class(school, "7Б")
    ninth = school_service.get_or_create_class(school, "9В")
    anna = _user(school, "student", "anna", "Иванова", "Анна")
    boris = _user(school, "student", "boris", "Петров", "Борис")
    vera = _user(school, "student", "vera", "Сидорова", "Вера")
    for student, group in ((anna, seventh), (boris, seventh), (vera, ninth)):
        Student.create(user=student, class_group=group, start_year=2020)
    teacher = _user(school, "teacher", "teacher", "Смирнова", "Ольга")
    school_service.assign_teacher(teacher, seventh, class_teacher=True)
    other = _user(school, "teacher", "other", "Карпов", "Андрей")
    school_service.assign_teacher(other, ninth)
    admin = _user(school, "admin", "admin", "Воронцова", "Ирина")
    return SmallSchool(school, seventh, ninth, anna, boris, vera, teacher, other, admin,
                       reminders.local_today(school.timezone))


def add_event(school: School, today: datetime.date, title: str, days: int, level: str = "school",
              direction: str = "", registration: int | None = None, classes=(), **extra):
    form = {"title": title, "level": level, "direction": direction,
            "starts_on": (today + datetime.timedelta(days=days)).isoformat(),
            "registration_deadline": (today + datetime.timedelta(days=registration)).isoformat()
            if registration is not None else "",
            "class_ids": [str(group.id) for group in classes], **extra}
    return cal.save_event(school, cal.check_event(form))
