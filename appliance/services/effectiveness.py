"""The map of the portal's own effectiveness («Карта оценки результативности проекта», seed 000
lines 556–558): how the portal is used, per class and term, as shares of students — never who did
what. Logins come from the security log (kept for `audit_keep_days`), everything else from the rows'
creation times."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from peewee import fn

from appliance.i18n import N_
from appliance.models.audit import AuditLog
from appliance.models.calendar import PlannedEvent
from appliance.models.guidance import Attempt
from appliance.models.people import STUDENT, ClassGroup, School, Student, User
from appliance.models.portfolio import Achievement, Reflection
from appliance.models.surveys import Survey, SurveyParticipation
from appliance.models.trajectory import Goal
from appliance.services import terms

# What the map counts, in the order of its columns.
MEASURES = (
    ("logged_in", N_("вошли в портал")),
    ("achievement", N_("добавили достижение")),
    ("goal", N_("поставили цель")),
    ("reflection", N_("написали рефлексию")),
    ("test", N_("прошли тест")),
    ("event", N_("запланировали событие")),
)


@dataclass
class ClassRow:
    group: ClassGroup
    students: int
    counts: dict[str, int] = field(default_factory=dict)

    def share(self, measure: str) -> int:
        """Per cent of the class, rounded down to a whole number."""
        return self.counts.get(measure, 0) * 100 // self.students if self.students else 0


@dataclass
class EffectivenessMap:
    term: terms.Term
    rows: list[ClassRow]
    weeks: list[tuple[datetime.date, int]]  # Monday of each week → active users that week
    surveys: list[tuple[Survey, int]]  # satisfaction surveys of the school → how many answered


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time())


def _who(query, column, start: datetime.datetime, end: datetime.datetime, ids: list) -> set:
    return {row[0] for row in query.where((column >= start) & (column < end)).tuples() if row[0] in ids}


def map_for(school: School, term: terms.Term, today: datetime.date, weeks: int = 8) -> EffectivenessMap:
    start, end = _moment(term.start), _moment(term.end + datetime.timedelta(days=1))
    groups = list(ClassGroup.select().where(ClassGroup.school == school).order_by(ClassGroup.grade, ClassGroup.letter))
    members: dict = {}
    for user_id, group_id in (Student.select(Student.user, Student.class_group).join(User, on=(Student.user == User.id))
                              .where(Student.class_group.in_([g.id for g in groups] or [None])
                                     & (User.role == STUDENT)).tuples()):
        members.setdefault(group_id, set()).add(user_id)
    everyone = set().union(*members.values()) if members else set()
    did = {
        "logged_in": _who(AuditLog.select(AuditLog.user).where(AuditLog.action == "login.ok"), AuditLog.at,
                          start, end, everyone),
        "achievement": _who(Achievement.select(Achievement.student), Achievement.created_at, start, end, everyone),
        "goal": _who(Goal.select(Goal.student), Goal.created_at, start, end, everyone),
        "reflection": _who(Reflection.select(Reflection.student), Reflection.created_at, start, end, everyone),
        "test": _who(Attempt.select(Attempt.student), Attempt.taken_at, start, end, everyone),
        "event": _who(PlannedEvent.select(PlannedEvent.student), PlannedEvent.created_at, start, end, everyone),
    }
    rows = [ClassRow(group, len(members.get(group.id, ())),
                     {measure: len(ids & members.get(group.id, set())) for measure, ids in did.items()})
            for group in groups]
    monday = today - datetime.timedelta(days=today.weekday())
    active = []
    for back in range(weeks - 1, -1, -1):
        first = monday - datetime.timedelta(weeks=back)
        count = (AuditLog.select(fn.COUNT(AuditLog.user.distinct()))
                 .where((AuditLog.action == "login.ok") & (AuditLog.at >= _moment(first))
                        & (AuditLog.at < _moment(first + datetime.timedelta(days=7)))).scalar() or 0)
        active.append((first, count))
    surveys = [(survey, SurveyParticipation.select().where(SurveyParticipation.survey == survey).count())
               for survey in Survey.select().where((Survey.school == school) & (Survey.questionnaire == "satisfaction"))
               .order_by(Survey.opens_on.desc())]
    return EffectivenessMap(term, rows, active, surveys)


def map_csv(found: EffectivenessMap) -> list[list[object]]:
    """The rows of the CSV: class, students, then the share (per cent) of each measure."""
    header = ["Класс", "Учеников"] + [f"{name}, %" for _, name in MEASURES]
    return [header] + [[row.group.name, row.students] + [row.share(code) for code, _ in MEASURES]
                       for row in found.rows]
