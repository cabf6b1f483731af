"""The calendar at school scale: 1,000 events and 1,200 students, pages and feeds timed in-process.

`python -m bench.calendar_bench` prints the figures; `make bench` runs it with the others.
The generated school (bench/school.py) is topped up to 1,000 events, a third for some classes
only; every student plans events and has goals with milestones and tasks. Each figure is
N requests through the Flask app (real SQLite file, real templates) by random students, one
after another: the month and week views, the event list, the student's and a teacher's
iCalendar feed, and the admin's management list.
"""

from __future__ import annotations

import datetime
import random
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from peewee import chunked

EVENTS = 1000
REQUESTS = 150


def _top_up(rng: random.Random, today: datetime.date) -> dict[str, int]:
    """More events up to EVENTS, and goals, milestones and tasks for every student."""
    from appliance.models.base import utcnow
    from appliance.models.calendar import Event, EventClass
    from appliance.models.people import ClassGroup, User
    from appliance.models.trajectory import Goal, Milestone, Task
    from appliance.models.vocabulary import DIRECTIONS, LEVELS

    now = utcnow()
    school_id = User.get(User.login == "admin").school_id
    groups = [g.id for g in ClassGroup.select(ClassGroup.id)]
    events, classes = [], []
    for number in range(EVENTS - Event.select().count()):
        day = today + datetime.timedelta(days=rng.randint(-120, 240))
        row = {"id": uuid.uuid4(), "school": school_id, "title": f"Олимпиада {number + 1}", "kind": "olympiad",
               "level": rng.choice(LEVELS), "direction": rng.choice(list(DIRECTIONS)), "starts_on": day,
               "ends_on": day + datetime.timedelta(days=rng.choice((0, 0, 1, 3))), "audience": "all",
               "uid": f"calendar-bench-{number}@okey", "created_at": now, "updated_at": now}
        if rng.random() < 0.33:
            row["audience"] = "classes"
            classes += [{"id": uuid.uuid4(), "event": row["id"], "class_group": g, "created_at": now,
                         "updated_at": now} for g in rng.sample(groups, 3)]
        events.append(row)
    goals, milestones, tasks = [], [], []
    for student in User.select(User.id).where(User.role == "student"):
        for number in range(3):
            goal = {"id": uuid.uuid4(), "student": student.id, "title": f"Цель {number + 1}",
                    "deadline": today + datetime.timedelta(days=rng.randint(5, 200)), "created_at": now,
                    "updated_at": now}
            goals.append(goal)
            milestones += [{"id": uuid.uuid4(), "goal": goal["id"], "title": f"Этап {n + 1}",
                            "due_on": today + datetime.timedelta(days=rng.randint(1, 60)), "created_at": now,
                            "updated_at": now} for n in range(2)]
        tasks += [{"id": uuid.uuid4(), "student": student.id, "title": f"Задача {n + 1}",
                   "due_on": today + datetime.timedelta(days=rng.randint(0, 30)), "created_at": now,
                   "updated_at": now} for n in range(5)]
    for model, rows in ((Event, events), (EventClass, classes), (Goal, goals), (Milestone, milestones),
                        (Task, tasks)):
        for batch in chunked(rows, 500):
            model.insert_many(batch).execute()
    return {"events": Event.select().count(), "goals": len(goals), "tasks": len(tasks)}


def _login(app, login: str, password: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert response.status_code == 302, login
    return client


def _time(clients: list, path_of, rng: random.Random) -> dict:
    times, errors, size = [], 0, 0
    for _ in range(REQUESTS):
        client = rng.choice(clients)
        started = time.perf_counter()
        response = client.get(path_of(client))
        times.append((time.perf_counter() - started) * 1000)
        errors += response.status_code != 200
        size = max(size, len(response.data))
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "p99": times[-2],
            "rps": 1000 / statistics.mean(times), "errors": errors, "bytes": size}


def run(ctx) -> list[dict]:
    from appliance.config import load_settings
    from appliance.db import database
    from appliance.services import calendar as cal
    from appliance.services import reminders
    from webui import create_app

    rng = random.Random(1000)
    data_dir = ctx.work / "school"
    made = ctx.generate_school(data_dir)
    settings = load_settings(data_dir=data_dir, environ={})
    app = create_app(settings)
    database.connect(reuse_if_open=True)
    today = reminders.local_today(settings.school.timezone)
    with database.atomic():
        counts = _top_up(rng, today)
    database.execute_sql("ANALYZE")
    students = [_login(app, login, ctx.password) for login in rng.sample(made.students, 20)]
    from appliance.models.people import User

    feeds = {}
    for login in rng.sample(made.students, 20) + made.teachers[:5]:
        feeds[login] = cal.issue_feed_token(User.get(User.login == login))
    student_feeds = [token for login, token in feeds.items() if login.startswith("s")]
    teacher_feeds = [token for login, token in feeds.items() if login.startswith("t")]
    admin = [_login(app, "admin", ctx.password)]
    anonymous = [app.test_client()]
    month = f"{today:%Y-%m}"
    scenarios = [
        ("calendar month (student)", students, lambda c: f"/calendar/?m={month}"),
        ("calendar week (student)", students, lambda c: f"/calendar/week?d={today.isoformat()}"),
        ("event list (student)", students, lambda c: "/calendar/events"),
        ("feed .ics (student)", anonymous, lambda c: f"/calendar/feed/{rng.choice(student_feeds)}.ics"),
        ("feed .ics (teacher, all events)", anonymous, lambda c: f"/calendar/feed/{rng.choice(teacher_feeds)}.ics"),
        ("manage list (admin)", admin, lambda c: "/calendar/manage"),
    ]
    rows = []
    print(f"School: {made.counts.get('students')} students, {counts['events']} events, {counts['goals']} goals, "
          f"{counts['tasks']} tasks; {REQUESTS} sequential requests each")
    print(f"{'scenario':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} {'KB':>6} errors")
    for name, clients, path_of in scenarios:
        figures = _time(clients, path_of, rng)
        print(f"{name:34} {figures['p50']:8.1f} {figures['p95']:8.1f} {figures['p99']:8.1f} {figures['rps']:7.1f} "
              f"{figures['bytes'] / 1024:6.0f} {figures['errors']}")
        rows.append({"scenario": f"calendar: {name}", "load": f"{counts['events']} events, 1 client",
                     "rps": round(figures["rps"], 1), "p50": round(figures["p50"], 1),
                     "p95": round(figures["p95"], 1), "p99": round(figures["p99"], 1), "errors": figures["errors"],
                     "note": f"{figures['bytes'] // 1024} KB"})
    return rows


def main() -> None:
    from bench.module import Context

    with tempfile.TemporaryDirectory(prefix="okey-calendar-bench-") as work:
        run(Context(Path(work)))


if __name__ == "__main__":
    main()
