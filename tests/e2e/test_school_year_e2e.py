"""1 September on a phone: the administrator closes the year from the preview; a student sees the
new class with last year's achievements labelled by last year's class; a graduate downloads the
graduation document; the class teacher prints a login card for one student."""

import pytest

from appliance.db import database
from appliance.models.people import GRADUATED, School, Student, User
from appliance.services import years
from tests.conftest import browser_login, data_dir_settings, open_migrated, screenshot

pytestmark = pytest.mark.e2e


def _read(data_dir, fn):
    open_migrated(data_dir_settings(data_dir))
    try:
        return fn()
    finally:
        database.close()


def _logout(page, url):
    page.click("header form.logout button")
    page.wait_for_url(f"{url}/login")


def test_one_september_on_a_phone(live_server, phone, tmp_path):
    page, url = phone, live_server.url
    old_year = _read(live_server.data_dir, lambda: School.get().current_year)

    browser_login(page, url, "admin")
    page.goto(f"{url}/admin/year")
    preview = page.locator("#rollover-preview").inner_text()
    assert "7Б" in preview and "8Б" in preview and "выпуск" in preview
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "year-rollover-preview")
    page.click("#rollover-confirm")
    page.wait_for_load_state()
    assert f"открыт {years.label(old_year + 1)} учебный год" in page.content()
    screenshot(page, "year-rollover-done")
    _logout(page, url)

    browser_login(page, url, "student1")
    assert page.locator("#my-class").inner_text() == "8Б"
    page.goto(f"{url}/portfolio/")
    assert f"7Б, {years.label(old_year)}" in page.content()
    screenshot(page, "year-student-after-rollover")
    _logout(page, url)

    graduate = _read(live_server.data_dir, lambda: User.select().join(Student, on=(Student.user == User.id))
                     .where((Student.status == GRADUATED) & User.password_hash.is_null(False)).first().login)
    browser_login(page, url, graduate)
    assert "Вы выпускник" in page.content()
    screenshot(page, "year-graduate-home")
    with page.expect_download() as info:
        page.click("#graduate a.button")
    assert info.value.suggested_filename.endswith(".pdf")
    _logout(page, url)

    student_id = _read(live_server.data_dir, lambda: User.get(User.login == "student1").id.hex)
    browser_login(page, url, "teacher1")
    page.goto(f"{url}/teacher/student/{student_id}")
    screenshot(page, "year-teacher-student")
    with page.expect_download() as info:
        page.click("#student-card")
    card = tmp_path / "card.pdf"
    info.value.save_as(card)
    assert card.read_bytes().startswith(b"%PDF")
