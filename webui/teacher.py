"""The teacher's pages: their classes and students."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from appliance.models.people import TEACHER, ClassGroup
from appliance.services import access
from appliance.services import school as school_service
from webui.auth import role_required

bp = Blueprint("teacher", __name__, url_prefix="/teacher")


def _my_class(class_id: str) -> tuple[ClassGroup, bool]:
    for group, leads in school_service.teacher_classes(current_user.model):
        if group.id.hex == class_id.replace("-", ""):
            return group, leads
    abort(404)


@bp.get("/")
@role_required(TEACHER)
def home():
    mine = school_service.teacher_classes(current_user.model)
    summaries = school_service.class_summaries(current_user.school, [group for group, _ in mine])
    leads = {group.id for group, is_lead in mine if is_lead}
    return render_template("teacher/home.html", summaries=summaries, leads=leads)


@bp.get("/class/<class_id>")
@role_required(TEACHER)
def class_page(class_id: str):
    group, leads = _my_class(class_id)
    students = school_service.students_of(group)
    parents = {s.id: school_service.parents_of(s) for s in students}
    return render_template("teacher/class.html", group=group, leads=leads, students=students, parents=parents)


@bp.get("/student/<student_id>")
@role_required(TEACHER)
def student_page(student_id: str):
    student = access.student_for(current_user.model, student_id)
    return render_template("teacher/student.html", student=student, group=school_service.class_of(student),
                           parents=school_service.parents_of(student))
