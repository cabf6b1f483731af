"""The administrator reads the security log in a browser: a failed login and the logins show in
Russian, and the log can be narrowed to one kind of entry. And logging out in the browser ends
the session for a copy of its cookie too."""

from __future__ import annotations

import urllib.request

import pytest

from tests.conftest import DEMO_PASSWORD, browser_login, screenshot

pytestmark = pytest.mark.e2e


def test_the_administrator_reads_the_security_log(live_server, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    browser_login(page, live_server.url, "student1", "not-the-password")
    assert "Неверный логин или пароль" in page.content()
    browser_login(page, live_server.url, "admin", DEMO_PASSWORD)
    page.goto(live_server.url + "/admin/audit")
    text = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    assert "Журнал безопасности" in text and "Неудачный вход" in text and "student1" in text
    assert "Записи хранятся 365 дней" in text
    screenshot(page, "hardening-audit-log")
    page.select_option("select[name=action]", "login.failed")
    page.click("form[method=get] button")
    rows = page.inner_text("table tbody")
    assert "Неудачный вход" in rows and "\tВход\t" not in rows
    context.close()


def test_logout_in_the_browser_ends_a_copied_cookie(live_server, chromium):
    context = chromium.new_context(locale="ru-RU")
    page = context.new_page()
    browser_login(page, live_server.url, "student1", DEMO_PASSWORD)
    cookie = next(c for c in context.cookies() if c["name"] == "okey_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    def open_with_copy() -> str:
        request = urllib.request.Request(live_server.url + "/student/", headers={"Cookie": f"okey_session={cookie['value']}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.geturl()

    assert open_with_copy().endswith("/student/")
    page.click("form[action='/logout'] button")
    assert "/login" in page.url
    assert "/login" in open_with_copy()  # redirected to the login page: the session is over
    context.close()
