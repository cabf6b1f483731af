"""The student's own pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from appliance.models.people import STUDENT
from appliance.services import school as school_service
from webui.auth import role_required

bp = Blueprint("student", __name__, url_prefix="/student")


@bp.get("/")
@role_required(STUDENT)
def home():
    me = current_user.model
    group = school_service.class_of(me)
    return render_template(
        "student/home.html",
        me=me,
        group=group,
        class_teachers=school_service.class_teachers(group) if group else [],
        parents=school_service.parents_of(me),
    )
