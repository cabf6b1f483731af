"""Parents' consent to the processing of their child's personal data (152-ФЗ).

The text a parent agrees to is versioned: the version is recorded with who gave consent and
when. Until a parent of the student has consented, the student's portfolio leaves the
appliance in no form.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.people import STUDENT, ClassGroup, ParentLink, School, Student, User
from appliance.services import audit, notifications
from appliance.services.errors import NotFound

CONSENT_VERSION = "2026-09"
_TEXTS = Path(__file__).resolve().parent.parent / "data"


def consent_text(version: str = CONSENT_VERSION) -> str:
    path = _TEXTS / f"consent-{version}.txt"
    if not path.is_file():
        raise NotFound(N_("Текст согласия версии %(version)s не найден."), version=version)
    return path.read_text(encoding="utf-8")


def _link(parent: User, student: User) -> ParentLink:
    link = ParentLink.get_or_none((ParentLink.parent == parent) & (ParentLink.student == student))
    if link is None:
        raise NotFound(N_("Ученик не найден."))
    return link


def give(parent: User, student: User, address: str = "") -> ParentLink:
    link = _link(parent, student)
    with database.atomic():
        link.consent_given_at = utcnow()
        link.consent_refused_at = None
        link.consent_by = parent.full_name
        link.consent_version = CONSENT_VERSION
        link.save()
        audit.record("consent.give", user=parent, detail=f"{student.login} {CONSENT_VERSION}", address=address)
        notifications.remind_consent(parent)
    return link


def refuse(parent: User, student: User, address: str = "") -> ParentLink:
    """The parent read the text and said no: recorded with the time, the name and the text's version.
    The child's portfolio then stays on the school server (as with no decision); the request stops
    asking, and the parent may give consent later."""
    link = _link(parent, student)
    with database.atomic():
        link.consent_given_at = None
        link.consent_refused_at = utcnow()
        link.consent_by = parent.full_name
        link.consent_version = CONSENT_VERSION
        link.save()
        audit.record("consent.refuse", user=parent, detail=f"{student.login} {CONSENT_VERSION}", address=address)
        notifications.remind_consent(parent)
    return link


def withdraw(parent: User, student: User, address: str = "") -> ParentLink:
    """Consent given earlier is taken back: recorded as a refusal from now on."""
    link = _link(parent, student)
    with database.atomic():
        link.consent_given_at = None
        link.consent_refused_at = utcnow()
        link.consent_by = parent.full_name
        link.consent_version = CONSENT_VERSION
        link.save()
        audit.record("consent.withdraw", user=parent, detail=student.login, address=address)
        notifications.remind_consent(parent)
    return link


def undecided(parent: User) -> list[User]:
    """The parent's children they have neither given nor refused consent for (the form comes first
    after logging in while there is one)."""
    return [link.student for link in ParentLink.select(ParentLink, User)
            .join(User, on=(ParentLink.student == User.id))
            .where((ParentLink.parent == parent) & ParentLink.consent_given_at.is_null()
                   & ParentLink.consent_refused_at.is_null() & User.active)
            .order_by(User.last_name, User.first_name)]


def refused_student_ids(students: list) -> set:
    """Of these students, those with no consent and a parent's recorded refusal."""
    ids = [s.id for s in students] or [None]
    given = {row.student_id for row in ParentLink.select(ParentLink.student)
             .where(ParentLink.student.in_(ids) & ParentLink.consent_given_at.is_null(False))}
    return {row.student_id for row in ParentLink.select(ParentLink.student)
            .where(ParentLink.student.in_(ids) & ParentLink.consent_refused_at.is_null(False))} - given


def link_of(parent: User, student: User) -> ParentLink:
    return _link(parent, student)


def has_consent(student: User) -> bool:
    return ParentLink.select().where((ParentLink.student == student)
                                     & ParentLink.consent_given_at.is_null(False)).exists()


def consented_student_ids(school: School) -> set:
    """Ids of the school's students with a parent's consent: the only ones that may be exported."""
    return {row.student_id for row in ParentLink.select(ParentLink.student)
            .join(User, on=(ParentLink.student == User.id))
            .where((User.school == school) & ParentLink.consent_given_at.is_null(False))}


# Why a student has no consent: a parent said no, nobody has answered yet, or no parent has an account.
REFUSED, UNDECIDED, NO_PARENTS = "refused", "undecided", "no_parents"
MISSING_STATES = {REFUSED: N_("отказ"), UNDECIDED: N_("ответа нет"), NO_PARENTS: N_("родители не подключены")}


@dataclass(frozen=True)
class MissingConsent:
    student: User
    group: ClassGroup | None
    parents: list[User]
    refusals: list[tuple[User, datetime.datetime]]  # who refused (or withdrew) and when

    @property
    def state(self) -> str:
        if self.refusals:
            return REFUSED
        return UNDECIDED if self.parents else NO_PARENTS


def students_without_consent(school: School) -> list[MissingConsent]:
    """Students no parent has consented for, with their class, linked parents and any refusal."""
    consented = consented_student_ids(school)
    students = (User.select(User, Student, ClassGroup).join(Student, on=(Student.user == User.id))
                .join(ClassGroup, on=(Student.class_group == ClassGroup.id))
                .where((User.school == school) & (User.role == STUDENT) & User.id.not_in(consented or [None]))
                .order_by(ClassGroup.grade, ClassGroup.letter, User.last_name, User.first_name))
    parents: dict = {}
    refusals: dict = {}
    Parent = User.alias()
    for link in (ParentLink.select(ParentLink, Parent).join(Parent, on=(ParentLink.parent == Parent.id))
                 .where(ParentLink.student.in_([s.id for s in students]))):
        parents.setdefault(link.student_id, []).append(link.parent)
        if link.consent_refused_at is not None:
            refusals.setdefault(link.student_id, []).append((link.parent, link.consent_refused_at))
    return [MissingConsent(s, s.student.class_group, parents.get(s.id, []), refusals.get(s.id, []))
            for s in students]


def missing_counts(missing: list[MissingConsent]) -> dict[str, int]:
    counts = dict.fromkeys(MISSING_STATES, 0)
    for row in missing:
        counts[row.state] += 1
    return counts
