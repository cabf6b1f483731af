"""/ sends each role to its own home page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from appliance.models.people import ADMIN, DISTRICT, MENTOR, PARENT, STUDENT, TEACHER

bp = Blueprint("home", __name__)

HOMES = {STUDENT: "student.home", TEACHER: "teacher.home", PARENT: "parent.home",
         ADMIN: "admin.home", DISTRICT: "district.home", MENTOR: "mentoring.index"}


@bp.get("/")
@login_required
def index():
    endpoint = HOMES.get(current_user.role)
    if endpoint is None:
        return redirect(url_for("auth.change_password"))
    return redirect(url_for(endpoint))
