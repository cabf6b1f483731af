"""A new student activates an account from a card's code on a phone, sees home in Russian, logs out."""

import re
import subprocess

import pytest

from tests.conftest import run_okey, screenshot

pytestmark = pytest.mark.e2e


def _card_code(data_dir, tmp_path) -> tuple[str, str]:
    """Print the 9В cards with the real CLI and read a login and code back from the PDF."""
    pdf = tmp_path / "cards.pdf"
    run_okey("cards", "--class", "9В", "--out", str(pdf), data_dir=data_dir)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", text).group(1)
    login = re.search(r"\b([a-z]+\.[a-z]\d*)\b", text).group(1)
    return login, code


def test_student_activates_logs_in_and_out_on_a_phone(live_server, phone, tmp_path):
    login, code = _card_code(live_server.data_dir, tmp_path)
    page = phone
    page.goto(f"{live_server.url}/activate?code={code}")
    assert page.locator("h1").inner_text() == "Первый вход по коду"
    assert login in page.content()
    screenshot(page, "activation-phone")
    page.fill("#password", "моя-ракета-7")
    page.fill("#repeat", "моя-ракета-7")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/student/")
    assert page.locator("h1").inner_text().startswith("Привет,")
    assert "Пароль сохранён" in page.content()
    # The page fits a 360-px screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "student-home-phone")
    page.click("header form.logout button")
    page.wait_for_url(f"{live_server.url}/login")
    assert "Вы вышли из портала" in page.content()
    screenshot(page, "logged-out-phone")
    # The same code does not work twice.
    page.goto(f"{live_server.url}/activate?code={code}")
    assert "уже использован" in page.content()
    # The chosen password does.
    page.goto(f"{live_server.url}/login")
    page.fill("#login", login)
    page.fill("#password", "моя-ракета-7")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/student/")
