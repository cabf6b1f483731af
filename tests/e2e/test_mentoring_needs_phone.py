"""On a phone (360 px): a pupil fills the needs questionnaire, the coordinator reads the answers in words
and opens the report with its charts and the «Потребности» counts; the graduate who mentors (alumnus1)
opens their pair from the alumni club. Every page fits the screen, its controls are big enough for a
finger and axe-core finds nothing serious; screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot
from tests.e2e.test_phone_walk import serious_findings, small_targets

pytestmark = pytest.mark.e2e


def _check(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    assert not small_targets(page), (page.url, small_targets(page))
    assert not serious_findings(page), (page.url, serious_findings(page))
    screenshot(page, name)


def _log_out(page) -> None:
    page.click("header form.logout button")
    page.wait_for_load_state()


def test_a_pupil_fills_the_needs_questionnaire_and_the_coordinator_reads_it_and_the_report_chart(live_server, phone):
    page, base = phone, live_server.url
    browser_login(page, base, "student1")
    page.goto(f"{base}/mentoring/")
    page.click("text=Подать заявку")
    page.wait_for_url(f"{base}/mentoring/apply")
    assert "С чем тебе нужна помощь наставника?" in page.content()
    page.click("label:has-text('Выбор профессии и профиля')")
    page.click("label:has-text('Цифровые навыки')")
    page.fill("textarea[name=request]", "Хочу понять, подходит ли мне IT, и попробовать сделать свой сайт.")
    page.click("label:has-text('Специалист с предприятия')")
    page.click("label:has-text('В школе')")
    page.click("label:has-text('Раз в две недели')")
    page.click("input[name=urgency][value='4']")
    _check(page, "mentoring-needs-questionnaire-phone")
    page.click("main button:has-text('Отправить заявку')")
    page.wait_for_url(f"{base}/mentoring/")
    assert "Заявка подана" in page.content()
    _log_out(page)

    browser_login(page, base, "teacher1")
    page.goto(f"{base}/mentoring/coordinate")
    request = page.locator("li", has_text="Хочу понять, подходит ли мне IT")
    text = request.inner_text()
    for words in ("Выбор профессии и профиля, Цифровые навыки", "Специалист с предприятия", "В школе",
                  "Раз в две недели", "4 из 5"):
        assert words in text, words
    assert "employer_student" not in text and "fortnightly" not in text
    request.scroll_into_view_if_needed()
    _check(page, "mentoring-needs-coordinator-phone")
    page.goto(f"{base}/mentoring/report")
    images = page.locator("figure.chart img")
    assert images.count() == 2
    for index in range(2):
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", images.nth(index).element_handle())
    assert "Потребности" in page.content() and "Раз в две недели" in page.content()
    _check(page, "mentoring-report-chart-phone")
    _log_out(page)

    browser_login(page, base, "alumnus1")
    page.goto(f"{base}/alumni/club")
    page.click("text=Мои пары наставничества")
    page.wait_for_url(f"{base}/mentoring/")
    assert "Биология: от олимпиады к поступлению" in page.content()
    _check(page, "mentoring-graduate-mentor-phone")
    page.click("text=Биология: от олимпиады к поступлению")
    page.wait_for_url(f"{base}/mentoring/pair/*")
    _check(page, "mentoring-graduate-pair-phone")
