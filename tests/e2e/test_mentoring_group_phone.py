"""On a phone (360 px): the coordinator forms a small group — the robotics teacher with a pupil from a
request and student1 — with a programme and a first meeting; student1 sees the group (fellow members
by surname and initial only), the first meeting in the calendar and the group's goal among their goals,
marked as a goal from mentoring. Every page fits the screen, its controls are big enough for a finger
and axe-core finds nothing serious."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import browser_login, screenshot
from tests.e2e.test_phone_walk import serious_findings, small_targets

pytestmark = pytest.mark.e2e
FIRST = datetime.date.today() + datetime.timedelta(days=5)


def _check(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    assert not small_targets(page), (page.url, small_targets(page))
    assert not serious_findings(page), (page.url, serious_findings(page))
    screenshot(page, name)


def test_the_coordinator_forms_a_group_and_a_member_sees_the_meeting_and_the_goal(live_server, phone):
    page, base = phone, live_server.url
    browser_login(page, base, "teacher1")
    page.goto(f"{base}/mentoring/coordinate")
    assert "Командный инженерный проект" in page.content()  # the demo's group
    # student1's pair: its goals are student1's trajectory goals, one with milestones (one done).
    page.click("text=Физика: путь к олимпиаде")
    page.wait_for_url(f"{base}/mentoring/pair/*")
    content = page.content()
    assert "Цели в траектории ученика" in content and "этапов пройдено: 1 из 3" in content
    page.click("summary:has-text('Добавить цель с этапами')")
    _check(page, "mentoring-pair-goals-phone")
    page.goto(f"{base}/mentoring/coordinate")
    page.click("text=Создать группу")
    page.wait_for_url(f"{base}/mentoring/groups/new")
    page.select_option("#g-form", "teacher_student")
    page.select_option("#g-mentor", label=page.locator("#g-mentor option", has_text="Ершов").first.inner_text())
    page.locator("label.choice", has_text="выбор профессии").locator("input").check()
    page.fill("#g-logins", "student1")
    page.fill("#g-title", "Умный дом своими руками")
    page.fill("#g-goals", "Собрать модель умного дома\nВыступить на школьной выставке")
    page.fill("#g-planned", "6")
    page.fill("#g-mday", FIRST.isoformat())
    page.fill("#g-mtime", "15:30")
    page.fill("#g-mplace", "Кабинет технологии")
    page.fill("#g-mtopic", "Датчики и контроллер")
    _check(page, "mentoring-new-group-phone")
    page.click("main button:has-text('Создать группу')")
    page.wait_for_url(f"{base}/mentoring/group/*")
    content = page.content()
    assert "Группа создана" in content and "Участники (2)" in content and "Датчики и контроллер" in content
    _check(page, "mentoring-group-coordinator-phone")
    page.click("header form.logout button")
    page.wait_for_load_state()

    browser_login(page, base, "student1")
    page.goto(f"{base}/mentoring/")
    assert "Умный дом своими руками" in page.content()
    page.goto(f"{base}/calendar/?m={FIRST:%Y-%m}")
    assert "Датчики и контроллер" in page.content()
    screenshot(page, "mentoring-group-pupil-calendar-phone")
    page.click("text=Датчики и контроллер")
    page.wait_for_url(f"{base}/mentoring/pair/*")
    assert "Умный дом своими руками" in page.content()
    page.click("main a:has-text('Умный дом своими руками')")
    page.wait_for_url(f"{base}/mentoring/group/*")
    content = page.content()
    assert "Ершов К. И." in content and "Датчики и контроллер" in content
    assert "Закрыть группу" not in content and "Запланировать встречу группы" not in content
    _check(page, "mentoring-group-pupil-phone")
    page.goto(f"{base}/activities/")
    content = page.content()
    assert "Собрать модель умного дома" in content and "Цель из наставничества: Ершов К. И." in content
    page.click("#goals a.goal-card:has-text('Собрать модель умного дома')")
    page.wait_for_url(f"{base}/activities/goal/*")
    assert "Цель из наставничества: Ершов К. И." in page.content()
    _check(page, "mentoring-group-pupil-goal-phone")
