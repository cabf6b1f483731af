"""The portfolio pages: the student's achievements, hobbies, competencies and reflection;
one student's portfolio for everyone allowed to see it; evidence files, charts and the
graduation document; a parent's consent."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from appliance.documents.charts import STUDENT_CHARTS, student_charts
from appliance.documents.portfolio_pdf import render_portfolio
from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER
from appliance.services import (
    access,
    catalogs,
    competencies,
    consent,
    kept,
    portfolio,
    reflection,
    remarks,
    terms,
    uploads,
    validation,
    volunteering,
)
from appliance.services import school as school_service
from appliance.services.errors import ServiceError
from appliance.services.portfolio_export import document
from webui.auth import after_consent, client_address, role_required, safe_path
from webui.dates import school_today
from webui.messages import text_of

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")

CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"
FIELDS = ("title", "date", "kind", "direction", "level", "result", "organizer", "description", "teacher",
          "teacher_role")


def _me():
    return current_user.model


def _form_fields() -> dict:
    fields = {name: request.form.get(name, "") for name in FIELDS}
    fields["in_document"] = request.form.get("in_document") == "1"
    return fields


def _files() -> list[tuple[str, bytes]]:
    return [(item.filename or "", item.read()) for item in request.files.getlist("files") if item.filename]


def _hex(value) -> str:
    return value.hex if value else ""


def _values(achievement, posted) -> dict:
    """What the form shows: what was just sent, or the achievement as stored, or a fresh form."""
    if posted:
        found = {name: posted.get(name, "") for name in FIELDS}
        found["in_document"] = posted.get("in_document") == "1"
        return found
    if achievement is None:
        return {**{name: "" for name in FIELDS}, "date": school_today().isoformat(), "in_document": True}
    return {"title": achievement.title, "date": achievement.date.isoformat(), "organizer": achievement.organizer,
            "description": achievement.description, "in_document": achievement.in_document,
            **{name: _hex(getattr(achievement, name + "_id"))
               for name in ("kind", "direction", "level", "result", "teacher", "teacher_role")}}


def _form_context(achievement=None, values=None) -> dict:
    me = _me()
    framework = competencies.active_framework()
    return {
        "achievement": achievement,
        "v": _values(achievement, values),
        "lists": catalogs.all_entries(),
        "teachers": portfolio.teachers_for(me),
        "framework": framework,
        "competency_list": competencies.competencies_of(framework, leaves_only=True),
        "linked": set(request.form.getlist("competencies")) if request.method == "POST"
        else set(portfolio.competency_ids_of(achievement) if achievement else []),
        "evidence": portfolio.evidence_of(achievement) if achievement else [],
        "max_mb": uploads.MAX_FILE_MB,
        "max_files": uploads.MAX_FILES,
        "earliest": portfolio.earliest_date(me),
    }


# -- the student's achievements ----------------------------------------------------------------
@bp.get("/")
@role_required(STUDENT)
def achievements():
    me = _me()
    filters = portfolio.Filters(school_year=validation.query_year(request.args.get("year"), N_("Учебный год")),
                                level=request.args.get("level", ""), direction=request.args.get("direction", ""),
                                result=request.args.get("result", ""), status=request.args.get("status", ""))
    return render_template("portfolio/achievements.html", items=portfolio.achievements_of(me, filters, viewer=me),
                           counts=portfolio.counts(me, me), filters=filters, lists=catalogs.all_entries(),
                           statuses=portfolio.STATUS_TITLES, year_label=terms.school_year_label)


@bp.route("/new", methods=["GET", "POST"])
@role_required(STUDENT)
def new():
    if request.method == "GET":
        return render_template("portfolio/form.html", **_form_context())
    try:
        achievement = portfolio.save_with_files(
            g.settings, _me(), files=_files(), competency_ids=request.form.getlist("competencies"),
            submit_now=request.form.get("action") == "submit", **_form_fields())
    except ServiceError as exc:
        return render_template("portfolio/form.html", error=text_of(exc.message),
                               **_form_context(values=request.form)), exc.status
    flash(_("Достижение отправлено на проверку.") if achievement.status == "submitted"
          else _("Черновик сохранён."), "success")
    return redirect(url_for("portfolio.detail", achievement_id=achievement.id.hex))


@bp.route("/a/<achievement_id>/edit", methods=["GET", "POST"])
@role_required(STUDENT)
def edit(achievement_id: str):
    achievement = portfolio.own(_me(), achievement_id)
    if request.method == "GET":
        return render_template("portfolio/form.html", **_form_context(achievement))
    was_confirmed = achievement.status == "confirmed"
    try:
        achievement = portfolio.save_with_files(
            g.settings, _me(), achievement, files=_files(), competency_ids=request.form.getlist("competencies"),
            submit_now=request.form.get("action") == "submit", **_form_fields())
    except ServiceError as exc:
        return render_template("portfolio/form.html", error=text_of(exc.message),
                               **_form_context(portfolio.get(achievement_id), request.form)), exc.status
    if was_confirmed and achievement.status == "submitted":
        flash(_("Изменения сохранены. Достижение снова отправлено педагогу на подтверждение."), "info")
    else:
        flash(_("Изменения сохранены."), "success")
    return redirect(url_for("portfolio.detail", achievement_id=achievement.id.hex))


@bp.post("/a/<achievement_id>/submit")
@role_required(STUDENT)
def submit(achievement_id: str):
    portfolio.submit(_me(), portfolio.own(_me(), achievement_id))
    flash(_("Достижение отправлено на проверку."), "success")
    return redirect(url_for("portfolio.detail", achievement_id=achievement_id))


@bp.post("/a/<achievement_id>/withdraw")
@role_required(STUDENT)
def withdraw(achievement_id: str):
    portfolio.withdraw(_me(), portfolio.own(_me(), achievement_id))
    flash(_("Достижение снова черновик: исправь его и отправь на проверку, когда будет готово."), "success")
    return redirect(url_for("portfolio.detail", achievement_id=achievement_id))


@bp.post("/a/<achievement_id>/delete")
@role_required(STUDENT)
def delete(achievement_id: str):
    portfolio.delete(g.settings, _me(), portfolio.own(_me(), achievement_id))
    flash(_("Достижение удалено."), "success")
    return redirect(url_for("portfolio.achievements"))


@bp.post("/evidence/<evidence_id>/delete")
@role_required(STUDENT)
def delete_evidence(evidence_id: str):
    achievement = portfolio.remove_evidence(g.settings, _me(), evidence_id)
    flash(_("Файл удалён."), "success")
    return redirect(url_for("portfolio.edit", achievement_id=achievement.id.hex))


@bp.get("/a/<achievement_id>")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def detail(achievement_id: str):
    achievement = portfolio.visible(_me(), achievement_id)
    return render_template("portfolio/detail.html", a=achievement, evidence=portfolio.evidence_of(achievement),
                           linked=competencies.linked(achievement), statuses=portfolio.STATUS_TITLES,
                           may_review=portfolio.may_review(_me(), achievement),
                           reflections=[r for r in achievement.reflections],
                           answers_of=reflection.answers_of, history=portfolio.history(achievement),
                           history_titles=portfolio.HISTORY_ACTIONS)


@bp.get("/evidence/<evidence_id>")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def evidence_file(evidence_id: str):
    row = portfolio.visible_evidence(_me(), evidence_id)
    path = uploads.file_path(g.settings, row.sha256)
    if not path.is_file():
        abort(404)
    # Pictures open in the page; a PDF is downloaded, never shown inside the portal's origin.
    inline = row.mime.startswith("image/") and request.args.get("download") != "1"
    response = send_file(path, mimetype=row.mime, as_attachment=not inline, download_name=row.original_name,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/evidence/<evidence_id>/preview")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def evidence_preview(evidence_id: str):
    row = portfolio.visible_evidence(_me(), evidence_id)
    path = uploads.preview_path(g.settings, row.sha256)
    if not row.has_preview or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/evidence/<evidence_id>/thumb")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def evidence_thumb(evidence_id: str):
    row = portfolio.visible_evidence(_me(), evidence_id)
    path = uploads.thumbnail(g.settings, row.sha256) if row.has_preview else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- hobbies -----------------------------------------------------------------------------------
@bp.route("/hobbies", methods=["GET", "POST"])
@role_required(STUDENT)
def hobbies():
    me = _me()
    error, status = None, 200
    if request.method == "POST":
        try:
            portfolio.save_hobby(me, request.form.get("hobby_id") or None, title=request.form.get("title", ""),
                                 direction=request.form.get("direction", ""),
                                 description=request.form.get("description", ""),
                                 since_year=request.form.get("since_year", ""))
            flash(_("Увлечение сохранено."), "success")
            return redirect(url_for("portfolio.hobbies"))
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
    return render_template("portfolio/hobbies.html", hobbies=portfolio.hobbies_of(me), error=error,
                           directions=catalogs.entries("direction"), values=request.form), status


@bp.post("/hobbies/<hobby_id>/delete")
@role_required(STUDENT)
def delete_hobby(hobby_id: str):
    portfolio.delete_hobby(_me(), hobby_id)
    flash(_("Увлечение удалено."), "success")
    return redirect(url_for("portfolio.hobbies"))


# -- competencies ------------------------------------------------------------------------------
@bp.route("/competencies", methods=["GET", "POST"])
@role_required(STUDENT)
def competencies_page():
    me = _me()
    framework = competencies.active_framework()
    error, status = None, 200
    if request.method == "POST":
        scores = {key[6:]: value for key, value in request.form.items() if key.startswith("score-")}
        reasons = {key[7:]: value for key, value in request.form.items() if key.startswith("reason-")}
        try:
            saved = competencies.self_assess_many(me, scores, reasons)
            flash(ngettext("Самооценка сохранена: %(num)d компетенция.", "Самооценка сохранена: %(num)d компетенций.",
                           saved), "success")
            return redirect(url_for("portfolio.competencies_page"))
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
    term = terms.term_of(school_today())
    current = {row.competency_id: row for row in competencies.history(me, framework)
               if (row.school_year, row.term) == (term.school_year, term.number)}
    return render_template("portfolio/competencies.html", framework=framework, term=term, current=current,
                           states=competencies.for_student(me, framework), error=error,
                           history=competencies.history(me, framework), me=me,
                           threads=remarks.threads_of(me, remarks.SELF_ASSESSMENT)), status


# -- reflection --------------------------------------------------------------------------------
@bp.route("/reflection", methods=["GET", "POST"])
@role_required(STUDENT)
def reflections():
    me = _me()
    error, status = None, 200
    if request.method == "POST":
        try:
            reflection.save(me, {stage: request.form.get(stage, "") for stage in reflection.STAGES},
                            achievement_id=request.form.get("achievement") or None,
                            in_document=request.form.get("in_document") == "1")
            flash(_("Запись рефлексии сохранена."), "success")
            return redirect(url_for("portfolio.reflections"))
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
    code = reflection.prompt_set_for(me)
    return render_template("portfolio/reflection.html", prompts=reflection.prompts(code), code=code,
                           items=reflection.reflections_of(me), answers_of=reflection.answers_of,
                           threads=remarks.threads_of(me, remarks.REFLECTION),
                           achievements=portfolio.achievements_of(me, viewer=me), error=error, values=request.form,
                           chosen=request.values.get("achievement", "")), status


@bp.post("/reflection/<reflection_id>/share")
@role_required(STUDENT)
def share_reflection(reflection_id: str):
    """Show a reflection to the class teacher or to the parents (or stop showing it)."""
    reflection.get(_me(), reflection_id)  # someone else's or no such: 404 before anything else
    who = request.form.get("with", "")
    on = request.form.get("on") == "1"
    if who not in ("teacher", "parents"):
        raise ServiceError(N_("Выбери, кому показать запись."), status=422)
    reflection.set_sharing(_me(), reflection_id, **{"teacher" if who == "teacher" else "parents": on})
    flash(_("Сохранено."), "success")
    return redirect(url_for("portfolio.reflections", _anchor=f"r-{reflection_id}"))


@bp.post("/remark")
@role_required(STUDENT)
def answer_remark():
    """The student answers a teacher's comment on a reflection or a self-assessment."""
    subject = request.form.get("subject", "")
    remarks.answer(_me(), subject, request.form.get("subject_id", ""), request.form.get("text", ""))
    flash(_("Ответ отправлен."), "success")
    page = "portfolio.reflections" if subject == remarks.REFLECTION else "portfolio.competencies_page"
    return redirect(url_for(page))


@bp.post("/reflection/<reflection_id>/delete")
@role_required(STUDENT)
def delete_reflection(reflection_id: str):
    reflection.delete(_me(), reflection_id)
    flash(_("Запись удалена."), "success")
    return redirect(url_for("portfolio.reflections"))


# -- one student's portfolio, for everyone allowed ---------------------------------------------
@bp.get("/me")
@role_required(STUDENT)
def my_overview():
    return redirect(url_for("portfolio.overview", student_id=_me().id.hex))


@bp.get("/student/<student_id>")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def overview(student_id: str):
    student = access.student_for(_me(), student_id)
    charts = student_charts(student)
    link = consent.link_of(_me(), student) if _me().role == PARENT else None
    return render_template("portfolio/overview.html", student=student, group=school_service.class_of(student),
                           items=portfolio.achievements_of(student, viewer=_me()), counts=portfolio.counts(student, _me()),
                           hobbies=portfolio.hobbies_of(student), charts=charts, statuses=portfolio.STATUS_TITLES,
                           link=link, has_consent=consent.has_consent(student),
                           volunteer_totals=volunteering.totals_by_year(student))


@bp.get("/student/<student_id>/chart/<kind>.svg")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def chart(student_id: str, kind: str):
    student = access.student_for(_me(), student_id)
    if kind not in STUDENT_CHARTS:
        abort(404)
    today = school_today()
    return svg_response(kept.value(("chart", student.id, kind, today),
                                   lambda: student_charts(student, today=today, only=(kind,))[kind].svg))


def svg_response(svg: str) -> Response:
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/student/<student_id>/portfolio.pdf")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def pdf(student_id: str):
    student = access.student_for(_me(), student_id)
    response = Response(render_portfolio(student), mimetype="application/pdf")
    response.headers["Content-Disposition"] = _attachment(f"portfolio_{student.login}.pdf")
    return response


@bp.get("/student/<student_id>/portfolio.json")
@role_required(STUDENT, TEACHER, PARENT, ADMIN)
def json_export(student_id: str):
    student = access.student_for(_me(), student_id)
    body = json.dumps(document(student), ensure_ascii=False, indent=1)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = _attachment(f"portfolio_{student.login}.json")
    return response


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'


# -- the parent's consent ----------------------------------------------------------------------
@bp.get("/family")
@role_required(PARENT)
def family():
    children = [(child, consent.link_of(_me(), child)) for child in school_service.children_of(_me())]
    return render_template("portfolio/family.html", children=children)


@bp.route("/student/<student_id>/consent", methods=["GET", "POST"])
@role_required(PARENT)
def consent_page(student_id: str):
    """The consent form for one child: give, refuse, or change an earlier choice. After the first
    login it comes before anything else (`auth.after_login`), one child after another; `first`
    marks that walk, which moves on to the next undecided child, then to where the parent was going."""
    student = access.student_for(_me(), student_id)
    first = request.values.get("first") == "1"
    if request.method == "POST":
        action = request.form.get("action", "")
        if action == "withdraw":
            consent.withdraw(_me(), student, client_address())
            flash(_("Согласие отозвано. Данные ребёнка не будут передаваться за пределы школы."), "info")
        elif action == "refuse":
            consent.refuse(_me(), student, client_address())
            flash(_("Отказ записан. Портфолио ребёнка остаётся только на школьном сервере; "
                    "дать согласие можно в любой момент."), "info")
        elif action == "give" and request.form.get("agree") == "1":
            consent.give(_me(), student, client_address())
            flash(_("Согласие записано. Спасибо!"), "success")
        else:
            return _consent_form(student, first, _("Отметьте, что Вы прочитали текст и согласны."), 422)
        if first:
            return redirect(after_consent(_me()))
        return redirect(url_for("portfolio.consent_page", student_id=student.id.hex))
    return _consent_form(student, first)


def _consent_form(student, first: bool, error: str | None = None, status: int = 200):
    me = _me()
    waiting = consent.undecided(me)
    return render_template("portfolio/consent.html", student=student, text=consent.consent_text(),
                           text_version=consent.CONSENT_VERSION, link=consent.link_of(me, student), error=error,
                           first=first, next_path=safe_path(request.values.get("next")),
                           others=[child for child in waiting if child.id != student.id]), status
