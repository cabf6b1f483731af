"""A realistic generated school for the load scenarios: 1,200 students in 44 classes, 100 teachers,
a parent per student, five years of achievements and a school calendar.

Rows go in with bulk inserts through the core models (the change triggers still fire), and
every account shares one password hash, so a whole school is made in well under a minute.
`python -m bench.school DIR` makes one by hand.
"""

from __future__ import annotations

import datetime
import importlib.util
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from peewee import chunked

from appliance import migrations
from appliance.config import Settings, load_settings
from appliance.db import database, open_database
from appliance.models.base import utcnow
from appliance.models.people import ClassGroup, ParentLink, Student, TeacherAssignment, User
from appliance.services import accounts
from appliance.services import school as school_service
from appliance.services.demo import _person

BENCH_PASSWORD = "bench-pass-2026"
LETTERS = "АБВГ"
SUBJECTS = ("Математика", "Русский язык", "Литература", "Физика", "Химия", "Биология", "История",
            "Обществознание", "География", "Информатика", "Английский язык", "Физическая культура",
            "Музыка", "Изобразительное искусство", "Технология")
ACHIEVEMENT_TITLES = ("Олимпиада по {s}", "Конкурс проектов: {s}", "Научно-практическая конференция, секция «{s}»",
                      "Турнир знатоков: {s}", "Интеллектуальный марафон по {s}", "Фестиваль «Шаг в будущее»: {s}")
BATCH = 500


@dataclass
class GeneratedSchool:
    data_dir: Path
    students: list[str] = field(default_factory=list)  # logins
    teachers: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _insert(model, rows: list[dict]) -> None:
    for batch in chunked(rows, BATCH):
        model.insert_many(batch).execute()


def _user_row(school_id, role: str, login: str, names: tuple[str, str, str], password_hash: str, now) -> dict:
    last, first, middle = names
    return {"id": uuid.uuid4(), "school": school_id, "role": role, "login": login, "password_hash": password_hash,
            "full_name": f"{last} {first} {middle}", "last_name": last, "first_name": first,
            "middle_name": middle, "activated_at": now, "created_at": now, "updated_at": now}


def generate(settings: Settings, students: int = 1200, teachers: int = 100, years: int = 5,
             seed: int = 2026, letters: str = LETTERS) -> GeneratedSchool:
    """Fill the empty database the settings name with a generated school (`letters`: the parallel
    classes of each grade, А–Г by default; more letters keep classes of about 30 in a bigger school)."""
    started = time.monotonic()
    rng = random.Random(seed)
    settings.ensure_dirs()
    open_database(settings)
    database.connect(reuse_if_open=True)
    migrations.migrate()
    result = GeneratedSchool(settings.data_dir)
    now = utcnow()
    password_hash = accounts.hash_password(BENCH_PASSWORD)
    with database.atomic():
        # As `okey init` makes a school: with the shipped catalogues and competency models, without which
        # the portfolio's overview, its charts and the competencies page answer 404.
        school = school_service.ensure_school("Школа № 1200 (нагрузочный тест)", "bench-1200",
                                              settings.school.timezone)
        users = [_user_row(school.id, "admin", "admin", ("Воронцова", "Ирина", "Геннадьевна"), password_hash, now)]
        groups = []
        for grade in range(1, 12):
            for letter in letters:
                groups.append({"id": uuid.uuid4(), "school": school.id, "name": f"{grade}{letter}", "grade": grade,
                               "letter": letter, "created_at": now, "updated_at": now})
        _insert(ClassGroup, groups)
        year = now.year if now.month >= 9 else now.year - 1
        student_rows, parent_rows, profiles, links = [], [], [], []
        for number in range(students):
            group = groups[number % len(groups)]
            female = rng.random() < 0.5
            names = _person(rng, female)
            login = f"s{number + 1:04d}"
            student = _user_row(school.id, "student", login, names, password_hash, now)
            student_rows.append(student)
            profiles.append({"id": uuid.uuid4(), "user": student["id"], "class_group": group["id"],
                             "start_year": year - group["grade"] + 1, "created_at": now, "updated_at": now})
            parent = _user_row(school.id, "parent", f"p{number + 1:04d}", _person(rng, True, names[0]), password_hash, now)
            parent_rows.append(parent)
            links.append({"id": uuid.uuid4(), "parent": parent["id"], "student": student["id"],
                          "consent_given_at": now, "consent_by": parent["full_name"], "consent_version": "2026-09",
                          "created_at": now, "updated_at": now})
            result.students.append(login)
            result.parents.append(parent["login"])
        teacher_rows = []
        for number in range(teachers):
            row = _user_row(school.id, "teacher", f"t{number + 1:03d}", _person(rng, rng.random() < 0.7),
                            password_hash, now)
            teacher_rows.append(row)
            result.teachers.append(row["login"])
        _insert(User, users + student_rows + parent_rows + teacher_rows)
        _insert(Student, profiles)
        _insert(ParentLink, links)
        # Every class has a class teacher; every teacher also teaches a subject in several classes.
        assignments: dict[tuple, dict] = {}
        for index, group in enumerate(groups):
            teacher = teacher_rows[index % teachers]
            assignments[(teacher["id"], group["id"])] = {"teacher": teacher["id"], "class_group": group["id"],
                                                         "is_class_teacher": True, "subject": rng.choice(SUBJECTS)}
        for teacher in teacher_rows:
            subject = rng.choice(SUBJECTS)
            for group in rng.sample(groups, rng.randint(3, 8)):
                assignments.setdefault((teacher["id"], group["id"]), {
                    "teacher": teacher["id"], "class_group": group["id"], "is_class_teacher": False,
                    "subject": subject})
        _insert(TeacherAssignment, [{"id": uuid.uuid4(), "created_at": now, "updated_at": now, **row}
                                    for row in assignments.values()])
        result.counts = {"classes": len(groups), "students": students, "parents": students, "teachers": teachers,
                         "teacher_assignments": len(assignments)}
        if _has("appliance.models.portfolio") and _has("appliance.services.catalogs"):
            result.counts["achievements"] = _achievements(rng, student_rows, profiles, groups, teacher_rows, years, now)
        if _has("appliance.models.calendar"):
            result.counts.update(_calendar(rng, school.id, groups, student_rows, profiles, now))
    database.execute_sql("ANALYZE")
    database.close()
    result.seconds = time.monotonic() - started
    return result


def _achievements(rng: random.Random, students: list[dict], profiles: list[dict], groups: list[dict],
                  teachers: list[dict], years: int, now: datetime.datetime) -> int:
    """Five school years of achievements: about six a year for each student, most confirmed."""
    from appliance.models.portfolio import Achievement, CatalogEntry
    from appliance.services import catalogs

    catalogs.ensure_defaults()
    entries: dict[str, list] = {}
    for entry in CatalogEntry.select():
        entries.setdefault(entry.catalog, []).append(entry.id)
    grade_of = {group["id"]: group["grade"] for group in groups}
    rows = []
    today = now.date()
    for student, profile in zip(students, profiles, strict=True):
        studied = min(years, grade_of[profile["class_group"]])
        for _ in range(rng.randint(studied * 3, studied * 9)):
            day = today - datetime.timedelta(days=rng.randint(0, studied * 365))
            teacher = rng.choice(teachers) if rng.random() < 0.8 else None
            status = rng.choices(("confirmed", "submitted", "draft", "returned"), (80, 8, 8, 4))[0]
            rows.append({
                "id": uuid.uuid4(), "student": student["id"], "date": day, "status": status,
                "title": rng.choice(ACHIEVEMENT_TITLES).format(s=rng.choice(SUBJECTS).lower()),
                "kind": rng.choice(entries["kind"]), "direction": rng.choice(entries["direction"]),
                "level": rng.choice(entries["level"]), "result": rng.choice(entries["result"]),
                "organizer": "Департамент образования", "description": "Участие в составе команды класса.",
                "teacher": teacher["id"] if teacher else None,
                "teacher_role": rng.choice(entries["teacher_role"]) if teacher else None,
                "submitted_at": now if status != "draft" else None,
                "reviewed_by": teacher["id"] if teacher and status in ("confirmed", "returned") else None,
                "reviewed_at": now if status in ("confirmed", "returned") else None,
                "created_at": now, "updated_at": now})
    _insert(Achievement, rows)
    return len(rows)


def _calendar(rng: random.Random, school_id, groups: list[dict], students: list[dict], profiles: list[dict],
              now: datetime.datetime) -> dict[str, int]:
    """A year of school events, a third of them for some classes only, and students' plans."""
    from appliance.models.calendar import Event, EventClass, PlannedEvent

    levels = ("school", "municipal", "regional", "national")
    events, event_classes = [], []
    for number in range(300):
        day = now.date() + datetime.timedelta(days=rng.randint(-180, 180))
        row = {"id": uuid.uuid4(), "school": school_id, "title": f"Событие {number + 1}: {rng.choice(SUBJECTS)}",
               "level": rng.choice(levels), "kind": "other", "starts_on": day,
               "ends_on": day + datetime.timedelta(days=rng.randint(0, 2)), "audience": "all",
               "uid": f"bench-{number}@okey", "created_at": now, "updated_at": now}
        if rng.random() < 0.33:
            row["audience"] = "classes"
            for group in rng.sample(groups, 4):
                event_classes.append({"id": uuid.uuid4(), "event": row["id"], "class_group": group["id"],
                                      "created_at": now, "updated_at": now})
        events.append(row)
    planned = []
    for student in students:
        for event in rng.sample(events, 3):
            planned.append({"id": uuid.uuid4(), "student": student["id"], "event": event["id"],
                            "created_at": now, "updated_at": now})
    _insert(Event, events)
    _insert(EventClass, event_classes)
    _insert(PlannedEvent, planned)
    return {"events": len(events), "planned_events": len(planned)}


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/bench-school")
    made = generate(load_settings(data_dir=target, environ={}))
    print(f"{made.data_dir}: {made.counts} in {made.seconds:.1f} s")
