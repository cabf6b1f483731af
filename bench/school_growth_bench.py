"""Pages as the school grows: 300, 1,200 and 5,000 students (the big lyceums exist).

`python -m bench.school_growth_bench` prints the figures; `make bench` runs it with the others.

For each size a school is generated (bench/school.py: five years of achievements, a parent per
student, a calendar) with classes of about 30 — more parallel classes, not bigger ones — and the
same three pages are timed in-process with Flask's test client: a student's home, the student's
portfolio, and the class teacher's page of that class. The cost of a page should not grow with
the school: each figure is also given as a multiple of the 300-student school's.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

SIZES = ((300, "А"), (1_200, "АБВГ"), (5_000, "АБВГДЕЖЗИКЛМНОП"))
REPEAT = 20
WARM = 3


def _median_ms(client, path: str) -> float:
    for _ in range(WARM):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _measure(data_dir: Path, students: int, letters: str) -> tuple[dict[str, float], dict]:
    from appliance.config import load_settings
    from appliance.db import database, open_database
    from appliance.models.people import Student, TeacherAssignment, User
    from bench.school import BENCH_PASSWORD, generate
    from tests.conftest import login
    from webui import create_app

    settings = load_settings(data_dir=data_dir, environ={})
    made = generate(settings, students=students, letters=letters)
    open_database(settings)
    database.connect(reuse_if_open=True)
    # A student in the middle of the school, and the class teacher of their class.
    pupil = User.get(User.login == made.students[len(made.students) // 2])
    group = Student.get(Student.user == pupil).class_group
    lead = (TeacherAssignment.select().where((TeacherAssignment.class_group == group)
                                             & TeacherAssignment.is_class_teacher).get().teacher)
    app = create_app(settings, testing=True)
    costs = {}
    with app.test_client() as client:
        login(client, pupil.login, BENCH_PASSWORD)
        costs["student home"] = _median_ms(client, "/student/")
        costs["portfolio"] = _median_ms(client, "/portfolio/")
    with app.test_client() as client:
        login(client, lead.login, BENCH_PASSWORD)
        costs["teacher's class"] = _median_ms(client, f"/teacher/class/{group.id.hex}")
    database.close()
    return costs, {"seconds": made.seconds, "classes": made.counts.get("classes"),
                   "achievements": made.counts.get("achievements")}


def run(ctx) -> list[dict]:
    rows, base = [], None
    for students, letters in SIZES:
        costs, facts = _measure(ctx.work / f"school-{students}", students, letters)
        base = base or costs
        for page, ms in costs.items():
            rows.append({"scenario": f"growth: {page}", "load": f"{students:,} students".replace(",", " "),
                         "p50": round(ms, 2), "ratio": ms / base[page],
                         "note": f"мс на запрос (медиана {REPEAT}); доля — от школы на {SIZES[0][0]} учеников "
                                 f"(1.00 — не растёт); {facts['classes']} классов, {facts['achievements']:,} "
                                 f"достижений, школа создана за {facts['seconds']:.0f} с".replace(",", " ")})
            print(f"{students:>5} students  {page:<16} {ms:7.2f} ms  ×{ms / base[page]:.2f}")
    return rows


def main() -> None:
    import tempfile

    from bench.module import Context

    with tempfile.TemporaryDirectory(prefix="okey-school-growth-") as work:
        run(Context(Path(work)))


if __name__ == "__main__":
    main()
