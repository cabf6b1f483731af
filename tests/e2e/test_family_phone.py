"""On a 360-px phone: a parent who has not decided on consent gets the form first after logging in,
refuses, and is let in with the consequences stated; the parent reads the child's calendar (month
and week); the class teacher starts the class's ZIP of PDFs, watches it build and downloads it;
the administration deletes the parent on request from the preview. Each page: nothing scrolls
sideways, axe finds nothing serious, screenshots in tests/artifacts/."""

from __future__ import annotations

import zipfile

import pytest

from appliance.db import database
from appliance.models.people import ParentLink, User
from appliance.models.trajectory import Task
from appliance.services import school as school_service
from tests.conftest import browser_login, data_dir_settings, open_migrated, school_today, screenshot
from tests.e2e.test_phone_walk import serious_findings, small_targets

pytestmark = pytest.mark.e2e


def _write(data_dir, fn):
    open_migrated(data_dir_settings(data_dir))
    try:
        return fn()
    finally:
        database.close()


def _undecided_parent1():
    parent = User.get(User.login == "parent1")
    ParentLink.update(consent_given_at=None, consent_by=None, consent_version=None, consent_refused_at=None) \
        .where(ParentLink.parent == parent).execute()
    student = User.get(User.login == "student1")
    Task.create(student=student, title="Принести форму на физкультуру", due_on=school_today())
    group = school_service.class_of(student)
    return student.id.hex, group.id.hex, len(school_service.students_of(group))


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    assert serious_findings(page) == [], page.url
    assert small_targets(page) == [], page.url


def _logout(page, url):
    page.click("header form.logout button")
    page.wait_for_url(f"{url}/login")


def test_consent_calendar_and_class_documents_on_a_phone(live_server, phone, tmp_path):
    page, url = phone, live_server.url
    student_id, class_id, pupils = _write(live_server.data_dir, _undecided_parent1)

    # The consent form comes first, says what, why and how long, and what a refusal means.
    browser_login(page, url, "parent1")
    assert f"/portfolio/student/{student_id}/consent" in page.url
    text = page.locator("main").inner_text()
    for words in ("Какие данные:", "Для чего:", "Срок:", "Если Вы откажетесь"):
        assert words in text, words
    assert page.locator("header form.logout button").is_visible()  # never a trap
    _fits(page)
    screenshot(page, "family-consent-first-login")
    page.click("#consent-form button[value=refuse]")
    page.wait_for_load_state()
    assert page.url.rstrip("/") == f"{url}/parent"  # let in
    assert "Отказ записан" in page.content() and "Вы отказались от согласия" in page.content()
    screenshot(page, "family-parent-home-after-refusal")

    # The child's calendar, month and week, read-only.
    page.goto(f"{url}/parent/calendar")
    assert f"/parent/calendar/{student_id}" in page.url
    assert "Принести форму на физкультуру" in page.locator("#month-list").inner_text()
    _fits(page)
    screenshot(page, "family-child-calendar-month")
    page.click(".cal-tabs a:has-text('Неделя')")
    page.wait_for_load_state()
    assert "Принести форму на физкультуру" in page.locator("ol.week").inner_text()
    _fits(page)
    screenshot(page, "family-child-calendar-week")
    _logout(page, url)

    # The class teacher builds the class's documents and watches the progress.
    browser_login(page, url, "teacher1")
    page.goto(f"{url}/teacher/class/{class_id}/documents")
    _fits(page)
    page.click("#documents-build button[type=submit]")
    page.wait_for_load_state()
    if page.locator("#documents-progress").count():
        _fits(page)
        screenshot(page, "family-class-documents-building")
    for _ in range(300):  # the teacher taps «Обновить» until it is ready
        if page.locator("#documents-download").count():
            break
        page.wait_for_timeout(1000)
        page.click("#documents-refresh")
        page.wait_for_load_state()
        if page.locator("#documents-progress").count():
            screenshot(page, "family-class-documents-building")
    _fits(page)
    screenshot(page, "family-class-documents-ready")
    with page.expect_download() as info:
        page.click("#documents-download")
    archive = tmp_path / "class.zip"
    info.value.save_as(archive)
    assert len(zipfile.ZipFile(archive).namelist()) == pupils
    _logout(page, url)

    # The administration deletes a parent on request, from the preview.
    parent_id = _write(live_server.data_dir, lambda: User.get(User.login == "parent1").id.hex)
    browser_login(page, url, "admin")
    page.goto(f"{url}/admin/student/{student_id}")
    page.click(f"a[href='/admin/parent/{parent_id}']")
    page.wait_for_load_state()
    assert "Данные детей, их портфолио и история остаются" in page.locator("#parent-delete").inner_text()
    _fits(page)
    screenshot(page, "family-admin-parent-preview")
    page.fill("#confirm-login", "parent1")
    page.click("#parent-delete button[type=submit]")
    page.wait_for_load_state()
    assert f"/admin/student/{student_id}" in page.url and "Учётная запись родителя удалена" in page.content()
    screenshot(page, "family-admin-parent-deleted")
    assert _write(live_server.data_dir, lambda: User.get_or_none(User.login == "parent1")) is None
