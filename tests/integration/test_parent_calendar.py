"""The parent's read-only calendar of the child: the same month and week the child sees (planned
events, goal and milestone deadlines, tasks, trials), a parent of two picks the child, another
family's child is not found, bad month/week values are refused, and nothing can be changed."""

from __future__ import annotations

import datetime

from appliance.models.calendar import Event, PlannedEvent
from appliance.models.people import ParentLink, Student, User
from appliance.models.trajectory import Goal, Milestone, Task
from appliance.services import school as school_service
from tests.conftest import login


def _plan(student: User, day: datetime.date):
    goal = Goal.create(student=student, title="Подготовиться к олимпиаде по физике", deadline=day)
    Milestone.create(goal=goal, title="Решить задачи прошлого года", due_on=day - datetime.timedelta(days=1))
    Task.create(student=student, title="Записаться в кружок", due_on=day)
    event = Event.create(school=student.school, title="День открытых дверей СПбГУ", level="city", starts_on=day,
                         ends_on=day, audience="all", uid="open-day@test", start_time="11:00")
    PlannedEvent.create(student=student, event=event)
    Event.create(school=student.school, title="Событие, которого нет в плане", level="school", starts_on=day,
                 ends_on=day, audience="all", uid="not-planned@test")
    return goal, event


def test_the_parent_sees_the_childs_month_and_week(client, demo):
    student = User.get(User.login == "student1")
    day = datetime.date.today() + datetime.timedelta(days=3)
    goal, event = _plan(student, day)
    login(client, "parent1")
    assert client.get("/parent/calendar").headers["Location"].endswith(f"/parent/calendar/{student.id.hex}")
    month = client.get(f"/parent/calendar/{student.id.hex}?m={day:%Y-%m}")
    assert month.status_code == 200
    page = month.get_data(as_text=True)
    for title in ("Подготовиться к олимпиаде по физике", "Решить задачи прошлого года", "Записаться в кружок",
                  "День открытых дверей СПбГУ"):
        assert title in page, title
    assert "Событие, которого нет в плане" not in page  # the child's plan, not the school's list
    assert f"/calendar/event/{event.id.hex}" in page  # the event opens, read-only
    assert "/activities/" not in page and "<form" not in page.split("<main", 1)[-1].split("</main>")[0]
    week = client.get(f"/parent/calendar/{student.id.hex}/week?d={day.isoformat()}").get_data(as_text=True)
    assert "День открытых дверей СПбГУ" in week and "11:00" in week and "Записаться в кружок" in week
    assert f"/parent/calendar/{student.id.hex}" in client.get(f"/parent/child/{student.id.hex}").get_data(as_text=True)
    assert client.get(f"/calendar/event/{event.id.hex}").status_code == 200


def test_a_parent_of_two_picks_the_child(client, demo):
    student = User.get(User.login == "student1")
    parent = User.get(User.login == "parent1")
    other = next(s for s in User.select().join(Student, on=(Student.user == User.id)).where(User.login != "student1")
                 if not ParentLink.select().where((ParentLink.student == s) & (ParentLink.parent == parent)).exists())
    school_service.link_parent(parent, other)
    day = datetime.date.today()
    Task.create(student=other, title="Сдать книгу в библиотеку", due_on=day)
    login(client, "parent1")
    page = client.get(f"/parent/calendar/{student.id.hex}").get_data(as_text=True)
    assert f'href="/parent/calendar/{other.id.hex}"' in page and "Сдать книгу в библиотеку" not in page
    theirs = client.get(f"/parent/calendar/{other.id.hex}").get_data(as_text=True)
    assert "Сдать книгу в библиотеку" in theirs and 'aria-current="page">' + (other.first_name or "") in theirs


def test_another_familys_child_and_bad_values_are_refused(client, demo):
    student = User.get(User.login == "student1")
    parent = User.get(User.login == "parent1")
    stranger = next(s for s in User.select().where(User.role == "student")
                    if not ParentLink.select().where((ParentLink.student == s) & (ParentLink.parent == parent)).exists())
    Task.create(student=stranger, title="Чужая задача", due_on=datetime.date.today())
    login(client, "parent1")
    for path in (f"/parent/calendar/{stranger.id.hex}", f"/parent/calendar/{stranger.id.hex}/week",
                 "/parent/calendar/not-an-id", f"/parent/calendar/{'0' * 32}/week"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Чужая задача" not in response.get_data(as_text=True)
    for query in ("m=2026-13", "m=junk", "m=1800-01"):
        response = client.get(f"/parent/calendar/{student.id.hex}?{query}")
        assert response.status_code == 400, query
        assert "месяц" in response.get_data(as_text=True).lower() or "год" in response.get_data(as_text=True)
    assert client.get(f"/parent/calendar/{student.id.hex}/week?d=31.02.2026").status_code == 400
    # Only parents: a student or a teacher does not get the parent's page.
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, "student1")
    assert client.get(f"/parent/calendar/{student.id.hex}").status_code == 403


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/password")
