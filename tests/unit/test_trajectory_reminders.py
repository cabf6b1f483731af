"""Reminders: sent once each, never twice across restarts or overlapping runs, and caught up
at start by the real scheduler."""

import datetime
import threading
import time

import pytest
from peewee import IntegrityError

from appliance.db import database, open_database
from appliance.models.calendar import Notification, Reminder
from appliance.services import calendar as cal
from appliance.services import reminders, trajectory
from tests.trajectory_fixtures import add_event, small_school_fixture  # noqa: F401 - the fixture

DAY = datetime.timedelta(days=1)


def _restart(settings):
    """What a server restart does to the database: every connection closed, a new one opened."""
    database.close()
    open_database(settings)
    database.connect(reuse_if_open=True)


def test_sent_once_across_a_restart(small_school, settings):
    s = small_school
    event = add_event(s.school, s.today, "Олимпиада по физике", 3, registration=1)
    cal.plan_event(s.anna, str(event.id), remind_days=3)  # event: remind today; registration: two days ago
    task = trajectory.add_task(s.anna, {"title": "Заявка", "due_on": s.today + 5 * DAY, "remind_days": 1}, s.today)
    assert reminders.send_due(s.today) == 2
    assert reminders.send_due(s.today) == 0
    _restart(settings)
    assert reminders.send_due(s.today) == 0
    sent = sorted((n.title, n.body) for n in reminders.notifications(s.anna))
    assert sent == [("Скоро заканчивается регистрация", f"«Олимпиада по физике» — завтра, {s.today + DAY:%d.%m.%Y}."),
                    ("Скоро событие", f"«Олимпиада по физике» — {s.today + 3 * DAY:%d.%m.%Y}, через 3 дня.")]
    # The task's day comes later: it is sent then, once.
    assert reminders.send_due(s.today + 4 * DAY) == 1
    _restart(settings)
    assert reminders.send_due(s.today + 5 * DAY) == 0
    assert Notification.select().count() == 3
    assert Reminder.get(Reminder.target_id == task.id).sent_at is not None


def test_a_notification_per_reminder_is_enforced_by_the_database(small_school):
    s = small_school
    reminder = reminders.schedule(s.anna, "task", s.anna.id, "Эссе", s.today, 0)
    Notification.create(user=s.anna, reminder=reminder, title="x")
    with pytest.raises(IntegrityError), database.atomic():
        Notification.create(user=s.anna, reminder=reminder, title="x")


def test_overlapping_runs_send_once(small_school, settings):
    s = small_school
    for number in range(20):
        reminders.schedule(s.anna, "task", trajectory.add_task(
            s.anna, {"title": f"Задача {number}", "due_on": s.today + DAY}, s.today).id, f"Задача {number}",
            s.today + DAY, 1)
    counts = []

    def run():
        with database.connection_context():
            counts.append(reminders.send_due(s.today))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 20
    assert Notification.select().count() == 20


def test_rescheduling(small_school):
    s = small_school
    goal = trajectory.create_goal(s.anna, {"title": "Цель", "deadline": s.today + 10 * DAY, "remind_days": 2},
                                  s.today)
    reminder = Reminder.get(Reminder.target_id == goal.id)
    assert reminder.remind_on == s.today + 8 * DAY
    trajectory.update_goal(s.anna, goal.id, {"title": "Цель", "deadline": s.today + 20 * DAY, "remind_days": 2},
                           s.today)
    assert Reminder.get(Reminder.target_id == goal.id).remind_on == s.today + 18 * DAY
    assert reminders.send_due(s.today + 18 * DAY) == 1
    # A sent reminder whose date then moves is replaced by a new one: the new date is reminded too.
    trajectory.update_goal(s.anna, goal.id, {"title": "Цель", "deadline": s.today + 25 * DAY, "remind_days": 2},
                           s.today + 18 * DAY)
    assert reminders.send_due(s.today + 23 * DAY) == 1
    assert Notification.select().count() == 2
    # Closing the goal cancels what is still pending.
    trajectory.update_goal(s.anna, goal.id, {"title": "Цель", "deadline": s.today + 40 * DAY, "remind_days": 2},
                           s.today + 23 * DAY)
    trajectory.close_goal(s.anna, goal.id, "dropped", {"evaluation": "Передумала, выбрала другое"}, False,
                          s.today + 23 * DAY)
    assert reminders.send_due(s.today + 40 * DAY) == 0


def test_scheduler_catches_up_at_start(small_school, settings):
    """Reminders that fell due while the server was off are sent as soon as it starts."""
    from appliance.scheduler import build_scheduler

    s = small_school
    for days in (1, 2, 3):  # due one, two and three days ago
        reminders.schedule(s.boris, "task", trajectory.add_task(
            s.boris, {"title": f"Старая {days}", "due_on": s.today}, s.today).id, f"Старая {days}",
            s.today + DAY, days + 1)
    database.close()  # the scheduler's job opens its own connection, as in the server
    settings.backup.enabled = False
    scheduler = build_scheduler(settings)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with database.connection_context():
                if Notification.select().count() == 3:
                    break
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
    database.connect(reuse_if_open=True)
    assert Notification.select().count() == 3
    assert Reminder.select().where(Reminder.sent_at.is_null()).count() == 0
    # A second start finds nothing left to send.
    scheduler = build_scheduler(settings)
    database.close()
    scheduler.start()
    time.sleep(1.5)
    scheduler.shutdown(wait=True)
    database.connect(reuse_if_open=True)
    assert Notification.select().count() == 3


def test_no_reminder_of_a_day_already_gone(small_school):
    s = small_school
    closed = add_event(s.school, s.today, "Конкурс с закрытой регистрацией", 10, registration=-2)
    cal.plan_event(s.anna, str(closed.id), remind_days=3)
    assert [r.kind for r in Reminder.select().where(Reminder.target_id == closed.id)] == ["event"]
