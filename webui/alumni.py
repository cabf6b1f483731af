"""The alumni club: the graduate's profile, events open to alumni, the directory for pupils and
staff, meeting requests, and the administration's moderation, invitations and numbers."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import cards as cards_doc
from appliance.i18n import N_
from appliance.models.alumni import CONTACTS_TO, HELP, MEETING_OPEN, MEETING_PURPOSES, MEETING_STATUSES, TEXT_STATUSES
from appliance.models.people import ADMIN, STUDENT, TEACHER, User
from appliance.services import alumni, audit, mentoring, validation, years
from appliance.services import cards as cards_service
from appliance.services.errors import ServiceError
from appliance.services.lookup import get_or_404, parse_id
from webui.auth import client_address, role_required
from webui.dates import school_today
from webui.forms import form_dict
from webui.messages import text_of

bp = Blueprint("alumni", __name__, url_prefix="/alumni")


def _shown(exc: ServiceError):
    """A refusal a form shows beside itself; 403 and 404 go to the error page."""
    if exc.status in (403, 404):
        raise exc
    return text_of(exc.message), exc.status


@bp.get("/")
@role_required(STUDENT, TEACHER, ADMIN)
def index():
    me = current_user.model
    if alumni.is_graduate(me) and alumni.profile_of(me) is None:
        return redirect(url_for("alumni.club"))
    helps = request.args.get("help", "")
    year = validation.query_year(request.args.get("year"), N_("Год выпуска"))
    return render_template("alumni/directory.html", entries=alumni.directory(me, helps, year), helps=HELP,
                           help=helps if helps in HELP else "", year=year, years=alumni.club_years(me.school),
                           graduate=alumni.is_graduate(me), pupil=alumni.is_pupil(me))


def _club(error=None, status=200, values=None):
    me = current_user.model
    found = alumni.profile_of(me)
    year, class_name = (found.graduation_year, found.class_name) if found else alumni.graduation_of(me)
    return render_template("alumni/club.html", profile=found, v=values or found, error=error, helps=HELP,
                           contacts_to=CONTACTS_TO, text_statuses=TEXT_STATUSES, year=year, class_name=class_name,
                           entry=alumni.entry_for(me, found) if found else None,
                           mentors=mentoring.is_registered_mentor(me)), status


@bp.get("/club")
@role_required(STUDENT)
def club():
    if not alumni.is_graduate(current_user.model):
        abort(404)
    return _club()


@bp.post("/club")
@role_required(STUDENT)
def club_save():
    try:
        joined = alumni.profile_of(current_user.model) is None
        alumni.save_profile(current_user.model, form_dict(), client_address())
    except ServiceError as exc:
        error, status = _shown(exc)
        return _club(error, status, request.form)
    flash(_("Добро пожаловать в клуб выпускников!") if joined else _("Профиль сохранён."), "success")
    return redirect(url_for("alumni.club"))


@bp.post("/club/leave")
@role_required(STUDENT)
def leave():
    alumni.leave(current_user.model, school_today(), client_address())
    flash(_("Вы вышли из клуба выпускников: Вашего профиля больше нет в каталоге."), "success")
    return redirect(url_for("student.home"))


@bp.get("/events")
@role_required(STUDENT)
def events():
    me = current_user.model
    return render_template("alumni/events.html", events=alumni.open_events(me, school_today()),
                           signed=alumni.signed_up(me), member=alumni.profile_of(me) is not None)


@bp.post("/events/<event_id>/signup")
@role_required(STUDENT)
def sign_up(event_id: str):
    alumni.sign_up(current_user.model, event_id, school_today())
    flash(_("Вы записаны. Ждём Вас в школе!"), "success")
    return redirect(url_for("alumni.events"))


@bp.post("/events/<event_id>/cancel")
@role_required(STUDENT)
def cancel_sign_up(event_id: str):
    alumni.cancel_sign_up(current_user.model, event_id, school_today())
    flash(_("Запись отменена."), "success")
    return redirect(url_for("alumni.events"))


def _profile_page(alumnus_id: str, error=None, status=200, values=None):
    me = current_user.model
    found = alumni.member(me, alumnus_id)
    return render_template("alumni/profile.html", entry=alumni.entry_for(me, found), helps=HELP,
                           purposes=MEETING_PURPOSES, pupil=alumni.is_pupil(me), error=error,
                           v=values or {}), status


@bp.get("/<alumnus_id>")
@role_required(STUDENT, TEACHER, ADMIN)
def profile(alumnus_id: str):
    return _profile_page(alumnus_id)


@bp.post("/<alumnus_id>/meet")
@role_required(STUDENT)
def meet(alumnus_id: str):
    try:
        alumni.ask_meeting(current_user.model, alumnus_id, form_dict(), school_today())
    except ServiceError as exc:
        error, status = _shown(exc)
        return _profile_page(alumnus_id, error, status, request.form)
    flash(_("Просьба отправлена. Классный руководитель или администрация договорятся с выпускником "
            "и напишут тебе."), "success")
    return redirect(url_for("alumni.meetings"))


def _meetings(error=None, status=200):
    me = current_user.model
    found = alumni.meetings_for(me)
    staff = alumni.is_staff(me)
    contacts = {}
    if staff:
        for meeting in found:
            profile = alumni.profile_of(meeting.alumnus)
            if profile is not None:
                contacts[meeting.alumnus_id] = alumni.entry_for(me, profile).contacts
    return render_template("alumni/meetings.html", meetings=found, statuses=MEETING_STATUSES,
                           purposes=MEETING_PURPOSES, staff=staff, graduate=alumni.is_graduate(me),
                           open_statuses=MEETING_OPEN, contacts=contacts, error=error), status


@bp.get("/meetings")
@role_required(STUDENT, TEACHER, ADMIN)
def meetings():
    return _meetings()


def _handled(action, meeting_id: str, done: str):
    try:
        action()
    except ServiceError as exc:
        error, status = _shown(exc)
        return _meetings(error, status)
    flash(done, "success")
    return redirect(url_for("alumni.meetings", _anchor=f"m-{meeting_id}"))


@bp.post("/meetings/<meeting_id>/take")
@role_required(TEACHER, ADMIN)
def take(meeting_id: str):
    return _handled(lambda: alumni.take(current_user.model, meeting_id), meeting_id,
                    _("Вы договариваетесь об этой встрече: контакты выпускника — в карточке."))


@bp.post("/meetings/<meeting_id>/arrange")
@role_required(TEACHER, ADMIN)
def arrange(meeting_id: str):
    return _handled(lambda: alumni.arrange(current_user.model, meeting_id, request.form.get("note", "")),
                    meeting_id, _("Встреча назначена: ученик и выпускник получили уведомление."))


@bp.post("/meetings/<meeting_id>/decline")
@role_required(TEACHER, ADMIN)
def decline(meeting_id: str):
    return _handled(lambda: alumni.decline(current_user.model, meeting_id, request.form.get("note", "")),
                    meeting_id, _("Ученик узнает, почему встреча не получится."))


@bp.post("/meetings/<meeting_id>/withdraw")
@role_required(STUDENT)
def withdraw(meeting_id: str):
    return _handled(lambda: alumni.withdraw(current_user.model, meeting_id), meeting_id, _("Просьба отозвана."))


def _manage(error=None, status=200, values=None, invitation=None):
    me = current_user.model
    year = years.current_year(me.school)
    return render_template("alumni/manage.html", numbers=alumni.numbers(me.school, year),
                           year_label=years.label(year), waiting=alumni.waiting_text(me), statuses=MEETING_STATUSES,
                           error=error, v=values or {}, invitation=invitation,
                           activation_url=cards_doc.activation_url(g.settings, invitation.code) if invitation else "",
                           entry_for=lambda p: alumni.entry_for(me, p)), status


@bp.get("/manage")
@role_required(ADMIN)
def manage():
    return _manage()


@bp.post("/manage/<alumnus_id>/approve")
@role_required(ADMIN)
def approve(alumnus_id: str):
    try:
        alumni.approve_text(current_user.model, alumnus_id)
    except ServiceError as exc:
        error, status = _shown(exc)
        return _manage(error, status)
    flash(_("Текст профиля одобрен: ученики его видят."), "success")
    return redirect(url_for("alumni.manage"))


@bp.post("/manage/<alumnus_id>/return")
@role_required(ADMIN)
def return_text(alumnus_id: str):
    try:
        alumni.return_text(current_user.model, alumnus_id, request.form.get("note", ""))
    except ServiceError as exc:
        error, status = _shown(exc)
        return _manage(error, status)
    flash(_("Текст возвращён выпускнику с Вашим комментарием."), "success")
    return redirect(url_for("alumni.manage"))


@bp.post("/manage/invite")
@role_required(ADMIN)
def invite():
    try:
        made = alumni.invite(current_user.model, form_dict(), g.settings.security.activation_days, client_address())
    except ServiceError as exc:
        error, status = _shown(exc)
        return _manage(error, status, request.form)
    return _manage(invitation=made)


@bp.post("/manage/<alumnus_id>/card")
@role_required(ADMIN)
def card(alumnus_id: str):
    """A login card with a new one-time code for an invited graduate (the earlier code stops working)."""
    user = get_or_404(User, User.id == parse_id(alumnus_id), User.school == current_user.school,
                      message=N_("Выпускник не найден."))
    if not alumni.is_graduate(user):
        abort(404)
    issued = cards_service.issue_one(current_user.model, user, g.settings.security.activation_days)
    audit.record("cards.print", user=current_user.model, address=client_address(), detail=f"alumnus={user.login}")
    pdf = cards_doc.render_cards(issued, g.settings)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote('card-' + user.login + '.pdf')}"})
