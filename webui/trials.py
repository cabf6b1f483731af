"""Profession trials and the partners who run them: the catalogue and sign-up for students, the
parents' permission for off-site trials, the expert's one-time form, and the administration's
directory of organisations, trials, sessions and statistics."""

from __future__ import annotations

import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import charts
from appliance.models.people import ADMIN, PARENT, STUDENT
from appliance.models.trials import FIELDS, ORG_KINDS, WOULD_DO
from appliance.services import trials, validation, years
from appliance.services.errors import ServiceError
from appliance.services.lookup import parse_id
from webui.auth import role_required
from webui.dates import school_today
from webui.messages import text_of
from webui.portfolio import svg_response

bp = Blueprint("trials", __name__, url_prefix="/trials")


def _names() -> dict:
    return {"fields": FIELDS, "org_kinds": ORG_KINDS, "would_do": WOULD_DO,
            "year_label": years.label, "year_and_class": years.year_and_class}


# -- students -------------------------------------------------------------------------------------------

@bp.get("/")
@role_required(STUDENT)
def catalogue():
    today = school_today()
    try:
        after = validation.parse_date(request.args.get("after"))
    except ValueError:
        after = None
    items = trials.catalogue(current_user.school, today, field_code=request.args.get("field", ""),
                             org_id=request.args.get("org", ""), competency_id=request.args.get("competency", ""),
                             after=after, grade=trials.student_grade(current_user.model))
    return render_template("trials/catalogue.html", items=items, query=request.args,
                           organisations=trials.organisations(current_user.school),
                           competencies=trials.model_competencies(), **_names())


def _detail(trial, error=None, status=200, suggested=None):
    today = school_today()
    mine = {e.session_id: e for e in trials.enrolments_of(current_user.model)}
    return render_template("trials/detail.html", trial=trial, sessions=trials.sessions_of(trial, today),
                           competencies=trials.trial_competencies(trial), mine=mine, error=error,
                           suggested=suggested, grade=trials.student_grade(current_user.model), **_names()), status


@bp.get("/<trial_id>")
@role_required(STUDENT)
def detail(trial_id: str):
    return _detail(trials.get_trial(current_user.school, trial_id, published_only=True))


@bp.post("/session/<session_id>/sign-up")
@role_required(STUDENT)
def sign_up(session_id: str):
    try:
        enrolment = trials.sign_up(current_user.model, session_id, school_today())
    except ServiceError as exc:
        session = trials.get_session(current_user.school, session_id)
        if not session.trial.published:
            abort(404)
        suggested = trials.next_free(session.trial, school_today(), besides=session.id)
        return _detail(session.trial, text_of(exc.message), exc.status, suggested)
    if enrolment.status == trials.AWAITING_CONSENT:
        flash(_("Запись готова. Проба проходит вне школы: место за тобой, но нужно согласие родителя — "
                "попроси его открыть портал."), "success")
    else:
        flash(_("Запись на пробу готова: она уже в твоём календаре."), "success")
    return redirect(url_for("trials.mine"))


@bp.get("/mine")
@role_required(STUDENT)
def mine():
    return render_template("trials/mine.html", trace=trials.trace(current_user.model), today=school_today(),
                           **_names())


@bp.post("/enrolment/<enrolment_id>/cancel")
@role_required(STUDENT)
def cancel(enrolment_id: str):
    try:
        trials.cancel(current_user.model, enrolment_id, school_today())
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return render_template("trials/mine.html", trace=trials.trace(current_user.model), today=school_today(),
                               error=text_of(exc.message), **_names()), exc.status
    flash(_("Запись отменена."), "success")
    return redirect(url_for("trials.mine"))


@bp.route("/enrolment/<enrolment_id>/assess", methods=["GET", "POST"])
@role_required(STUDENT)
def assess(enrolment_id: str):
    enrolment = trials.my_enrolment(current_user.model, enrolment_id)
    trial = enrolment.session.trial
    error, status = None, 200
    if request.method == "POST":
        try:
            trials.self_assess(current_user.model, enrolment_id, request.form, school_today())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("Спасибо! Твоя оценка сохранена в портфолио."), "success")
            return redirect(url_for("trials.mine"))
    scores = trials.trace(current_user.model)
    entry = next(e for e in scores.entries if e.enrolment.id == enrolment.id)
    values = request.form if request.method == "POST" else {
        "liked": enrolment.liked, "why": enrolment.why, "would_do": enrolment.would_do}
    return render_template("trials/assess.html", enrolment=enrolment, trial=trial, entry=entry,
                           competencies=trials.trial_competencies(trial), values=values, error=error,
                           scale=trials._scale(), **_names()), status


# -- parents -------------------------------------------------------------------------------------------

@bp.get("/family")
@role_required(PARENT)
def family():
    return render_template("trials/family.html", enrolments=trials.children_enrolments(current_user.model),
                           **_names())


@bp.post("/enrolment/<enrolment_id>/consent")
@role_required(PARENT)
def consent(enrolment_id: str):
    allow = request.form.get("allow") == "1"
    try:
        trials.decide_consent(current_user.model, enrolment_id, allow)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return render_template("trials/family.html", enrolments=trials.children_enrolments(current_user.model),
                               error=text_of(exc.message), **_names()), exc.status
    flash(_("Спасибо: согласие записано.") if allow else _("Запись отменена."), "success")
    return redirect(url_for("trials.family"))


# -- the expert, without an account ------------------------------------------------------------------------

@bp.route("/expert/<token>", methods=["GET", "POST"])
def expert(token: str):
    try:
        link = trials.expert_link(token)
    except ServiceError as exc:
        return render_template("trials/expert_refused.html", message=text_of(exc.message)), exc.status
    enrolment = link.enrolment
    trial = enrolment.session.trial
    error, status = None, 200
    if request.method == "POST":
        try:
            trials.expert_assess(token, request.form)
        except ServiceError as exc:
            if exc.status == 410:
                return render_template("trials/expert_refused.html", message=text_of(exc.message)), exc.status
            error, status = text_of(exc.message), exc.status
        else:
            return render_template("trials/expert_done.html", trial=trial)
    return render_template("trials/expert.html", trial=trial, enrolment=enrolment, student=enrolment.student,
                           competencies=trials.trial_competencies(trial), scale=trials._scale(), error=error,
                           values=request.form, token=token), status


# -- the administration: trials ----------------------------------------------------------------------------

@bp.get("/manage")
@role_required(ADMIN)
def manage():
    items = trials.catalogue(current_user.school, datetime.date(2000, 1, 1), include_hidden=True)
    return render_template("trials/manage.html", items=items, **_names())


def _trial_form(trial=None, error=None, status=200, values=None):
    if values is None:
        values = {"grade_min": 7, "grade_max": 9, "off_site": True, "published": True}
        if trial is not None:
            values = {name: getattr(trial, name) for name in ("title", "field", "place", "off_site", "grade_min",
                                                                "grade_max", "description", "published")}
            values["organisation"] = trial.organisation_id.hex
    chosen = ({str(parse_id(v)) for v in request.form.getlist("competency_ids")} if request.method == "POST"
              else {str(c.id) for c in trials.trial_competencies(trial)} if trial else set())
    sessions = trials.sessions_of(trial) if trial else []
    enrolments = trials.enrolments_of_trial(trial) if trial else []
    return render_template("trials/trial_form.html", trial=trial, values=values, error=error, chosen=chosen,
                           organisations=trials.organisations(current_user.school),
                           competencies=trials.model_competencies(), sessions=sessions, enrolments=enrolments,
                           **_names()), status


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new_trial():
    if request.method == "POST":
        try:
            trial = trials.save_trial(current_user.school, request.form, request.form.getlist("competency_ids"),
                                      current_user.model)
        except ServiceError as exc:
            return _trial_form(None, text_of(exc.message), exc.status, request.form)
        flash(_("Проба добавлена. Теперь добавьте сеансы."), "success")
        return redirect(url_for("trials.edit_trial", trial_id=trial.id.hex))
    return _trial_form()


@bp.route("/manage/<trial_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def edit_trial(trial_id: str):
    trial = trials.get_trial(current_user.school, trial_id)
    if request.method == "POST":
        try:
            trials.save_trial(current_user.school, request.form, request.form.getlist("competency_ids"),
                              current_user.model, trial)
        except ServiceError as exc:
            return _trial_form(trial, text_of(exc.message), exc.status, request.form)
        flash(_("Проба сохранена."), "success")
        return redirect(url_for("trials.edit_trial", trial_id=trial.id.hex))
    return _trial_form(trial)


@bp.post("/manage/<trial_id>/sessions")
@role_required(ADMIN)
def add_session(trial_id: str):
    trial = trials.get_trial(current_user.school, trial_id)
    try:
        trials.add_session(trial, request.form)
    except ServiceError as exc:
        return _trial_form(trial, text_of(exc.message), exc.status)
    flash(_("Сеанс добавлен."), "success")
    return redirect(url_for("trials.edit_trial", trial_id=trial.id.hex))


@bp.post("/session/<session_id>/delete")
@role_required(ADMIN)
def delete_session(session_id: str):
    session = trials.get_session(current_user.school, session_id)
    try:
        trials.delete_session(current_user.school, session_id)
    except ServiceError as exc:
        return _trial_form(session.trial, text_of(exc.message), exc.status)
    flash(_("Сеанс удалён."), "success")
    return redirect(url_for("trials.edit_trial", trial_id=session.trial_id.hex))


@bp.post("/enrolment/<enrolment_id>/expert-link")
@role_required(ADMIN)
def expert_link(enrolment_id: str):
    try:
        link, token = trials.issue_expert_link(current_user.school, enrolment_id, current_user.model)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        enrolment = trials.staff_enrolment(current_user.school, enrolment_id)
        return _trial_form(enrolment.session.trial, text_of(exc.message), exc.status)
    return render_template("trials/expert_link.html", link=link, enrolment=link.enrolment,
                           url=url_for("trials.expert", token=token, _external=True))


@bp.post("/enrolment/<enrolment_id>/paper-consent")
@role_required(ADMIN)
def paper_consent(enrolment_id: str):
    try:
        enrolment = trials.record_paper_consent(current_user.school, enrolment_id, current_user.model)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        enrolment = trials.staff_enrolment(current_user.school, enrolment_id)
        return _trial_form(enrolment.session.trial, text_of(exc.message), exc.status)
    flash(_("Согласие родителя на бумаге записано."), "success")
    return redirect(url_for("trials.edit_trial", trial_id=enrolment.session.trial_id.hex))


# -- the administration: statistics --------------------------------------------------------------------------

def _year() -> int:
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else years.current_year(current_user.school)


def _charts(found: trials.Statistics) -> dict:
    return {
        "fields": charts.bar_chart(_("Популярность сфер"), [(r.name, r.enrolments) for r in found.fields],
                                   label=_("Записей")),
        "classes": charts.bar_chart(_("Доля учеников с пробой по классам, %"),
                                    [(r.name, r.share) for r in found.classes], label="%"),
    }


@bp.get("/statistics")
@role_required(ADMIN)
def statistics():
    found = trials.statistics(current_user.school, _year())
    return render_template("trials/statistics.html", stats=found, charts=_charts(found), **_names())


@bp.get("/statistics/chart/<name>.svg")
@role_required(ADMIN)
def statistics_chart(name: str):
    built = _charts(trials.statistics(current_user.school, _year()))
    if name not in built:
        abort(404)
    return svg_response(built[name].svg)


@bp.get("/statistics.csv")
@role_required(ADMIN)
def statistics_csv():
    found = trials.statistics(current_user.school, _year())
    return Response(trials.statistics_csv(found).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=trials-{found.year}.csv"})


# -- the administration: organisations -----------------------------------------------------------------------

@bp.route("/partners", methods=["GET", "POST"])
@role_required(ADMIN)
def partners():
    error, status = None, 200
    if request.method == "POST":
        try:
            trials.save_organisation(current_user.school, request.form)
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("Организация добавлена."), "success")
            return redirect(url_for("trials.partners"))
    return render_template("trials/partners.html", organisations=trials.organisations(current_user.school, True),
                           values=request.form, error=error, org=None, **_names()), status


@bp.route("/partners/<org_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def partner(org_id: str):
    org = trials.get_organisation(current_user.school, org_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            trials.save_organisation(current_user.school, request.form, org)
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("Организация сохранена."), "success")
            return redirect(url_for("trials.partners"))
    values = request.form if request.method == "POST" else org.__data__
    return render_template("trials/partner.html", org=org, values=values, error=error,
                           trial_count=org.trials.count(), **_names()), status


@bp.post("/partners/<org_id>/remove")
@role_required(ADMIN)
def remove_partner(org_id: str):
    outcome = trials.remove_organisation(current_user.school, org_id)
    if outcome == "archived":
        flash(_("У организации есть пробы или программы: она перенесена в архив, записи учеников сохранены."),
              "success")
    else:
        flash(_("Организация удалена."), "success")
    return redirect(url_for("trials.partners"))


@bp.post("/partners/<org_id>/restore")
@role_required(ADMIN)
def restore_partner(org_id: str):
    trials.restore_organisation(current_user.school, org_id)
    flash(_("Организация возвращена из архива."), "success")
    return redirect(url_for("trials.partners"))
