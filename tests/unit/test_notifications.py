"""The rules of notifications without HTTP: who hears of what, grouping, muting, pruning, a
deleted object, and a count that stays cheap with 10,000 unread."""

from __future__ import annotations

import datetime
import time
import uuid

import pytest

from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.calendar import Notification
from appliance.models.people import Student, User
from appliance.models.portfolio import Achievement, Reflection
from appliance.models.surveys import Survey
from appliance.services import consent, links, notifications, operations, portfolio, trajectory
from appliance.services.errors import ServiceError
from tests.unit.test_portfolio_rules import entry, full_fields


@pytest.fixture
def people(demo):
    def user(login):
        return User.get(User.login == login)

    Notification.delete().execute()  # what the demo school's making left behind
    return {"student": user("student1"), "teacher1": user("teacher1"), "parent": user("parent1"),
            "admin": user("admin")}


def unread(user) -> list[Notification]:
    return list(Notification.select().where((Notification.user == user) & Notification.read_at.is_null())
                .order_by(Notification.created_at))


def submitted(student, **extra):
    achievement = portfolio.create_draft(student, **full_fields(**extra))
    return portfolio.submit(student, achievement)


def test_a_submitted_achievement_tells_the_class_teacher_once_and_groups(people):
    student, teacher = people["student"], people["teacher1"]
    first = submitted(student, teacher=teacher.id.hex, teacher_role=entry("teacher_role", "mentor"))  # guide and class teacher
    [note] = unread(teacher)
    assert note.kind == notifications.WAITING and note.link == f"achievement:{first.id.hex}"
    submitted(student, title="Конкурс чтецов")
    submitted(student, title="Турнир по шахматам")
    [note] = unread(teacher)
    assert note.count == 3 and note.link == "review" and "Турнир по шахматам" in note.body
    assert unread(student) == []


def test_confirm_and_return_tell_the_student_and_the_parent(people):
    student, teacher, parent = people["student"], people["teacher1"], people["parent"]
    Achievement.update(status="draft").where(Achievement.status == "submitted").execute()
    one, two, three = (submitted(student, title=t) for t in ("Олимпиада", "Конкурс", "Проект"))
    portfolio.confirm(teacher, one)
    portfolio.confirm(teacher, two)
    portfolio.return_to_student(teacher, three, "Приложи диплом")
    kinds = {(n.kind, n.count, n.link) for n in unread(student)}
    assert kinds == {(notifications.CONFIRMED, 2, "achievements"),
                     (notifications.RETURNED, 1, f"achievement:{three.id.hex}")}
    returned = next(n for n in unread(student) if n.kind == notifications.RETURNED)
    assert "Приложи диплом" in returned.body
    parents = {(n.kind, n.count, n.link) for n in unread(parent)}
    assert (notifications.CONFIRMED, 2, f"child:{student.id.hex}") in parents
    # The queue is empty now: the teacher's «waiting» notification is settled.
    assert [n for n in unread(teacher) if n.kind == notifications.WAITING] == []


def test_a_goal_comment_tells_its_owner(people):
    student, teacher = people["student"], people["teacher1"]
    today = datetime.date.today()
    goal = trajectory.create_goal(student, {"title": "Подготовиться к олимпиаде",
                                            "deadline": today + datetime.timedelta(days=30)}, today)
    trajectory.comment_goal(teacher, goal.id.hex, "Хорошая цель, добавь этапы")
    [note] = [n for n in unread(student) if n.kind == notifications.COMMENT]
    assert note.link == f"goal:{goal.id.hex}" and "Подготовиться к олимпиаде" in note.body


def test_muting_a_kind_stops_it_but_consent_cannot_be_muted(people):
    student, teacher, parent = people["student"], people["teacher1"], people["parent"]
    notifications.set_muted(student, notifications.CONFIRMED, True)
    portfolio.confirm(teacher, submitted(student))
    assert [n for n in unread(student) if n.kind == notifications.CONFIRMED] == []
    notifications.set_muted(student, notifications.CONFIRMED, False)
    portfolio.confirm(teacher, submitted(student, title="Второе"))
    assert [n.kind for n in unread(student)] == [notifications.CONFIRMED]
    with pytest.raises(ServiceError) as refused:
        notifications.set_muted(parent, notifications.CONSENT, True)
    assert refused.value.status == 422 and "нельзя" in str(refused.value.message)
    with pytest.raises(ServiceError):
        notifications.set_muted(student, "no-such-kind", True)
    with pytest.raises(ServiceError):
        notifications.set_muted(student, notifications.BACKUP_FAILED, True)  # not a student's kind


def test_consent_is_asked_until_the_parent_decides(people):
    from appliance.models.people import ParentLink

    parent = people["parent"]
    children = [link.student for link in parent.children_links]
    # Not decided yet: neither given nor refused.
    ParentLink.update(consent_given_at=None, consent_refused_at=None).where(ParentLink.parent == parent).execute()
    note = notifications.remind_consent(parent)
    assert note is not None and note.kind == notifications.CONSENT and note.link == "consent"
    assert notifications.remind_consent(parent).id == note.id  # not a second one
    for child in children:
        consent.give(parent, child)
    assert [n for n in unread(parent) if n.kind == notifications.CONSENT] == []


def test_a_recorded_refusal_or_withdrawal_is_a_decision_the_request_respects(people):
    from appliance.models.people import ParentLink

    parent = people["parent"]
    children = [link.student for link in parent.children_links]
    ParentLink.update(consent_given_at=None, consent_refused_at=None).where(ParentLink.parent == parent).execute()
    assert notifications.remind_consent(parent) is not None
    for child in children:
        consent.refuse(parent, child)
    assert [n for n in unread(parent) if n.kind == notifications.CONSENT] == []
    assert notifications.remind_consent(parent) is None
    for child in children:
        consent.give(parent, child)
        consent.withdraw(parent, child)
    assert notifications.remind_consent(parent) is None
    assert all(link.consent_refused_at is not None and link.consent_given_at is None
               for link in ParentLink.select().where(ParentLink.parent == parent))


def test_a_failing_backup_tells_the_administrators_until_one_succeeds(people):
    admin = people["admin"]
    for _ in range(2):
        operations.finish(operations.start("backup", "usb:OKEY"), False, error="Диск не найден")
    [note] = unread(admin)
    assert note.kind == notifications.BACKUP_FAILED and note.count == 2 and note.link == "backups"
    operations.finish(operations.start("sync-export", "outbox"), False, error="Нет ключа района")
    assert {n.kind for n in unread(admin)} == {notifications.BACKUP_FAILED, notifications.SYNC_FAILED}
    operations.finish(operations.start("backup", "usb:OKEY"), True, size=10)
    assert {n.kind for n in unread(admin)} == {notifications.SYNC_FAILED}


def test_a_survey_reaches_its_audience_once(people):
    student, parent, teacher = people["student"], people["parent"], people["teacher1"]
    today = datetime.date.today()
    survey = Survey.create(school=student.school, questionnaire="satisfaction", title="Как Вам портал?",
                           audience="parents", opens_on=today, closes_on=today + datetime.timedelta(days=7))
    notifications.announce_surveys(today)
    told = Notification.select().where(Notification.link == f"survey:{survey.id.hex}")
    assert told.count() == User.select().where((User.role == "parent") & User.active).count()
    assert notifications.announce_surveys(today) == 0
    assert f"survey:{survey.id.hex}" in [n.link for n in unread(parent)]
    assert {n.user_id for n in told} <= {u.id for u in User.select().where(User.role == "parent")}
    assert teacher.id not in {n.user_id for n in Notification.select()}


def test_a_deleted_object_has_no_target(people):
    student = people["student"]
    today = datetime.date.today()
    goal = trajectory.create_goal(student, {"title": "Цель", "deadline": today + datetime.timedelta(days=9)}, today)
    trajectory.comment_goal(people["teacher1"], goal.id.hex, "Комментарий")
    note = unread(student)[0]
    assert notifications.target_of(note) == links.LinkTarget.of(links.GOAL, goal.id)
    goal.delete_instance(recursive=True)
    assert notifications.target_of(note) is None


def test_old_read_ones_are_pruned_unread_ones_stay(people):
    student = people["student"]
    old = utcnow() - datetime.timedelta(days=notifications.READ_KEEP_DAYS + 1)
    kept = Notification.create(user=student, kind="reminder", title="x", read_at=utcnow())
    Notification.create(user=student, kind="reminder", title="старое", read_at=old)
    waiting = Notification.create(user=student, kind="reminder", title="непрочитанное", created_at=old)
    assert notifications.prune() == 1
    assert {n.id for n in Notification.select()} == {kept.id, waiting.id}


def test_ten_thousand_unread_count_and_page_with_the_index(people):
    student = people["student"]
    now = utcnow()
    rows = [{"id": uuid.uuid4(), "created_at": now - datetime.timedelta(seconds=i), "updated_at": now,
             "user": student.id, "kind": "reminder", "title": "Скоро срок задачи", "body": f"№{i}", "link": "tasks",
             "group_key": "", "count": 1} for i in range(10_000)]
    with database.atomic():
        for start in range(0, len(rows), 500):
            Notification.insert_many(rows[start:start + 500]).execute()
    plan = " ".join(str(row) for row in database.execute_sql(
        "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM notification WHERE user_id = ? AND read_at IS NULL",
        (student.id.hex,)).fetchall())
    assert "notification_user_id_read_at" in plan
    started = time.perf_counter()
    assert notifications.unread_count(student) == 10_000
    page, pages = notifications.page_of(student, 400)
    assert pages == 500 and [n.body for n in page][0] == "№7980"
    assert time.perf_counter() - started < 2  # generous: an index keeps this in milliseconds
    assert notifications.page_of(student, 10**9)[0][0].body == "№9980"  # past the end: the last page


def test_a_student_without_a_class_still_submits(people):
    student = people["student"]
    Student.update(class_group=None).where(Student.user == student).execute()
    submitted(student)
    assert unread(people["teacher1"]) == []


def test_the_reflection_of_the_term_is_due_in_its_last_three_weeks_until_written(people):
    from appliance.services import homes, reflection, terms

    student = people["student"]
    term = terms.term_of(datetime.date.today())
    early, late = term.start, term.end - datetime.timedelta(days=3)
    Reflection.delete().where(Reflection.student == student).execute()
    assert homes.reflection_due(student, early) is None
    assert homes.reflection_due(student, late) == term
    reflection.save(student, {stage: "Итог четверти" for stage in reflection.STAGES})
    assert homes.reflection_due(student, late) is None


def test_the_teacher_home_counts_the_class_week_and_who_needs_help(people):
    from appliance.services import homes

    student, teacher = people["student"], people["teacher1"]
    fresh = submitted(student, title="Свежее")
    # The demo school was made this very second: the new one is a minute newer, whatever the clock.
    Achievement.update(submitted_at=utcnow() + datetime.timedelta(minutes=1)).where(Achievement.id == fresh.id).execute()
    home = homes.teacher_home(teacher, datetime.date.today())
    [care] = home.care
    assert care.submitted >= 1
    assert all(not s.password_hash for s in care.never_logged_in)
    assert home.waiting[0].achievement.title == "Свежее"  # the newest first
    assert home.waiting_count == len(portfolio.review_queue(teacher))
