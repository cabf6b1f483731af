"""The loop of issue 20 on a phone: the student submits → the teacher's home shows it with a thumbnail →
the teacher confirms → the student's bell shows 1 → the student opens it → the achievement; the parent
sees the goal and its progress. Screenshots of each role's home, phone and desktop."""

from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login, screenshot
from tests.e2e.test_portfolio_phone import diploma_photo, log_out

pytestmark = pytest.mark.e2e

TITLE = "Районный конкурс исследовательских работ «Шаг в науку»"


def fits(page) -> None:
    if page.evaluate("document.documentElement.scrollWidth") > 360:
        screenshot(page, "notify-too-wide")
        print(page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 361)
            .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def bell_count(page) -> str:
    count = page.locator("header a.bell .bell-count")
    return count.inner_text() if count.count() else "0"


def test_submit_confirm_bell_open_and_the_parent_sees_the_goal(live_server, phone, tmp_path):
    page = phone
    photo = tmp_path / "diplom.jpg"
    diploma_photo(photo)

    browser_login(page, live_server.url, "student1")
    # Start from a clean slate: whatever the demo school left unread is read now.
    page.click("header a.bell")
    page.wait_for_url(f"{live_server.url}/notifications/")
    if page.locator("button:has-text('Отметить все прочитанными')").count():
        page.click("button:has-text('Отметить все прочитанными')")
        page.wait_for_load_state()
    assert bell_count(page) == "0"
    page.goto(f"{live_server.url}/portfolio/new")
    page.fill("#title", TITLE)
    page.select_option("#kind", label="Конкурс")
    page.select_option("#direction", label="Техника и IT")
    page.select_option("#level", label="Муниципальный")
    page.select_option("#result", label="Победитель")
    page.set_input_files("#files", str(photo))
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "Достижение отправлено на проверку" in page.content()
    page.goto(f"{live_server.url}/student/")
    fits(page)
    screenshot(page, "notify-1-student-home-phone")
    log_out(page)

    browser_login(page, live_server.url, "teacher1")
    page.goto(f"{live_server.url}/teacher/")
    waiting = page.locator("#home-waiting a.waiting", has_text=TITLE)
    assert waiting.count() == 1
    thumb = waiting.locator("img")
    assert thumb.count() == 1 and thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    assert int(bell_count(page)) >= 1
    fits(page)
    screenshot(page, "notify-2-teacher-home-phone")
    waiting.click()
    page.wait_for_load_state()
    page.click("button:has-text('Подтвердить')")
    page.wait_for_load_state()
    assert "Достижение подтверждено" in page.content()
    log_out(page)

    browser_login(page, live_server.url, "student1")
    assert bell_count(page) == "1"
    assert page.locator("header a.bell").get_attribute("aria-label") == "Уведомления: 1 непрочитанное"
    assert page.locator("#home-new", has_text=TITLE).count() == 1
    screenshot(page, "notify-3-student-bell-phone")
    page.click("header a.bell")
    page.wait_for_load_state()
    fits(page)
    screenshot(page, "notify-4-student-list-phone")
    page.click(f"a.note-open:has-text('{TITLE}')")
    page.wait_for_load_state()
    assert re.search(r"/portfolio/a/[0-9a-f]{32}$", page.url), page.url
    assert TITLE in page.locator("main").inner_text() and "подтверждено" in page.content()
    assert bell_count(page) == "0"
    screenshot(page, "notify-5-student-opened-phone")
    log_out(page)

    browser_login(page, live_server.url, "parent1")
    page.goto(f"{live_server.url}/parent/")
    card = page.locator(".child-card").first
    assert card.locator(".goal-card").count() >= 1
    assert card.locator(".goal-card .progress").count() >= 1, "the goal's progress"
    fits(page)
    screenshot(page, "notify-6-parent-home-phone")
    card.locator("a:has-text('Подробнее')").click()
    page.wait_for_load_state()
    assert page.locator("#child-goals .goal-card").count() >= 1
    assert TITLE in page.locator("#child-achievements").inner_text()
    fits(page)
    screenshot(page, "notify-7-parent-child-phone")
    log_out(page)


@pytest.mark.parametrize("user", ["student1", "teacher1", "parent1", "admin"])
def test_each_home_on_a_desktop(live_server, chromium, user):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    try:
        browser_login(page, live_server.url, user)
        assert page.locator("header a.bell").is_visible()
        screenshot(page, f"notify-home-{user}-desktop")
    finally:
        context.close()
