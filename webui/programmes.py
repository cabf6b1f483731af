"""Programmes of additional education: students see them and ask to join; the programme's
teacher or the administration runs a programme and its list of students."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.models.people import ADMIN, STUDENT, TEACHER
from appliance.models.programmes import KINDS
from appliance.services import programmes, trials
from appliance.services import school as school_service
from appliance.services.errors import ServiceError
from appliance.services.lookup import parse_id
from webui.auth import role_required
from webui.messages import text_of

bp = Blueprint("programmes", __name__, url_prefix="/programmes")
STAFF = (ADMIN, TEACHER)


def _index(error=None, status=200):
    school = current_user.school
    listed = programmes.programmes(school, include_closed=current_user.role != STUDENT)
    if current_user.role == STUDENT:
        mine = {row.programme_id: row for row in programmes.of_student(current_user.model)}
        return render_template("programmes/index.html", programmes=listed, mine=mine, kinds=KINDS, error=error,
                               years_label=programmes.years_label,
                               competencies={p.id: programmes.competencies_of(p) for p in listed}), status
    manageable = {p.id for p in listed if programmes.can_manage(current_user.model, p)}
    return render_template("programmes/manage.html", programmes=listed, manageable=manageable, kinds=KINDS,
                           error=error), status


@bp.get("/")
@role_required(STUDENT, *STAFF)
def index():
    return _index()


@bp.post("/<programme_id>/request")
@role_required(STUDENT)
def request_place(programme_id: str):
    try:
        programmes.request(current_user.model, programme_id)
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _index(text_of(exc.message), exc.status)
    flash(_("Заявка отправлена: педагог скоро ответит."), "success")
    return redirect(url_for("programmes.index"))


def _form(programme=None, error=None, status=200, values=None):
    if values is None:
        values = {}
        if programme is not None:
            values = {name: getattr(programme, name) for name in ("title", "kind", "schedule", "place", "description")}
            values["teacher"] = programme.teacher_id.hex if programme.teacher_id else ""
            values["organisation"] = programme.organisation_id.hex if programme.organisation_id else ""
    chosen = ({str(parse_id(v)) for v in request.form.getlist("competency_ids")} if request.method == "POST"
              else {str(c.id) for c in programmes.competencies_of(programme)} if programme else set())
    school = current_user.school
    teachers = school_service.staff(school, TEACHER) if current_user.role == ADMIN else []
    students = school_service.pupils_by_class(school) if programme else []
    return render_template("programmes/form.html", programme=programme, values=values, error=error, chosen=chosen,
                           kinds=KINDS, teachers=teachers, organisations=trials.organisations(school),
                           competencies=trials.model_competencies(), students=students,
                           enrolments=programmes.enrolments_of_programme(programme) if programme else [],
                           years_label=programmes.years_label), status


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new():
    if request.method == "POST":
        try:
            programme = programmes.save(current_user.school, request.form, request.form.getlist("competency_ids"),
                                        current_user.model)
        except ServiceError as exc:
            return _form(None, text_of(exc.message), exc.status, request.form)
        flash(_("Программа добавлена."), "success")
        return redirect(url_for("programmes.edit", programme_id=programme.id.hex))
    return _form()


@bp.route("/<programme_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(programme_id: str):
    programme = programmes.managed(current_user.model, programme_id)
    if request.method == "POST":
        try:
            programmes.save(current_user.school, request.form, request.form.getlist("competency_ids"),
                            current_user.model, programme)
        except ServiceError as exc:
            return _form(programme, text_of(exc.message), exc.status, request.form)
        flash(_("Программа сохранена."), "success")
        return redirect(url_for("programmes.edit", programme_id=programme.id.hex))
    return _form(programme)


@bp.post("/<programme_id>/enrol")
@role_required(*STAFF)
def enrol(programme_id: str):
    programme = programmes.managed(current_user.model, programme_id)
    try:
        programmes.enrol(current_user.model, programme_id, request.form.get("student"))
    except ServiceError as exc:
        return _form(programme, text_of(exc.message), exc.status)
    flash(_("Ученик записан."), "success")
    return redirect(url_for("programmes.edit", programme_id=programme.id.hex))


@bp.post("/enrolment/<programme_enrolment_id>")
@role_required(*STAFF)
def decide(programme_enrolment_id: str):
    try:
        row = programmes.decide(current_user.model, programme_enrolment_id, request.form.get("action", ""))
    except ServiceError as exc:
        if exc.status == 404:
            raise
        row = programmes._managed_enrolment(current_user.model, programme_enrolment_id)
        return _form(row.programme, text_of(exc.message), exc.status)
    flash(_("Запись изменена."), "success")
    return redirect(url_for("programmes.edit", programme_id=row.programme_id.hex))


@bp.post("/<programme_id>/close")
@role_required(*STAFF)
def close(programme_id: str):
    programmes.close(current_user.model, programme_id)
    flash(_("Программа закрыта: у учеников она осталась в портфолио с годами занятий."), "success")
    return redirect(url_for("programmes.index"))
