"""The school administrator's pages: the school at a glance, accounts, imports, cards."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import cards as cards_doc
from appliance.i18n import N_
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, User
from appliance.services import accounts, audit, roster, sync_state
from appliance.services import backups as backup_service
from appliance.services import cards as cards_service
from appliance.services import health as server_health
from appliance.services import school as school_service
from appliance.services import segment as segment_service
from appliance.services.errors import ImportRejected, ServiceError
from appliance.services.lookup import get_or_404, parse_id
from appliance.targets import target_title
from webui import downloads
from webui.auth import client_address, role_required
from webui.messages import text_of

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required(ADMIN)
def home():
    school = current_user.school
    return render_template("admin/home.html", school=school, counts=school_service.role_counts(school),
                           summaries=school_service.class_summaries(school),
                           segment=segment_service.segment_status(g.settings),
                           backups=backup_service.backup_status(g.settings),
                           sync=sync_state.status(), health=server_health.health_lines(g.settings),
                           alarms=audit.alarms(), action_names=audit.ACTIONS)


@bp.get("/users")
@role_required(ADMIN)
def users():
    text, role = request.args.get("q", "").strip(), request.args.get("role", "")
    found = school_service.search_users(current_user.school, text, role if role in (STUDENT, TEACHER, PARENT, ADMIN) else "")
    return render_template("admin/users.html", users=found, q=text, role=role)


@bp.post("/users/<user_id>/reset")
@role_required(ADMIN)
def reset_password(user_id: str):
    user = get_or_404(User, User.id == parse_id(user_id), User.school == current_user.school,
                      message=N_("Пользователь не найден."))
    code = accounts.reset_password(user, by=current_user.model, days=g.settings.security.activation_days,
                                   address=client_address())
    return render_template("admin/reset_done.html", user=user, code=code,
                           activate_url=cards_doc.activation_url(g.settings, code))


@bp.get("/import/template-<encoding>.csv")
@role_required(ADMIN)
def import_template(encoding: str):
    return downloads.csv_template(roster.TEMPLATE, encoding, "шаблон-списки-классов")


@bp.route("/import", methods=["GET", "POST"])
@role_required(ADMIN)
def import_users():
    result, error, rows, status, preview = None, None, [], 200, None
    if request.method == "POST":
        upload = request.files.get("file")
        role = request.form.get("role") or None
        if role not in (None, STUDENT, TEACHER, PARENT, ADMIN):
            role = None
        if upload is None or not upload.filename:
            error, status = _("Выберите файл CSV со списком."), 400
        else:
            try:
                if request.form.get("preview") == "1":
                    preview, problems = roster.preview_roster(upload.read(), current_user.school, role)
                    rows = [(row.line, text_of(row.message)) for row in problems]
                else:
                    result = roster.import_roster(upload.read(), current_user.school, role, by=current_user.model,
                                                  address=client_address())
            except ImportRejected as exc:
                error, status = text_of(exc.message), exc.status
                rows = [(row.line, text_of(row.message)) for row in exc.rows]
            except ServiceError as exc:
                error, status = text_of(exc.message), exc.status
    return render_template("admin/import.html", result=result, error=error, rows=rows, preview=preview,
                           status_names={code: _(name) for code, name in roster.STATUS_NAMES.items()}), status


@bp.post("/cards")
@role_required(ADMIN)
def cards():
    class_name = request.form.get("class_name") or None
    role = request.form.get("role", STUDENT)
    if role not in (STUDENT, PARENT, TEACHER):
        role = STUDENT
    issued = cards_service.issue_cards(class_name, role, request.form.get("reissue") == "1",
                                       g.settings.security.activation_days)
    if not issued.cards:
        flash(_("Карточки не нужны: все в этом списке уже вошли в портал. Чтобы выдать новые коды, отметьте «Выдать коды всем»."), "info")
        return redirect(url_for("admin.home"))
    audit.record("cards.print", user=current_user.model, address=client_address(),
                 detail=f"class={class_name or '*'} role={role} count={len(issued.cards)}")
    pdf = cards_doc.render_cards(issued, g.settings)
    name = f"cards-{class_name or 'all'}-{role}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@bp.get("/audit")
@role_required(ADMIN)
def audit_log():
    action = request.args.get("action", "")
    return render_template("admin/audit.html", entries=audit.recent(300, action or None), action=action,
                           actions={code: _(label) for code, label in audit.ACTIONS.items()},
                           keep_days=g.settings.security.audit_keep_days)


OS_NAMES = {"android": "Android", "apple": "iOS, iPadOS, macOS", "windows": "Windows", "firefox": "Firefox",
            "linux": "Linux (NetworkManager)"}


@bp.get("/segment")
@role_required(ADMIN)
def segment():
    """The open Wi-Fi segment: leases now, devices that opened the portal, probes by OS."""
    status = segment_service.segment_status(g.settings)
    today = {row.os: row for row in status.probes_today}
    probe_rows = [(OS_NAMES.get(row.os, row.os), today.get(row.os, segment_service.ProbeRow(row.os)), row)
                  for row in status.probes_week]
    return render_template("admin/segment.html", segment=status, probe_rows=probe_rows,
                           accept_hours=g.settings.segment.accept_hours)


@bp.context_processor
def backup_helpers() -> dict:
    return {"text_of": text_of, "human_size": backup_service.human_size, "age_text": backup_service.age_text,
            "target_title": target_title}


@bp.get("/backups")
@role_required(ADMIN)
def backups():
    """Backups: the state of every target and the recent runs."""
    return render_template("admin/backups.html", backups=backup_service.backup_status(g.settings),
                           runs=backup_service.history(100))
