"""Surveys: students and parents answer; the administration starts them and reads the
results as charts and a CSV table."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import trajectory_charts
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER
from appliance.models.surveys import AUDIENCES
from appliance.services import surveys
from appliance.services.errors import ServiceError
from webui.auth import role_required
from webui.dates import school_today
from webui.messages import text_of

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
STAFF = (ADMIN, TEACHER)


@bp.get("/")
@role_required(STUDENT, PARENT, ADMIN, TEACHER)
def index():
    if current_user.role in STAFF:
        listed = surveys.all_surveys(current_user.school)
        readable = {s.id for s in listed if surveys.can_read_results(current_user.model, s)}
        return render_template("surveys/manage.html", surveys=listed, readable=readable,
                               definitions=surveys.definitions(g.settings.data_dir), audiences=AUDIENCES,
                               today=school_today(), values={}, error=None)
    return render_template("surveys/index.html", open=surveys.open_for(current_user.model, school_today()))


@bp.post("/")
@role_required(ADMIN)
def create():
    try:
        surveys.create(current_user.school, current_user.model, g.settings.data_dir, request.form)
    except ServiceError as exc:
        listed = surveys.all_surveys(current_user.school)
        return render_template("surveys/manage.html", surveys=listed, readable={s.id for s in listed},
                               definitions=surveys.definitions(g.settings.data_dir), audiences=AUDIENCES,
                               today=school_today(), values=request.form, error=text_of(exc.message)), exc.status
    flash(_("Опрос запущен."), "success")
    return redirect(url_for("surveys.index"))


@bp.route("/<survey_id>", methods=["GET", "POST"])
@role_required(STUDENT, PARENT)
def answer(survey_id: str):
    survey = surveys.get(current_user.school, survey_id)
    definition = surveys.definition(g.settings.data_dir, survey.questionnaire)
    questions = definition.answer_specs(current_user.role)
    error, status = None, 200
    if request.method == "POST":
        try:
            surveys.answer(current_user.model, survey_id, g.settings.data_dir, request.form, school_today())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("Спасибо! Ваши ответы сохранены."), "success")
            return redirect(url_for("surveys.index"))
    return render_template("surveys/answer.html", survey=survey, definition=definition, questions=questions,
                           error=error, values=request.form), status


@bp.get("/<survey_id>/results")
@role_required(*STAFF)
def results(survey_id: str):
    survey = surveys.get(current_user.school, survey_id)
    found, total = surveys.results(survey, g.settings.data_dir, current_user.model, school_today())
    return render_template("surveys/results.html", survey=survey, results=found, total=total,
                           waiting=surveys.waiting(survey))


@bp.get("/<survey_id>/chart/<question_id>.svg")
@role_required(*STAFF)
def chart(survey_id: str, question_id: str):
    survey = surveys.get(current_user.school, survey_id)
    found, _total = surveys.results(survey, g.settings.data_dir, current_user.model, school_today())
    question = next((r for r in found if r.question["id"] == question_id and r.counts), None)
    if question is None:
        abort(404)
    # The question is the heading right above the picture: the chart needs no title of its own.
    svg = trajectory_charts.answers_chart("", question.counts)
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@bp.get("/<survey_id>/results.csv")
@role_required(*STAFF)
def results_csv(survey_id: str):
    survey = surveys.get(current_user.school, survey_id)
    body = surveys.results_csv(survey, g.settings.data_dir, current_user.model)
    name = quote(f"survey-{survey.opens_on.isoformat()}.csv")
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})
