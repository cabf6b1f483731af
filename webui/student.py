"""The student's own pages."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.models.people import GRADUATED, STUDENT, Student
from appliance.services import enrolment, homes, news, portfolio, recommendations, years
from appliance.services import school as school_service
from webui.auth import role_required
from webui.dates import school_today

bp = Blueprint("student", __name__, url_prefix="/student")


@bp.get("/")
@role_required(STUDENT)
def home():
    me = current_user.model
    group = school_service.class_of(me)
    profile = Student.get_or_none(Student.user == me)
    history = years.history(me)
    return render_template(
        "student/home.html",
        me=me,
        group=group,
        year_label=years.label(years.current_year(me.school)),
        graduate=profile is not None and profile.status == GRADUATED,
        profile=profile,
        last_class=years.year_and_class(history[-1].school_year, history[-1].class_name) if history else "",
        access_until=enrolment.graduate_access_until(me, g.settings.school.graduate_access_days),
        class_teachers=school_service.class_teachers(group) if group else [],
        parents=school_service.parents_of(me),
        now=homes.student_home(me, school_today()),
        suggestion=recommendations.first_suggestion(me, school_today(), g.settings.data_dir,
                                                    g.settings.recommendations),
        statuses=portfolio.STATUS_TITLES,
        school_news=news.latest(me.school),
    )


@bp.post("/alumni")
@role_required(STUDENT)
def alumni():
    """A graduate's choice to appear in the alumni list (or to leave it)."""
    enrolment.set_alumni_listed(current_user.model, request.form.get("listed") == "1")
    flash(_("Сохранено."), "success")
    return redirect(url_for("student.home"))
