"""On a phone: volunteer hours recorded by a pupil, confirmed by the class teacher and printed in the
graduation PDF; a pupil proposes an idea, a classmate supports it, a council member accepts it and
the project's goal appears in the author's trajectory."""

from __future__ import annotations

import datetime
import subprocess

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.e2e


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def _log_out(page) -> None:
    page.click("form.logout button")
    page.wait_for_load_state()


def test_volunteer_hours_from_the_phone_to_the_graduation_pdf(live_server, phone, tmp_path):
    page, base = phone, live_server.url
    browser_login(page, base, "student1")
    page.goto(f"{base}/volunteering/")
    day = datetime.date.today() - datetime.timedelta(days=2)
    page.fill("#day", day.isoformat())
    page.fill("#hours", "3")
    page.fill("#place", "Библиотека микрорайона")
    page.fill("#what", "Читали вслух малышам")
    _fits(page)
    screenshot(page, "community-volunteering-phone")
    page.locator("main form:has(#place) button.primary").click()
    page.wait_for_url(f"{base}/volunteering/")
    assert "Библиотека микрорайона" in page.content()
    _log_out(page)

    browser_login(page, base, "teacher1")
    page.goto(f"{base}/volunteering/review")
    _fits(page)
    screenshot(page, "community-volunteering-review-phone")
    page.locator("li", has_text="Библиотека микрорайона").locator("button:has-text('Подтвердить')").click()
    page.wait_for_load_state()
    assert "Часы подтверждены" in page.content()
    _log_out(page)

    browser_login(page, base, "student1")
    page.goto(f"{base}/portfolio/me")
    with page.expect_download() as waiting:
        page.click("text=Скачать портфолио (PDF)")
    pdf = tmp_path / "portfolio.pdf"
    waiting.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Волонтёрская деятельность" in text and "Библиотека микрорайона" in text
    assert "9,5 часа" in text  # 4 + 2,5 of the demo and these 3
    assert f"{day:%d.%m.%Y} Библиотека микрорайона" in text  # the date as Russians write it


def test_an_idea_is_proposed_supported_and_accepted_by_the_council(live_server, phone):
    import apsw

    page, base = phone, live_server.url
    db = apsw.Connection(str(live_server.data_dir / "okey.db"))
    council = db.execute("SELECT u.login FROM community_role r JOIN user u ON u.id = r.user_id "
                         "WHERE r.role = 'council' ORDER BY u.login LIMIT 1").fetchone()[0]
    browser_login(page, base, "student1")
    page.goto(f"{base}/ideas/new")
    page.fill("#title", "Велопарковка у входа")
    page.fill("#problem", "Велосипеды некуда поставить")
    page.fill("#idea", "Поставить стойки на десять велосипедов")
    _fits(page)
    screenshot(page, "community-idea-new-phone")
    page.click("main form button.primary")
    page.wait_for_url(f"{base}/ideas/*")
    idea_url = page.url
    assert "Это твоя идея" in page.content()
    _log_out(page)

    # A council member (the demo's, given student1's password here) supports it and accepts it.
    db.execute("UPDATE user SET password_hash = (SELECT password_hash FROM user WHERE login = 'student1') "
               "WHERE login = ?", (council,))
    browser_login(page, base, council)
    page.goto(idea_url)
    page.click("main button:has-text('Поддерживаю')")
    page.wait_for_load_state()
    assert "поддержали: 1" in page.content().replace("<strong>", "").replace("</strong>", "")
    page.check("input[name=decision][value=accepted]")
    page.select_option("#adviser", label=page.locator("#adviser option").nth(1).inner_text())
    page.fill("#deadline", (datetime.date.today() + datetime.timedelta(days=40)).isoformat())
    _fits(page)
    screenshot(page, "community-idea-review-phone")
    page.click("main form.card button.primary")
    page.wait_for_load_state()
    assert "Решение совета записано" in page.content()
    _log_out(page)

    browser_login(page, base, "student1")
    page.goto(f"{base}/activities/")
    assert "Велопарковка у входа" in page.content()
    screenshot(page, "community-idea-goal-phone")
    page.goto(f"{base}/ideas/")
    _fits(page)
    screenshot(page, "community-ideas-board-phone")


def test_a_volunteering_event_from_the_plan_proposes_hours_on_the_phone(live_server, phone):
    page, base = phone, live_server.url
    browser_login(page, base, "student1")
    page.goto(f"{base}/volunteering/")
    proposal = page.locator("#proposals .proposal", has_text="Субботник в школьном саду")
    assert proposal.locator("input[name=hours]").input_value() == "3"
    _fits(page)
    screenshot(page, "community-volunteering-proposal-phone")
    proposal.locator("textarea").fill("Сажали яблони")
    proposal.locator("button.primary").click()
    page.wait_for_load_state()
    assert "Записано" in page.content() and "Сажали яблони" in page.content()
    assert page.locator("#proposals").count() == 0
