"""The portfolio at its heaviest: the graduation PDF of a student with 200 achievements, the
PDFs of a whole class of 30, and the portfolio pages of a student with 500 achievements.

`python -m bench.portfolio_bench` prints the figures; `make bench` runs it with the others.
Everything runs in-process on a real SQLite file in a scratch directory: the demo school, topped
up with generated achievements (levels, results, guiding teachers, competency links) and
self-assessments over eight terms.
"""

from __future__ import annotations

import datetime
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

PASSWORD = "bench-portfolio-2026"
TITLES = ("Олимпиада по {s}, школьный этап", "Олимпиада по {s}, муниципальный этап", "Конкурс проектов по {s}",
          "Научно-практическая конференция, секция {s}", "Турнир знатоков {s}", "Интенсив по {s}")
SUBJECTS = ("математике", "физике", "информатике", "биологии", "истории", "литературе", "химии", "экологии")


def _achievements(rng: random.Random, student, count: int, teachers: list, today: datetime.date) -> None:
    from appliance.models.base import utcnow
    from appliance.models.competencies import AchievementCompetency, Competency
    from appliance.models.portfolio import Achievement, CatalogEntry
    from appliance.services import competencies, portfolio

    entries: dict[str, list] = {}
    for entry in CatalogEntry.select():
        entries.setdefault(entry.catalog, []).append(entry.id)
    leaves = [c.id for c in competencies.competencies_of(competencies.active_framework(), leaves_only=True)]
    earliest = portfolio.earliest_date(student) or today - datetime.timedelta(days=3000)
    span = (today - earliest).days
    now = utcnow()
    rows, links = [], []
    for _ in range(count):
        teacher = rng.choice(teachers) if rng.random() < 0.8 else None
        status = rng.choices(("confirmed", "submitted", "draft"), (85, 10, 5))[0]
        row_id = uuid.uuid4()
        rows.append({"id": row_id, "student": student.id, "title": rng.choice(TITLES).format(s=rng.choice(SUBJECTS)),
                     "date": earliest + datetime.timedelta(days=rng.randint(0, span)), "status": status,
                     "kind": rng.choice(entries["kind"]), "direction": rng.choice(entries["direction"]),
                     "level": rng.choice(entries["level"]), "result": rng.choice(entries["result"]),
                     "teacher": teacher.id if teacher else None,
                     "teacher_role": rng.choice(entries["teacher_role"]) if teacher else None,
                     "reviewed_by": teacher.id if teacher and status == "confirmed" else None,
                     "reviewed_at": now if status == "confirmed" else None, "organizer": "Отдел образования",
                     "description": "Подготовка заняла несколько месяцев.", "created_at": now, "updated_at": now})
        links += [{"id": uuid.uuid4(), "achievement": row_id, "competency": c, "created_at": now, "updated_at": now}
                  for c in rng.sample(leaves, 2)]
    from peewee import chunked

    for batch in chunked(rows, 200):
        Achievement.insert_many(batch).execute()
    for batch in chunked(links, 400):
        AchievementCompetency.insert_many(batch).execute()
    assert Competency.select().count()


def _self_assessments(rng: random.Random, student, today: datetime.date) -> None:
    from appliance.models.competencies import SelfAssessment
    from appliance.services import competencies, terms

    SelfAssessment.delete().where(SelfAssessment.student == student).execute()
    period = terms.term_of(today)
    for _ in range(8):
        for competency in competencies.competencies_of(competencies.active_framework(), leaves_only=True):
            SelfAssessment.create(student=student, competency=competency, school_year=period.school_year,
                                  term=period.number, score=rng.randint(1, 5), assessed_on=min(period.end, today))
        period = terms.term_of(period.start - datetime.timedelta(days=1))


def _prepare(work: Path):
    from appliance import migrations
    from appliance.config import load_settings
    from appliance.db import database, open_database
    from appliance.services.demo import create_demo_school

    settings = load_settings(data_dir=work / "data", environ={})
    settings.ensure_dirs()
    open_database(settings)
    database.connect(reuse_if_open=True)
    migrations.migrate()
    create_demo_school(PASSWORD)
    return settings


def _timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _pages(data: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def run(ctx) -> list[dict]:
    from appliance.db import database
    from appliance.documents.portfolio_pdf import render_portfolio
    from appliance.models.people import ClassGroup, School, Student, User
    from appliance.services import school as school_service

    rng = random.Random(2026)
    today = datetime.date.today()
    settings = _prepare(ctx.work)
    teachers = list(User.select().where(User.role == "teacher"))
    rows = []

    # 1. One student with 200 achievements.
    heavy = User.get(User.login == "student1")
    with database.atomic():
        _achievements(rng, heavy, 200 - heavy.achievements.count(), teachers, today)
        _self_assessments(rng, heavy, today)
    pdf = render_portfolio(heavy)
    times = _timed(lambda: render_portfolio(heavy), 3)
    print(f"PDF, 200 achievements: median {statistics.median(times):.0f} ms, {len(pdf) // 1024} KB, "
          f"{_pages(pdf)} pages")
    rows.append({"scenario": "portfolio: PDF of one student", "load": "200 achievements",
                 "p50": round(statistics.median(times), 1), "p99": round(max(times), 1),
                 "note": f"{len(pdf) // 1024} KB, {_pages(pdf)} pages"})

    # 2. A class of 30 students with about 25 achievements each.
    school = School.get()
    group = school_service.get_or_create_class(school, "11Б")
    with database.atomic():
        for number in range(30):
            user = User.create(school=school, role="student", login=f"bench11b{number}",
                               full_name=f"Ученикова Анна {number}", last_name="Ученикова", first_name="Анна",
                               middle_name="Сергеевна")
            Student.create(user=user, class_group=group, start_year=today.year - 11)
            _achievements(rng, user, rng.randint(15, 35), teachers, today)
            _self_assessments(rng, user, today)
    students = school_service.students_of(ClassGroup.get(ClassGroup.id == group.id))
    started = time.perf_counter()
    sizes = [len(render_portfolio(student)) for student in students]
    total = time.perf_counter() - started
    print(f"PDF, class of {len(students)}: {total:.1f} s in all, {total / len(students) * 1000:.0f} ms a student, "
          f"{sum(sizes) // 1024} KB")
    rows.append({"scenario": "portfolio: PDFs of a class", "load": f"{len(students)} students, ~25 achievements",
                 "p50": round(total / len(students) * 1000, 1), "note": f"{total:.1f} s for the class"})

    # 3. The pages of a student with 500 achievements.
    from tests.conftest import login
    from webui import create_app

    with database.atomic():
        _achievements(rng, heavy, 300, teachers, today)
    app = create_app(settings, testing=True)
    client = app.test_client()
    login(client, "student1", PASSWORD)
    pages = (("achievements list", "/portfolio/"),
             ("portfolio overview with charts", f"/portfolio/student/{heavy.id.hex}"),
             ("competency radar SVG", f"/portfolio/student/{heavy.id.hex}/chart/radar.svg"),
             ("growth chart SVG", f"/portfolio/student/{heavy.id.hex}/chart/growth.svg"))
    for name, path in pages:
        assert client.get(path).status_code == 200
        times = _timed(lambda path=path: client.get(path), 20)
        size = len(client.get(path).data)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name} (500 achievements): p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, "
              f"{size // 1024} KB")
        rows.append({"scenario": f"portfolio: {name}", "load": "500 achievements, 1 client",
                     "p50": round(statistics.median(times), 1), "p95": round(p95, 1),
                     "rps": round(1000 / statistics.mean(times), 1), "note": f"{size // 1024} KB"})
    database.close()
    return rows


def main() -> None:
    from bench.module import Context

    with tempfile.TemporaryDirectory(prefix="okey-portfolio-bench-") as work:
        run(Context(Path(work)))


if __name__ == "__main__":
    main()
