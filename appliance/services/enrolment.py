"""A student's path through the school: moved to another class, left, returned, graduated; how
long a leaver's data and a graduate's account are kept; deletion on the family's request.

Membership changes, the person does not: one account for the whole school life. A leaver's
account is closed at once (sessions and the calendar feed stop working with it) and deleted when
the school's period runs out; a graduate keeps a read-only account for the school's period.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import FeedToken
from appliance.models.people import (
    GRADUATED,
    LEFT,
    PARENT,
    STUDENT,
    STUDYING,
    ClassGroup,
    ParentLink,
    School,
    Student,
    User,
)
from appliance.services import audit, sessions, years
from appliance.services import school as school_service
from appliance.services.errors import Forbidden, NotFound, ServiceError

READ_ONLY = N_("Вы выпускник: портфолио доступно только для просмотра и скачивания.")


def profile(student: User) -> Student:
    found = Student.get_or_none(Student.user == student)
    if student.role != STUDENT or found is None:
        raise NotFound(N_("Ученик не найден."))
    return found


def status_of(student: User) -> str:
    found = Student.get_or_none(Student.user == student)
    return found.status if found else STUDYING


def is_graduate(user: User) -> bool:
    return user.role == STUDENT and status_of(user) == GRADUATED


def check_may_edit(user: User) -> None:
    """Graduates read and download; they change nothing but their password and the alumni choice."""
    if is_graduate(user):
        raise Forbidden(READ_ONLY)


def _target_class(school: School, class_text: str) -> ClassGroup:
    group = school_service.find_class(school, class_text)  # ServiceError (422) for a malformed name
    if group is None:
        raise NotFound(N_("Класс «%(name)s» не найден: сначала создайте его (импорт списка) или выберите другой."),
                       name=class_text.strip())
    return group


def move(student: User, class_text: str, by: User | None = None, address: str = "") -> ClassGroup:
    """Move a studying student to another class of the school, from today to the year's end."""
    with database.atomic():
        found = profile(student)
        if found.status != STUDYING:
            raise ServiceError(N_("Перевести можно только того, кто учится в школе."), status=409)
        group = _target_class(student.school, class_text)
        old = found.class_group.name if found.class_group_id else ""
        found.class_group = group
        found.save()
        years.set_membership(student, years.current_year(student.school), group)
        audit.record("student.move", user=by, address=address, detail=f"{student.login}: {old} -> {group.name}")
    return group


def _close_sessions(user: User) -> None:
    user.session_epoch += 1
    user.save()
    sessions.end_all(user)
    FeedToken.update(revoked_at=utcnow()).where((FeedToken.user == user) & FeedToken.revoked_at.is_null()).execute()


def has_open_child(parent: User) -> bool:
    """Whether one of the parent's children studies at the school, or is a graduate whose read-only
    account is still open: only then has the parent anything to see."""
    Child = User.alias()
    return (Student.select().join(ParentLink, on=(ParentLink.student == Student.user))
            .join(Child, on=(Child.id == Student.user))
            .where((ParentLink.parent == parent)
                   & ((Student.status == STUDYING) | ((Student.status == GRADUATED) & Child.active))).exists())


def _parents_follow(student: User, by: User | None = None, address: str = "") -> int:
    """A parent's account is open while one of their children is (`has_open_child`). Returns how
    many parents' accounts were closed."""
    closed = 0
    for parent, _ in school_service.parents_of(student):
        open_children = has_open_child(parent)
        if open_children and not parent.active:
            parent.active = True
            parent.save()
        elif not open_children and parent.active:
            parent.active = False
            _close_sessions(parent)
            audit.record("parent.closed", user=by, address=address, detail=f"{parent.login} ({student.login})")
            closed += 1
    return closed


def leave(student: User, by: User | None = None, address: str = "") -> None:
    """The student leaves the school: the account closes now; the data waits for the school's period."""
    with database.atomic():
        found = profile(student)
        if found.status == LEFT:
            return
        year = years.current_year(student.school)
        if found.class_group_id:
            years.set_membership(student, year, found.class_group, years.LEFT)
        found.status, found.status_changed_at, found.class_group = LEFT, utcnow(), None
        found.save()
        student.active = False
        _close_sessions(student)
        _parents_follow(student)
        audit.record("student.leave", user=by, address=address, detail=student.login)


def return_(student: User, class_text: str, by: User | None = None, address: str = "") -> ClassGroup:
    """A leaver comes back: the same account re-opens in the given class, with all its history."""
    with database.atomic():
        found = profile(student)
        if found.status != LEFT:
            raise ServiceError(N_("Вернуть можно только выбывшего ученика."), status=409)
        group = _target_class(student.school, class_text)
        found.status, found.status_changed_at, found.class_group = STUDYING, utcnow(), group
        found.save()
        student.active = True
        student.save()
        years.set_membership(student, years.current_year(student.school), group, "")
        _parents_follow(student)
        audit.record("student.return", user=by, address=address, detail=f"{student.login} -> {group.name}")
    return group


def graduate(student: User, by: User | None = None, address: str = "") -> None:
    """One student finishes school (after the 9th grade, say) outside the yearly rollover."""
    with database.atomic():
        found = profile(student)
        if found.status != STUDYING:
            raise ServiceError(N_("Выпустить можно только того, кто учится в школе."), status=409)
        if found.class_group_id:
            years.set_membership(student, years.current_year(student.school), found.class_group, GRADUATED)
        found.status, found.status_changed_at, found.class_group = GRADUATED, utcnow(), None
        found.save()
        audit.record("student.graduate", user=by, address=address, detail=student.login)


def set_alumni_listed(student: User, listed: bool) -> None:
    found = profile(student)
    if found.status != GRADUATED:
        raise ServiceError(N_("Список выпускников — только для выпускников."), status=409)
    found.alumni_listed = listed
    found.save()


def graduate_access_until(student: User, days: int) -> datetime.date | None:
    found = Student.get_or_none(Student.user == student)
    if found is None or found.status != GRADUATED or found.status_changed_at is None:
        return None
    return (found.status_changed_at + datetime.timedelta(days=days)).date()


def delete_person(user: User, by: User | None = None, address: str = "", reason: str = "request",
                  settings=None) -> None:
    """Delete a person and everything that is theirs (on the family's request, or when a leaver's
    period is over). The audit log keeps that it was done, with the login only. With `settings`,
    the evidence files nobody else refers to are removed from the disk too."""
    from appliance.models.portfolio import Achievement, Evidence
    from appliance.services import uploads

    with database.atomic():
        parents = [p for p, _ in school_service.parents_of(user)] if user.role == STUDENT else []
        files = {row.sha256 for row in Evidence.select(Evidence.sha256).join(Achievement)
                 .where(Achievement.student == user)}
        login, role = user.login, user.role
        user.delete_instance()
        # A parent left with no child at the school has nothing to see: their account goes too.
        for parent in parents:
            if not ParentLink.select().where(ParentLink.parent == parent).exists():
                parent.delete_instance()
        audit.record("person.deleted", user=by, address=address, detail=f"{role} {login} ({reason})")
    if settings is not None:
        for sha in files:
            if not Evidence.select().where(Evidence.sha256 == sha).exists():
                uploads.remove_files(settings, sha)


@dataclass
class ParentDeletion:
    """What deleting a parent on request removes, shown before it is done."""

    parent: User
    links: list[ParentLink]  # each child with this parent's consent record
    only_consent: list[User]  # children whose only consent is this parent's: they are left without one

    @property
    def children(self) -> list[User]:
        return [link.student for link in self.links]


def _parent(school: School, parent_id) -> User:
    from appliance.services.lookup import get_or_404, parse_id

    return get_or_404(User, User.id == parse_id(parent_id), User.school == school, User.role == PARENT,
                      message=N_("Родитель не найден: возможно, учётная запись уже удалена."))


def plan_parent_deletion(school: School, parent_id) -> ParentDeletion:
    """The preview: the parent, their children (whose records stay) and whose consent goes with them."""
    parent = _parent(school, parent_id)
    links = list(ParentLink.select(ParentLink, User).join(User, on=(ParentLink.student == User.id))
                 .where(ParentLink.parent == parent).order_by(User.last_name, User.first_name))
    only = []
    for link in links:
        if link.consent_given_at is None:
            continue
        others = ParentLink.select().where((ParentLink.student == link.student) & (ParentLink.parent != parent)
                                           & ParentLink.consent_given_at.is_null(False)).exists()
        if not others:
            only.append(link.student)
    return ParentDeletion(parent, links, only)


def delete_parent(school: School, parent_id, confirm_login: str, consent_understood: bool,
                  by: User | None = None, address: str = "") -> ParentDeletion:
    """Delete a parent's account on their request (152-ФЗ), on its own: the children and all their
    records stay; the links go. Consent the parent gave is ended as a withdrawal would end it, and
    the audit log keeps that it had been given (the version and the date), never the person's name.
    A child left with no consent at all needs `consent_understood`: the administrator has read that
    the child's data will stop leaving the school. In one transaction; a second submit finds
    nobody (404) and writes nothing."""
    with database.atomic():
        plan = plan_parent_deletion(school, parent_id)
        parent = plan.parent
        if (confirm_login or "").strip().lower() != parent.login:
            raise ServiceError(N_("Чтобы удалить родителя, впишите его логин «%(login)s» в поле подтверждения."),
                               status=400, login=parent.login)
        if plan.only_consent and not consent_understood:
            raise ServiceError(N_("Согласие этого родителя — единственное для: %(names)s. Отметьте, что поняли: "
                                  "после удаления данные ребёнка перестанут покидать школу, пока другой родитель "
                                  "не даст согласие."), status=409,
                               names=", ".join(child.short_name for child in plan.only_consent))
        for link in plan.links:
            if link.consent_given_at is not None:
                audit.record("consent.withdraw", user=by, address=address,
                             detail=f"{link.student.login} {link.consent_version} "
                                    f"given {link.consent_given_at:%Y-%m-%d} (parent deleted on request)")
        _close_sessions(parent)
        delete_person(parent, by=by, address=address, reason="request")
    return plan


def expire(graduate_days: int, leaver_days: int, now: datetime.datetime | None = None,
           settings=None) -> tuple[int, int]:
    """Close graduates' accounts after their period, with the accounts of their parents who have no
    other child at the school; delete leavers after theirs (a parent left with no child goes with
    them, see `delete_person`). Returns (graduates closed, leavers deleted)."""
    now = now or utcnow()
    closed = deleted = 0
    from appliance.models.alumni import AlumniProfile

    # A member of the alumni club keeps the account while in the club; leaving it starts the clock again.
    members = AlumniProfile.select(AlumniProfile.alumnus)
    graduates = (User.select().join(Student, on=(Student.user == User.id))
                 .where((Student.status == GRADUATED) & User.active & User.id.not_in(members)
                        & (Student.status_changed_at < now - datetime.timedelta(days=graduate_days))))
    for user in graduates:
        with database.atomic():
            user.active = False
            _close_sessions(user)
            audit.record("student.graduate_closed", detail=user.login)
            # A parent with no other child at the school (or with an open graduate account) goes too.
            _parents_follow(user)
            closed += 1
    leavers = (User.select().join(Student, on=(Student.user == User.id))
               .where((Student.status == LEFT) & (Student.status_changed_at < now - datetime.timedelta(days=leaver_days))))
    for user in list(leavers):
        delete_person(user, reason="period", settings=settings)
        deleted += 1
    return closed, deleted


def never_logged_in(group: ClassGroup) -> list[User]:
    """Students of the class and their parents who have never logged in (no password yet)."""
    students = [s for s in school_service.students_of(group) if s.active]
    found = [s for s in students if s.password_hash is None]
    for parents in school_service.parents_of_students(students).values():
        found.extend(p for p, _ in parents if p.password_hash is None and p.role == PARENT)
    seen, unique = set(), []
    for user in found:
        if user.id not in seen:
            seen.add(user.id)
            unique.append(user)
    return unique
