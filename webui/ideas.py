"""«Есть идея!»: the board of pupils' ideas, proposing, support, comments, the council's review,
the project and the school's numbers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.models.community import ACCEPTED, COMMUNITY_ROLES, COUNCIL, IDEA_STATUSES
from appliance.models.people import ADMIN, STUDENT, TEACHER
from appliance.services import enrolment, ideas, validation, years
from appliance.services import school as school_service
from appliance.services.errors import ServiceError
from webui.auth import role_required
from webui.dates import school_today
from webui.forms import form_dict
from webui.messages import text_of

bp = Blueprint("ideas", __name__, url_prefix="/ideas")
EVERYONE = (STUDENT, TEACHER, ADMIN)


@bp.get("/")
@role_required(*EVERYONE)
def board():
    me = current_user.model
    return render_template("community/ideas_board.html", board=ideas.board(current_user.school),
                           statuses=IDEA_STATUSES, is_council=ideas.has_role(me, COUNCIL),
                           may_propose=me.role == STUDENT and not enrolment.is_graduate(me))


def _form(error=None, status=200, values=None, idea=None):
    return render_template("community/idea_form.html", v=values or {}, error=error, idea=idea), status


@bp.route("/new", methods=["GET", "POST"])
@role_required(STUDENT)
def new():
    if request.method == "POST":
        try:
            idea = ideas.propose(current_user.model, form_dict())
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            return _form(text_of(exc.message), exc.status, request.form)
        flash(_("Идея опубликована. Расскажи о ней одноклассникам!"), "success")
        return redirect(url_for("ideas.detail", idea_id=idea.id.hex))
    return _form()


@bp.route("/<idea_id>/edit", methods=["GET", "POST"])
@role_required(STUDENT)
def edit(idea_id: str):
    idea = ideas.get(current_user.model, idea_id)
    if idea.author_id != current_user.model.id:
        return redirect(url_for("ideas.detail", idea_id=idea.id.hex))
    if request.method == "POST":
        try:
            ideas.revise(current_user.model, idea_id, form_dict())
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            return _form(text_of(exc.message), exc.status, request.form, idea)
        flash(_("Идея изменена и снова ждёт совета."), "success")
        return redirect(url_for("ideas.detail", idea_id=idea.id.hex))
    return _form(values={name: getattr(idea, name) for name in ("title", "problem", "idea", "needs", "helpers")},
                 idea=idea)


def _detail(idea, error=None, status=200):
    me = current_user.model
    return render_template(
        "community/idea.html", idea=idea, error=error, statuses=IDEA_STATUSES, supporters=ideas.supporters(idea),
        supported=ideas.supported_by(me, idea), comments=ideas.comments_of(idea), team=ideas.team_of(idea),
        may_review=ideas.may_review(me, idea), is_council=ideas.has_role(me, COUNCIL),
        may_finish=ideas.may_finish(me, idea), may_moderate=lambda c: ideas.may_moderate(me, c),
        teachers=school_service.staff(current_user.school, TEACHER) if ideas.may_review(me, idea) else [],
        pupils=school_service.pupils_by_class(current_user.school) if ideas.may_review(me, idea) else [],
        read_only=enrolment.is_graduate(me), year_and_class=years.year_and_class, ACCEPTED=ACCEPTED), status


@bp.get("/<idea_id>")
@role_required(*EVERYONE)
def detail(idea_id: str):
    return _detail(ideas.get(current_user.model, idea_id))


def _act(idea_id: str, action, done: str):
    idea = ideas.get(current_user.model, idea_id)
    try:
        action(idea)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _detail(ideas.get(current_user.model, idea_id), text_of(exc.message), exc.status)
    flash(done, "success")
    return redirect(url_for("ideas.detail", idea_id=idea.id.hex))


@bp.post("/<idea_id>/support")
@role_required(STUDENT)
def support(idea_id: str):
    if request.form.get("withdraw"):
        return _act(idea_id, lambda idea: ideas.withdraw_support(current_user.model, idea.id), _("Поддержка снята."))
    return _act(idea_id, lambda idea: ideas.support(current_user.model, idea.id), _("Твоя поддержка учтена."))


@bp.post("/<idea_id>/comment")
@role_required(STUDENT)
def comment(idea_id: str):
    return _act(idea_id, lambda idea: ideas.comment(current_user.model, idea.id, request.form.get("text", "")),
                _("Комментарий добавлен."))


@bp.post("/comment/<comment_id>/hide")
@role_required(TEACHER, ADMIN)
def hide(comment_id: str):
    target = ideas.moderated_comment(current_user.model, comment_id)
    try:
        ideas.hide_comment(current_user.model, comment_id, request.form.get("reason", ""))
    except ServiceError as exc:
        return _detail(target.idea, text_of(exc.message), exc.status)
    flash(_("Комментарий скрыт; автор видит причину."), "success")
    return redirect(url_for("ideas.detail", idea_id=target.idea_id.hex))


@bp.post("/<idea_id>/review")
@role_required(STUDENT)
def review(idea_id: str):
    form = form_dict()
    form["team"] = request.form.getlist("team")
    return _act(idea_id, lambda idea: ideas.review(current_user.model, idea.id, request.form.get("decision", ""),
                                                   form, school_today()), _("Решение совета записано; автор получил уведомление."))


@bp.post("/<idea_id>/finish")
@role_required(TEACHER, ADMIN)
def finish(idea_id: str):
    return _act(idea_id, lambda idea: ideas.finish(current_user.model, idea.id, school_today()),
                _("Проект завершён: у каждого в команде черновик достижения."))


@bp.get("/statistics")
@role_required(ADMIN)
def statistics():
    school = current_user.school
    year = validation.query_year(request.args.get("year"), _("Учебный год"))
    return render_template("community/ideas_statistics.html", found=ideas.numbers(school, year), year=year,
                           statuses=IDEA_STATUSES, year_label=years.label, current=years.current_year(school))


@bp.route("/roles", methods=["GET", "POST"])
@role_required(ADMIN)
def roles():
    school = current_user.school
    error, status = None, 200
    if request.method == "POST":
        try:
            ideas.set_role(school, request.form.get("user"), request.form.get("role", ""),
                           request.form.get("on") == "1", current_user.model)
            flash(_("Сохранено."), "success")
            return redirect(url_for("ideas.roles"))
        except ServiceError as exc:
            if exc.status == 403:
                raise
            error, status = text_of(exc.message), exc.status
    return render_template("community/roles.html", error=error, names=COMMUNITY_ROLES,
                           members={role: ideas.members_with(school, role) for role in COMMUNITY_ROLES},
                           pupils=school_service.pupils_by_class(school),
                           teachers=school_service.staff(school, TEACHER)), status
