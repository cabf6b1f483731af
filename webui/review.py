"""The teacher's side of the portfolio: achievements to confirm, the classes' portfolios and
the teacher's own contribution report."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents.portfolio_pdf import render_contribution
from appliance.i18n import N_
from appliance.models.people import TEACHER
from appliance.services import indicators, portfolio, terms, validation
from appliance.services import school as school_service
from webui.auth import role_required

bp = Blueprint("review", __name__, url_prefix="/review")


def _me():
    return current_user.model


@bp.get("/")
@role_required(TEACHER)
def queue():
    items = portfolio.review_queue(_me())
    return render_template("review/queue.html", items=items, statuses=portfolio.STATUS_TITLES,
                           evidence=portfolio.evidence_by_achievement(items))


@bp.post("/<achievement_id>/confirm")
@role_required(TEACHER)
def confirm(achievement_id: str):
    achievement = portfolio.visible(_me(), achievement_id)
    portfolio.confirm(_me(), achievement, request.form.get("comment", ""))
    flash(_("Достижение подтверждено: %(title)s.", title=achievement.title), "success")
    return redirect(url_for("review.queue"))


@bp.post("/<achievement_id>/return")
@role_required(TEACHER)
def return_achievement(achievement_id: str):
    achievement = portfolio.visible(_me(), achievement_id)
    portfolio.return_to_student(_me(), achievement, request.form.get("comment", ""))
    flash(_("Достижение возвращено ученику с комментарием."), "info")
    return redirect(url_for("review.queue"))


@bp.post("/bulk")
@role_required(TEACHER)
def bulk():
    done = portfolio.bulk_confirm(_me(), request.form.getlist("ids"))
    flash(_("Подтверждено достижений: %(n)d.", n=done), "success")
    return redirect(url_for("review.queue"))


@bp.get("/classes")
@role_required(TEACHER)
def classes():
    groups = school_service.teacher_classes(_me())
    chosen = request.args.get("class", "")
    current = next((g for g, _ in groups if g.id.hex == chosen), groups[0][0] if groups else None)
    rows = portfolio.class_overview(current, _me()) if current else []
    leads = any(lead for g, lead in groups if current and g.id == current.id)
    return render_template("review/classes.html", groups=groups, current=current, rows=rows, leads=leads)


def _year() -> int | None:
    return validation.query_year(request.args.get("year"), N_("Учебный год"))


@bp.get("/contribution")
@role_required(TEACHER)
def contribution():
    found = indicators.contribution(_me(), _year())
    return render_template("review/contribution.html", found=found, year_label=terms.school_year_label,
                           years=indicators.years_with_achievements(_me().school))


@bp.get("/contribution.<fmt>")
@role_required(TEACHER)
def contribution_file(fmt: str):
    found = indicators.contribution(_me(), _year())
    if fmt == "csv":
        response = Response(indicators.contribution_csv(found), mimetype="text/csv")
    elif fmt == "pdf":
        response = Response(render_contribution(found), mimetype="application/pdf")
    else:
        abort(404)
    response.headers["Content-Disposition"] = f'attachment; filename="contribution_{_me().login}.{fmt}"'
    return response
