"""On a 360-px phone: the administration puts a pupil in the media team, the pupil writes a note with a
photo, a teacher approves it, and a parent reads it on the home page and in the news. Every news page
fits the screen, has tappable controls and no serious axe finding; screenshots go to tests/artifacts/."""

from __future__ import annotations

import io
import sqlite3

import pytest
from PIL import Image

from tests.conftest import browser_login, screenshot
from tests.e2e.test_phone_walk import serious_findings, small_targets

pytestmark = pytest.mark.e2e


def _check(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    assert not serious_findings(page), (page.url, serious_findings(page))
    assert not small_targets(page), (page.url, small_targets(page))


def _log_out(page) -> None:
    page.click("form.logout button")
    page.wait_for_load_state()


def _photo(path) -> str:
    image = Image.new("RGB", (1200, 800), (40, 120, 200))
    for x in range(0, 1200, 100):
        image.paste((250, 200, 60), (x, 500, x + 60, 800))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_media_pupils_note_from_the_phone_to_the_parents_home(live_server, demo_data_dir, phone, tmp_path):
    page, base = phone, live_server.url
    with sqlite3.connect(next(demo_data_dir.glob("*.db"))) as db:
        student1_id = db.execute("SELECT id FROM user WHERE login = 'student1'").fetchone()[0]

    # A pupil outside the media team is told who writes news.
    browser_login(page, base, "student1")
    response = page.goto(f"{base}/news/new")
    assert response.status == 403 and "медиацентр" in page.content()
    _log_out(page)

    browser_login(page, base, "admin")
    page.goto(f"{base}/ideas/roles")
    page.select_option("#user-media", value=student1_id.replace("-", ""))
    page.locator("form", has=page.locator("#user-media")).locator("button").click()
    page.wait_for_load_state()
    assert "Сохранено" in page.content()
    _log_out(page)

    browser_login(page, base, "student1")
    page.goto(f"{base}/news/")
    _check(page)
    screenshot(page, "news-list-student-phone")
    page.click("text=Написать новость")
    page.fill("#title", "Шахматный турнир 7-х классов")
    page.fill("#text", "В пятницу прошёл шахматный турнир. Победил 7Б, второе место у 7А.\nСпасибо судьям!")
    page.set_input_files("#photo", _photo(tmp_path / "IMG_2041.jpg"))
    page.fill("#photo_alt", "Ученики за шахматными досками")
    _check(page)
    screenshot(page, "news-form-phone")
    page.click("main form button.primary")
    page.wait_for_load_state()
    assert "отправлена на проверку" in page.content()
    _check(page)
    screenshot(page, "news-pending-phone")
    _log_out(page)

    browser_login(page, base, "teacher1")
    page.goto(f"{base}/news/")
    assert "Новости учеников ждут проверки" in page.content()
    page.click("#news-waiting >> text=Шахматный турнир 7-х классов")
    page.wait_for_load_state()
    _check(page)
    screenshot(page, "news-review-phone")
    page.click("#news-review button:has-text('Опубликовать')")
    page.wait_for_load_state()
    assert "Новость опубликована" in page.content()
    _log_out(page)

    browser_login(page, base, "parent1")
    page.goto(f"{base}/parent/")
    home = page.locator("#home-news")
    assert home.locator("text=Шахматный турнир 7-х классов").is_visible()
    _check(page)
    screenshot(page, "news-parent-home-phone")
    home.locator("text=Шахматный турнир 7-х классов").click()
    page.wait_for_load_state()
    photo = page.locator(".news-photo img")
    assert photo.is_visible() and photo.evaluate("img => img.naturalWidth") == 1200
    assert photo.bounding_box()["width"] <= 360
    _check(page)
    screenshot(page, "news-page-phone")

    feed = page.request.get(f"{base}/news/feed.atom")
    assert feed.ok and "Шахматный турнир 7-х классов" in feed.text()
