"""A family's data on request (152-ФЗ, ст. 14): one ZIP with the graduation document in PDF, all
the student's data as JSON, the evidence files and the goals; and the class's documents as one ZIP."""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from collections.abc import Callable

from appliance.config import Settings
from appliance.documents.portfolio_pdf import render_portfolio
from appliance.models.base import utcnow
from appliance.models.competencies import SelfAssessment
from appliance.models.people import ClassGroup, User
from appliance.models.portfolio import Achievement, Evidence, Hobby, Reflection
from appliance.models.trajectory import Goal, Milestone, Task
from appliance.services import portfolio_export, uploads, years
from appliance.services import school as school_service

README = """Данные ученика из портала «Окей, школа» ({school}), выгружены {when} по запросу семьи.

portfolio.pdf   — итоговый документ (портфолио), как его печатает школа;
portfolio.json  — то же содержание в машиночитаемом виде;
data.json       — все записи ученика: классы по годам, достижения (и черновики), рефлексия,
                  самооценка, цели с этапами, задачи, хобби;
goals.json      — цели с этапами отдельно;
evidence/       — загруженные файлы-подтверждения (дипломы, грамоты, фото).
"""


def _name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")[:80] or "file"


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime.date | datetime.datetime) else value


def _rows(query, fields: tuple[str, ...]) -> list[dict]:
    return [{name: _iso(getattr(row, name)) for name in fields} for row in query]


def student_data(student: User) -> dict:
    goals = list(Goal.select().where(Goal.student == student).order_by(Goal.created_at))
    return {
        "student": {"full_name": student.full_name, "login": student.login},
        "classes": [{"school_year": years.label(m.school_year), "class": m.class_name, "outcome": m.outcome}
                    for m in years.history(student)],
        "achievements": _rows(Achievement.select().where(Achievement.student == student).order_by(Achievement.date),
                              ("title", "date", "status", "organizer", "description", "school_year", "class_name",
                               "review_comment")),
        "reflections": _rows(Reflection.select().where(Reflection.student == student),
                             ("created_at", "answers", "next_step", "school_year", "class_name")),
        "self_assessments": [{"competency": s.competency.name, "school_year": years.label(s.school_year),
                              "term": s.term, "score": s.score, "reason": s.reason, "class_name": s.class_name}
                             for s in SelfAssessment.select().where(SelfAssessment.student == student)],
        "goals": [dict(_rows([goal], ("title", "measure", "why", "plan", "deadline", "status", "school_year",
                                      "class_name"))[0],
                       milestones=_rows(Milestone.select().where(Milestone.goal == goal), ("title", "due_on",
                                                                                          "done_at")))
                  for goal in goals],
        "tasks": _rows(Task.select().where(Task.student == student), ("title", "due_on", "status")),
        "hobbies": _rows(Hobby.select().where(Hobby.student == student), ("title", "description", "since_year")),
    }


def family_archive(settings: Settings, student: User) -> bytes:
    out = io.BytesIO()
    data = student_data(student)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(school=student.school.name,
                                                     when=utcnow().strftime("%d.%m.%Y %H:%M UTC")))
        archive.writestr("portfolio.pdf", render_portfolio(student))
        archive.writestr("portfolio.json", json.dumps(portfolio_export.document(student), ensure_ascii=False,
                                                      indent=2))
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("goals.json", json.dumps(data["goals"], ensure_ascii=False, indent=2))
        rows = (Evidence.select(Evidence, Achievement).join(Achievement)
                .where(Achievement.student == student).order_by(Achievement.date))
        for number, evidence in enumerate(rows, 1):
            path = uploads.file_path(settings, evidence.sha256)
            if path.exists():
                archive.write(path, f"evidence/{number:03d}_{_name(evidence.original_name)}")
    return out.getvalue()


def class_documents(group: ClassGroup, on_student: Callable[[], None] | None = None) -> bytes:
    """The graduation documents of a class: one PDF a student, in one ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for student in school_service.students_of(group):
            archive.writestr(f"{_name(group.name + '_' + student.last_name + '_' + student.first_name)}"
                             f"_{student.login}.pdf", render_portfolio(student))
            if on_student:
                on_student()
    return out.getvalue()
