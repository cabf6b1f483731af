"""On a phone: a student sees a reminder, takes the RIASEC test, accepts a suggested event,
sets a goal with it and finds both in the calendar."""

import datetime

import pytest

from appliance.services.questionnaires import SHIPPED, load_all
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.e2e


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_student_takes_riasec_accepts_a_suggestion_and_plans_it(live_server, phone):
    page = phone
    browser_login(page, live_server.url, "student1")
    page.wait_for_url(f"{live_server.url}/student/")

    # The server caught up on reminders at start: one is due before the olympiad's registration closes.
    page.goto(f"{live_server.url}/calendar/notifications")
    assert "Скоро заканчивается регистрация" in page.content()
    _fits(page)
    screenshot(page, "trajectory-notifications-phone")

    page.goto(f"{live_server.url}/guidance/take/riasec")
    likes = {"I": 5, "R": 4, "C": 3}
    for item in load_all(SHIPPED)["riasec"].items:
        page.check(f"input[name='{item['id']}'][value='{likes.get(item['scale'], 2)}']")
    _fits(page)
    screenshot(page, "trajectory-riasec-form-phone")
    page.click("main form.questionnaire button.primary")
    page.wait_for_url(f"{live_server.url}/guidance/result/*")
    assert page.locator(".result-code strong.big").inner_text() == "IRC"
    assert page.locator("img.chart").evaluate("img => img.complete && img.naturalWidth > 0")
    _fits(page)
    screenshot(page, "trajectory-riasec-result-phone")

    page.goto(f"{live_server.url}/guidance/")
    first = page.locator("article.suggestion").first
    title = first.locator("h3").inner_text()
    assert first.locator(".reason").inner_text().startswith("Потому что по тесту «Мои интересы")
    screenshot(page, "trajectory-suggestions-phone")
    first.locator("button:has-text('Принять')").click()
    page.wait_for_url(f"{live_server.url}/activities/goal/new*")
    assert page.input_value("#goal-title") == f"Участвовать: {title}"
    deadline = datetime.date.fromisoformat(page.input_value("#goal-deadline"))
    page.fill("#goal-measure", "Зарегистрироваться и выступить")
    page.fill("#goal-why", "Хочу попробовать себя в науке")
    _fits(page)
    screenshot(page, "trajectory-goal-form-phone")
    page.click("main form.smart button[type=submit]")
    page.wait_for_url(f"{live_server.url}/activities/goal/*")
    assert "Цель поставлена" in page.content()
    assert title in page.content()  # the event is linked to the goal
    screenshot(page, "trajectory-goal-phone")

    page.goto(f"{live_server.url}/calendar/?m={deadline:%Y-%m}")
    month_list = page.locator("#month-list")
    assert month_list.locator(".cal-item.kind-event", has_text=title).count() == 1
    assert month_list.locator(".cal-item.kind-goal", has_text=f"Участвовать: {title}").count() == 1
    assert page.locator("table.month td:has(a.cal-item.kind-goal) a.day-number").first.inner_text() == str(deadline.day)
    _fits(page)
    screenshot(page, "trajectory-calendar-month-phone")
    page.goto(f"{live_server.url}/calendar/week?d={deadline.isoformat()}")
    assert page.locator(".week-day.today, .week-day").filter(has_text=title).count() >= 1
    _fits(page)
    screenshot(page, "trajectory-calendar-week-phone")
