"""The «Сервер» lines on the admin page and `okey status`, and the bad situations they report."""

from __future__ import annotations

import datetime
from pathlib import Path

from appliance import __version__
from appliance.models.audit import AuditLog
from appliance.models.operations import JobRun
from appliance.services import health
from tests.conftest import login, post_form, run_okey

GB = 1024 ** 3


def volume(total_gb: float, free_gb: float):
    return lambda path: health.Volume(Path(path), int(total_gb * GB), int(free_gb * GB))


def by_key(lines) -> dict[str, health.HealthLine]:
    return {line.key: line for line in lines}


def test_lines_show_version_uptime_disks_backup_sync_restore_test_and_journal(settings, db):
    settings.backup.targets = ["backups"]
    lines = by_key(health.health_lines(settings, disk=volume(100, 60), journal=lambda: []))
    assert str(lines["version"].text) == f"Версия программы: {__version__}."
    assert "Сервер работает" in str(lines["uptime"].text)
    assert lines["disk-data"].level == "ok" and "занято 40 %" in str(lines["disk-data"].text)
    assert "свободно 60,0 ГБ" in str(lines["disk-data"].text)
    assert lines["disk-backup:backups"].level == "ok"
    assert lines["backup"].level == "warn" and "okey backup run" in str(lines["backup"].action)
    assert "Пробного восстановления ещё не было" in str(lines["restore-test"].text)
    assert "Выгрузок в район ещё не было" in str(lines["sync"].text)
    assert lines["journal"].level == "ok" and "Ошибок портала за сутки в журнале нет" in str(lines["journal"].text)


def test_disk_over_80_percent_warns_with_what_to_do(settings, db):
    lines = by_key(health.health_lines(settings, disk=volume(100, 15), journal=lambda: None))
    assert lines["disk-data"].level == "warn"
    assert "занято 85 %" in str(lines["disk-data"].text)
    assert "больше чем на 80 %" in str(lines["disk-data"].action)


def test_journal_errors_are_shown_with_the_last_one(settings, db):
    errors = ["2026-05-01T10:00:00+0300 okey[12]: database error", "2026-05-01T11:00:00+0300 okey[12]: backup failed"]
    line = by_key(health.health_lines(settings, disk=volume(100, 60), journal=lambda: errors))["journal"]
    assert line.level == "warn" and "Ошибок портала за сутки: 2" in str(line.text) and "backup failed" in str(line.text)
    assert "journalctl -u okey" in str(line.action)


def test_last_backup_sync_and_restore_test_from_the_recorded_runs(settings, db):
    now = datetime.datetime(2026, 5, 2, 9, 0)
    JobRun.create(kind="backup", target="backups", started_at=now - datetime.timedelta(hours=7),
                  finished_at=now - datetime.timedelta(hours=7), ok=True)
    JobRun.create(kind="backup-restore-test", target="backups", started_at=now - datetime.timedelta(hours=6), ok=False,
                  error="hash mismatch")
    JobRun.create(kind="sync-export", started_at=now - datetime.timedelta(hours=5), ok=True)
    lines = by_key(health.health_lines(settings, now=now, disk=volume(100, 60), journal=lambda: []))
    assert lines["backup"].level == "ok" and "02.05.2026 02:00" in str(lines["backup"].text)
    assert lines["restore-test"].level == "error" and "не удалось" in str(lines["restore-test"].text)
    assert lines["sync"].level == "ok" and "02.05.2026 04:00" in str(lines["sync"].text)
    stale = by_key(health.health_lines(settings, now=now + datetime.timedelta(days=5), disk=volume(100, 60),
                                       journal=lambda: []))
    assert stale["backup"].level == "error" and "устарела" in str(stale["backup"].action)


# -- bad situations ----------------------------------------------------------------------------------

def test_backup_drive_missing_at_boot_is_said_plainly(settings, db):
    settings.backup.targets = ["usb:OKEY-BACKUP-NOT-HERE"]
    line = by_key(health.health_lines(settings, disk=volume(100, 60), journal=lambda: []))["disk-backup:usb:OKEY-BACKUP-NOT-HERE"]
    assert line.level == "error"
    assert str(line.text) == "Флешка «OKEY-BACKUP-NOT-HERE» не подключена или не смонтирована: копии туда не делаются."
    assert "sudo mount -a" in str(line.action)


def test_clock_behind_the_database_by_years_warns_the_admin(settings, db):
    AuditLog.create(action="login.ok", at=datetime.datetime(2026, 9, 1, 8, 0))
    line = by_key(health.health_lines(settings, now=datetime.datetime(2020, 1, 1), disk=volume(100, 60),
                                      journal=lambda: []))["clock"]
    assert line.level == "error" and "Часы сервера отстают" in str(line.text) and "timedatectl" in str(line.action)
    ahead = by_key(health.health_lines(settings, now=datetime.datetime(2040, 1, 1), disk=volume(100, 60),
                                       journal=lambda: []))["clock"]
    assert ahead.level == "error" and "ушли вперёд на годы" in str(ahead.text)
    # A good copy made last night is not reported as years old: its age cannot be judged.
    JobRun.create(kind="backup", target="backups", started_at=datetime.datetime(2026, 9, 1, 2, 30),
                  finished_at=datetime.datetime(2026, 9, 1, 2, 31), ok=True)
    ahead = by_key(health.health_lines(settings, now=datetime.datetime(2040, 1, 1), disk=volume(100, 60),
                                       journal=lambda: []))
    assert ahead["backup"].level == "warn" and "пока часы сервера неверны" in str(ahead["backup"].action)
    right = by_key(health.health_lines(settings, now=datetime.datetime(2026, 9, 2), disk=volume(100, 60),
                                       journal=lambda: []))["clock"]
    assert right.level == "ok"


def test_segment_interface_absent_says_why(settings, db, tmp_path):
    settings.segment.interface = "wlan9"
    interfaces = tmp_path / "net"
    interfaces.mkdir()
    line = by_key(health.health_lines(settings, disk=volume(100, 60), journal=lambda: [], interfaces=interfaces))["segment"]
    assert line.level == "error" and "wlan9" in str(line.text) and "только в сети школы" in str(line.text)
    (interfaces / "wlan9").mkdir()
    line = by_key(health.health_lines(settings, disk=volume(100, 60), journal=lambda: [], interfaces=interfaces))["segment"]
    assert line.level == "ok"


def test_full_data_disk_refuses_writes_and_keeps_serving_reads(client, demo, monkeypatch):
    login(client, "student1")
    assert client.get("/").status_code in (200, 302)
    monkeypatch.setattr(health, "read_volume", lambda path: health.Volume(Path(path), 10 * GB, 1024))
    page = client.get("/student/")
    assert page.status_code in (200, 302)
    refused = post_form(client, "/logout")
    assert refused.status_code in (200, 302)  # signing out still works
    login(client, "student1")
    refused = post_form(client, "/activities/tasks", {"title": "Прочитать главу"}, page="/activities/")
    assert refused.status_code == 507, refused.status_code
    assert "кончилось место" in refused.get_data(as_text=True)


def test_admin_page_shows_the_server_card(client, demo):
    login(client, "admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Сервер" in page and f"Версия программы: {__version__}." in page
    assert "Что делать:" in page


def test_okey_status_prints_the_lines(demo_data_dir):
    result = run_okey("status", data_dir=demo_data_dir, check=False)
    assert f"[в порядке] Версия программы: {__version__}." in result.stdout
    assert "Диск с данными" in result.stdout


def test_a_local_backup_directory_not_made_yet_is_measured_where_it_will_be(settings, db):
    settings.backup.targets = ["backups"]
    assert not (settings.data_dir / "backups").exists()
    line = by_key(health.health_lines(settings, journal=lambda: []))["disk-backup:backups"]
    assert "не удалось узнать" not in str(line.text) and "свободно" in str(line.text)
