"""A server whose clock comes back years off: nothing expires falsely, nothing is deleted by age, the admin is told.

The clock is moved with time-machine, which changes what the whole process (Python's datetime and
time) reads, as a wrong board clock would.
"""

from __future__ import annotations

import datetime

import time_machine

from appliance.models.audit import AuditLog
from appliance.models.base import utcnow
from appliance.models.calendar import Reminder
from appliance.models.people import STUDENT, User
from appliance.models.sessions import WebSession
from appliance.scheduler import build_scheduler
from appliance.services import accounts, clock, enrolment
from tests.conftest import login

YEARS_AHEAD = datetime.timedelta(days=9 * 365)


def another_pupil() -> User:
    return User.select().where((User.role == STUDENT) & (User.login != "student1")).order_by(User.login).first()


def run_job(settings, name: str) -> None:
    build_scheduler(settings).get_job(name).func()


def test_a_clock_years_ahead_expires_no_session_or_code_and_warns_the_admin(settings, demo, app, client):
    login(client, "student1")
    staff = app.test_client()
    login(staff, "admin")
    pupil = another_pupil()
    code = accounts.issue_activation_code(pupil, days=30)
    with time_machine.travel(utcnow() + YEARS_AHEAD, tick=False):
        assert clock.check().state == clock.AHEAD
        home = client.get("/student/")
        assert home.status_code == 200, "the pupil's session must not look idle for nine years"
        assert accounts.find_by_activation_code(code) == pupil
        page = staff.get("/admin/").get_data(as_text=True)
        assert "ушли вперёд на годы" in page and "сроки кодов, сеансов и ссылок не истекают" in page


def test_a_right_clock_still_expires_codes_and_idle_sessions(settings, demo, client):
    login(client, "student1")
    pupil = another_pupil()
    code = accounts.issue_activation_code(pupil, days=30)
    with time_machine.travel(utcnow() + datetime.timedelta(days=40), tick=False):
        assert clock.check().state == clock.OK
        assert "/login" in client.get("/student/").headers.get("Location", "")
        try:
            accounts.find_by_activation_code(code)
        except accounts.ServiceError as refused:
            assert refused.status == 410
        else:
            raise AssertionError("a code 40 days old must have expired")


def test_the_night_deletes_nothing_by_age_while_the_clock_is_years_ahead(settings, demo):
    leaver = another_pupil()
    enrolment.leave(leaver)
    old_entry = AuditLog.create(action="login.ok", at=utcnow() - datetime.timedelta(days=30))
    sessions_before = WebSession.select().count()
    waiting = Reminder.select().where(Reminder.sent_at.is_null()).count()
    assert waiting, "the demo school has reminders still to come"
    with time_machine.travel(utcnow() + YEARS_AHEAD, tick=False):
        run_job(settings, "school-year-periods")
        run_job(settings, "housekeeping")
        run_job(settings, "reminders")
    assert Reminder.select().where(Reminder.sent_at.is_null()).count() == waiting, "no reminder used up at once"
    assert User.get_or_none(User.id == leaver.id) is not None, "a leaver's data must outlive a wrong clock"
    assert AuditLog.get_or_none(AuditLog.id == old_entry.id) is not None
    assert WebSession.select().count() == sessions_before
    # Once the clock is right, the periods run as usual: the leaver's own period decides.
    with time_machine.travel(utcnow() + datetime.timedelta(days=settings.school.leaver_keep_days + 2), tick=False):
        assert clock.trusted()
        run_job(settings, "school-year-periods")
    assert User.get_or_none(User.id == leaver.id) is None
