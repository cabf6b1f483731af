"""Every page a pupil or a teacher opens most asks the database the same number of questions
whatever the size of the class or the portfolio: a class of 5 and of 40, a portfolio of 5 and of 500
achievements. The count is taken at SQLite itself (apsw's statement trace), so no query escapes it."""

from __future__ import annotations

import datetime
import random
from contextlib import contextmanager

import pytest

from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.people import PARENT, STUDENT, ClassMembership, Student, User
from appliance.models.portfolio import Achievement, CatalogEntry
from appliance.services import accounts, guidance, kept, trajectory
from appliance.services import school as school_service
from appliance.services.demo import _person
from tests.conftest import DEMO_PASSWORD, login

STUDENT_PAGES = ("/student/", "/portfolio/", "/activities/", "/calendar/", "/calendar/week", "/portfolio/competencies")
# The most a page may ask, so that a new per-row query shows up even where sizes agree by chance.
CEILING = 50


@contextmanager
def counted():
    """Count the SQL statements run on this thread's connection (transactions' BEGIN/COMMIT aside)."""
    statements: list[str] = []
    connection = database.connection()

    def trace(cursor, sql, bindings):
        if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(sql)
        return True

    connection.exec_trace = trace
    try:
        yield statements
    finally:
        connection.exec_trace = None


def queries(client, path: str) -> int:
    client.get(path)  # once to warm whatever is built on the first view
    client.get(path)  # and once more: the first view of a keepable page is kept only now (the first set
    # the session's CSRF token), and keeping lists the change feed's tables once per process
    kept.forget_pages()  # what drawing the page costs, not a repeat view answered from a kept copy
    with counted() as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert len(statements) <= CEILING, (path, len(statements), statements)
    return len(statements)


class SchoolBuilder:
    """Adds pupils to one class of the demo school, each with what the class pages show of them."""

    def __init__(self, seed: int = 5):
        self.rng = random.Random(seed)
        self.school = school_service.get_school()
        self.group = school_service.get_or_create_class(self.school, "8Д")
        self.teacher = User.get(User.login == "teacher1")
        school_service.assign_teacher(self.teacher, self.group, True, "Физика")
        self.entries: dict[str, list] = {}
        for entry in CatalogEntry.select():
            self.entries.setdefault(entry.catalog, []).append(entry)
        self.today = datetime.date.today()
        self.number = 0

    def pupil(self, achievements: int = 3) -> User:
        self.number += 1
        now = utcnow()
        year = self.today.year if self.today.month >= 9 else self.today.year - 1
        last, first, middle = _person(self.rng, self.number % 2 == 0)
        user = User.create(school=self.school, role=STUDENT, login=f"pupil8d{self.number}",
                           full_name=f"{last} {first} {middle}", last_name=last, first_name=first,
                           middle_name=middle, activated_at=now)
        accounts.set_password(user, DEMO_PASSWORD)
        Student.create(user=user, class_group=self.group, start_year=year - 7)
        ClassMembership.create(student=user, school_year=year, class_group=self.group, class_name="8Д", grade=8)
        parent = User.create(school=self.school, role=PARENT, login=f"parent8d{self.number}",
                             full_name=f"{last} Мария Ивановна", last_name=last, first_name="Мария",
                             middle_name="Ивановна", activated_at=now)
        link = school_service.link_parent(parent, user)
        link.consent_given_at, link.consent_by, link.consent_version = now, parent.full_name, "2026-09"
        link.save()
        self.achievements(user, achievements)
        goal = trajectory.create_goal(user, {"title": f"Подготовиться к олимпиаде {self.number}",
                                             "why": "Поступить в физмат", "measure": "Решено 30 задач",
                                             "deadline": (self.today + datetime.timedelta(days=60)).isoformat()},
                                      self.today)
        trajectory.add_task(user, {"title": "Решить вариант прошлого года", "goal_id": goal.id.hex}, self.today)
        return user

    def achievements(self, user: User, count: int) -> None:
        now = utcnow()
        rows = []
        for index in range(count):
            status = ("confirmed", "submitted", "draft", "returned")[index % 4]
            rows.append({"student": user.id, "title": f"Олимпиада по физике № {index + 1}",
                         "date": self.today - datetime.timedelta(days=index % 900), "status": status,
                         "kind": self.rng.choice(self.entries["kind"]).id,
                         "direction": self.rng.choice(self.entries["direction"]).id,
                         "level": self.rng.choice(self.entries["level"]).id,
                         "result": self.rng.choice(self.entries["result"]).id,
                         "teacher": self.teacher.id, "teacher_role": self.rng.choice(self.entries["teacher_role"]).id,
                         "submitted_at": now, "reviewed_by": self.teacher.id if status == "confirmed" else None,
                         "reviewed_at": now if status == "confirmed" else None, "school_year": now.year,
                         "class_name": "8Д", "created_at": now, "updated_at": now})
        for start in range(0, len(rows), 200):
            Achievement.insert_many(rows[start:start + 200]).execute()


def _teacher_pages(builder: SchoolBuilder) -> tuple[str, ...]:
    first = Student.get(Student.class_group == builder.group).user
    return ("/teacher/", f"/teacher/class/{builder.group.id.hex}", "/activities/class/", "/review/", "/review/classes",
            f"/teacher/student/{first.id.hex}", f"/activities/student/{first.id.hex}")


def test_teacher_pages_ask_as_much_for_a_class_of_40_as_for_a_class_of_5(demo, client):
    builder = SchoolBuilder()
    for _ in range(5):
        builder.pupil()
    pages = _teacher_pages(builder)
    login(client, "teacher1")
    small = {path: queries(client, path) for path in pages}
    for _ in range(35):
        builder.pupil()
    assert Student.select().where(Student.class_group == builder.group).count() == 40
    large = {path: queries(client, path) for path in pages}
    assert large == small


@pytest.mark.parametrize("viewer", ["pupil", "parent", "teacher"])
def test_pages_of_a_portfolio_ask_as_much_for_500_achievements_as_for_5(demo, client, viewer):
    builder = SchoolBuilder()
    pupil = builder.pupil(achievements=5)
    guidance_shared = guidance.shared_of(pupil)
    assert guidance_shared == []
    pages = {
        "pupil": STUDENT_PAGES,
        "parent": (f"/parent/child/{pupil.id.hex}", f"/portfolio/student/{pupil.id.hex}", "/parent/"),
        "teacher": (f"/portfolio/student/{pupil.id.hex}", f"/teacher/student/{pupil.id.hex}",
                    f"/teacher/class/{builder.group.id.hex}"),
    }[viewer]
    who = {"pupil": pupil.login, "parent": f"parent8d{builder.number}", "teacher": "teacher1"}[viewer]
    if viewer == "parent":
        accounts.set_password(User.get(User.login == who), DEMO_PASSWORD)
    login(client, who, DEMO_PASSWORD)
    small = {path: queries(client, path) for path in pages}
    builder.achievements(pupil, 495)
    assert Achievement.select().where(Achievement.student == pupil).count() == 500
    large = {path: queries(client, path) for path in pages}
    assert large == small
