"""On a phone: a pupil picks the guiding teacher from the grouped list, sends an achievement with a photo and
a PDF, takes it back to draft and sends it again; the teacher judges it from the queue's thumbnails; the
administrator downloads an import template."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image, ImageDraw

from tests.conftest import browser_login, screenshot
from tests.e2e.test_phone_walk import serious_findings, small_targets

pytestmark = pytest.mark.e2e

TITLE = "Конкурс чтецов «Живая классика», районный этап"


def log_out(page) -> None:
    page.click("header form.logout button")
    page.wait_for_load_state()


def files(tmp_path):
    photo = tmp_path / "диплом.jpg"
    image = Image.new("RGB", (1200, 850), (250, 246, 232))
    ImageDraw.Draw(image).rectangle((30, 30, 1170, 820), outline=(31, 78, 140), width=12)
    image.save(photo, "JPEG")
    document = tmp_path / "грамота.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    document.write_bytes(out.getvalue())
    return photo, document


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], page.url
    assert serious_findings(page) == [], page.url
    assert small_targets(page) == [], page.url


def test_send_take_back_and_review_with_thumbnails(live_server, phone, tmp_path):
    page = phone
    photo, document = files(tmp_path)
    browser_login(page, live_server.url, "student1")
    page.goto(f"{live_server.url}/portfolio/new")
    groups = page.eval_on_selector_all("#teacher optgroup", "els => els.map(g => g.label)")
    assert groups == ["Классный руководитель", "Учителя твоего класса", "Все педагоги школы"]
    assert page.eval_on_selector("#teacher optgroup", "g => g.querySelector('option').textContent") == \
        "Смирнова Ольга Викторовна"
    page.fill("#title", TITLE)
    page.select_option("#kind", label="Конкурс")
    page.select_option("#direction", label="Творчество")
    page.select_option("#level", label="Муниципальный")
    page.select_option("#result", label="Призёр")
    page.select_option("#teacher", label="Белова Марина Юрьевна")
    page.select_option("#teacher_role", label="Наставник")
    page.set_input_files("#files", [str(photo), str(document)])
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert page.locator(".badge", has_text="на проверке").count() == 1

    page.click("button:has-text('Вернуть в черновик')")
    page.wait_for_load_state()
    assert "Достижение снова черновик" in page.content()
    assert page.locator(".badge", has_text="черновик").count() == 1
    assert page.locator(".history li").count() == 2
    fits(page)
    screenshot(page, "small_things_1_withdrawn")
    page.click("button:has-text('Отправить на проверку')")
    page.wait_for_load_state()
    assert page.locator(".badge", has_text="на проверке").count() == 1
    log_out(page)

    browser_login(page, live_server.url, "teacher1")
    page.goto(f"{live_server.url}/review/")
    row = page.locator("tr", has_text=TITLE)
    thumb = row.locator(".thumbs img")
    assert thumb.count() == 1
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    box = thumb.bounding_box()
    assert 70 <= box["width"] <= 74 and 70 <= box["height"] <= 74
    assert row.locator(".thumb-file", has_text="грамота.pdf").count() == 1
    assert "КБ" in row.locator(".thumb-file").inner_text()
    fits(page)
    row.scroll_into_view_if_needed()
    screenshot(page, "small_things_2_queue_thumbnails")
    log_out(page)

    browser_login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/import")
    fits(page)
    with page.expect_download() as info:
        page.click("a:has-text('Excel в Windows')")
    data = open(info.value.path(), "rb").read()
    assert data.decode("cp1251").startswith("Роль;Фамилия;Имя;Отчество;Класс")
    assert info.value.suggested_filename.endswith("-cp1251.csv")
    screenshot(page, "small_things_3_import_templates")
