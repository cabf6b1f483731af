"""The audit log: logins, failed logins, password changes and resets, exports, backups and
restores are recorded, the administrator reads them on the admin page, and the housekeeping
job drops what is older than the configured time."""

from __future__ import annotations

import datetime

import apsw

from appliance.models.audit import AuditLog
from appliance.models.base import utcnow
from appliance.models.people import User
from tests.conftest import DEMO_PASSWORD, csrf_token, login, post_form, run_okey


def _actions() -> list[str]:
    return [entry.action for entry in AuditLog.select().order_by(AuditLog.id)]


def test_the_administrator_reads_logins_resets_and_exports(app, demo):
    student, admin = app.test_client(), app.test_client()
    bad = student.post("/login", data={"login": "student1", "password": "wrong-password",
                                       "csrf_token": csrf_token(student)})
    assert bad.status_code == 401
    login(student, "student1")
    me = User.get(User.login == "student1")
    assert student.get(f"/portfolio/student/{me.id.hex}/portfolio.json").status_code == 200
    new = "student-new-pass-1"
    assert post_form(student, "/password", {"current": DEMO_PASSWORD, "password": new, "repeat": new}).status_code == 302
    assert post_form(student, "/logout", page="/student/").status_code == 302
    login(admin, "admin")
    assert post_form(admin, f"/admin/users/{me.id.hex}/reset", page="/admin/users").status_code == 200
    assert admin.get("/indicators/indicators.csv").status_code == 200

    actions = _actions()
    for action in ("login.failed", "login.ok", "export", "account.change_password", "logout",
                   "account.reset_password"):
        assert action in actions, f"{action} not recorded: {actions}"
    exports = [e.detail for e in AuditLog.select().where(AuditLog.action == "export")]
    assert any("portfolio.json_export" in d for d in exports) and any("indicators.export_csv" in d for d in exports)

    page = admin.get("/admin/audit").get_data(as_text=True)
    for label in ("Неудачный вход", "Вход", "Выгрузка данных", "Смена пароля", "Сброс пароля администратором",
                  "Записи хранятся 365 дней"):
        assert label in page
    only_failed = admin.get("/admin/audit?action=login.failed").get_data(as_text=True)
    assert "Неудачный вход" in only_failed and "portfolio.json_export" not in only_failed


def test_the_audit_page_is_for_the_administrator_only(app, demo):
    for who in ("student1", "teacher1", "parent1"):
        client = app.test_client()
        login(client, who)
        assert client.get("/admin/audit").status_code == 403


def test_housekeeping_drops_entries_older_than_the_configured_time(settings, demo):
    from appliance.scheduler import build_scheduler

    settings.security.audit_keep_days = 30
    old = AuditLog.create(action="login.ok", actor="student1", at=utcnow() - datetime.timedelta(days=31))
    kept = AuditLog.create(action="login.ok", actor="student1", at=utcnow() - datetime.timedelta(days=29))
    scheduler = build_scheduler(settings)
    scheduler.get_job("housekeeping").func()
    assert AuditLog.get_or_none(AuditLog.id == old.id) is None
    assert AuditLog.get_or_none(AuditLog.id == kept.id) is not None


def _audit_of(data_dir) -> list[tuple[str, str]]:
    connection = apsw.Connection(str(data_dir / "okey.db"), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return list(connection.execute("SELECT action, detail FROM audit_log ORDER BY id"))
    finally:
        connection.close()


def test_backups_and_restores_are_recorded(demo_data_dir, tmp_path):
    target = tmp_path / "copies"
    run_okey("backup", "run", "--target", str(target), data_dir=demo_data_dir)
    made = [(action, detail) for action, detail in _audit_of(demo_data_dir) if action == "backup.ok"]
    assert made and str(target) in made[0][1]
    backup = sorted(target.glob("okey-*/*.backup"))[-1]
    restored = tmp_path / "restored"
    run_okey("backup", "restore", str(backup), "--key", str(demo_data_dir / "keys" / "backup.key"), data_dir=restored)
    assert any(action == "backup.restore" for action, _ in _audit_of(restored))
