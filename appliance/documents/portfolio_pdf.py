"""The graduation portfolio as an A4 PDF, and the teacher's contribution report."""

from __future__ import annotations

import datetime
from itertools import groupby

from appliance.documents.charts import bar_chart, level_result_chart, student_charts
from appliance.documents.render import render_pdf
from appliance.models.people import User
from appliance.services import reminders, russian
from appliance.services import school as school_service
from appliance.services.indicators import Contribution
from appliance.services.portfolio_export import document

MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря")


def long_date(day: datetime.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year} г."


def _by_year_and_level(achievements: list[dict]) -> list[tuple[str, list[tuple[str, list[dict]]]]]:
    """Newest school year first; inside a year the highest level first."""
    grouped = []
    ordered = sorted(achievements, key=lambda a: (a["school_year"], a["year_and_class"]), reverse=True)
    for year, items in groupby(ordered, key=lambda a: a["year_and_class"]):
        items = sorted(items, key=lambda a: (-a["level_rank"], a["date"]))
        levels = [(level or "Без уровня", list(group))
                  for level, group in groupby(items, key=lambda a: a["level"])]
        grouped.append((year, levels))
    return grouped


def render_portfolio(student: User, today: datetime.date | None = None) -> bytes:
    today = today or reminders.local_today(student.school.timezone)
    doc = document(student, today)
    for a in doc["achievements"] + (doc.get("volunteering") or {}).get("records", []):
        a["date_text"] = datetime.date.fromisoformat(a["date"]).strftime("%d.%m.%Y")
    for r in doc["reflections"]:
        r["date_text"] = long_date(datetime.date.fromisoformat(r["date"]))
    group = school_service.class_of(student)
    leads = school_service.class_teachers(group) if group else []
    return render_pdf("portfolio.html", doc=doc, by_year=_by_year_and_level(doc["achievements"]),
                      charts=student_charts(student, today), generated=long_date(today),
                      class_teacher=leads[0].short_name if leads else "", short_name=student.short_name,
                      female=russian.is_female(student.full_name), word=russian.agree_with_number)


def render_contribution(found: Contribution) -> bytes:
    levels = [name for name, _ in found.by_level]
    results = [name for name, _ in found.by_result]
    charts = {"levels": level_result_chart(found.level_result, levels, results,
                                           "Подтверждённые достижения учеников по уровням"),
              "years": bar_chart("По учебным годам", found.by_year, horizontal=False)}
    today = reminders.local_today(found.teacher.school.timezone)
    return render_pdf("contribution.html", found=found, charts=charts, generated=long_date(today),
                      school=found.teacher.school.name)
