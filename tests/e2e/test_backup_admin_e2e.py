"""The administrator opens the backups page of a running portal in Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer, browser_login, free_port, run_okey, screenshot

pytestmark = pytest.mark.e2e


def test_backups_page_after_a_good_and_a_failed_target(demo_data_dir, tmp_path, chromium):
    target = tmp_path / "copies"
    result = run_okey("backup", "run", "--target", str(target), "--target", "usb:OKEY-BACKUP-E2E",
                      data_dir=demo_data_dir, check=False)
    assert result.returncode == 1  # the USB drive is missing; the directory got its copy
    server = LiveServer(demo_data_dir, free_port())
    server.start()
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    try:
        page = context.new_page()
        browser_login(page, server.url, "admin")
        page.wait_for_url(f"{server.url}/admin/")
        card = page.locator("#backups")
        assert "Флешка с меткой «OKEY-BACKUP-E2E» не подключена." in card.inner_text()
        page.goto(f"{server.url}/admin/backups")
        text = page.locator("main").inner_text()
        assert f"Каталог {target}" in text and "успешно" in text and "Следующая копия" in text
        screenshot(page, "backup-admin-page")
    finally:
        context.close()
        server.stop()


def test_a_restored_data_directory_is_a_working_portal(demo_data_dir, tmp_path, chromium):
    target = tmp_path / "copies"
    run_okey("backup", "run", "--target", str(target), data_dir=demo_data_dir)
    (backup,) = target.glob("okey-*/*.backup")
    restored = tmp_path / "restored"
    run_okey("backup", "restore", str(backup), "--key", str(demo_data_dir / "keys" / "backup.key"), data_dir=restored)
    server = LiveServer(restored, free_port())
    server.start()
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    try:
        page = context.new_page()
        browser_login(page, server.url, "admin")
        page.wait_for_url(f"{server.url}/admin/")
        assert "демонстрация" in page.locator("h1").inner_text()
        assert "9В" in page.locator("main").inner_text()
        screenshot(page, "backup-restored-admin-home")
    finally:
        context.close()
        server.stop()
