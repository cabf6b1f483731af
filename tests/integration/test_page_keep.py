"""Kept pages for repeat views (webui/keep.py): a repeat view is answered without Flask, yet never shows
one person's page to another, shows a change on the very next request, lets logout, a disabled account,
a role change and a password change take effect at once, carries the requester's own CSRF token, never
keeps a page with a flash and follows the language."""

from __future__ import annotations

import re
import threading
import time

import pytest
from flask import request_started

from appliance.models.base import utcnow
from appliance.models.people import PARENT, STUDENT, TEACHER, Student, TeacherAssignment, User
from appliance.models.trajectory import Task
from appliance.services import accounts, kept, notifications, portfolio, trajectory
from appliance.services import school as school_service
from tests.conftest import DEMO_PASSWORD, login, post_form
from webui.keep import KEEPABLE

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PUPIL_PAGES = ("/student/", "/portfolio/", "/activities/", "/calendar/")


@pytest.fixture(autouse=True)
def nothing_kept():
    kept.forget()
    yield
    kept.forget()


class FlaskCalls:
    """How many requests reached the Flask app (a kept answer never does)."""

    def __init__(self, app):
        self.count = 0
        self.lock = threading.Lock()
        request_started.connect(self.seen, app)

    def seen(self, sender, **extra):
        with self.lock:
            self.count += 1


def _person(login_name: str) -> User:
    user = User.get(User.login == login_name)
    accounts.set_password(user, DEMO_PASSWORD)
    return user


def _classmate(first: User) -> User:
    group = Student.get(Student.user == first).class_group
    other = next(s.user for s in Student.select().where(Student.class_group == group) if s.user_id != first.id)
    return _person(other.login)


def _body(answer) -> str:
    return TOKEN.sub("", answer.get_data(as_text=True))


def _class_page(teacher: User) -> str:
    assignment = TeacherAssignment.get((TeacherAssignment.teacher == teacher) & TeacherAssignment.is_class_teacher)
    return f"/teacher/class/{assignment.class_group_id.hex}"


def test_a_repeat_view_is_answered_without_flask_and_equals_the_page(demo, app, client):
    calls = FlaskCalls(app)
    login(client, "student1")
    for path in PUPIL_PAGES:
        client.get(path)  # the first view may set the session's CSRF token: a cookie, so not kept
        first = client.get(path)
        before = calls.count
        repeat = client.get(path)
        assert calls.count == before, path
        assert repeat.status_code == 200 and _body(repeat) == _body(first)
        for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Cache-Control",
                     "Content-Type", "Referrer-Policy"):
            assert repeat.headers[name] == first.headers[name], name
        assert "Set-Cookie" not in repeat.headers
        assert int(repeat.headers["Content-Length"]) == len(repeat.get_data())
    assert kept.pages_held()[0] == len(PUPIL_PAGES)


def test_two_pupils_and_a_parent_hammering_the_same_urls_each_see_their_own(demo, app):
    first = _person("student1")
    second = _classmate(first)
    _person("parent1")
    calls = FlaskCalls(app)
    urls = {"student1": PUPIL_PAGES, second.login: PUPIL_PAGES, "parent1": ("/parent/",)}
    alone, clients = {}, {}
    for name, paths in urls.items():
        client = app.test_client()
        login(client, name)
        for path in paths:
            client.get(path)
        alone[name] = {}
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, (name, path)
            alone[name][path] = _body(answer)
        clients[name] = client
    assert alone["student1"]["/student/"] != alone[second.login]["/student/"]
    assert all(body for pages in alone.values() for body in pages.values())
    before = calls.count
    wrong: list[str] = []

    def hammer(name: str, client) -> None:
        for _ in range(15):
            for path, body in alone[name].items():
                answer = client.get(path)
                if answer.status_code != 200 or _body(answer) != body:
                    wrong.append(f"{name} {path} {answer.status_code}")

    # Two threads per person, each with its own session of that person.
    threads = []
    for name in urls:
        extra = app.test_client()
        login(extra, name)
        for client in (clients[name], extra):
            threads.append(threading.Thread(target=hammer, args=(name, client)))
    before = calls.count
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert wrong == []
    requests = 2 * 15 * sum(len(paths) for paths in urls.values())
    assert calls.count - before < requests // 2  # most of them answered from kept pages


def test_a_change_is_on_the_very_next_request_of_everyone_who_sees_it(demo, app):
    student = _person("student1")
    _person("parent1")
    teacher = _person("teacher1")
    clients = {}
    for name in ("student1", "parent1", "teacher1"):
        clients[name] = app.test_client()
        login(clients[name], name)
    class_page = _class_page(teacher)
    views = {"student1": PUPIL_PAGES, "parent1": ("/parent/",), "teacher1": (class_page,)}

    def everyone() -> dict:
        seen = {}
        for name, paths in views.items():
            for path in paths:
                clients[name].get(path)
                seen[name, path] = clients[name].get(path).get_data(as_text=True)
        return seen

    everyone()
    # A new achievement: the pupil's portfolio.
    portfolio.create_draft(student, title="Призёр олимпиады «Кенгуру»")
    assert "Призёр олимпиады «Кенгуру»" in clients["student1"].get("/portfolio/").get_data(as_text=True)
    # A goal: «Активности».
    import datetime

    trajectory.create_goal(student, {"title": "Пробежать кросс наций",
                                     "deadline": (datetime.date.today() + datetime.timedelta(days=20)).isoformat()},
                           datetime.date.today())
    assert "Пробежать кросс наций" in clients["student1"].get("/activities/").get_data(as_text=True)
    # A notification: in every page's header.
    before = everyone()
    notifications.notify(student, notifications.CONFIRMED, "Учитель подтвердил достижение")
    after = {path: clients["student1"].get(path).get_data(as_text=True) for path in PUPIL_PAGES}
    for path in PUPIL_PAGES:
        assert TOKEN.sub("", after[path]) != TOKEN.sub("", before["student1", path]), path
    # A changed name: the pupil's own pages, the parent's and the class teacher's.
    student.last_name, student.first_name = "Солнцев", "Ярослав"
    student.full_name = f"Солнцев Ярослав {student.middle_name}".strip()
    student.save()
    assert "Солнцев" in clients["student1"].get("/student/").get_data(as_text=True)
    assert student.full_name in clients["parent1"].get("/parent/").get_data(as_text=True)
    assert "Солнцев" in clients["teacher1"].get(class_page).get_data(as_text=True)
    # The class teacher's name on the pupil's home.
    group = Student.get(Student.user == student).class_group
    teacher = TeacherAssignment.get((TeacherAssignment.class_group == group) & TeacherAssignment.is_class_teacher).teacher
    teacher.last_name, teacher.full_name = "Громова-Лесная", f"Громова-Лесная {teacher.first_name} {teacher.middle_name}"
    teacher.save()
    assert "Громова-Лесная" in clients["student1"].get("/student/").get_data(as_text=True)


def test_logout_a_disabled_account_a_role_and_a_password_change_act_at_once(demo, app, client):
    student = _person("student1")
    other_device = app.test_client()
    for device in (client, other_device):
        login(device, "student1")
        for _ in range(3):
            assert device.get("/student/").status_code == 200
    # A role change.
    student.role = TEACHER
    student.save()
    assert client.get("/student/").status_code in (302, 403)
    student.role = STUDENT
    student.save()
    assert client.get("/student/").status_code == 200 and client.get("/student/").status_code == 200
    # A disabled account.
    student.active = False
    student.save()
    assert client.get("/student/").status_code == 302
    student.active = True
    student.save()
    for device in (client, other_device):
        assert device.get("/student/").status_code == 200 and device.get("/student/").status_code == 200
    # A password change on one device ends the other.
    answer = post_form(client, "/password", {"current": DEMO_PASSWORD, "password": "Nov-pass-word-2027!",
                                              "repeat": "Nov-pass-word-2027!"}, page="/password")
    assert answer.status_code == 302
    assert other_device.get("/student/").status_code == 302
    assert client.get("/student/").status_code == 200
    # Logout.
    post_form(client, "/logout", page="/student/")
    answer = client.get("/student/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_csrf_token_of_a_kept_page_is_the_requesters_own(demo, app):
    _person("student1")
    calls = FlaskCalls(app)
    one, two = app.test_client(), app.test_client()
    for device in (one, two):
        login(device, "student1")
        device.get("/activities/")
    one.get("/activities/")  # kept from this session's render
    before = calls.count
    page_two = two.get("/activities/").get_data(as_text=True)
    assert calls.count == before  # the second device's view came from the first one's render
    page_one = one.get("/activities/").get_data(as_text=True)
    token_one, token_two = TOKEN.search(page_one).group(1), TOKEN.search(page_two).group(1)
    assert token_one != token_two
    # The other session's token is refused; the device's own works.
    refused = two.post("/activities/tasks", data={"title": "Чужой токен", "csrf_token": token_one})
    assert refused.status_code == 400
    assert Task.select().where(Task.title == "Чужой токен").count() == 0
    taken = two.post("/activities/tasks", data={"title": "Прочитать «Кортик»", "csrf_token": token_two})
    assert taken.status_code == 302


def test_a_page_with_a_flash_is_not_kept_nor_answered_from_the_store(demo, app, client):
    _person("student1")
    login(client, "student1")
    for _ in range(3):
        client.get("/activities/")
    token = TOKEN.search(client.get("/activities/").get_data(as_text=True)).group(1)
    client.post("/activities/tasks", data={"title": "Сдать реферат", "csrf_token": token})
    with_flash = client.get("/activities/").get_data(as_text=True)
    assert "Задача добавлена." in with_flash and "Сдать реферат" in with_flash
    again = client.get("/activities/").get_data(as_text=True)
    assert "Задача добавлена." not in again and "Сдать реферат" in again
    assert "Задача добавлена." not in client.get("/activities/").get_data(as_text=True)


def test_the_language_switch_gives_the_other_language(demo, app, client):
    _person("student1")
    login(client, "student1")
    for _ in range(3):
        assert '<html lang="ru"' in client.get("/student/").get_data(as_text=True)
    token = TOKEN.search(client.get("/student/").get_data(as_text=True)).group(1)
    client.post("/language", data={"lang": "en", "next": "/student/", "csrf_token": token})
    for _ in range(3):
        assert '<html lang="en"' in client.get("/student/").get_data(as_text=True)
    token = TOKEN.search(client.get("/student/").get_data(as_text=True)).group(1)
    client.post("/language", data={"lang": "ru", "next": "/student/", "csrf_token": token})
    assert '<html lang="ru"' in client.get("/student/").get_data(as_text=True)


def test_the_store_is_bounded_in_bytes(demo, app, client, monkeypatch):
    _person("student1")
    login(client, "student1")
    monkeypatch.setattr(kept, "PAGES_BUDGET", 30_000)
    for _ in range(3):
        for path in PUPIL_PAGES:
            client.get(path)
    count, size = kept.pages_held()
    assert size <= 30_000 and 0 < count < len(PUPIL_PAGES)


def test_a_login_keeps_other_peoples_pages_and_shows_on_the_own_home(demo, app, client):
    first = _person("student1")
    second = _classmate(first)
    calls = FlaskCalls(app)
    login(client, "student1")
    for _ in range(3):
        client.get("/portfolio/")
        client.get("/student/")
    before = calls.count
    other = app.test_client()
    login(other, second.login)  # another pupil logs in
    assert calls.count > before
    before = calls.count
    assert client.get("/portfolio/").status_code == 200 and client.get("/student/").status_code == 200
    assert calls.count == before  # their login changed nothing these pages show
    # The pupil's own new login (on another device) is on their home at once: drawn again, not kept.
    # Login times are stored to the second: a login within the same second shows the same time.
    started = utcnow()
    while utcnow() == started:
        time.sleep(0.05)
    again = app.test_client()
    login(again, "student1")
    before = calls.count
    new_home = client.get("/student/").get_data(as_text=True)
    assert calls.count == before + 1 and "Последний вход" in new_home


def test_the_feed_counts_every_column_of_an_account_but_the_login_time(demo):
    from appliance.db import database

    sql = database.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'sync_user_update'").fetchone()[0]
    watched = set(re.findall(r'"(\w+)"', sql.split(" ON ")[0].split(" OF ", 1)[1]))
    columns = {field.column_name for field in User._meta.sorted_fields}
    # A new column of `user` must be added to the trigger (a new migration creates it again).
    assert watched == columns - {"last_login_at"}
    student = User.get(User.login == "student1")
    before = database.execute_sql("SELECT MAX(seq) FROM sync_change WHERE tbl = 'user'").fetchone()[0]
    accounts.set_password(student, DEMO_PASSWORD)
    accounts.authenticate("student1", DEMO_PASSWORD, "10.0.0.7")
    assert User.get_by_id(student.id).last_login_at is not None
    after_login = database.execute_sql("SELECT MAX(seq) FROM sync_change WHERE tbl = 'user'").fetchone()[0]
    assert after_login > before  # the new password is a change
    accounts.authenticate("student1", DEMO_PASSWORD, "10.0.0.7")
    assert database.execute_sql("SELECT MAX(seq) FROM sync_change WHERE tbl = 'user'").fetchone()[0] == after_login
    student = User.get_by_id(student.id)
    student.locale = "en"
    student.save()
    assert database.execute_sql("SELECT MAX(seq) FROM sync_change WHERE tbl = 'user'").fetchone()[0] > after_login


def test_a_repeat_view_asks_the_database_twice(demo, app, client):
    """The session (one indexed lookup) and the versions of the page's tables with the settings (one
    statement), whatever the page."""
    from tests.integration.test_query_counts import counted

    login(client, "teacher1")
    teacher = User.get(User.login == "teacher1")
    for path in (_class_page(teacher), "/calendar/"):
        client.get(path)
        client.get(path)
        with counted() as statements:
            assert client.get(path).status_code == 200
        assert len(statements) == 1, statements


def _untouched_row(page_tables: tuple[str, ...]):
    """A row of a table in the change feed that the page does not read."""
    from appliance.models.base import BaseModel

    def every(model):
        for sub in model.__subclasses__():
            yield sub
            yield from every(sub)

    for model in every(BaseModel):
        table = model._meta.table_name
        if table in kept.fed_tables() and table not in page_tables:
            row = model.select().first()
            if row is not None:
                return model, row
    raise AssertionError("no table outside the page with a row")


def test_a_repeat_view_asks_once_until_something_changes_anywhere(demo, app, client):
    """Nothing written since the page was checked: the session check alone (the feed's newest number
    rides in the same statement). A write elsewhere: one more statement finds the page's own tables
    unchanged, and the next view asks once again. A change of the settings (outside the feed) is
    drawn again by Flask (a change of a table the page reads: the test above)."""
    from appliance.models.changes import set_meta
    from tests.integration.test_query_counts import counted

    calls = FlaskCalls(app)
    login(client, "student1")
    client.get("/student/")
    first = _body(client.get("/student/"))
    (entry,) = kept._pages.values()
    with counted() as statements:
        assert _body(client.get("/student/")) == first
    assert len(statements) == 1, statements
    model, row = _untouched_row(entry.tables)
    field = model._meta.sorted_fields[-1]
    model.update({field: field}).where(model._meta.primary_key == row._pk).execute()
    before = calls.count
    with counted() as statements:
        assert _body(client.get("/student/")) == first
    assert len(statements) == 2 and calls.count == before, (model, statements)
    with counted() as statements:
        assert _body(client.get("/student/")) == first
    assert len(statements) == 1, statements
    assert "okey_meta" in entry.tables
    set_meta("page-keep-test", "changed")
    client.get("/student/")
    assert calls.count == before + 1  # the settings moved no sequence number, yet the page was drawn again
    client.get("/student/")
    assert calls.count == before + 1


def _url_of(endpoint: str, app) -> tuple[str, str]:
    """Who opens a keepable page, and its address in the demo school."""
    from flask import url_for

    from webui import nav

    teacher, student = User.get(User.login == "teacher1"), User.get(User.login == "student1")
    child = school_service.children_of(User.get(User.login == "parent1"))[0]
    special = {"teacher.class_page": ("teacher1", _class_page(teacher)),
               "portfolio.overview": ("student1", f"/portfolio/student/{student.id.hex}"),
               "parent.child_month": ("parent1", f"/parent/calendar/{child.id.hex}")}
    if endpoint in special:
        return special[endpoint]
    for role, login_name in ((STUDENT, "student1"), (TEACHER, "teacher1"), (PARENT, "parent1")):
        if endpoint in {name for name, _ in nav.MENU[role]}:
            with app.test_request_context():
                return login_name, url_for(endpoint)
    raise AssertionError(f"{endpoint}: say who opens it in _url_of")


@pytest.mark.parametrize("endpoint", sorted(KEEPABLE))
def test_every_keepable_page_is_kept_equal_and_redrawn_on_a_change(demo, app, endpoint):
    """Each page in KEEPABLE: the repeat view is answered without Flask and equals the page Flask
    draws; a change of a table the page reads (the viewer's own name, which every page shows) is on
    the very next view; the language switch gives the other language."""
    login_name, url = _url_of(endpoint, app)
    user = _person(login_name)
    client = app.test_client()
    login(client, login_name)
    calls = FlaskCalls(app)
    client.get(url)
    first = client.get(url)
    assert first.status_code == 200, (endpoint, url)
    before = calls.count
    repeat = client.get(url)
    assert calls.count == before, f"{endpoint} {url} was not answered from a kept copy"
    assert repeat.status_code == 200 and _body(repeat) == _body(first)
    kept.forget_pages()  # and Flask, drawing it afresh, gives the same page
    assert _body(client.get(url)) == _body(first)
    User.update(last_name="Переименованная").where(User.id == user.id).execute()
    renamed = client.get(url)
    assert calls.count == before + 2 and "Переименованная" in _body(renamed) and _body(renamed) != _body(first)
    assert _body(client.get(url)) == _body(renamed) and calls.count == before + 2


def test_long_cookie_headers_and_user_agents_are_checked_but_never_remembered(demo, app, client):
    """An anonymous phone can get a signed session from the login page and send it under ever new
    junk cookies and user agents: what a process remembers of them must not grow with that."""
    layer = app.wsgi_app.app  # FingerprintedFirst → KeptPages
    login(client, "student1")
    for _ in range(3):
        client.get("/student/")
    remembered = len(layer.cookies), len(layer.devices)
    assert remembered[0] >= 1 and remembered[1] >= 1
    session_cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    stranger = app.test_client()
    for n in range(40):
        junk = f"{app.config['SESSION_COOKIE_NAME']}={session_cookie}; pad{n}={'x' * 2000}"
        answer = stranger.get("/student/", headers={"Cookie": junk, "User-Agent": f"agent {n} " + "y" * 2000})
        assert answer.status_code in (200, 302)
    assert (len(layer.cookies), len(layer.devices)) == remembered
    # The ordinary header of the same session is still answered from the kept page.
    calls = FlaskCalls(app)
    assert client.get("/student/").status_code == 200 and calls.count == 0
