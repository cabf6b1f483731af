"""The school year: which one is open, who was in which class each year, and the rollover that
closes one year and opens the next (5А → 6А, the last grade graduates).

A school year is named by the year it starts: 2026 is 2026/27. The school's open year is
`School.current_year`; it moves only by the rollover, one year at a time, in one transaction.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from peewee import fn

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.people import (
    GRADUATED,
    STUDENT,
    STUDYING,
    TEACHER,
    ClassGroup,
    ClassMembership,
    School,
    Student,
    TeacherAssignment,
    User,
)
from appliance.services import audit, reminders, terms
from appliance.services import school as school_service
from appliance.services.errors import Conflict, ServiceError
from appliance.services.lookup import parse_id

PROMOTED = "promoted"
LEFT = "left"
_LABEL = re.compile(r"^\s*(\d{4})\s*(?:[/\-–]\s*(\d{2}|\d{4}))?\s*$")


@dataclass(frozen=True, order=True)
class SchoolYear:
    start: int

    @property
    def label(self) -> str:
        return terms.school_year_label(self.start)

    def next(self) -> SchoolYear:
        return SchoolYear(self.start + 1)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.start, 9, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.start + 1, 8, 31)

    @classmethod
    def of(cls, day: datetime.date) -> SchoolYear:
        return cls(terms.school_year_of(day))

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        """«2026/27», «2026-2027» or «2026» → SchoolYear(2026); ServiceError (422) for anything else."""
        match = _LABEL.match(text or "")
        if match:
            start, end = int(match.group(1)), match.group(2)
            ok = 2000 <= start <= 2100 and (end is None or int(end) in (start + 1, (start + 1) % 100))
            if ok:
                return cls(start)
        raise ServiceError(N_("Учебный год «%(text)s» не распознан: напишите его как 2026/27."), status=422,
                           text=(text or "").strip()[:20])


def label(year: int | None) -> str:
    return terms.school_year_label(year) if year else ""


def current_year(school: School) -> int:
    """The school year open at the school (set by the rollover; before the first one, by the date)."""
    return school.current_year or terms.school_year_of(reminders.local_today(school.timezone))


def rollover_target(today: datetime.date) -> int:
    """The year a rollover run today opens: from June on, the one starting this September."""
    return today.year if today.month >= 6 else today.year - 1


def check_last_grade(last_grade: int) -> None:
    if not isinstance(last_grade, int) or not 1 <= last_grade <= 11:
        raise ServiceError(N_("Последний класс школы должен быть от 1 до 11 (настройка [school] last_grade)."),
                           status=422)


# -- membership ----------------------------------------------------------------------------------

def membership(student: User, year: int) -> ClassMembership | None:
    return ClassMembership.get_or_none((ClassMembership.student == student) & (ClassMembership.school_year == year))


def class_in_year(student: User, year: int | None) -> str:
    """The class the student was in that school year («7Б»), or "" when the school does not know."""
    if year is None:
        return ""
    row = membership(student, year)
    if row is not None:
        return row.class_name
    if year == current_year(student.school):
        group = school_service.class_of(student)
        return group.name if group else ""
    return ""


def history(student: User) -> list[ClassMembership]:
    return list(ClassMembership.select().where(ClassMembership.student == student)
                .order_by(ClassMembership.school_year))


def set_membership(student: User, year: int, group: ClassGroup | None, outcome: str | None = None) -> None:
    """Record the student's class for the year (replacing it, as a mid-year move does)."""
    row = membership(student, year)
    if row is None:
        if group is None:
            return
        ClassMembership.create(student=student, school_year=year, class_group=group, class_name=group.name,
                               grade=group.grade, outcome=outcome or "")
        return
    if group is not None:
        row.class_group, row.class_name, row.grade = group, group.name, group.grade
    if outcome is not None:
        row.outcome = outcome
    row.save()


def stamp_now(student: User) -> tuple[int, str]:
    """The year and class a record made today keeps."""
    year = current_year(student.school)
    return year, class_in_year(student, year)


def stamp_for_day(student: User, day: datetime.date) -> tuple[int, str]:
    """The year and class of something that happened on `day` (an achievement's date)."""
    year = terms.school_year_of(day)
    return year, class_in_year(student, year)


def year_and_class(year: int | None, class_name: str) -> str:
    """«7Б, 2025/26», «2025/26» or ""."""
    return ", ".join(part for part in (class_name, label(year)) if part)


# -- the rollover ----------------------------------------------------------------------------------

@dataclass
class ClassChange:
    group: ClassGroup
    old_name: str
    new_name: str  # "" when the class graduates
    students: list[User]
    class_teachers: list[User]

    @property
    def graduates(self) -> bool:
        return not self.new_name


@dataclass
class RolloverPlan:
    school: School
    from_year: int
    to_year: int
    last_grade: int
    changes: list[ClassChange] = field(default_factory=list)
    done: bool = False  # the year is already open: nothing to do

    @property
    def promoted(self) -> int:
        return sum(len(c.students) for c in self.changes if not c.graduates)

    @property
    def graduating(self) -> int:
        return sum(len(c.students) for c in self.changes if c.graduates)

    @property
    def from_label(self) -> str:
        return label(self.from_year)

    @property
    def to_label(self) -> str:
        return label(self.to_year)


def _studying(group: ClassGroup) -> list[User]:
    return list(User.select().join(Student, on=(Student.user == User.id))
                .where((Student.class_group == group) & (User.role == STUDENT) & (Student.status == STUDYING))
                .order_by(User.last_name, User.first_name))


def plan_rollover(school: School, last_grade: int, to_year: int | None = None) -> RolloverPlan:
    """Every change the rollover to `to_year` (default: the next year) would make; writes nothing."""
    check_last_grade(last_grade)
    open_year = current_year(school)
    target = open_year + 1 if to_year is None else to_year
    plan = RolloverPlan(school, open_year, target, last_grade)
    if target <= open_year:
        plan.done = True
        return plan
    if target > open_year + 1:
        raise ServiceError(N_("Открыт %(open)s учебный год: перейти можно только в следующий, %(next)s."),
                           status=422, open=label(open_year), next=label(open_year + 1))
    groups = sorted(school_service.classes(school), key=lambda g: (-g.grade, g.letter))
    too_old = [g.name for g in groups if g.grade > last_grade]
    if too_old:
        raise ServiceError(N_("Классы %(names)s старше последнего класса школы (%(grade)s): исправьте настройку "
                              "[school] last_grade или переведите учеников, прежде чем закрывать год."),
                           status=422, names=", ".join(too_old), grade=last_grade)
    for group in groups:
        new_name = "" if group.grade == last_grade else school_service.class_name(group.grade + 1, group.letter)
        plan.changes.append(ClassChange(group, group.name, new_name, _studying(group),
                                        school_service.class_teachers(group)))
    return plan


def _teacher(school: School, value: str) -> User:
    teacher = User.get_or_none((User.id == parse_id(value)) & (User.school == school) & (User.role == TEACHER)) \
        if parse_id(value) else None
    if teacher is None:
        raise ServiceError(N_("Выбранный классный руководитель не найден среди учителей школы."), status=422)
    return teacher


def rollover(school: School, last_grade: int, to_year: int, from_year: int,
             class_teachers: dict[str, str] | None = None, by: User | None = None,
             address: str = "", actor: str = "") -> RolloverPlan:
    """Close `from_year` and open `to_year`: in one transaction, recorded in the audit log.

    `from_year` is the year the caller saw open when it showed the preview: if another run has
    moved the year meanwhile, nothing is written and Conflict (409) says so. Asking again for a
    year already open changes nothing (the plan comes back with `done`).
    `class_teachers` maps a class id (hex) to the teacher who leads it in the new year.
    """
    with database.atomic():
        school = School.get_by_id(school.id)  # read again inside the write lock
        if current_year(school) != from_year:
            raise Conflict(N_("Учебный год уже переведён другим запуском: открыт %(year)s. Ничего не изменено; "
                              "обновите страницу и проверьте список."), year=label(current_year(school)))
        plan = plan_rollover(school, last_grade, to_year)
        if plan.done:
            return plan
        chosen = {key: _teacher(school, value) for key, value in (class_teachers or {}).items() if value}
        now = utcnow()
        for change in plan.changes:  # the oldest first: 11А leaves before 10А becomes 11А
            group = change.group
            if change.graduates:
                for student in change.students:
                    set_membership(student, from_year, group, GRADUATED)
                    Student.update(status=GRADUATED, status_changed_at=now, class_group=None) \
                        .where(Student.user == student).execute()
                group.delete_instance()
                continue
            for student in change.students:
                set_membership(student, from_year, group, PROMOTED)
            group.grade, group.name = group.grade + 1, change.new_name
            group.save()
            for student in change.students:
                set_membership(student, to_year, group)
            teacher = chosen.get(group.id.hex)
            if teacher is not None:
                set_class_teacher(group, teacher)
        school.current_year = to_year
        school.save()
        audit.record("year.rollover", user=by, actor=actor, address=address,
                     detail=f"{label(from_year)} -> {label(to_year)} classes={len(plan.changes)} "
                            f"promoted={plan.promoted} graduated={plan.graduating}")
    return plan


def set_class_teacher(group: ClassGroup, teacher: User) -> None:
    """`teacher` leads `group`; whoever led it before stays one of its teachers."""
    (TeacherAssignment.update(is_class_teacher=False)
     .where((TeacherAssignment.class_group == group) & (TeacherAssignment.teacher != teacher)).execute())
    school_service.assign_teacher(teacher, group, class_teacher=True)


def fill_missing_stamps() -> None:
    """Give records without a year and class the ones the membership history knows (as the
    migration did for the records made before it); used after loading records in bulk."""
    from appliance.models.competencies import SelfAssessment
    from appliance.models.portfolio import Achievement, Reflection
    from appliance.models.trajectory import Goal

    for model, year in ((Achievement, None), (Reflection, Reflection.created_at), (Goal, Goal.created_at)):
        if year is None:
            for row in model.select().where(model.school_year.is_null()):
                model.update(school_year=terms.school_year_of(row.date)).where(model.id == row.id).execute()
        else:
            for row in model.select().where(model.school_year.is_null()):
                model.update(school_year=terms.school_year_of(row.created_at.date())).where(model.id == row.id).execute()
    for model in (Achievement, Reflection, Goal, SelfAssessment):
        known = (ClassMembership.select(ClassMembership.class_name)
                 .where((ClassMembership.student == model.student) & (ClassMembership.school_year == model.school_year)))
        model.update(class_name=known).where((model.class_name == "") & fn.EXISTS(known)).execute()
