"""The school, its classes and who belongs where."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass

from peewee import fn

from appliance.db import database
from appliance.i18n import N_
from appliance.models.people import (
    GRADUATED,
    PROFILE_GRADES,
    PROFILES,
    STUDENT,
    ClassGroup,
    ParentLink,
    School,
    Student,
    TeacherAssignment,
    User,
)
from appliance.services import russian
from appliance.services.errors import NotFound, ServiceError
from appliance.services.shipped import install_shipped_data

_CLASS_NAME = re.compile(r"^\s*(\d{1,2})\s*[-–\s]?\s*([А-ЯЁа-яё])?\s*$")


def get_school() -> School:
    school = School.select().order_by(School.created_at).first()
    if school is None:
        raise NotFound(N_("Школа ещё не создана: выполните «okey init»."))
    return school


def ensure_school(name: str, code: str, timezone: str = "Europe/Moscow") -> School:
    install_shipped_data()
    school = School.get_or_none(School.code == code)
    if school is None:
        today = datetime.datetime.now(zoneinfo.ZoneInfo(timezone)).date()
        school = School.create(name=name, code=code, timezone=timezone,
                               current_year=today.year if today.month >= 9 else today.year - 1)
    return school


def follow_timezone(timezone: str) -> bool:
    """The school row keeps the settings' time zone (imported calendars read it there); True if it changed."""
    return School.update(timezone=timezone).where(School.timezone != timezone).execute() > 0


def parse_class_name(text: str) -> tuple[int, str]:
    """«7Б», «7 б», «7-Б» → (7, "Б"). Raise ServiceError for anything else."""
    match = _CLASS_NAME.match(text or "")
    if not match or not 1 <= int(match.group(1)) <= 11:
        raise ServiceError(N_("Неизвестный класс «%(name)s»: ожидается номер от 1 до 11 и буква, например 7Б."),
                           name=(text or "").strip())
    return int(match.group(1)), (match.group(2) or "").upper()


def class_name(grade: int, letter: str) -> str:
    return f"{grade}{letter}"


def find_class(school: School, text: str) -> ClassGroup | None:
    grade, letter = parse_class_name(text)
    return ClassGroup.get_or_none((ClassGroup.school == school)
                                  & (ClassGroup.name == class_name(grade, letter)))


def get_or_create_class(school: School, text: str) -> ClassGroup:
    grade, letter = parse_class_name(text)
    group, _ = ClassGroup.get_or_create(school=school, name=class_name(grade, letter),
                                        defaults={"grade": grade, "letter": letter})
    return group


def classes(school: School) -> list[ClassGroup]:
    return list(ClassGroup.select().where(ClassGroup.school == school)
                .order_by(ClassGroup.grade, ClassGroup.letter))


def profile_classes(school: School) -> list[ClassGroup]:
    """The classes that may follow a profile: grades 10–11."""
    return [group for group in classes(school) if group.grade in PROFILE_GRADES]


def set_profiles(school: School, chosen: dict[str, str]) -> int:
    """Set the profile of each class of grades 10–11 from {class id (hex): profile code or ""}: all of
    them or, if one is wrong, none. Returns how many changed."""
    groups = {group.id.hex: group for group in profile_classes(school)}
    for key, code in chosen.items():
        if key not in groups:
            raise NotFound(N_("Класс не найден: профиль бывает только у 10–11 классов школы."))
        if code and code not in PROFILES:
            raise ServiceError(N_("Выберите профиль класса %(name)s из списка."), status=422, name=groups[key].name)
    changed = [groups[key] for key, code in chosen.items() if groups[key].profile != code]
    with database.atomic():
        for group in changed:
            group.profile = chosen[group.id.hex]
            group.save()
    return len(changed)


def students_of(group: ClassGroup) -> list[User]:
    return russian.by_surname(User.select().join(Student, on=(Student.user == User.id))
                              .where((Student.class_group == group) & (User.role == STUDENT)))


def class_of(student: User) -> ClassGroup | None:
    profile = Student.get_or_none(Student.user == student)
    return profile.class_group if profile else None


def class_teachers(group: ClassGroup) -> list[User]:
    return list(User.select().join(TeacherAssignment, on=(TeacherAssignment.teacher == User.id))
                .where((TeacherAssignment.class_group == group) & TeacherAssignment.is_class_teacher))


def teacher_classes(teacher: User) -> list[tuple[ClassGroup, bool]]:
    """The teacher's classes with whether they are its class teacher."""
    rows = (TeacherAssignment.select(TeacherAssignment, ClassGroup).join(ClassGroup)
            .where(TeacherAssignment.teacher == teacher)
            .order_by(ClassGroup.grade, ClassGroup.letter))
    return [(row.class_group, row.is_class_teacher) for row in rows]


def staff(school: School, role: str) -> list[User]:
    """The active people of one role for a drop-down, in the order of a register (surname, Russian alphabet)."""
    return russian.by_surname(User.select().where((User.school == school) & (User.role == role) & User.active))


NO_CLASS = N_("без класса")


def pupils_by_class(school: School) -> list[tuple[str, list[User]]]:
    """Active pupils still at school for a drop-down (not graduates), grouped by their class now (classes in
    grade order, each in the order of its register); pupils without a class come last under NO_CLASS."""
    pupils = User.select().where((User.school == school) & (User.role == STUDENT) & User.active)
    profiles = (Student.select(Student.user, Student.class_group, Student.status)
                .join(User, on=(Student.user == User.id)).where(User.school == school))
    class_of_pupil = {row.user_id: row.class_group_id for row in profiles}
    graduates = {row.user_id for row in profiles if row.status == GRADUATED}
    pupils = [user for user in pupils if user.id not in graduates]
    by_group: dict = {}
    for user in pupils:
        by_group.setdefault(class_of_pupil.get(user.id), []).append(user)
    groups = [(group.name, russian.by_surname(by_group[group.id])) for group in classes(school) if group.id in by_group]
    if None in by_group:
        groups.append((NO_CLASS, russian.by_surname(by_group[None])))
    return groups


def children_of(parent: User) -> list[User]:
    return russian.by_surname(User.select().join(ParentLink, on=(ParentLink.student == User.id))
                              .where(ParentLink.parent == parent))


def parents_of(student: User) -> list[tuple[User, ParentLink]]:
    rows = (ParentLink.select(ParentLink, User).join(User, on=(ParentLink.parent == User.id))
            .where(ParentLink.student == student))
    return [(row.parent, row) for row in rows]


def parents_of_students(students: list[User]) -> dict:
    """Every student's parents with their links, by student id: one query for a whole class."""
    found: dict = {student.id: [] for student in students}
    if not students:
        return found
    rows = (ParentLink.select(ParentLink, User).join(User, on=(ParentLink.parent == User.id))
            .where(ParentLink.student.in_(list(found))).order_by(User.last_name, User.first_name))
    for row in rows:
        found[row.student_id].append((row.parent, row))
    return found


def assign_teacher(teacher: User, group: ClassGroup, class_teacher: bool = False,
                   subject: str = "") -> TeacherAssignment:
    link, created = TeacherAssignment.get_or_create(
        teacher=teacher, class_group=group,
        defaults={"is_class_teacher": class_teacher, "subject": subject})
    if not created and class_teacher and not link.is_class_teacher:
        link.is_class_teacher = True
        link.save()
    return link


def link_parent(parent: User, student: User) -> ParentLink:
    link, _ = ParentLink.get_or_create(parent=parent, student=student)
    return link


@dataclass
class ClassSummary:
    group: ClassGroup
    students: int
    activated: int
    without_consent: int
    class_teachers: list[User]


def class_summaries(school: School, only: list[ClassGroup] | None = None) -> list[ClassSummary]:
    """Each class with how many students have logged in and how many lack a parent's consent."""
    groups = only if only is not None else classes(school)
    ids = [group.id for group in groups]
    # Three queries for the whole school, not three a class: the admin's home lists every class.
    students: dict = {group_id: [] for group_id in ids}
    for row in (User.select(User.id, User.password_hash, Student.class_group).join(Student, on=(Student.user == User.id))
                .where(Student.class_group.in_(ids) & (User.role == STUDENT)).tuples()):
        students[row[2]].append(row)
    consented = {link.student_id for link in ParentLink.select(ParentLink.student)
                 .join(Student, on=(Student.user == ParentLink.student))
                 .where(Student.class_group.in_(ids) & ParentLink.consent_given_at.is_null(False))}
    leads: dict = {group_id: [] for group_id in ids}
    for teacher in (User.select(User, TeacherAssignment.class_group.alias("lead_of"))
                    .join(TeacherAssignment, on=(TeacherAssignment.teacher == User.id))
                    .where(TeacherAssignment.class_group.in_(ids) & TeacherAssignment.is_class_teacher).objects()):
        leads[teacher.lead_of].append(teacher)
    return [ClassSummary(group, len(students[group.id]), sum(1 for row in students[group.id] if row[1]),
                         sum(1 for row in students[group.id] if row[0] not in consented), leads[group.id])
            for group in groups]


def role_counts(school: School) -> dict[str, int]:
    rows = (User.select(User.role, fn.COUNT(User.id).alias("n")).where(User.school == school)
            .group_by(User.role))
    return {row.role: row.n for row in rows}


def search_users(school: School, text: str = "", role: str = "", limit: int = 100) -> list[User]:
    query = User.select().where(User.school == school)
    if role:
        query = query.where(User.role == role)
    for word in text.split():
        # SQLite's LIKE folds only Latin letters: try the word as typed and capitalised.
        query = query.where(User.full_name.contains(word) | User.full_name.contains(word.capitalize())
                            | User.login.contains(word.lower()))
    return list(query.order_by(User.role, User.last_name, User.first_name).limit(limit))
