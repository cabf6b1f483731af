"""The calendar: month, week and list views (plain HTML, fine on a phone), an event's page
with «add to my plan», notifications, the secret iCalendar feed, and event management."""

from __future__ import annotations

import datetime
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER
from appliance.models.vocabulary import LEVELS
from appliance.services import alumni, calendar_ics, reminders, validation
from appliance.services import calendar as cal
from appliance.services import school as school_service
from appliance.services.errors import ImportRejected, ServiceError
from webui import downloads
from webui.auth import role_required
from webui.dates import school_today
from webui.forms import form_dict
from webui.messages import text_of

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
STAFF = (TEACHER, ADMIN)
PAGE = 50


def _month_arg() -> tuple[int, int]:
    found = validation.query_month(request.args.get("m"), N_("Месяц"))
    if found is None:
        today = school_today()
        return today.year, today.month
    return found


def shift_month(year: int, month: int, delta: int) -> str:
    index = year * 12 + month - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@bp.get("/")
@role_required(STUDENT, TEACHER, ADMIN, PARENT)
def month():
    if current_user.role == PARENT:
        return redirect(url_for("calendar.events"))
    year, month_ = _month_arg()
    weeks = cal.month_weeks(year, month_)
    items = cal.personal_items(current_user.model, weeks[0][0], weeks[-1][-1])
    return render_template("calendar/month.html", weeks=weeks, days=cal.by_day(items), month=month_, year=year,
                           first=datetime.date(year, month_, 1), today=school_today(),
                           prev=shift_month(year, month_, -1), next=shift_month(year, month_, 1),
                           items=[i for i in items if i.day.month == month_])


@bp.get("/week")
@role_required(STUDENT, TEACHER, ADMIN)
def week():
    day = validation.query_date(request.args.get("d"), N_("Неделя")) or school_today()
    start = day - datetime.timedelta(days=day.weekday())
    days = [start + datetime.timedelta(days=n) for n in range(7)]
    items = cal.by_day(cal.personal_items(current_user.model, days[0], days[-1]))
    return render_template("calendar/week.html", days=days, items=items, today=school_today(),
                           prev=(start - datetime.timedelta(days=7)).isoformat(),
                           next=(start + datetime.timedelta(days=7)).isoformat())


@bp.get("/events")
@role_required(STUDENT, TEACHER, ADMIN, PARENT)
def events():
    level, direction = request.args.get("level", ""), request.args.get("direction", "")
    shown = _page() * PAGE
    found = cal.upcoming(current_user.model, school_today(), level, direction, limit=shown + 1)
    planned = cal.planned_ids(current_user.model) if current_user.role == STUDENT else set()
    return render_template("calendar/events.html", events=found[:shown], more=len(found) > shown,
                           next_page=_page() + 1, planned=planned, level=level, direction=direction,
                           levels=LEVELS, level_names=cal.LEVEL_NAMES, directions=cal.DIRECTIONS,
                           kind_names=cal.KIND_NAMES, today=school_today())


def _page() -> int:
    """How many pages of a long list to show («показать ещё» adds one), at most 40."""
    try:
        return max(1, min(40, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


@bp.get("/event/<event_id>")
@role_required(STUDENT, TEACHER, ADMIN, PARENT)
def event(event_id: str):
    found = cal.visible_event(current_user.model, event_id)
    planned = current_user.role == STUDENT and found.id in cal.planned_ids(current_user.model)
    return render_template("calendar/event.html", event=found, planned=planned, level_names=cal.LEVEL_NAMES,
                           directions=cal.DIRECTIONS, kind_names=cal.KIND_NAMES, classes=cal.event_classes(found),
                           today=school_today(), changeable=cal.can_change_event(current_user.model, found),
                           alumni_signups=alumni.signups_of(found) if found.open_to_alumni and current_user.role in (
                               TEACHER, ADMIN) else [])


@bp.post("/event/<event_id>/plan")
@role_required(STUDENT)
def plan(event_id: str):
    found = cal.plan_event(current_user.model, event_id, reminders.clamp_days(request.form.get("remind_days", 3)))
    flash(_("Событие в твоём плане. Напомним заранее."), "success")
    if request.form.get("then") == "goal":
        return redirect(url_for("trajectory.new_goal", event=found.event.id.hex,
                                reason=request.form.get("reason", "")))
    return redirect(url_for("calendar.event", event_id=event_id))


@bp.post("/event/<event_id>/unplan")
@role_required(STUDENT)
def unplan(event_id: str):
    cal.unplan_event(current_user.model, event_id)
    flash(_("Событие убрано из плана."), "info")
    return redirect(url_for("calendar.event", event_id=event_id))


# -- notifications ------------------------------------------------------------------------------

@bp.get("/notifications")
@role_required(STUDENT, TEACHER, ADMIN, PARENT)
def notifications():
    """Reminders joined the one list of notifications; old bookmarks lead there."""
    return redirect(url_for("notifications.index"))


# -- the secret feed -------------------------------------------------------------------------------

@bp.get("/feed")
@role_required(STUDENT, TEACHER, ADMIN)
def feed_page():
    return render_template("calendar/feed.html", feed_token=cal.active_feed(current_user.model), token=None)


@bp.post("/feed")
@role_required(STUDENT, TEACHER, ADMIN)
def new_feed():
    token = cal.issue_feed_token(current_user.model)
    url = url_for("calendar.feed", token=token, _external=True)
    return render_template("calendar/feed.html", feed_token=cal.active_feed(current_user.model), token=token,
                           url=url, webcal=url.replace("http://", "webcal://", 1).replace("https://", "webcal://", 1))


@bp.post("/feed/revoke")
@role_required(STUDENT, TEACHER, ADMIN)
def revoke_feed():
    cal.revoke_feed_tokens(current_user.model)
    flash(_("Ссылка отозвана: календарь по ней больше не откроется."), "info")
    return redirect(url_for("calendar.feed_page"))


@bp.get("/feed/<token>.ics")
def feed(token: str):
    user = cal.user_for_feed(token)
    body = calendar_ics.feed_ics(user, school_today() - datetime.timedelta(days=31))
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "no-store",
                                                             "Content-Disposition": "inline; filename=okey.ics"})


# -- managing events (teachers and the administration) ------------------------------------------------

def _event_form(event=None, values=None, error=None, status=200):
    return render_template("calendar/event_form.html", event=event, values=values or {}, error=error,
                           levels=LEVELS, level_names=cal.LEVEL_NAMES, directions=cal.DIRECTIONS,
                           kind_names=cal.KIND_NAMES, classes=school_service.classes(current_user.school),
                           organisations=cal.organisations(current_user.school)), status


@bp.get("/manage")
@role_required(*STAFF)
def manage():
    show_past = request.args.get("past") == "1"
    found = cal.visible_query(current_user.model)
    if not show_past:
        found = found.where(cal.Event.ends_on >= school_today())
    shown = _page() * PAGE
    events = list(found.order_by(cal.Event.starts_on).limit(shown + 1))
    changeable = {e.id for e in events[:shown] if cal.can_change_event(current_user.model, e)}
    return render_template("calendar/manage.html", events=events[:shown], more=len(events) > shown,
                           changeable=changeable,
                           next_page=_page() + 1, level_names=cal.LEVEL_NAMES, directions=cal.DIRECTIONS,
                           show_past=show_past)


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_event():
    if request.method == "POST":
        data = form_dict()
        try:
            created = cal.save_event(current_user.school, cal.check_event(data), current_user.model)
        except ServiceError as exc:
            return _event_form(values=data, error=text_of(exc.message), status=exc.status)
        flash(_("Событие добавлено в календарь."), "success")
        return redirect(url_for("calendar.event", event_id=created.id.hex))
    return _event_form(values={"level": "school"})


@bp.route("/manage/<event_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_event(event_id: str):
    found = cal.editable_event(current_user.model, event_id)
    if request.method == "POST":
        data = form_dict()
        try:
            cal.save_event(current_user.school, cal.check_event(data), current_user.model, event=found)
        except ServiceError as exc:
            return _event_form(found, data, text_of(exc.message), exc.status)
        flash(_("Событие сохранено."), "success")
        return redirect(url_for("calendar.event", event_id=found.id.hex))
    values = {name: getattr(found, name) or "" for name in ("title", "level", "kind", "direction", "start_time",
                                                             "place", "url", "description")}
    values.update(starts_on=found.starts_on.isoformat(), ends_on=found.ends_on.isoformat(),
                  registration_deadline=found.registration_deadline.isoformat() if found.registration_deadline else "",
                  class_ids=[str(group.id) for group in cal.event_classes(found)], open_to_alumni=found.open_to_alumni,
                  volunteering=found.volunteering, volunteer_hours=f"{found.volunteer_hours:g}".replace(".", ",")
                  if found.volunteer_hours else "",
                  organisation=found.organisation_id.hex if found.organisation_id else "")
    return _event_form(found, values)


@bp.post("/manage/<event_id>/delete")
@role_required(*STAFF)
def delete_event(event_id: str):
    cal.delete_event(current_user.school, event_id, current_user.model)
    flash(_("Событие удалено."), "info")
    return redirect(url_for("calendar.manage"))


@bp.get("/manage/import/template-<encoding>.csv")
@role_required(*STAFF)
def import_template(encoding: str):
    return downloads.csv_template(cal.csv_template(school_today()), encoding, "шаблон-события")


@bp.route("/manage/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_events():
    error, rows, done, status = None, [], None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ServiceError(N_("Выберите файл .ics или .csv."), status=400)
            data = upload.read()
            if upload.filename.lower().endswith(".csv"):
                done = cal.import_csv(data, current_user.school, current_user.model)
            else:
                done = calendar_ics.import_ics(data, current_user.school, current_user.model,
                                               level=request.form.get("level", ""),
                                               direction=request.form.get("direction", ""))
        except ImportRejected as exc:
            error, status = text_of(exc.message), exc.status
            rows = [(row.line, text_of(row.message)) for row in exc.rows]
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
    return render_template("calendar/import.html", error=error, rows=rows, done=done, levels=LEVELS,
                           level_names=cal.LEVEL_NAMES, directions=cal.DIRECTIONS), status


@bp.get("/manage/export.ics")
@role_required(*STAFF)
def export_events():
    found = cal.visible_query(current_user.model).where(cal.Event.ends_on >= school_today() - datetime.timedelta(days=365))
    body = calendar_ics.events_ics(found.order_by(cal.Event.starts_on), current_user.school,
                                   current_user.school.name)
    name = quote("events.ics")
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


