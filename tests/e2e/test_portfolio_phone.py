"""On a phone: a student adds an achievement with a photo and submits it, the class teacher
confirms it, the student downloads the graduation PDF."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image, ImageDraw

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.e2e

TITLE = "Городская олимпиада по информатике «Петербургский турнир»"


def log_out(page) -> None:
    page.click("header form.logout button")
    page.wait_for_load_state()


def diploma_photo(path) -> None:
    image = Image.new("RGB", (1200, 850), (250, 246, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 1170, 820), outline=(31, 78, 140), width=12)
    draw.text((420, 380), "DIPLOM  II", fill=(31, 78, 140))
    image.save(path, "JPEG")


def test_achievement_from_phone_to_pdf(live_server, phone, tmp_path):
    page = phone
    photo = tmp_path / "diplom.jpg"
    diploma_photo(photo)

    browser_login(page, live_server.url, "student1")
    page.goto(f"{live_server.url}/portfolio/new")
    page.fill("#title", TITLE)
    page.select_option("#kind", label="Олимпиада")
    page.select_option("#direction", label="Техника и IT")
    page.select_option("#level", label="Муниципальный")
    page.select_option("#result", label="Призёр")
    page.select_option("#teacher", label="Смирнова Ольга Викторовна")
    page.select_option("#teacher_role", label="Наставник")
    page.click("summary:has-text('Какие компетенции')")
    page.check("input[name=competencies] >> nth=0")
    page.set_input_files("#files", str(photo))
    screenshot(page, "portfolio_phone_1_form")
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "Достижение отправлено на проверку" in page.content()
    assert page.locator(".badge", has_text="на проверке").count() == 1
    assert page.locator(".evidence img").count() == 1
    assert page.evaluate("document.querySelector('.evidence img').naturalWidth") > 0
    screenshot(page, "portfolio_phone_2_submitted")
    log_out(page)

    browser_login(page, live_server.url, "teacher1")
    page.goto(f"{live_server.url}/review/")
    page.click(f"text={TITLE}")
    page.wait_for_load_state()
    assert page.locator(".evidence img").count() == 1
    screenshot(page, "portfolio_phone_3_teacher_review")
    page.click("button:has-text('Подтвердить')")
    page.wait_for_load_state()
    assert "Достижение подтверждено" in page.content()
    assert TITLE not in page.locator("main table").inner_text()
    log_out(page)

    browser_login(page, live_server.url, "student1")
    page.goto(f"{live_server.url}/portfolio/me")
    page.wait_for_load_state()
    radar = page.locator("figure.chart img").first
    assert radar.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "portfolio_phone_4_overview")
    with page.expect_download() as waiting:
        page.click("text=Скачать портфолио (PDF)")
    pdf = tmp_path / "portfolio.pdf"
    waiting.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert "Портфолио" in flat and "Школа № 619" in flat
    assert "Городская олимпиада по информатике" in flat
    assert "Смирнова Ольга Викторовна" in flat and "Наставник" in flat and "подтверждено" in flat
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(pdf),
                    str(screenshot.__globals__["ARTIFACTS"] / "portfolio_phone_5_pdf")], check=True)


def test_admin_indicators_and_teacher_bulk_confirm_on_a_laptop(live_server, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    try:
        browser_login(page, live_server.url, "teacher1")
        page.goto(f"{live_server.url}/review/")
        waiting = page.locator("input[name=ids]").count()
        assert waiting >= 2
        screenshot(page, "portfolio_laptop_1_queue")
        page.locator("input[name=ids]").nth(0).check()
        page.locator("input[name=ids]").nth(1).check()
        page.click("button:has-text('Подтвердить отмеченные')")
        page.wait_for_load_state()
        assert "Подтверждено достижений: 2" in page.content()
        assert page.locator("input[name=ids]").count() == waiting - 2
        page.goto(f"{live_server.url}/review/contribution")
        assert "Мой вклад в достижения учеников" in page.content()
        log_out(page)

        browser_login(page, live_server.url, "admin")
        page.goto(f"{live_server.url}/indicators/")
        images = page.locator("figure.chart img")
        assert images.count() == 6
        for index in range(6):
            assert images.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
        share = page.locator("#share-regional .stat-value").inner_text()
        assert share.endswith("%")
        screenshot(page, "portfolio_laptop_2_indicators")
    finally:
        context.close()
