"""Login cards: which accounts get a fresh one-time code to print."""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.db import database
from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, ClassGroup, ParentLink, School, Student, TeacherAssignment, User
from appliance.services import accounts
from appliance.services import school as school_service
from appliance.services.errors import NotFound


@dataclass
class Card:
    user: User
    class_name: str
    code: str


@dataclass
class IssuedCards:
    school: School
    cards: list[Card] = field(default_factory=list)


def _candidates(school: School, role: str, group: ClassGroup | None):
    """(user, class name) pairs of the role, in the order cards are cut and handed out."""
    query = User.select(User, ClassGroup.name.alias("class_name"))
    if role == STUDENT:
        query = (query.join(Student, on=(Student.user == User.id))
                 .join(ClassGroup, on=(Student.class_group == ClassGroup.id)))
    elif role == PARENT:
        query = (query.join(ParentLink, on=(ParentLink.parent == User.id))
                 .join(Student, on=(Student.user == ParentLink.student))
                 .join(ClassGroup, on=(Student.class_group == ClassGroup.id)))
    else:
        query = (query.join(TeacherAssignment, on=(TeacherAssignment.teacher == User.id))
                 .join(ClassGroup, on=(TeacherAssignment.class_group == ClassGroup.id)))
    query = query.where((User.school == school) & (User.role == role) & User.active)
    if group is not None:
        query = query.where(ClassGroup.id == group.id)
    seen = set()
    for user in query.order_by(ClassGroup.grade, ClassGroup.letter, User.last_name, User.first_name).objects():
        if user.id not in seen:  # a parent of two children, a teacher of two classes: one card
            seen.add(user.id)
            yield user, user.class_name


def issue_cards(class_name: str | None, role: str = STUDENT, reissue: bool = False,
                days: int = 30) -> IssuedCards:
    """New codes for the accounts that have not logged in yet (or for all, with reissue).

    A code is stored only as a hash, so printing cards always makes new codes: the
    previous cards of these accounts stop working.
    """
    school = school_service.get_school()
    group = None
    if class_name:
        group = school_service.find_class(school, class_name)
        if group is None:
            raise NotFound(N_("Класс «%(name)s» не найден."), name=class_name)
    issued = IssuedCards(school)
    with database.atomic():
        for user, group_name in _candidates(school, role, group):
            if reissue or user.password_hash is None:
                issued.cards.append(Card(user, group_name, accounts.issue_activation_code(user, days)))
    return issued


def issue_one(by: User, user: User, days: int = 30) -> IssuedCards:
    """A new one-time code for one student or parent: the administrator's for anyone of the school,
    a class teacher's for the students of their own classes and those students' parents. Anyone
    else is told the person is not found, and nothing is written."""
    from appliance.services import access

    allowed = user.school_id == by.school_id and user.active and user.role in (STUDENT, PARENT)
    if allowed and by.role != ADMIN:
        children = [user] if user.role == STUDENT else school_service.children_of(user)
        allowed = by.role == TEACHER and any(access.is_class_teacher_of(by, child) for child in children)
    if not allowed:
        raise NotFound(N_("Ученик или родитель не найден среди Ваших классов."))
    if user.role == STUDENT:
        group = school_service.class_of(user)
    else:
        groups = [school_service.class_of(child) for child in school_service.children_of(user)]
        group = next((g for g in groups if g is not None), None)
    issued = IssuedCards(user.school)
    with database.atomic():
        issued.cards.append(Card(user, group.name if group else "", accounts.issue_activation_code(user, days)))
    return issued
