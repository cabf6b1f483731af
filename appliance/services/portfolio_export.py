"""The content of the graduation document, as one structure: the PDF is drawn from it and the
JSON export is it. Drafts, returned achievements and those the student left out are not in it."""

from __future__ import annotations

import datetime

from appliance import __version__
from appliance.models.base import utcnow
from appliance.models.people import User
from appliance.services import (
    catalogs,
    competencies,
    portfolio,
    programmes,
    reflection,
    reminders,
    terms,
    trials,
    volunteering,
    years,
)
from appliance.services import school as school_service

FORMAT = "okey-portfolio"
FORMAT_VERSION = 1


def document(student: User, today: datetime.date | None = None) -> dict:
    today = today or reminders.local_today(student.school.timezone)
    group = school_service.class_of(student)
    history = years.history(student)
    last_year = history[-1].school_year if history and group is None else terms.school_year_of(today)
    earliest = portfolio.earliest_date(student)
    first_year = terms.school_year_of(earliest) if earliest else None
    # The document shows no drafts, whoever downloads it: read as the student, then keep the sent ones.
    items = [a for a in portfolio.achievements_of(student, viewer=student)
             if a.status in ("confirmed", "submitted") and a.in_document]
    framework = competencies.active_framework()
    achievements = []
    for a in sorted(items, key=lambda a: (a.date, a.title)):
        achievements.append({
            "id": str(a.id),
            "title": a.title,
            "date": a.date.isoformat(),
            "school_year": terms.school_year_label(a.school_year or terms.school_year_of(a.date)),
            "class": a.class_name or None,
            "year_and_class": years.year_and_class(a.school_year or terms.school_year_of(a.date), a.class_name),
            "kind": a.kind.name if a.kind_id else None,
            "direction": a.direction.name if a.direction_id else None,
            "level": a.level.name if a.level_id else None,
            "level_rank": a.level.rank if a.level_id else 0,
            "result": a.result.name if a.result_id else None,
            "organizer": a.organizer,
            "description": a.description,
            "teacher": a.teacher.full_name if a.teacher_id else None,
            "teacher_role": a.teacher_role.name if a.teacher_role_id else None,
            "confirmed": a.status == "confirmed",
            "confirmed_by": a.reviewed_by.full_name if a.status == "confirmed" and a.reviewed_by_id else None,
            "confirmed_at": a.reviewed_at.date().isoformat() if a.status == "confirmed" and a.reviewed_at else None,
            "competencies": [c.name for c in competencies.linked(a)],
            "evidence_files": len(portfolio.evidence_of(a)),
        })
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": utcnow().isoformat() + "Z",
        "generator": f"«Окей, школа» {__version__}",
        "school": {"name": student.school.name},
        "student": {
            "full_name": student.full_name,
            "last_name": student.last_name,
            "first_name": student.first_name,
            "middle_name": student.middle_name,
            "class": group.name if group else (history[-1].class_name if history else None),
            "classes": [{"school_year": terms.school_year_label(m.school_year), "class": m.class_name,
                         "outcome": m.outcome or None} for m in history],
            "years": {"from": terms.school_year_label(first_year) if first_year else None,
                      "to": terms.school_year_label(last_year)},
        },
        "summary": {
            "achievements": len(achievements),
            "confirmed": sum(1 for a in achievements if a["confirmed"]),
            "regional_and_above": sum(1 for a in achievements if catalogs.is_regional_or_above(a["level_rank"])),
        },
        "achievements": achievements,
        "hobbies": [{"title": h.title, "direction": h.direction.name if h.direction_id else None,
                     "description": h.description, "since_year": h.since_year}
                    for h in portfolio.hobbies_of(student)],
        "programmes": programmes.document_section(student),
        "trials": trials.document_section(student),
        "volunteering": volunteering.document_section(student),
        "competency_framework": {"code": framework.code, "name": framework.name,
                                 "scale": [framework.scale_min, framework.scale_max]},
        "competencies": [{"code": s.competency.code, "name": s.competency.name, "group": s.competency.group_name,
                          "self_assessment": s.self_score, "evidence": s.evidence_score,
                          "confirmed_achievements": s.confirmed, "trials": s.trials,
                          "programmes": s.programmes}
                         for s in competencies.for_student(student, framework)],
        "growth": [{"term": p.term.label, "self_assessment_mean": p.self_mean, "evidence_mean": p.evidence_mean,
                    "confirmed_total": p.confirmed_total}
                   for p in competencies.growth(student, framework, today)],
        "reflections": [{"date": r.created_at.date().isoformat(),
                         "achievement": r.achievement.title if r.achievement_id else None,
                         "answers": [{"question": q, "answer": a} for q, a in reflection.answers_of(r)]}
                        for r in reflection.reflections_of(student, only_in_document=True)],
    }
