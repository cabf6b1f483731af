"""Volunteering: the student's hours, the teacher's confirmation, the school's totals."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.models.community import VOLUNTEER_STATUSES
from appliance.models.people import ADMIN, STUDENT, TEACHER
from appliance.services import catalogs, enrolment, portfolio, terms, validation, volunteering, years
from appliance.services.errors import ServiceError
from webui.auth import role_required
from webui.dates import school_today
from webui.forms import form_dict
from webui.messages import text_of

bp = Blueprint("volunteering", __name__, url_prefix="/volunteering")


def _mine(error=None, status=200, values=None, record=None):
    student = current_user.model
    return render_template("community/volunteering.html", records=volunteering.records_of(student),
                           totals=volunteering.totals_by_year(student), statuses=VOLUNTEER_STATUSES,
                           directions=catalogs.entries("direction"), teachers=portfolio.teachers_for(student),
                           v=values or {"day": school_today().isoformat()}, error=error, record=record,
                           today=school_today(), read_only=enrolment.is_graduate(student),
                           proposals=volunteering.proposals(student, school_today()),
                           year_label=years.label, year_and_class=years.year_and_class), status


@bp.get("/")
@role_required(STUDENT)
def mine():
    return _mine()


@bp.post("/")
@role_required(STUDENT)
def add():
    try:
        volunteering.record(current_user.model, form_dict(), school_today())
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _mine(text_of(exc.message), exc.status, request.form)
    flash(_("Записано. Педагог или организатор подтвердит часы."), "success")
    return redirect(url_for("volunteering.mine"))


@bp.route("/<volunteer_id>", methods=["GET", "POST"])
@role_required(STUDENT)
def edit(volunteer_id: str):
    found = volunteering.own(current_user.model, volunteer_id)
    if request.method == "POST":
        try:
            volunteering.update(current_user.model, volunteer_id, form_dict(), school_today())
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            return _mine(text_of(exc.message), exc.status, request.form, found)
        flash(_("Запись изменена и снова отправлена на проверку."), "success")
        return redirect(url_for("volunteering.mine"))
    values = {"day": found.day.isoformat(), "hours": f"{found.hours:g}", "place": found.place, "what": found.what,
              "direction": found.direction_id.hex if found.direction_id else "",
              "teacher": found.teacher_id.hex if found.teacher_id else ""}
    return _mine(values=values, record=found)


@bp.post("/proposal/<event_id>")
@role_required(STUDENT)
def accept_proposal(event_id: str):
    """The pupil confirms they took part in a volunteering event: the record goes for confirmation."""
    try:
        volunteering.accept_proposal(current_user.model, event_id, form_dict(), school_today())
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _mine(text_of(exc.message), exc.status)
    flash(_("Записано. Педагог или организатор подтвердит часы."), "success")
    return redirect(url_for("volunteering.mine"))


@bp.post("/proposal/<event_id>/dismiss")
@role_required(STUDENT)
def dismiss_proposal(event_id: str):
    volunteering.dismiss_proposal(current_user.model, event_id, school_today())
    flash(_("Хорошо: это событие больше не предлагает часы."), "success")
    return redirect(url_for("volunteering.mine"))


@bp.post("/<volunteer_id>/delete")
@role_required(STUDENT)
def delete(volunteer_id: str):
    try:
        volunteering.delete(current_user.model, volunteer_id)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _mine(text_of(exc.message), exc.status)
    flash(_("Запись удалена."), "success")
    return redirect(url_for("volunteering.mine"))


@bp.get("/review")
@role_required(TEACHER)
def review(error=None, status=200):
    return render_template("community/volunteering_review.html", queue=volunteering.review_queue(current_user.model),
                           error=error), status


@bp.post("/<volunteer_id>/review")
@role_required(TEACHER)
def decide(volunteer_id: str):
    comment = request.form.get("comment", "")
    try:
        if request.form.get("action") == "return":
            volunteering.return_to_student(current_user.model, volunteer_id, comment)
            flash(_("Запись возвращена ученику с комментарием."), "success")
        else:
            volunteering.confirm(current_user.model, volunteer_id, comment)
            flash(_("Часы подтверждены."), "success")
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return review(text_of(exc.message), exc.status)
    return redirect(url_for("volunteering.review"))


@bp.get("/school")
@role_required(ADMIN)
def school():
    school = current_user.school
    year = validation.query_year(request.args.get("year"), _("Учебный год")) or years.current_year(school)
    return render_template("community/volunteering_school.html", found=volunteering.school_hours(school, year),
                           years=sorted(set(volunteering.years_with_records(school)) | {year}, reverse=True),
                           year=year, year_label=years.label, terms=terms)
