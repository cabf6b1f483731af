"""«Профориентация»: taking the questionnaires, results with a chart and a plain explanation,
history, sharing with the class teacher, and suggestions with their reasons."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import trajectory_charts
from appliance.models.people import PARENT, STUDENT, TEACHER
from appliance.services import calendar as cal
from appliance.services import guidance, recommendations
from appliance.services.errors import ServiceError
from webui.auth import role_required
from webui.dates import school_today
from webui.messages import text_of

bp = Blueprint("guidance", __name__, url_prefix="/guidance")


@bp.app_template_global()
def result_names(attempt) -> str:
    """The result of a test attempt in words (the names of its strongest scales), for any page that lists one."""
    return guidance.result_names(g.settings.data_dir, attempt.questionnaire, attempt.code)


@bp.app_template_global()
def test_title(attempt) -> str:
    found = guidance.available_by_code(g.settings.data_dir).get(attempt.questionnaire)
    return found.title if found else attempt.questionnaire


@bp.get("/")
@role_required(STUDENT)
def index():
    me = current_user.model
    questionnaires = guidance.available(g.settings.data_dir)
    return render_template("guidance/index.html", questionnaires=questionnaires, latest=guidance.latest(me),
                           history=guidance.history(me), titles={q.code: q.title for q in questionnaires},
                           suggestions=recommendations.recommend(me, school_today(), g.settings.data_dir, g.settings.recommendations),
                           level_names=cal.LEVEL_NAMES)


@bp.route("/take/<code>", methods=["GET", "POST"])
@role_required(STUDENT)
def take(code: str):
    questionnaire = guidance.questionnaire(g.settings.data_dir, code)
    error, status, answers = None, 200, {}
    if request.method == "POST":
        answers = {item["id"]: request.form.get(item["id"], "") for item in questionnaire.items}
        try:
            attempt = guidance.take(current_user.model, questionnaire, answers)
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            return redirect(url_for("guidance.result", attempt_id=attempt.id.hex))
    return render_template("guidance/take.html", q=questionnaire, error=error, answers=answers), status


def _previous(attempt) -> object | None:
    older = [a for a in guidance.history(attempt.student, attempt.questionnaire) if a.taken_at < attempt.taken_at]
    return older[0] if older else None


@bp.get("/result/<attempt_id>")
@role_required(STUDENT, TEACHER, PARENT)
def result(attempt_id: str):
    attempt = guidance.attempt_for(current_user.model, attempt_id)
    questionnaire = guidance.questionnaire(g.settings.data_dir, attempt.questionnaire)
    return render_template("guidance/result.html", attempt=attempt, q=questionnaire,
                           result=guidance.result_of(attempt, questionnaire), previous=_previous(attempt),
                           comments=list(attempt.comments), mine=attempt.student_id == current_user.id,
                           may_comment=current_user.role == TEACHER)


@bp.get("/result/<attempt_id>/chart.svg")
@role_required(STUDENT, TEACHER)
def chart(attempt_id: str):
    attempt = guidance.attempt_for(current_user.model, attempt_id)
    questionnaire = guidance.questionnaire(g.settings.data_dir, attempt.questionnaire)
    result = guidance.result_of(attempt, questionnaire)
    previous = _previous(attempt)
    earlier = None
    if previous is not None:
        old = json.loads(previous.scores)
        earlier = {questionnaire.scale(code)["name"]: value for code, value in old.items()
                   if any(s["code"] == code for s in questionnaire.scales)}
    maximum = {scale.code: scale.maximum for scale in result.scales}
    svg = trajectory_charts.scales_chart(questionnaire.title,
                                         [(s["name"], result.scores[s["code"]], maximum[s["code"]])
                                          for s in questionnaire.scales], earlier)
    # The picture's own styles are inline; it is shown as an image, so it runs nothing.
    return Response(svg, mimetype="image/svg+xml",
                    headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                             "Cache-Control": "no-store"})


@bp.post("/result/<attempt_id>/share")
@role_required(STUDENT)
def share(attempt_id: str):
    shared = request.form.get("shared") == "1"
    guidance.set_shared(current_user.model, attempt_id, shared)
    flash(_("Классный руководитель теперь видит этот результат.") if shared
          else _("Результат больше не виден классному руководителю."), "success")
    return redirect(url_for("guidance.result", attempt_id=attempt_id))


@bp.post("/result/<attempt_id>/share-parents")
@role_required(STUDENT)
def share_with_parents(attempt_id: str):
    shared = request.form.get("shared") == "1"
    guidance.set_shared_with_parents(current_user.model, attempt_id, shared)
    flash(_("Родители теперь видят этот результат.") if shared else _("Результат больше не виден родителям."),
          "success")
    return redirect(url_for("guidance.result", attempt_id=attempt_id))


@bp.post("/result/<attempt_id>/comment")
@role_required(TEACHER)
def comment(attempt_id: str):
    guidance.comment(current_user.model, attempt_id, request.form.get("text", ""))
    flash(_("Комментарий сохранён."), "success")
    return redirect(url_for("guidance.result", attempt_id=attempt_id))
