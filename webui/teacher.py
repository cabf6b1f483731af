"""The teacher's pages: their classes and students."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, g, redirect, render_template, send_file, url_for
from flask_login import current_user

from appliance.documents import cards as cards_doc
from appliance.i18n import N_
from appliance.models.people import TEACHER, ClassGroup, User
from appliance.services import access, audit, class_export, enrolment, guidance, homes
from appliance.services import cards as cards_service
from appliance.services import school as school_service
from appliance.services.errors import NotFound
from appliance.services.lookup import get_or_404, parse_id
from webui import wording
from webui.auth import client_address, role_required
from webui.dates import school_today

bp = Blueprint("teacher", __name__, url_prefix="/teacher")


def _my_class(class_id: str) -> tuple[ClassGroup, bool]:
    for group, leads in school_service.teacher_classes(current_user.model):
        if group.id.hex == class_id.replace("-", ""):
            return group, leads
    abort(404)


@bp.get("/")
@role_required(TEACHER)
def home():
    mine = school_service.teacher_classes(current_user.model)
    summaries = school_service.class_summaries(current_user.school, [group for group, _ in mine])
    leads = {group.id for group, is_lead in mine if is_lead}
    return render_template("teacher/home.html", summaries=summaries, leads=leads,
                           now=homes.teacher_home(current_user.model, school_today()))


@bp.get("/class/<class_id>")
@role_required(TEACHER)
def class_page(class_id: str):
    group, leads = _my_class(class_id)
    students = school_service.students_of(group)
    parents = school_service.parents_of_students(students)
    return render_template("teacher/class.html", group=group, leads=leads, students=students, parents=parents,
                           waiting=enrolment.never_logged_in(group) if leads else [])


@bp.get("/student/<student_id>")
@role_required(TEACHER)
def student_page(student_id: str):
    student = access.student_for(current_user.model, student_id)
    return render_template("teacher/student.html", student=student, group=school_service.class_of(student),
                           parents=school_service.parents_of(student),
                           leads=access.is_class_teacher_of(current_user.model, student),
                           shared=guidance.shared_of(student))


@bp.post("/card/<user_id>")
@role_required(TEACHER)
def card(user_id: str):
    """A login card with a new one-time code for a student or parent of the teacher's own class."""
    user = get_or_404(User, User.id == parse_id(user_id), User.school == current_user.school,
                      message=N_("Ученик или родитель не найден среди Ваших классов."))
    issued = cards_service.issue_one(current_user.model, user, g.settings.security.activation_days)
    audit.record("cards.print", user=current_user.model, address=client_address(), detail=f"one={user.login}")
    pdf = cards_doc.render_cards(issued, g.settings)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote('card-' + user.login + '.pdf')}"})


def _led_class(class_id: str) -> ClassGroup:
    group, leads = _my_class(class_id)
    if not leads:
        abort(404)
    return group


@bp.get("/class/<class_id>/documents")
@role_required(TEACHER)
def class_documents_page(class_id: str):
    """The class's graduation documents: start the build, watch it (the page reloads itself while
    it runs), download the ZIP."""
    group = _led_class(class_id)
    build = class_export.status(g.settings, group)
    left = class_export.seconds_left(build) if build else None
    return render_template("teacher/documents.html", group=group, build=build,
                           count=len(school_service.students_of(group)), keep_hours=class_export.KEEP_HOURS,
                           remaining=None if left is None else wording.duration(left))


@bp.post("/class/<class_id>/documents")
@role_required(TEACHER)
def start_class_documents(class_id: str):
    group = _led_class(class_id)
    class_export.start(g.settings, group, current_user.model, address=client_address())
    return redirect(url_for("teacher.class_documents_page", class_id=group.id.hex), code=303)


@bp.get("/class/<class_id>/documents.zip")
@role_required(TEACHER)
def class_documents(class_id: str):
    """The finished ZIP of the teacher's own class: one PDF a student. Before it is ready (or after
    it was removed) the progress page says what to do."""
    group = _led_class(class_id)
    try:
        path = class_export.ready_file(g.settings, group)
    except NotFound:
        return redirect(url_for("teacher.class_documents_page", class_id=group.id.hex))
    audit.record("export", user=current_user.model, address=client_address(), detail=f"class documents {group.name}")
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=class_export.file_name(group), max_age=0)
