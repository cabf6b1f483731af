"""Notifications: the list with pages, opening one (or learning it was deleted), mark as read, and
which kinds a person does not want."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER
from appliance.services import notifications as notes
from appliance.services import validation
from appliance.services.errors import ServiceError
from webui.auth import role_required
from webui.links import url_of

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
EVERYONE = (STUDENT, TEACHER, PARENT, ADMIN)


def title_of(note) -> str:
    """The heading of a notification; a group says how many it holds, in agreement with the number."""
    count = note.count or 1
    if count > 1:
        groups = {
            notes.CONFIRMED: lambda: ngettext("%(num)d достижение подтверждено", "%(num)d достижения подтверждены",
                                              count),
            notes.RETURNED: lambda: ngettext("%(num)d достижение возвращено", "%(num)d достижения возвращены",
                                             count),
            notes.WAITING: lambda: ngettext("%(num)d достижение ждёт проверки", "%(num)d достижения ждут проверки",
                                            count),
            notes.COMMENT: lambda: ngettext("%(num)d новый комментарий", "%(num)d новых комментария", count),
            notes.BACKUP_FAILED: lambda: ngettext("Резервная копия не сделана: %(num)d попытка",
                                                  "Резервная копия не сделана: %(num)d попытки", count),
            notes.SYNC_FAILED: lambda: ngettext("Выгрузка в район не удалась: %(num)d попытка",
                                                "Выгрузка в район не удалась: %(num)d попытки", count),
        }
        if note.kind in groups:
            return groups[note.kind]()
    return _(note.title)


def context() -> dict:
    """The bell in the header: the unread count, on every page of a signed-in person."""
    if not current_user.is_authenticated or current_user.role not in EVERYONE:
        return {}
    return {"unread_notes": notes.unread_count(current_user.model)}


def _page() -> int:
    raw = request.args.get("page", "")
    if not raw.strip():
        return 1
    try:
        return validation.integer(raw, _("Страница"), 1, 1_000_000)
    except validation.Invalid as exc:
        exc.status = 400
        raise


@bp.get("/")
@role_required(*EVERYONE)
def index():
    rows, pages = notes.page_of(current_user.model, _page())
    page = min(_page(), pages)
    return render_template("notifications/index.html", notes=rows, page=page, pages=pages, title_of=title_of)


@bp.get("/<note_id>")
@role_required(*EVERYONE)
def open_note(note_id: str):
    """Marks it read and opens what it is about; a deleted object is said to be deleted."""
    note = notes.mark_read(current_user.model, note_id)
    target = notes.target_of(note)
    href = url_of(target) if target is not None else ""
    if href:
        return redirect(href)
    return render_template("notifications/gone.html", note=note, title_of=title_of,
                           had_link=bool(note.link)), 410 if note.link else 200


@bp.post("/<note_id>/read")
@role_required(*EVERYONE)
def read(note_id: str):
    notes.mark_read(current_user.model, note_id)
    return redirect(url_for("notifications.index", page=request.form.get("page", "1")))


@bp.post("/read")
@role_required(*EVERYONE)
def read_all():
    count = notes.mark_all_read(current_user.model)
    if count:
        flash(_("Все уведомления прочитаны."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required(*EVERYONE)
def settings():
    me = current_user.model
    error = None
    status = 200
    if request.method == "POST":
        try:
            notes.set_muted(me, request.form.get("kind", ""), request.form.get("muted") == "1")
            flash(_("Сохранено."), "success")
            return redirect(url_for("notifications.settings"))
        except ServiceError as exc:
            error, status = exc.message, exc.status
    kinds = [(kind, notes.KIND_NAMES[kind], kind in notes.UNMUTABLE)
             for kind in notes.KINDS_OF_ROLE.get(me.role, ())]
    return render_template("notifications/settings.html", kinds=kinds, muted=notes.muted_kinds(me),
                           error=error), status
