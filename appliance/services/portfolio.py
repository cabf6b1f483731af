"""Achievements and hobbies: the rules of the portfolio.

Statuses: draft → submitted → confirmed | returned; returned → submitted again. A confirmed
achievement is never changed silently: any edit sends it back to «на проверке». Confirming
or returning is for the teacher named as its guide or a class teacher of the student.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from peewee import JOIN, fn

from appliance.config import Settings
from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.competencies import AchievementCompetency
from appliance.models.people import STUDENT, TEACHER, ClassGroup, Student, TeacherAssignment, User
from appliance.models.portfolio import Achievement, AchievementStep, CatalogEntry, Evidence, Hobby
from appliance.services import (
    access,
    audit,
    catalogs,
    competencies,
    notifications,
    reminders,
    russian,
    terms,
    uploads,
    validation,
    years,
)
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id

STATUS_TITLES = {
    "draft": N_("черновик"),
    "submitted": N_("на проверке"),
    "confirmed": N_("подтверждено"),
    "returned": N_("возвращено с комментарием"),
}
EDITABLE_FIELDS = ("title", "date", "kind", "direction", "level", "result", "organizer", "description",
                   "teacher", "teacher_role", "in_document")
MAX_DESCRIPTION = 4000


# -- reading -----------------------------------------------------------------------------------


def get(achievement_id) -> Achievement:
    return get_or_404(Achievement, Achievement.id == parse_id(achievement_id), message=N_("Достижение не найдено."))


def can_view(viewer: User, achievement: Achievement) -> bool:
    """A draft is the student's own until submitted: nobody else sees it, not even the teacher it
    names. Anything else: the teacher named in it and whoever may see the student."""
    if achievement.status == "draft":
        return achievement.student_id == viewer.id
    return achievement.teacher_id == viewer.id or access.can_view_student(viewer, achievement.student)


def _hide_drafts(student: User, viewer: User) -> bool:
    return viewer.id != student.id


def visible(viewer: User, achievement_id) -> Achievement:
    """The achievement, when `viewer` may see it; 404 otherwise (ids of others stay secret)."""
    found = get(achievement_id)
    if not can_view(viewer, found):
        raise NotFound(N_("Достижение не найдено."))
    return found


def own(student: User, achievement_id) -> Achievement:
    """The student's own achievement, for changing it; another student's id answers 404."""
    found = get(achievement_id)
    if found.student_id != student.id:
        raise NotFound(N_("Достижение не найдено."))
    return found


@dataclass
class Filters:
    school_year: int | None = None
    level: str = ""
    direction: str = ""
    result: str = ""
    status: str = ""


def achievements_of(student: User, filters: Filters | None = None, only_confirmed: bool = False, *,
                    viewer: User) -> list[Achievement]:
    """The student's achievements `viewer` may see (drafts only to the student), newest first, with
    their list entries and teachers attached.

    The lists are small, so they are read once and attached in Python: joining five aliases
    of the same table would make building each row several times slower.
    """
    filters = filters or Filters()
    query = Achievement.select().where(Achievement.student == student)
    if _hide_drafts(student, viewer):
        query = query.where(Achievement.status != "draft")
    if only_confirmed:
        query = query.where(Achievement.status == "confirmed")
    if filters.school_year:
        query = query.where((Achievement.date >= datetime.date(filters.school_year, 9, 1))
                            & (Achievement.date <= datetime.date(filters.school_year + 1, 8, 31)))
    for column, value in ((Achievement.level, filters.level), (Achievement.direction, filters.direction),
                          (Achievement.result, filters.result)):
        if value and parse_id(value):
            query = query.where(column == parse_id(value))
    if filters.status in STATUS_TITLES:
        query = query.where(Achievement.status == filters.status)
    found = list(query.order_by(Achievement.date.desc(), Achievement.created_at.desc()))
    for a in found:
        a.student = student
    return _attach_related(found)


def _attach_related(found: list[Achievement]) -> list[Achievement]:
    """Attach the list entries and teachers of these achievements (two queries in all)."""
    entries = {entry.id: entry for entry in CatalogEntry.select()}
    people_ids = {a.teacher_id for a in found} | {a.reviewed_by_id for a in found}
    people = {u.id: u for u in User.select().where(User.id.in_([i for i in people_ids if i]))}
    for a in found:
        for name in ("kind", "direction", "level", "result", "teacher_role"):
            if getattr(a, name + "_id") in entries:
                setattr(a, name, entries[getattr(a, name + "_id")])
        for name in ("teacher", "reviewed_by"):
            if getattr(a, name + "_id") in people:
                setattr(a, name, people[getattr(a, name + "_id")])
    return found


@dataclass
class Counts:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)

    @property
    def confirmed(self) -> int:
        return self.by_status.get("confirmed", 0)


def counts(student: User, viewer: User) -> Counts:
    """How many achievements of each status `viewer` may see (drafts are counted for the student only)."""
    found = Counts()
    mine = Achievement.student == student
    if _hide_drafts(student, viewer):
        mine &= Achievement.status != "draft"
    for status, number in (Achievement.select(Achievement.status, fn.COUNT(Achievement.id))
                           .where(mine).group_by(Achievement.status).tuples()):
        found.by_status[status] = number
        found.total += number
    years = {terms.school_year_of(day) for (day,) in
             Achievement.select(Achievement.date).where(mine).tuples()}
    found.years = sorted(years, reverse=True)
    return found


def evidence_of(achievement: Achievement) -> list[Evidence]:
    return list(Evidence.select().where(Evidence.achievement == achievement).order_by(Evidence.created_at))


def evidence_by_achievement(achievements: list[Achievement]) -> dict:
    """The files of several achievements in one query: {achievement id: [Evidence, …]} (for the review queue)."""
    found: dict = {a.id: [] for a in achievements}
    if found:
        for row in (Evidence.select().where(Evidence.achievement.in_(list(found)))
                    .order_by(Evidence.created_at)):
            found[row.achievement_id].append(row)
    return found


TEACHER_GROUPS = (N_("Классный руководитель"), N_("Учителя твоего класса"), N_("Все педагоги школы"))


def teachers_for(student: User) -> list[tuple[str, list[User]]]:
    """Teachers a student may name as a guide, in groups for the drop-down: the class teacher, the
    others teaching the student's class, then everyone else teaching in the school; each group in
    the order of a register (surname, Russian alphabet). Empty groups are left out."""
    profile = Student.get_or_none(Student.user == student)
    leads, teaches = set(), set()
    if profile and profile.class_group_id:
        for row in (TeacherAssignment.select(TeacherAssignment.teacher, TeacherAssignment.is_class_teacher)
                    .where(TeacherAssignment.class_group == profile.class_group_id)):
            (leads if row.is_class_teacher else teaches).add(row.teacher_id)
    everyone = russian.by_surname(User.select().where((User.school == student.school) & (User.role == TEACHER)
                                                      & User.active))
    groups = ([t for t in everyone if t.id in leads], [t for t in everyone if t.id in teaches - leads],
              [t for t in everyone if t.id not in leads | teaches])
    return [(label, people) for label, people in zip(TEACHER_GROUPS, groups, strict=True) if people]


# -- checking what the student typed -----------------------------------------------------------
def earliest_date(student: User) -> datetime.date | None:
    """1 September of the student's first school year (from the profile or the class's grade)."""
    profile = Student.get_or_none(Student.user == student)
    if profile is None:
        return None
    start = profile.start_year
    if start is None and profile.class_group_id:
        start = terms.school_year_of(reminders.local_today(student.school.timezone)) - profile.class_group.grade + 1
    return datetime.date(start, 9, 1) if start else None


def _clean(student: User, fields: dict, today: datetime.date | None = None) -> dict:
    today = today or reminders.local_today(student.school.timezone)  # the school's day, not the server's
    values: dict = {}
    if "title" in fields:
        values["title"] = validation.text(fields["title"], 200, N_("Название"), one_line=True,
                                          required=N_("Укажи название достижения."))
    if "date" in fields:
        day = validation.date(fields["date"], N_("Дата"), required=N_("Укажи дату достижения."))
        if day > today:
            raise ServiceError(N_("Дата достижения не может быть в будущем."), status=422)
        earliest = earliest_date(student)
        if earliest and day < earliest:
            raise ServiceError(N_("Дата раньше начала учёбы в школе (1 сентября %(year)d)."), status=422,
                               year=earliest.year)
        values["date"] = day
    for name in ("kind", "direction", "level", "result"):
        if name in fields:
            values[name] = catalogs.entry(name, fields[name])
    if "organizer" in fields:
        values["organizer"] = validation.text(fields["organizer"], 200, N_("Организатор"), one_line=True)
    if "description" in fields:
        values["description"] = validation.text(fields["description"], MAX_DESCRIPTION, N_("Описание"))
    if "teacher" in fields:
        values["teacher"] = _teacher(student, fields["teacher"])
        if values["teacher"] is None:
            values["teacher_role"] = None
        else:
            values["teacher_role"] = catalogs.entry("teacher_role", fields.get("teacher_role"))
            if values["teacher_role"] is None:
                raise ServiceError(N_("Укажи роль педагога: руководитель, наставник, тьютор, тренер или "
                                      "консультант."), status=422)
    if "in_document" in fields:
        values["in_document"] = bool(fields["in_document"])
    return values


def _teacher(student: User, teacher_id) -> User | None:
    if teacher_id in (None, "", "none"):
        return None
    teacher = User.get_or_none(User.id == parse_id(teacher_id)) if parse_id(teacher_id) else None
    if teacher is None or teacher.role != TEACHER or teacher.school_id != student.school_id or not teacher.active:
        raise ServiceError(N_("Такого педагога в школе нет."), status=422)
    return teacher


# -- the student's changes ---------------------------------------------------------------------
def create_draft(student: User, competency_ids: list | None = None, today: datetime.date | None = None,
                 **fields) -> Achievement:
    """A new draft. Needs a title and a date; the lists may be filled in later, before submitting."""
    if student.role != STUDENT:
        raise Forbidden(N_("Достижения добавляет ученик."))
    fields.setdefault("date", today or reminders.local_today(student.school.timezone))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    if "title" not in fields:
        raise ServiceError(N_("Укажи название достижения."), status=422)
    values = _clean(student, fields, today)
    values["school_year"], values["class_name"] = years.stamp_for_day(student, values["date"])
    with database.atomic():
        achievement = Achievement.create(student=student, status="draft", **values)
        if competency_ids:
            competencies.set_links(achievement, competency_ids)
    return achievement


def update(student: User, achievement: Achievement, competency_ids: list | None = None,
           today: datetime.date | None = None, **fields) -> Achievement:
    """Change the student's own achievement. A confirmed one goes back for confirmation."""
    if achievement.student_id != student.id:
        raise NotFound(N_("Достижение не найдено."))
    values = _clean(student, fields, today)
    # Leaving an achievement out of the PDF changes nothing a teacher confirmed.
    changed = any(_differs(achievement, name, value) for name, value in values.items() if name != "in_document")
    links_changed = competency_ids is not None and (
        {str(c) for c in competency_ids} != {str(link.competency_id) for link in achievement.competency_links})
    with database.atomic():
        for name, value in values.items():
            setattr(achievement, name, value)
        if "date" in values and terms.school_year_of(achievement.date) != achievement.school_year:
            achievement.school_year, achievement.class_name = years.stamp_for_day(student, achievement.date)
        if achievement.status == "confirmed" and (changed or links_changed):
            _back_to_review(achievement)
        achievement.save()
        if competency_ids is not None:
            competencies.set_links(achievement, competency_ids)
    return achievement


_LINKS = ("kind", "direction", "level", "result", "teacher", "teacher_role")


def _differs(achievement: Achievement, name: str, value) -> bool:
    if name in _LINKS:
        return getattr(achievement, name + "_id") != (value.id if value is not None else None)
    return getattr(achievement, name) != value


def _back_to_review(achievement: Achievement) -> None:
    achievement.status = "submitted"
    achievement.submitted_at = utcnow()
    achievement.reviewed_by = None
    achievement.reviewed_at = None
    achievement.review_comment = ""


def submit(student: User, achievement: Achievement) -> Achievement:
    if achievement.student_id != student.id:
        raise NotFound(N_("Достижение не найдено."))
    if achievement.status not in ("draft", "returned"):
        raise Conflict(N_("Отправить на проверку можно черновик или возвращённое достижение."))
    missing = [label for name, label in (("kind", N_("вид")), ("direction", N_("направление")),
                                         ("level", N_("уровень")), ("result", N_("результат")))
               if getattr(achievement, name + "_id") is None]
    if missing:
        raise ServiceError(N_("Перед отправкой заполни: %(fields)s."), status=422, fields=", ".join(missing))
    achievement.status = "submitted"
    achievement.submitted_at = utcnow()
    with database.atomic():
        achievement.save()
        _record_step(achievement, "achievement.submit", student)
        notifications.achievement_waiting(achievement, class_teachers_of(student))
    return achievement


def withdraw(student: User, achievement: Achievement) -> Achievement:
    """The student takes an achievement sent by mistake back to draft, while it still waits for review
    (never after a teacher has confirmed or returned it). The teachers who were told it waits stop
    seeing it in their queue and in their notifications; the history keeps the step."""
    if achievement.student_id != student.id:
        raise NotFound(N_("Достижение не найдено."))
    if achievement.status != "submitted":
        raise Conflict(N_("Вернуть в черновик можно только достижение, которое ещё ждёт проверки."))
    teachers = {t.id: t for t in class_teachers_of(student)}
    if achievement.teacher_id:
        teachers.setdefault(achievement.teacher_id, achievement.teacher)
    achievement.status = "draft"
    achievement.submitted_at = None
    with database.atomic():
        achievement.save()
        _record_step(achievement, "achievement.withdraw", student)
        for teacher in teachers.values():
            notifications.achievement_withdrawn(achievement, teacher, review_queue(teacher))
    return achievement


# The steps of the review as the achievement's page names them.
HISTORY_ACTIONS = {
    "achievement.submit": N_("отправлено на проверку"),
    "achievement.withdraw": N_("возвращено в черновик"),
    "achievement.confirm": N_("подтверждено"),
    "achievement.return": N_("возвращено с комментарием"),
}


def _record_step(achievement: Achievement, action: str, by: User) -> None:
    """A step of the review: kept with the achievement for its page, and in the audit log."""
    AchievementStep.create(achievement=achievement, action=action, by=by)
    audit.record(action, user=by, detail=str(achievement.id))


def history(achievement: Achievement) -> list[AchievementStep]:
    """The steps of an achievement's review, oldest first: sent, taken back, confirmed, returned (who and
    when)."""
    return list(AchievementStep.select(AchievementStep, User).join(User, JOIN.LEFT_OUTER, on=(AchievementStep.by == User.id))
                .where(AchievementStep.achievement == achievement).order_by(AchievementStep.at))


def class_teachers_of(student: User) -> list[User]:
    """The class teachers of the class the student is in now."""
    group = Student.select(Student.class_group).where(Student.user == student)
    return list(User.select().join(TeacherAssignment, on=(TeacherAssignment.teacher == User.id))
                .where(TeacherAssignment.class_group.in_(group) & TeacherAssignment.is_class_teacher).distinct())


def delete(settings: Settings, student: User, achievement: Achievement) -> None:
    if achievement.student_id != student.id:
        raise NotFound(N_("Достижение не найдено."))
    if achievement.status in ("confirmed", "submitted"):
        raise Conflict(N_("Подтверждённое или отправленное на проверку достижение удалить нельзя."))
    shas = [row.sha256 for row in evidence_of(achievement)]
    with database.atomic():
        achievement.delete_instance(recursive=True)
    _remove_unused(settings, shas)


def add_evidence(settings: Settings, student: User, achievement: Achievement,
                 files: list[tuple[str, bytes]]) -> list[Evidence]:
    """Attach files (name, bytes). All are checked before any is written; a refused one
    refuses the lot, and nothing stays on disk."""
    if achievement.student_id != student.id:
        raise NotFound(N_("Достижение не найдено."))
    prepared = prepare_files(files, already=Evidence.select().where(Evidence.achievement == achievement).count())
    with uploads.Batch(settings) as batch, database.atomic():
        rows = attach(batch, achievement, prepared)
        if rows and achievement.status == "confirmed":
            _back_to_review(achievement)
            achievement.save()
    return rows


def prepare_files(files: list[tuple[str, bytes]], already: int = 0) -> list[uploads.Prepared]:
    files = [(name, data) for name, data in files if name or data]
    if already + len(files) > uploads.MAX_FILES:
        raise uploads.UploadRefused(N_("К достижению можно приложить не больше %(max)d файлов."),
                                    max=uploads.MAX_FILES)
    return [uploads.prepare(name, data) for name, data in files]


def attach(batch: uploads.Batch, achievement: Achievement, prepared: list[uploads.Prepared]) -> list[Evidence]:
    rows = []
    for item in prepared:
        batch.write(item)
        rows.append(Evidence.create(achievement=achievement, sha256=item.sha256, original_name=item.name,
                                    mime=item.mime, size=item.size, width=item.width, height=item.height,
                                    has_preview=item.preview is not None))
    return rows


def remove_evidence(settings: Settings, student: User, evidence_id) -> Achievement:
    row = get_or_404(Evidence, Evidence.id == parse_id(evidence_id), message=N_("Файл не найден."),
                     visible=lambda row: row.achievement.student_id == student.id)
    achievement = row.achievement
    with database.atomic():
        row.delete_instance()
        if achievement.status == "confirmed":
            _back_to_review(achievement)
            achievement.save()
    _remove_unused(settings, [row.sha256])
    return achievement


def _remove_unused(settings: Settings, shas: list[str]) -> None:
    for sha in set(shas):
        if not Evidence.select().where(Evidence.sha256 == sha).exists():
            uploads.remove_files(settings, sha)


def visible_evidence(viewer: User, evidence_id) -> Evidence:
    return get_or_404(Evidence, Evidence.id == parse_id(evidence_id), message=N_("Файл не найден."),
                      visible=lambda row: can_view(viewer, row.achievement))


# -- the teacher's review ----------------------------------------------------------------------
def may_review(teacher: User, achievement: Achievement) -> bool:
    if teacher.role != TEACHER or teacher.school_id != achievement.student.school_id:
        return False
    return achievement.teacher_id == teacher.id or access.is_class_teacher_of(teacher, achievement.student)


def _reviewable(teacher: User, achievement: Achievement) -> None:
    if not may_review(teacher, achievement):
        raise Forbidden(N_("Подтвердить или вернуть это достижение может только педагог, указанный в нём, "
                           "или классный руководитель ученика."))
    if achievement.status != "submitted":
        raise Conflict(N_("Это достижение не ждёт проверки: оно уже подтверждено, возвращено или ещё не "
                          "отправлено."))


def confirm(teacher: User, achievement: Achievement, comment: str = "") -> Achievement:
    _reviewable(teacher, achievement)
    achievement.status = "confirmed"
    achievement.reviewed_by = teacher
    achievement.reviewed_at = utcnow()
    achievement.review_comment = validation.text(comment, 1000, N_("Комментарий"))
    with database.atomic():
        achievement.save()
        _record_step(achievement, "achievement.confirm", teacher)
        _reviewed(teacher, achievement)
    return achievement


def _reviewed(teacher: User, achievement: Achievement) -> None:
    notifications.achievement_reviewed(achievement)
    if not review_queue(teacher):
        notifications.queue_empty(teacher)


def return_to_student(teacher: User, achievement: Achievement, comment: str) -> Achievement:
    _reviewable(teacher, achievement)
    comment = validation.text(comment, 1000, N_("Комментарий"))
    if not comment:
        raise ServiceError(N_("Напишите ученику, что нужно исправить."), status=422)
    achievement.status = "returned"
    achievement.reviewed_by = teacher
    achievement.reviewed_at = utcnow()
    achievement.review_comment = comment
    with database.atomic():
        achievement.save()
        _record_step(achievement, "achievement.return", teacher)
        _reviewed(teacher, achievement)
    return achievement


def bulk_confirm(teacher: User, achievement_ids: list) -> int:
    """Confirm several at once: all of them or, if one may not be confirmed, none."""
    if not achievement_ids:
        raise ServiceError(N_("Отметьте достижения, которые нужно подтвердить."), status=422)
    with database.atomic():
        for achievement_id in achievement_ids:
            confirm(teacher, get(achievement_id))
    return len(achievement_ids)


def review_queue(teacher: User) -> list[Achievement]:
    """Submitted achievements the teacher may review: named as guide, or in a class they lead."""
    led = (TeacherAssignment.select(TeacherAssignment.class_group)
           .where((TeacherAssignment.teacher == teacher) & TeacherAssignment.is_class_teacher))
    in_led = Student.select(Student.user).where(Student.class_group.in_(led))
    Pupil = User.alias()
    return _attach_related(list(
        Achievement.select(Achievement, Pupil).join(Pupil, on=(Achievement.student == Pupil.id), attr="student")
        .where((Achievement.status == "submitted")
               & ((Achievement.teacher == teacher) | Achievement.student.in_(in_led))
               & (Pupil.school == teacher.school))
        .order_by(Achievement.submitted_at)))


def class_overview(group: ClassGroup, viewer: User) -> list[tuple[User, Counts]]:
    """Each student's counts by status. Drafts are not counted in, except that the class's own
    class teacher sees how many drafts a student keeps (`by_status["draft"]`), so as to remind them:
    a number, never a title or a file."""
    from appliance.services import school as school_service

    leads = (viewer.role == TEACHER and TeacherAssignment.select().where(
        (TeacherAssignment.teacher == viewer) & (TeacherAssignment.class_group == group)
        & TeacherAssignment.is_class_teacher).exists())

    students = school_service.students_of(group)
    found = {student.id: Counts() for student in students}
    years: dict = {student.id: set() for student in students}
    # One pass over the class's achievements instead of two queries a student.
    for student_id, status, day in (Achievement.select(Achievement.student, Achievement.status, Achievement.date)
                                    .where(Achievement.student.in_(list(found))).tuples()):
        if status == "draft":
            if leads:
                found[student_id].by_status["draft"] = found[student_id].by_status.get("draft", 0) + 1
            continue
        found[student_id].by_status[status] = found[student_id].by_status.get(status, 0) + 1
        found[student_id].total += 1
        years[student_id].add(terms.school_year_of(day))
    for student_id, numbers in found.items():
        numbers.years = sorted(years[student_id], reverse=True)
    return [(student, found[student.id]) for student in students]


# -- hobbies -----------------------------------------------------------------------------------
def hobbies_of(student: User) -> list[Hobby]:
    return list(Hobby.select().where(Hobby.student == student).order_by(Hobby.created_at))


def save_hobby(student: User, hobby_id=None, *, title: str, direction=None, description: str = "",
               since_year=None) -> Hobby:
    if student.role != STUDENT:
        raise Forbidden(N_("Хобби добавляет ученик."))
    title = validation.text(title, 120, N_("Увлечение"), one_line=True)
    if not title:
        raise ServiceError(N_("Напиши, чем ты увлекаешься."), status=422)
    year = None
    if str(since_year or "").strip():
        try:
            year = int(str(since_year).strip())
        except ValueError:
            year = -1
        if not 1990 <= year <= reminders.local_today(student.school.timezone).year:
            raise ServiceError(N_("Год начала указан неверно."), status=422)
    values = {"title": title, "direction": catalogs.entry("direction", direction),
              "description": validation.text(description, 1000, N_("Описание")), "since_year": year}
    if hobby_id:
        hobby = _own_hobby(student, hobby_id)
        for name, value in values.items():
            setattr(hobby, name, value)
        hobby.save()
        return hobby
    return Hobby.create(student=student, **values)


def delete_hobby(student: User, hobby_id) -> None:
    _own_hobby(student, hobby_id).delete_instance()


def _own_hobby(student: User, hobby_id) -> Hobby:
    return get_or_404(Hobby, Hobby.id == parse_id(hobby_id), Hobby.student == student,
                      message=N_("Увлечение не найдено."))


def competency_ids_of(achievement: Achievement) -> list[str]:
    return [str(link.competency_id) for link in
            AchievementCompetency.select().where(AchievementCompetency.achievement == achievement)]


def save_with_files(settings: Settings, student: User, achievement: Achievement | None = None,
                    files: list[tuple[str, bytes]] | None = None, competency_ids: list | None = None,
                    submit_now: bool = False, **fields) -> Achievement:
    """One form: the fields, the files and maybe «submit». Files are checked first; then the rows
    and the files are written together, and a refusal anywhere leaves neither behind."""
    already = Evidence.select().where(Evidence.achievement == achievement).count() if achievement else 0
    prepared = prepare_files(files or [], already)
    with uploads.Batch(settings) as batch, database.atomic():
        if achievement is None:
            achievement = create_draft(student, competency_ids=competency_ids, **fields)
        else:
            achievement = update(student, achievement, competency_ids=competency_ids, **fields)
        if attach(batch, achievement, prepared) and achievement.status == "confirmed":
            _back_to_review(achievement)
            achievement.save()
        if submit_now and achievement.status in ("draft", "returned"):
            submit(student, achievement)
    return achievement
