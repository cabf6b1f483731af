"""On a phone (360 px): the coordinator forms a pair for a pupil with a university student from outside
the school, the pupil sees the mentor and the first meeting in the calendar, and the outside mentor
logs in and sees that pupil — and nothing else of the school. Every page fits the screen, its
controls are big enough for a finger and axe-core finds nothing serious."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import browser_login, screenshot
from tests.e2e.test_phone_walk import serious_findings, small_targets

pytestmark = pytest.mark.e2e
FIRST = datetime.date.today() + datetime.timedelta(days=4)


def _check(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    assert not small_targets(page), (page.url, small_targets(page))
    assert not serious_findings(page), (page.url, serious_findings(page))
    screenshot(page, name)


def _log_out(page) -> None:
    page.click("header form.logout button")
    page.wait_for_load_state()


def test_the_coordinator_pairs_the_pupil_sees_the_meeting_and_the_outside_mentor_only_their_pupil(live_server, phone):
    page, base = phone, live_server.url
    browser_login(page, base, "teacher1")
    page.goto(f"{base}/mentoring/coordinate")
    assert "Сафонова Д. И." in page.content() and "Хочу понять, кем работать" in page.content()
    _check(page, "mentoring-coordinate-phone")
    page.click("text=Создать пару")
    page.wait_for_url(f"{base}/mentoring/pairs/new")
    page.select_option("#p-form", "university_student")
    page.select_option("#p-mentor", label=page.locator("#p-mentor option", has_text="Сафонова").first.inner_text())
    page.fill("#p-login", "student1")
    page.fill("#p-title", "Как поступить в технический вуз")
    page.fill("#p-goals", "Узнать, какие экзамены сдавать\nПобывать на дне открытых дверей")
    page.fill("#p-planned", "4")
    page.fill("#p-mday", FIRST.isoformat())
    page.fill("#p-mtime", "16:30")
    page.fill("#p-mplace", "Библиотека, 2 этаж")
    page.fill("#p-mtopic", "Знакомство с наставником")
    _check(page, "mentoring-new-pair-phone")
    page.click("main button:has-text('Создать пару')")
    page.wait_for_url(f"{base}/mentoring/pair/*")
    assert "Пара создана" in page.content()
    _check(page, "mentoring-pair-coordinator-phone")
    _log_out(page)

    browser_login(page, base, "student1")
    page.goto(f"{base}/mentoring/")
    content = page.content()
    assert "Как поступить в технический вуз" in content and "Сафонова Д. И." in content
    assert "Физика: путь к олимпиаде" in content  # the demo's pair with the physics teacher
    _check(page, "mentoring-pupil-phone")
    page.goto(f"{base}/calendar/?m={FIRST:%Y-%m}")
    assert "Знакомство с наставником" in page.content()
    screenshot(page, "mentoring-pupil-calendar-phone")
    page.click("text=Знакомство с наставником")
    page.wait_for_url(f"{base}/mentoring/pair/*")
    _check(page, "mentoring-pair-pupil-phone")
    _log_out(page)

    browser_login(page, base, "mentor1")
    assert page.url.endswith("/mentoring/")
    content = page.content()
    assert "Как поступить в технический вуз" in content and "Инженер-металлург" in content
    _check(page, "mentoring-outside-mentor-phone")
    # The menu holds only the mentor's own page; the rest of the school is closed.
    hrefs = set(page.eval_on_selector_all("nav a[href]", "els => els.map(a => a.getAttribute('href'))"))
    assert hrefs <= {"/mentoring/", "/password"}, hrefs
    for path in ("/calendar/", "/portfolio/achievements", "/trials/", "/mentoring/coordinate"):
        response = page.goto(f"{base}{path}")
        assert response.status in (403, 404), path
