"""Notifications in the portal: the bell on every page, the paged list, opening one (or learning it
was deleted), mark as read, muting, and the bad inputs of the issue."""

from __future__ import annotations

import datetime
import re
import time
import uuid

import pytest

from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.calendar import Notification, NotificationMute
from appliance.models.people import User
from appliance.models.trajectory import Goal, GoalComment
from appliance.services import notifications, trajectory
from tests.conftest import csrf_token, login


@pytest.fixture
def people(demo):
    Notification.delete().execute()
    return {login_: User.get(User.login == login_) for login_ in ("student1", "teacher1", "parent1", "admin")}


def bell(page: str) -> str:
    found = re.search(r'class="bell[^"]*"[^>]*aria-label="([^"]+)"', page)
    assert found, "no bell in the header"
    return found.group(1)


def test_the_bell_is_on_every_page_of_every_role(client, people):
    Notification.create(user=people["student1"], kind="reminder", title="Скоро срок задачи", body="Заявка",
                        link="tasks")
    login(client, "student1")
    for path in ("/student/", "/portfolio/", "/activities/", "/calendar/"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert bell(page) == "Уведомления: 1 непрочитанное", path
        assert 'class="bell-count" aria-hidden="true">1<' in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/student/")})
    for who, home in (("teacher1", "/teacher/"), ("parent1", "/parent/"), ("admin", "/admin/")):
        login(client, who)
        assert bell(client.get(home).get_data(as_text=True)) == "Уведомления: новых нет", who
        client.post("/logout", data={"csrf_token": csrf_token(client, home)})


def test_open_marks_read_and_leads_to_the_object(client, people):
    student = people["student1"]
    today = datetime.date.today()
    goal = trajectory.create_goal(student, {"title": "Прочитать 10 книг",
                                            "deadline": today + datetime.timedelta(days=40)}, today)
    trajectory.comment_goal(people["teacher1"], goal.id.hex, "Начни с любимого автора")
    [note] = Notification.select().where(Notification.user == student)
    login(client, "student1")
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Комментарии" in listing and "Прочитать 10 книг" in listing
    opened = client.get(f"/notifications/{note.id.hex}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/activities/goal/{goal.id.hex}")
    assert Notification.get_by_id(note.id).read_at is not None
    assert bell(client.get("/student/").get_data(as_text=True)) == "Уведомления: новых нет"


def test_a_deleted_object_says_deleted_not_404(client, people):
    student = people["student1"]
    today = datetime.date.today()
    goal = trajectory.create_goal(student, {"title": "Цель на четверть",
                                            "deadline": today + datetime.timedelta(days=40)}, today)
    trajectory.comment_goal(people["teacher1"], goal.id.hex, "Хорошо")
    note = Notification.get(Notification.user == student)
    Goal.delete().where(Goal.id == goal.id).execute()
    login(client, "student1")
    page = client.get(f"/notifications/{note.id.hex}")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "Удалено." in text and "Цель на четверть" in text


def test_someone_elses_or_a_malformed_notification_is_not_found(client, people):
    theirs = Notification.create(user=people["parent1"], kind="consent_missing", title="Нужно согласие", link="consent")
    login(client, "student1")
    for note_id in (theirs.id.hex, "not-an-id", uuid.uuid4().hex):
        assert client.get(f"/notifications/{note_id}").status_code == 404
        token = csrf_token(client, "/notifications/")
        assert client.post(f"/notifications/{note_id}/read", data={"csrf_token": token}).status_code == 404
    assert Notification.get_by_id(theirs.id).read_at is None


def test_mark_one_and_all_read(client, people):
    student = people["student1"]
    first, second, third = (Notification.create(user=student, kind="reminder", title="Скоро срок задачи",
                                                body=f"№{i}", link="tasks") for i in range(3))
    login(client, "student1")
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{first.id.hex}/read", data={"csrf_token": token}).status_code == 302
    assert notifications.unread_count(student) == 2
    client.post("/notifications/read", data={"csrf_token": token})
    assert notifications.unread_count(student) == 0


def test_muting_consent_is_refused_and_nothing_is_written(client, people):
    login(client, "parent1")
    token = csrf_token(client, "/notifications/settings")
    refused = client.post("/notifications/settings", data={"csrf_token": token, "kind": "consent_missing", "muted": "1"})
    assert refused.status_code == 422
    assert "Просьбу о согласии отключить нельзя" in refused.get_data(as_text=True)
    unknown = client.post("/notifications/settings", data={"csrf_token": token, "kind": "x" * 5000, "muted": "1"})
    assert unknown.status_code == 422 and "Такого вида уведомлений нет" in unknown.get_data(as_text=True)
    assert NotificationMute.select().count() == 0
    muted = client.post("/notifications/settings", data={"csrf_token": token, "kind": "survey_opened", "muted": "1"})
    assert muted.status_code == 302
    assert notifications.muted_kinds(people["parent1"]) == {"survey_opened"}
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "нельзя отключить" in page and "Включить" in page


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1" * 400, "2.5"])
def test_a_bad_page_number_is_a_400(client, people, page):
    login(client, "student1")
    answer = client.get(f"/notifications/?page={page}")
    assert answer.status_code == 400 and "Страница" in answer.get_data(as_text=True)


def test_ten_thousand_unread_pages_stay_fast(client, people):
    student = people["student1"]
    now = utcnow()
    rows = [{"id": uuid.uuid4(), "created_at": now - datetime.timedelta(seconds=i), "updated_at": now,
             "user": student.id, "kind": "reminder", "title": "Скоро срок задачи", "body": f"№{i}",
             "link": "tasks", "group_key": "", "count": 1} for i in range(10_000)]
    with database.atomic():
        for start in range(0, len(rows), 500):
            Notification.insert_many(rows[start:start + 500]).execute()
    login(client, "student1")
    started = time.perf_counter()
    first = client.get("/notifications/").get_data(as_text=True)
    last = client.get("/notifications/?page=500").get_data(as_text=True)
    elapsed = time.perf_counter() - started
    assert first.count('class="note-open"') == notifications.PER_PAGE and "№0<" in first
    assert "Страница 500 из 500" in last and "№9999<" in last
    assert "99+" in first
    assert elapsed < 5  # generous: both pages are one indexed count and one indexed page


def test_a_50000_character_goal_comment_is_refused_whole(client, people):
    student = people["student1"]
    today = datetime.date.today()
    goal = trajectory.create_goal(student, {"title": "Цель", "deadline": today + datetime.timedelta(days=9)}, today)
    login(client, "teacher1")
    token = csrf_token(client, "/teacher/")
    answer = client.post(f"/activities/goal/{goal.id.hex}/comment", data={"csrf_token": token, "text": "а" * 50_000})
    assert answer.status_code == 422
    assert GoalComment.select().count() == 0 and Notification.select().count() == 0


def test_a_teacher_outside_the_class_cannot_comment(client, people):
    student = people["student1"]
    today = datetime.date.today()
    goal = trajectory.create_goal(student, {"title": "Цель", "deadline": today + datetime.timedelta(days=9)}, today)
    stranger = User.get((User.role == "teacher") & (User.last_name == "Ершов"))
    from appliance.services import accounts

    accounts.set_password(stranger, "Stranger-pass-2026")
    login(client, stranger.login, "Stranger-pass-2026")
    token = csrf_token(client, "/teacher/")
    answer = client.post(f"/activities/goal/{goal.id.hex}/comment", data={"csrf_token": token, "text": "Привет"})
    assert answer.status_code in (403, 404)
    assert GoalComment.select().count() == 0 and Notification.select().count() == 0


def test_the_administrator_home_lists_the_last_alarms_and_the_bell_counts_a_failed_backup(client, people):
    from appliance.services import operations

    operations.finish(operations.start("backup", "usb:OKEY"), False, error="Флешка не подключена")
    login(client, "admin")
    page = client.get("/admin/").get_data(as_text=True)
    alarms = page.split('id="alarms"', 1)[1].split("</section>", 1)[0]
    assert "Резервная копия не сделана" in alarms
    assert bell(page) == "Уведомления: 1 непрочитанное"
