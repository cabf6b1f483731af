"""The student's home and the notification list with 1,000 unread notifications and 500 achievements.

`python -m bench.notifications_bench` prints the figures; `make bench` runs it with the others. One
student of the generated school (bench/school.py) gets 500 achievements and 1,000 unread
notifications; the student's home (the bell, the news, the week, the latest achievements and goals),
the first and the last page of the notification list, and a page of the bell alone (the calendar
month) are each requested N times through the Flask app (real SQLite file, real templates).
"""

from __future__ import annotations

import datetime
import random
import tempfile
import uuid
from pathlib import Path

from peewee import chunked

from bench.calendar_bench import REQUESTS, _login, _time

ACHIEVEMENTS = 500
UNREAD = 1000


def _top_up(student_id, today: datetime.date, rng: random.Random) -> None:
    from appliance.models.base import utcnow
    from appliance.models.calendar import Notification
    from appliance.models.portfolio import Achievement

    now = utcnow()
    statuses = ("draft", "submitted", "confirmed", "returned")
    achievements = [{"id": uuid.uuid4(), "student": student_id, "title": f"Конкурс {n + 1}",
                     "date": today - datetime.timedelta(days=rng.randint(0, 900)), "status": rng.choice(statuses),
                     "created_at": now, "updated_at": now - datetime.timedelta(minutes=n)}
                    for n in range(ACHIEVEMENTS)]
    notes = [{"id": uuid.uuid4(), "user": student_id, "kind": "achievement_confirmed", "title": "Достижение подтверждено",
              "body": f"«Конкурс {n + 1}»", "link": "achievements", "group_key": "", "count": 1,
              "created_at": now - datetime.timedelta(seconds=n), "updated_at": now} for n in range(UNREAD)]
    for model, rows in ((Achievement, achievements), (Notification, notes)):
        for batch in chunked(rows, 500):
            model.insert_many(batch).execute()


def run(ctx) -> list[dict]:
    from appliance.config import load_settings
    from appliance.db import database
    from appliance.models.people import User
    from appliance.services import reminders
    from webui import create_app

    rng = random.Random(20)
    data_dir = ctx.work / "school"
    made = ctx.generate_school(data_dir)
    settings = load_settings(data_dir=data_dir, environ={})
    app = create_app(settings)
    database.connect(reuse_if_open=True)
    login = made.students[0]
    with database.atomic():
        _top_up(User.get(User.login == login).id, reminders.local_today(settings.school.timezone), rng)
    database.execute_sql("ANALYZE")
    student = [_login(app, login, ctx.password)]
    last = -(-UNREAD // 20)
    scenarios = [
        ("student home", lambda c: "/student/"),
        ("notifications, first page", lambda c: "/notifications/"),
        ("notifications, last page", lambda c: f"/notifications/?page={last}"),
        ("calendar month (bell only)", lambda c: "/calendar/"),
    ]
    print(f"One student: {ACHIEVEMENTS} achievements, {UNREAD} unread notifications; {REQUESTS} sequential requests each")
    print(f"{'scenario':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'KB':>6} errors")
    rows = []
    for name, path_of in scenarios:
        figures = _time(student, path_of, rng)
        print(f"{name:34} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['p99']:8.1f} {figures['rps']:7.1f} "
              f"{figures['bytes'] / 1024:6.0f} {figures['errors']}")
        rows.append({"scenario": f"notifications: {name}", "load": f"{UNREAD} unread, {ACHIEVEMENTS} achievements",
                     "rps": round(figures["rps"], 1), "p50": round(figures["p50"], 1),
                     "p95": round(figures["p95"], 1), "p99": round(figures["p99"], 1), "errors": figures["errors"],
                     "note": f"{figures['bytes'] // 1024} KB"})
    return rows


def main() -> None:
    from bench.module import Context

    with tempfile.TemporaryDirectory(prefix="okey-notifications-bench-") as work:
        run(Context(Path(work)))


if __name__ == "__main__":
    main()
