"""On a phone: a graduate joins the alumni club choosing what to show, a staff member approves the
text, and a pupil finds them in the directory with only what they chose — no city they hid, no
contacts — and asks to meet them through the school."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.e2e

PHONE = "+7 931 222-33-44"


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def _log_out(page) -> None:
    page.click("form.logout button")
    page.wait_for_load_state()


def test_a_graduate_joins_and_pupils_see_only_what_they_chose(live_server, phone):
    page, base = phone, live_server.url
    browser_login(page, base, "alumnus1")
    # The demo's alumnus is in the club already: leave, then join again with new choices.
    page.goto(f"{base}/alumni/club")
    page.click("text=Выйти из клуба >> xpath=ancestor::form//button")
    page.wait_for_load_state()
    assert "Вы вышли из клуба" in page.content()
    page.goto(f"{base}/alumni/club")
    assert "Вступить в клуб" in page.content()
    page.fill("#occupation", "Политех, энергетика, 2 курс")
    page.check("input[name=show_occupation]")
    page.fill("#city", "Выборг")  # typed, but not chosen to show
    page.uncheck("input[name=show_city]")
    page.fill("#about", "Расскажу, как готовиться к олимпиаде по физике.")
    page.check("input[name=help_talk]")
    page.check("input[name=help_excursion]")
    page.fill("#phone", PHONE)
    # A phone number typed into the free text is refused, with the reason, and nothing is saved.
    page.fill("#about", f"Звоните {PHONE}")
    _fits(page)
    page.click("main form.card button.primary")
    page.wait_for_load_state()
    assert "контакты ученикам не показываются" in page.content()
    page.fill("#about", "Расскажу, как готовиться к олимпиаде по физике.")
    screenshot(page, "alumni-join-phone")
    page.click("main form.card button.primary")
    page.wait_for_load_state()
    assert "Добро пожаловать в клуб выпускников" in page.content()
    _fits(page)
    screenshot(page, "alumni-club-phone")
    _log_out(page)

    browser_login(page, base, "admin")
    page.goto(f"{base}/alumni/manage")
    _fits(page)
    screenshot(page, "alumni-manage-phone")
    page.locator(".moderation", has_text="Политех").locator("button:has-text('Одобрить')").click()
    page.wait_for_load_state()
    assert "Текст профиля одобрен" in page.content()
    _log_out(page)

    browser_login(page, base, "student1")
    page.goto(f"{base}/alumni/")
    card = page.locator(".alumnus", has_text="Анна Смирнова")
    text = card.inner_text()
    assert "Политех, энергетика" in text and "выступить" in text and "провести экскурсию" in text
    assert "Выборг" not in text and "наставником" not in text
    _fits(page)
    screenshot(page, "alumni-directory-phone")
    card.locator("a").first.click()
    page.wait_for_load_state()
    content = page.content()
    assert "олимпиаде по физике" in content
    for hidden in ("Выборг", PHONE, "222-33-44"):
        assert hidden not in content
    page.select_option("#purpose", "talk")
    page.fill("#message", "Хочу узнать про Политех")
    _fits(page)
    screenshot(page, "alumni-profile-phone")
    page.click("main form button.primary")
    page.wait_for_load_state()
    assert "Просьба отправлена" in page.content()
    _fits(page)
    screenshot(page, "alumni-meetings-phone")
