"""Login cards: which accounts get a fresh one-time code to print."""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.db import database
from appliance.i18n import N_
from appliance.models.people import PARENT, STUDENT, ClassGroup, ParentLink, School, Student, TeacherAssignment, User
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
