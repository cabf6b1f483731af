"""The admin page shows the state of backups from the recorded runs."""

from __future__ import annotations

import datetime

from appliance.models.operations import JobRun
from backup.jobs import run_backups
from tests.backup_fixtures import school_fixture  # noqa: F401 - the fixture
from tests.conftest import login


def test_admin_sees_last_good_backup_size_age_next_run_and_the_error_in_russian(school, client, tmp_path):
    school.backup.targets = [str(tmp_path / "copies"), "usb:OKEY-BACKUP-NOT-HERE"]
    results = run_backups(school)
    assert [r.ok for r in results] == [True, False]
    login(client, "admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Резервные копии" in page
    assert f"Каталог {tmp_path / 'copies'}" in page
    assert "Флешка «OKEY-BACKUP-NOT-HERE»" in page
    assert "Флешка с меткой «OKEY-BACKUP-NOT-HERE» не подключена." in page
    assert "мин назад" in page and ("КБ" in page or "МБ" in page)
    assert "Следующая копия:" in page
    # The USB drive never had a good copy: the warning is up, and it names the fresh copy the table shows
    # rather than saying there is none (issue 20).
    assert "Нет свежей резервной копии" not in page
    assert f"Свежая копия есть: Каталог {tmp_path / 'copies'}, " in page
    assert "Флешка «OKEY-BACKUP-NOT-HERE» — проверьте ошибку ниже" in page

    history = client.get("/admin/backups").get_data(as_text=True)
    assert history.count("badge ok") >= 1 and "ошибка" in history
    assert "удалено старых копий" in history


def test_the_warning_goes_once_every_target_has_a_fresh_copy_and_returns_when_it_ages(school, client, tmp_path):
    school.backup.targets = [str(tmp_path / "copies")]
    run_backups(school)
    login(client, "admin")
    fresh = client.get("/admin/").get_data(as_text=True)
    assert "Нет свежей резервной копии" not in fresh and "Резервная копия свежая: Каталог" in fresh
    old = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(days=school.backup.max_age_days + 1)
    JobRun.update(finished_at=old, started_at=old).execute()
    page = client.get("/admin/").get_data(as_text=True)
    assert "Нет свежей резервной копии" in page and "дн. назад" in page


def test_only_the_administrator_sees_backups(school, client):
    login(client, "teacher1")
    assert client.get("/admin/backups").status_code == 403


def test_the_backup_card_in_english(school, client, tmp_path):
    from tests.conftest import post_form

    school.backup.targets = [str(tmp_path / "copies"), "usb:OKEY-BACKUP"]
    run_backups(school)
    login(client, "admin")
    post_form(client, "/language", {"lang": "en", "next": "/admin/backups"}, page="/admin/backups")
    page = client.get("/admin/backups").get_data(as_text=True)
    assert "Last good backup" in page and "USB drive «OKEY-BACKUP»" in page
    assert f"Directory {tmp_path / 'copies'}" in page and "min ago" in page and "Next backup:" in page
    assert "Резервные копии" not in page
