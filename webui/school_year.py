"""The administrator's school year: closing the year with a preview, one student's path (moved,
left, returned, graduated), the family's data archive and deletion on request, class lists export."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import family_archive
from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, PROFILES, STUDENT, TEACHER, Student, User
from appliance.services import enrolment, roster, years
from appliance.services import school as school_service
from appliance.services.errors import NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id
from webui.auth import client_address, role_required
from webui.messages import text_of

bp = Blueprint("year", __name__, url_prefix="/admin")


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def _year_page(error: str | None = None, status: int = 200):
    school = current_user.school
    plan = None
    try:
        plan = years.plan_rollover(school, g.settings.school.last_grade)
    except ServiceError as exc:
        error, status = error or text_of(exc.message), exc.status if status == 200 else status
    teachers = school_service.staff(school, TEACHER)
    return render_template("admin/year.html", plan=plan, error=error, teachers=teachers,
                           open_year=years.label(years.current_year(school)),
                           profile_classes=school_service.profile_classes(school), profiles=PROFILES,
                           history=years.label), status


@bp.get("/year")
@role_required(ADMIN)
def year_page():
    return _year_page()


@bp.post("/year/profiles")
@role_required(ADMIN)
def set_profiles():
    chosen = {key.removeprefix("profile_"): value for key, value in request.form.items() if key.startswith("profile_")}
    try:
        changed = school_service.set_profiles(current_user.school, chosen)
    except NotFound:
        raise  # a class of another school or grade: the error page, not the form
    except ServiceError as exc:
        return _year_page(text_of(exc.message), exc.status)
    flash(_("Профили классов сохранены (изменено: %(n)s).", n=changed), "success")
    return redirect(url_for("year.year_page") + "#profiles")


@bp.post("/year")
@role_required(ADMIN)
def rollover():
    try:
        from_year = int(request.form.get("from_year", ""))
        to_year = int(request.form.get("to_year", ""))
    except ValueError:
        return _year_page(_("Форма устарела: откройте страницу заново и проверьте список ещё раз."), 400)
    chosen = {key.removeprefix("teacher_"): value for key, value in request.form.items()
              if key.startswith("teacher_") and value}
    try:
        plan = years.rollover(current_user.school, g.settings.school.last_grade, to_year, from_year, chosen,
                              by=current_user.model, address=client_address())
    except ServiceError as exc:
        return _year_page(text_of(exc.message), exc.status)
    if plan.done:
        flash(_("Учебный год %(year)s уже открыт: ничего не изменено.", year=plan.to_label), "info")
    else:
        flash(_("Готово: открыт %(year)s учебный год. Переведено учеников: %(promoted)s, выпускников: %(graduated)s.",
                year=plan.to_label, promoted=plan.promoted, graduated=plan.graduating), "success")
    return redirect(url_for("year.year_page"))


@bp.get("/classes.csv")
@role_required(ADMIN)
def export_lists():
    class_name = request.args.get("class_name", "").strip()[:16] or None
    data = roster.export_roster(current_user.school, class_name)
    return Response(data, mimetype="text/csv",
                    headers=_attachment(f"classes-{class_name or 'all'}.csv"))


# -- one student ---------------------------------------------------------------------------------

def _student(user_id: str) -> User:
    return get_or_404(User, User.id == parse_id(user_id), User.school == current_user.school, User.role == STUDENT,
                      message=N_("Ученик не найден."))


def _student_page(student: User, error: str | None = None, status: int = 200):
    profile = Student.get_or_none(Student.user == student)
    return render_template("admin/student.html", student=student, profile=profile,
                           group=school_service.class_of(student), history=years.history(student),
                           classes=school_service.classes(current_user.school),
                           parents=school_service.parents_of(student), label=years.label, error=error,
                           access_until=enrolment.graduate_access_until(student,
                                                                        g.settings.school.graduate_access_days),
                           keep_days=g.settings.school.leaver_keep_days), status


@bp.get("/student/<user_id>")
@role_required(ADMIN)
def student_page(user_id: str):
    return _student_page(_student(user_id))


def _act(user_id: str, action, done: str):
    student = _student(user_id)
    try:
        action(student)
    except ServiceError as exc:
        return _student_page(student, text_of(exc.message), exc.status)
    flash(done, "success")
    return redirect(url_for("year.student_page", user_id=student.id.hex))


@bp.post("/student/<user_id>/move")
@role_required(ADMIN)
def move(user_id: str):
    class_name = request.form.get("class_name", "")
    return _act(user_id, lambda s: enrolment.move(s, class_name, by=current_user.model, address=client_address()),
                _("Ученик переведён в класс %(name)s.", name=class_name.strip()[:16]))


@bp.post("/student/<user_id>/leave")
@role_required(ADMIN)
def leave(user_id: str):
    return _act(user_id, lambda s: enrolment.leave(s, by=current_user.model, address=client_address()),
                _("Ученик выбыл: вход закрыт, данные хранятся до конца срока школы."))


@bp.post("/student/<user_id>/return")
@role_required(ADMIN)
def return_student(user_id: str):
    class_name = request.form.get("class_name", "")
    return _act(user_id, lambda s: enrolment.return_(s, class_name, by=current_user.model, address=client_address()),
                _("Ученик вернулся в школу: прежняя учётная запись открыта снова."))


@bp.post("/student/<user_id>/graduate")
@role_required(ADMIN)
def graduate(user_id: str):
    return _act(user_id, lambda s: enrolment.graduate(s, by=current_user.model, address=client_address()),
                _("Ученик выпущен: вход только для просмотра портфолио."))


@bp.get("/student/<user_id>/archive.zip")
@role_required(ADMIN)
def archive(user_id: str):
    from appliance.services import audit

    student = _student(user_id)
    data = family_archive.family_archive(g.settings, student)
    audit.record("export", user=current_user.model, address=client_address(), detail=f"family archive {student.login}")
    return Response(data, mimetype="application/zip", headers=_attachment(f"data-{student.login}.zip"))


@bp.post("/student/<user_id>/delete")
@role_required(ADMIN)
def delete(user_id: str):
    student = _student(user_id)
    if request.form.get("confirm_login", "").strip().lower() != student.login:
        return _student_page(student, _("Чтобы удалить ученика, впишите его логин «%(login)s» в поле подтверждения.",
                                        login=student.login), 400)
    enrolment.delete_person(student, by=current_user.model, address=client_address(), settings=g.settings)
    flash(_("Учётная запись и все данные ученика удалены; в журнале осталась запись об удалении."), "success")
    return redirect(url_for("admin.users"))


# -- one parent: deletion on request ---------------------------------------------------------------

def _parent_page(parent_id: str, error: str | None = None, status: int = 200):
    plan = enrolment.plan_parent_deletion(current_user.school, parent_id)
    return render_template("admin/parent.html", plan=plan, parent=plan.parent, error=error,
                           classes={child.id: school_service.class_of(child) for child in plan.children}), status


@bp.get("/parent/<parent_id>")
@role_required(ADMIN)
def parent_page(parent_id: str):
    return _parent_page(parent_id)


@bp.post("/parent/<parent_id>/delete")
@role_required(ADMIN)
def delete_parent(parent_id: str):
    try:
        plan = enrolment.delete_parent(current_user.school, parent_id, request.form.get("confirm_login", ""),
                                       request.form.get("consent_understood") == "1",
                                       by=current_user.model, address=client_address())
    except NotFound:
        raise  # a wrong id, or the same form sent twice: the parent is gone, the error page says so
    except ServiceError as exc:
        return _parent_page(parent_id, text_of(exc.message), exc.status)
    flash(_("Учётная запись родителя удалена; данные детей сохранены. В журнале осталась запись об удалении."),
          "success")
    if len(plan.children) == 1:
        return redirect(url_for("year.student_page", user_id=plan.children[0].id.hex))
    return redirect(url_for("admin.users", role=PARENT))
