"""School-wide indicators of the portfolio and each teacher's contribution as a guide.

Only confirmed achievements count. «Regional level and above» is a level of rank 3+
(региональный, всероссийский, международный); «winner or prize-winner» a result of rank 4+
(призёр, победитель). The school's target for that share is 25 % (seed 004).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from peewee import JOIN, fn

from appliance.documents.csv_table import csv_table
from appliance.models.people import STUDENT, ClassGroup, School, Student, User
from appliance.models.portfolio import Achievement, CatalogEntry
from appliance.services import catalogs, terms

TARGET_SHARE = 25.0


@dataclass
class Row:
    achievement_id: str
    date: datetime.date
    student_id: str
    student: str
    class_name: str
    level: str
    level_rank: int
    result: str
    result_rank: int
    direction: str
    kind: str
    teacher_id: str | None
    teacher: str
    teacher_role: str
    status: str
    title: str

    @property
    def school_year(self) -> int:
        return terms.school_year_of(self.date)


def _rows(school: School, where=None, confirmed_only: bool = True) -> list[Row]:
    Level, Result, Direction, Kind, Role = (CatalogEntry.alias() for _ in range(5))
    Pupil, Guide = User.alias(), User.alias()
    query = (Achievement.select(Achievement.id, Achievement.date, Pupil.id, Pupil.full_name, ClassGroup.name,
                                Level.name, Level.rank, Result.name, Result.rank, Direction.name, Kind.name,
                                Guide.id, Guide.full_name, Role.name, Achievement.status, Achievement.title)
             .join(Pupil, on=(Achievement.student == Pupil.id))
             .join_from(Achievement, Student, JOIN.LEFT_OUTER, on=(Student.user == Achievement.student))
             .join_from(Student, ClassGroup, JOIN.LEFT_OUTER, on=(Student.class_group == ClassGroup.id))
             .join_from(Achievement, Level, JOIN.LEFT_OUTER, on=(Achievement.level == Level.id))
             .join_from(Achievement, Result, JOIN.LEFT_OUTER, on=(Achievement.result == Result.id))
             .join_from(Achievement, Direction, JOIN.LEFT_OUTER, on=(Achievement.direction == Direction.id))
             .join_from(Achievement, Kind, JOIN.LEFT_OUTER, on=(Achievement.kind == Kind.id))
             .join_from(Achievement, Role, JOIN.LEFT_OUTER, on=(Achievement.teacher_role == Role.id))
             .join_from(Achievement, Guide, JOIN.LEFT_OUTER, on=(Achievement.teacher == Guide.id))
             .where(Pupil.school == school))
    if confirmed_only:
        query = query.where(Achievement.status == "confirmed")
    if where is not None:
        query = query.where(where)
    return [Row(str(r[0]), r[1], str(r[2]), r[3], r[4] or "—", r[5] or "—", r[6] or 0, r[7] or "—", r[8] or 0,
                r[9] or "—", r[10] or "—", str(r[11]) if r[11] else None, r[12] or "", r[13] or "", r[14], r[15])
            for r in query.order_by(Achievement.date).tuples()]


@dataclass
class Indicators:
    school_year: int | None
    class_group: ClassGroup | None
    students: int
    with_confirmed: int
    regional_prize_students: int
    achievements: int
    by_level: list[tuple[str, int]] = field(default_factory=list)
    by_result: list[tuple[str, int]] = field(default_factory=list)
    by_direction: list[tuple[str, int]] = field(default_factory=list)
    by_class: list[tuple[str, int]] = field(default_factory=list)
    by_year: list[tuple[str, int]] = field(default_factory=list)
    level_result: dict[str, dict[str, int]] = field(default_factory=dict)
    top_teachers: list[tuple[str, int]] = field(default_factory=list)
    target: float = TARGET_SHARE
    rows: list[Row] = field(default_factory=list)

    @property
    def share_with_confirmed(self) -> float:
        return 100.0 * self.with_confirmed / self.students if self.students else 0.0

    @property
    def share_regional_prize(self) -> float:
        return 100.0 * self.regional_prize_students / self.students if self.students else 0.0


def _ordered(counter: Counter, order: list[str]) -> list[tuple[str, int]]:
    known = [(name, counter[name]) for name in order if counter.get(name)]
    rest = sorted(((name, n) for name, n in counter.items() if name not in order), key=lambda p: -p[1])
    return known + rest


def school_indicators(school: School, school_year: int | None = None, class_group: ClassGroup | None = None,
                      top: int = 10) -> Indicators:
    students = User.select(User.id).join(Student, on=(Student.user == User.id)).where(
        (User.school == school) & (User.role == STUDENT))
    if class_group is not None:
        students = students.where(Student.class_group == class_group)
    where = Achievement.student.in_(students)
    if school_year:
        where &= (Achievement.date >= datetime.date(school_year, 9, 1)) & (
            Achievement.date <= datetime.date(school_year + 1, 8, 31))
    rows = _rows(school, where)
    levels = [e.name for e in catalogs.entries("level", include_hidden=True)]
    results = [e.name for e in catalogs.entries("result", include_hidden=True)]
    directions = [e.name for e in catalogs.entries("direction", include_hidden=True)]
    found = Indicators(school_year, class_group, students.count(), len({r.student_id for r in rows}),
                       len({r.student_id for r in rows if catalogs.is_regional_or_above(r.level_rank)
                            and catalogs.is_prize_or_winner(r.result_rank)}), len(rows), rows=rows)
    found.by_level = _ordered(Counter(r.level for r in rows), levels)
    found.by_result = _ordered(Counter(r.result for r in rows), results)
    found.by_direction = _ordered(Counter(r.direction for r in rows), directions)
    class_order = [g.name for g in ClassGroup.select().where(ClassGroup.school == school)
                   .order_by(ClassGroup.grade, ClassGroup.letter)]
    found.by_class = _ordered(Counter(r.class_name for r in rows), class_order)
    found.by_year = sorted(Counter(terms.school_year_label(r.school_year) for r in rows).items())
    for r in rows:
        found.level_result.setdefault(r.level, Counter())[r.result] += 1
    guides = Counter(r.teacher for r in rows if r.teacher_id)
    found.top_teachers = guides.most_common(top)
    return found


def years_with_achievements(school: School) -> list[int]:
    dates = (Achievement.select(fn.MIN(Achievement.date), fn.MAX(Achievement.date))
             .join(User, on=(Achievement.student == User.id)).where(User.school == school).tuples().first())
    if not dates or not dates[0]:
        return []
    return list(range(terms.school_year_of(dates[1]), terms.school_year_of(dates[0]) - 1, -1))


def indicators_csv(found: Indicators) -> str:
    """The indicators as a table for Excel: semicolon-separated, with a header line per block."""
    rows: list[list] = [
        ["Показатель", "Значение"],
        ["Учебный год", terms.school_year_label(found.school_year) if found.school_year else "все"],
        ["Класс", found.class_group.name if found.class_group else "все"],
        ["Учеников", found.students],
        ["Подтверждённых достижений", found.achievements],
        ["Учеников хотя бы с одним подтверждённым достижением", found.with_confirmed],
        ["Доля, %", f"{found.share_with_confirmed:.1f}".replace(".", ",")],
        ["Победителей и призёров регионального уровня и выше", found.regional_prize_students],
        ["Доля, %", f"{found.share_regional_prize:.1f}".replace(".", ",")],
        ["Цель, %", f"{found.target:.0f}"],
    ]
    for title, pairs in (("По уровням", found.by_level), ("По результатам", found.by_result),
                         ("По направлениям", found.by_direction), ("По классам", found.by_class),
                         ("По учебным годам", found.by_year), ("Самые активные педагоги", found.top_teachers)):
        rows += [[], [title, "Достижений"], *(list(pair) for pair in pairs)]
    rows += [[], ["Дата", "Ученик", "Класс", "Достижение", "Вид", "Направление", "Уровень", "Результат",
                  "Педагог", "Роль педагога"]]
    rows += [[r.date.strftime("%d.%m.%Y"), r.student, r.class_name, r.title, r.kind, r.direction,
              r.level, r.result, r.teacher or "без педагога", r.teacher_role] for r in found.rows]
    return csv_table(rows)


# -- a teacher's contribution ------------------------------------------------------------------
@dataclass
class Contribution:
    teacher: User
    school_year: int | None
    rows: list[Row]
    by_level: list[tuple[str, int]]
    by_result: list[tuple[str, int]]
    by_year: list[tuple[str, int]]
    by_role: list[tuple[str, int]]
    level_result: dict[str, dict[str, int]]
    pending: int

    @property
    def students(self) -> int:
        return len({r.student_id for r in self.rows})


def contribution(teacher: User, school_year: int | None = None) -> Contribution:
    """Confirmed achievements the teacher guided, counted as the school's quality system asks."""
    where = Achievement.teacher == teacher
    if school_year:
        where &= (Achievement.date >= datetime.date(school_year, 9, 1)) & (
            Achievement.date <= datetime.date(school_year + 1, 8, 31))
    rows = _rows(teacher.school, where)
    pending = Achievement.select().where((Achievement.teacher == teacher)
                                         & (Achievement.status == "submitted")).count()
    levels = [e.name for e in catalogs.entries("level", include_hidden=True)]
    results = [e.name for e in catalogs.entries("result", include_hidden=True)]
    matrix: dict[str, Counter] = {}
    for r in rows:
        matrix.setdefault(r.level, Counter())[r.result] += 1
    return Contribution(teacher, school_year, list(reversed(rows)),
                        _ordered(Counter(r.level for r in rows), levels),
                        _ordered(Counter(r.result for r in rows), results),
                        sorted(Counter(terms.school_year_label(r.school_year) for r in rows).items()),
                        Counter(r.teacher_role for r in rows).most_common(), matrix, pending)


def contribution_csv(found: Contribution) -> str:
    rows: list[list] = [
        ["Педагог", found.teacher.full_name],
        ["Учебный год", terms.school_year_label(found.school_year) if found.school_year else "все"],
        ["Подтверждённых достижений", len(found.rows)],
        ["Учеников", found.students],
        [],
        ["Дата", "Учебный год", "Ученик", "Класс", "Достижение", "Вид", "Направление", "Уровень",
         "Результат", "Роль педагога"],
    ]
    rows += [[r.date.strftime("%d.%m.%Y"), terms.school_year_label(r.school_year), r.student,
              r.class_name, r.title, r.kind, r.direction, r.level, r.result, r.teacher_role] for r in found.rows]
    return csv_table(rows)
