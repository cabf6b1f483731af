"""Who may see whom: the school's access rules, in one place.

A student sees only themself; a parent only their children; a teacher the students of
the classes they are assigned to; an administrator the whole school.
"""

from __future__ import annotations

from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, ParentLink, Student, TeacherAssignment, User
from appliance.services.errors import Forbidden
from appliance.services.lookup import get_or_404, parse_id


def can_view_student(viewer: User, student: User) -> bool:
    if student.role != STUDENT:
        return False
    if viewer.role == ADMIN:
        return viewer.school_id == student.school_id
    if viewer.role == STUDENT:
        return viewer.id == student.id
    if viewer.role == PARENT:
        return ParentLink.select().where((ParentLink.parent == viewer)
                                         & (ParentLink.student == student)).exists()
    if viewer.role == TEACHER:
        return teaches_student(viewer, student)
    return False


def teaches_student(teacher: User, student: User) -> bool:
    return (TeacherAssignment.select()
            .join(Student, on=(Student.class_group == TeacherAssignment.class_group))
            .where((TeacherAssignment.teacher == teacher) & (Student.user == student))
            .exists())


def is_class_teacher_of(teacher: User, student: User) -> bool:
    return (TeacherAssignment.select()
            .join(Student, on=(Student.class_group == TeacherAssignment.class_group))
            .where((TeacherAssignment.teacher == teacher) & (Student.user == student)
                   & TeacherAssignment.is_class_teacher)
            .exists())


def student_for(viewer: User, student_id) -> User:
    """The student `viewer` asked for, or 404 when it does not exist or is not theirs.

    Not distinguishing "not yours" from "not there" keeps other children's ids secret.
    """
    return get_or_404(User, User.id == parse_id(student_id), message=N_("Ученик не найден."),
                      visible=lambda student: can_view_student(viewer, student))


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise Forbidden(N_("Эта страница недоступна для вашей роли."))
