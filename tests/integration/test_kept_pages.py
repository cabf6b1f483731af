"""What is kept between requests (appliance/services/kept.py): never one person's for another, seen
changed by the very next request after a change to what it is made of, and kept through writes to
anything else. Logout and a change of role take effect at once, whatever is kept."""

from __future__ import annotations

import datetime
import re
import threading

import pytest

from appliance.db import database
from appliance.models.changes import get_meta, set_meta, table_versions
from appliance.models.people import PARENT, STUDENT, TEACHER, Student, User
from appliance.models.portfolio import Achievement
from appliance.services import accounts, kept, portfolio, trajectory
from tests.conftest import DEMO_PASSWORD, login, post_form

TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')


@pytest.fixture(autouse=True)
def nothing_kept():
    kept.forget()
    yield
    kept.forget()


def _confirmed(client) -> int:
    page = client.get("/indicators/").get_data(as_text=True)
    found = re.search(r'<span class="stat-value">(\d+)</span><span class="stat-label">подтверждённых', page)
    assert found, page[:2000]
    return int(found.group(1))


def _only_entry(kind: str | None = None):
    found = [entry for key, entry in kept._store.items() if kind is None or key[0] == kind]
    assert len(found) == 1, list(kept._store)
    return found[0]


def test_indicators_are_kept_until_their_own_tables_change(demo, client):
    login(client, "admin")
    before = _confirmed(client)
    entry = _only_entry("indicators")
    assert "achievement" in entry.tables and "goal" not in entry.tables
    assert client.get("/indicators/chart/shares.svg").status_code == 200
    assert _only_entry("indicators") is entry  # the chart came from the same counting

    # A pupil's goal is another table: the indicators are not counted again.
    student = User.get(User.login == "student1")
    trajectory.create_goal(student, {"title": "Выучить 200 английских слов",
                                     "deadline": (datetime.date.today() + datetime.timedelta(days=30)).isoformat()},
                           datetime.date.today())
    assert _confirmed(client) == before
    assert _only_entry("indicators") is entry

    # A confirmed achievement is on the very next view.
    teacher = User.get(User.login == "teacher1")
    waiting = portfolio.review_queue(teacher)[0]
    portfolio.confirm(teacher, waiting)
    assert _confirmed(client) == before + 1
    assert _only_entry("indicators") is not entry


def test_a_table_version_moves_with_insert_update_and_delete(demo):
    first = table_versions(("achievement", "goal"))
    achievement = Achievement.select().first()
    achievement.title = "Олимпиада «Бобёр»"
    achievement.save()
    second = table_versions(("achievement", "goal"))
    assert second[0] > first[0] and second[1] == first[1]
    achievement.delete_instance()
    assert table_versions(("achievement", "goal"))[0] > second[0]


def test_kept_only_what_the_change_feed_can_vouch_for(demo):
    calls = []

    def count_students():
        calls.append(1)
        return Student.select().count()

    assert kept.value("students", count_students) == kept.value("students", count_students)
    assert len(calls) == 1
    assert _only_entry().tables == ("student",)
    Student.update(start_year=Student.start_year).where(Student.id == Student.select().first().id).execute()
    kept.value("students", count_students)
    assert len(calls) == 2

    # okey_meta is outside the feed: it is compared whole, so a changed setting is seen at once.
    reads = []

    def framework():
        reads.append(1)
        return get_meta("active_framework", "") + str(User.select().count())

    kept.value("framework", framework)
    kept.value("framework", framework)
    assert len(reads) == 1
    set_meta("active_framework", "pisa")
    assert kept.value("framework", framework).startswith("pisa") and len(reads) == 2

    # A build that reads a table the feed does not record (the web sessions) is never kept.
    sessions = []

    def count_sessions():
        sessions.append(1)
        return database.execute_sql("SELECT COUNT(*) FROM web_session").fetchone()[0]

    kept.value("sessions", count_sessions)
    kept.value("sessions", count_sessions)
    assert len(sessions) == 2

    # Kept inside kept: the inner one is built anew, so the outer one sees every table it reads.
    def outer():
        return kept.value("students", count_students), Achievement.select().count()

    kept.value("outer", outer)
    assert set(kept._store["outer"].tables) == {"achievement", "student"}


def _person(login_name: str, role: str) -> User:
    user = User.get(User.login == login_name)
    assert user.role == role
    accounts.set_password(user, DEMO_PASSWORD)
    return user


def test_two_pupils_and_a_parent_at_once_each_see_only_their_own(demo, app):
    """Three people open the same URLs at the same time in threads (each its own connection and
    session); every body must equal the one that person got alone."""
    first = _person("student1", STUDENT)
    group = Student.get(Student.user == first).class_group
    second = next(u for u in (s.user for s in Student.select().where(Student.class_group == group))
                  if u.id != first.id and u.role == STUDENT)
    _person(second.login, STUDENT)
    _person("parent1", PARENT)
    people = {"student1": first, second.login: second, "parent1": first}  # parent1's child is student1

    def urls(child: User, role: str) -> list[str]:
        charts = [f"/portfolio/student/{child.id.hex}/chart/{kind}.svg" for kind in ("radar", "growth")]
        own = ["/student/", "/portfolio/", "/activities/", "/calendar/"] if role == STUDENT else ["/parent/"]
        return own + [f"/portfolio/student/{child.id.hex}"] + charts

    clients = {}
    alone = {}
    for name, child in people.items():
        client = app.test_client()
        login(client, name)
        clients[name] = client
        role = STUDENT if name != "parent1" else PARENT
        alone[name] = {url: TOKEN.sub("", client.get(url).get_data(as_text=True)) for url in urls(child, role)}
    assert alone["student1"]["/student/"] != alone[second.login]["/student/"]
    assert first.full_name.split()[1] in alone["student1"]["/student/"]
    assert second.full_name.split()[1] in alone[second.login]["/student/"]

    wrong: list[str] = []

    def hammer(name: str) -> None:
        client = clients[name]
        for _ in range(6):
            for url, body in alone[name].items():
                answer = client.get(url)
                if answer.status_code != 200 or TOKEN.sub("", answer.get_data(as_text=True)) != body:
                    wrong.append(f"{name} {url} {answer.status_code}")

    threads = [threading.Thread(target=hammer, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert wrong == []


def test_a_change_is_on_the_next_request_and_logout_and_role_take_effect_at_once(demo, client):
    student = _person("student1", STUDENT)
    login(client, "student1")
    chart_url = f"/portfolio/student/{student.id.hex}/chart/growth.svg"
    first_chart = client.get(chart_url).get_data(as_text=True)
    assert client.get(chart_url).get_data(as_text=True) == first_chart
    # A self-assessment of a competency is on the very next picture.
    page = client.get("/portfolio/competencies").get_data(as_text=True)
    field = re.search(r'name="(score_[0-9a-f]+)"', page)
    if field:
        post_form(client, "/portfolio/competencies", {field.group(1): "5"})
        assert client.get(chart_url).get_data(as_text=True) != first_chart

    home = client.get("/student/")
    assert home.status_code == 200
    student.role = TEACHER
    student.save()
    assert client.get("/student/").status_code in (302, 403)
    student.role = STUDENT
    student.save()
    assert client.get("/student/").status_code == 200
    post_form(client, "/logout", page="/student/")
    answer = client.get("/student/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
