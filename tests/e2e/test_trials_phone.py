"""On a phone: a student signs up for a profession trial and finds it in the calendar; after the
trial the administration gives the expert a one-time link, the expert assesses the student, the
student assesses themself, and the trial is in the graduation PDF."""

from __future__ import annotations

import datetime
import subprocess

import apsw
import pytest

from tests.conftest import browser_login, screenshot
from tests.e2e.test_phone_walk import serious_findings

pytestmark = pytest.mark.e2e
TRIAL = "Оператор беспилотных систем"


def _fits(page) -> None:
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 361)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 5)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, (page.url, wide)


def _small_targets(page) -> list[str]:
    """Buttons and links in the main part narrower or lower than 44 px (inline text links aside)."""
    return page.evaluate("""() => [...document.querySelectorAll('main button, main .button, main select, main input')]
        .filter(e => e.offsetParent !== null && e.type !== 'hidden' && e.type !== 'radio' && e.type !== 'checkbox')
        .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44; })
        .map(e => e.outerHTML.slice(0, 80))""")


def _log_out(page) -> None:
    page.click("header form.logout button")
    page.wait_for_load_state()


def test_a_trial_from_sign_up_to_the_graduation_pdf(live_server, phone, chromium, tmp_path):
    page, base = phone, live_server.url
    browser_login(page, base, "student1")
    page.goto(f"{base}/trials/?field=engineering")
    _fits(page)
    assert not _small_targets(page)
    screenshot(page, "trials-catalogue-phone")
    page.click(f"text={TRIAL}")
    page.wait_for_url(f"{base}/trials/*")
    _fits(page)
    assert not _small_targets(page)
    screenshot(page, "trials-detail-phone")
    page.locator("form button:has-text('Записаться')").first.click()
    page.wait_for_url(f"{base}/trials/mine")
    assert "Запись на пробу готова" in page.content()
    _fits(page)
    screenshot(page, "trials-mine-phone")

    # The session is in the student's calendar, in the list of the month.
    row = apsw.Connection(str(live_server.data_dir / "okey.db")).execute(
        "SELECT s.id, s.starts_on FROM trial_enrolment e JOIN trial_session s ON s.id = e.session_id "
        "JOIN profession_trial t ON t.id = s.trial_id JOIN user u ON u.id = e.student_id "
        "WHERE t.title = ? AND u.login = 'student1'", (TRIAL,)).fetchone()
    session_id, starts = row[0], datetime.date.fromisoformat(str(row[1])[:10])
    page.goto(f"{base}/calendar/?m={starts:%Y-%m}")
    assert TRIAL in page.content()
    _fits(page)
    screenshot(page, "trials-calendar-phone")

    # Three weeks pass: the trial took place yesterday.
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    connection = apsw.Connection(str(live_server.data_dir / "okey.db"))
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.execute("UPDATE trial_session SET starts_on = ?, ends_on = ? WHERE id = ?",
                       (yesterday, yesterday, session_id))
    connection.close()
    _log_out(page)

    # The administration gives the expert a link.
    browser_login(page, base, "admin")
    page.goto(f"{base}/trials/manage")
    page.click(f"text={TRIAL}")
    page.wait_for_url(f"{base}/trials/manage/*")
    pupil = apsw.Connection(str(live_server.data_dir / "okey.db")).execute(
        "SELECT full_name FROM user WHERE login = 'student1'").fetchone()[0]
    page.locator("li", has_text=pupil).locator("form button:has-text('Ссылка для эксперта')").click()
    page.wait_for_load_state()
    link = page.locator("#expert-url").inner_text().strip()
    _fits(page)
    screenshot(page, "trials-expert-link-phone")
    _log_out(page)

    # The expert opens it on their own phone, with no account.
    context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                   locale="ru-RU")
    expert = context.new_page()
    expert.goto(link)
    assert "Оценка профессиональной пробы" in expert.content()
    for fieldset in expert.locator("fieldset.scale").all():
        fieldset.locator("label").nth(3).click()
    expert.fill("#x-name", "Инструктор полигона Зуев")
    expert.fill("#x-comment", "Уверенно держит дрон в ветер")
    _fits(expert)
    assert not _small_targets(expert), _small_targets(expert)
    assert not serious_findings(expert)  # the expert's page is open to anyone with the link: no menu, still accessible
    screenshot(expert, "trials-expert-form-phone")
    expert.click("main form button.primary")
    expert.wait_for_load_state()
    assert "Спасибо" in expert.content()
    expert.goto(link)
    assert "уже отправлена" in expert.content()
    assert not serious_findings(expert)
    screenshot(expert, "trials-expert-used-phone")
    context.close()

    # The student assesses themself.
    browser_login(page, base, "student1")
    page.goto(f"{base}/trials/mine")
    page.locator("li", has_text=TRIAL).locator("a:has-text('Оценить себя')").click()
    page.wait_for_url(f"{base}/trials/enrolment/*/assess")
    for fieldset in page.locator("fieldset.scale").all()[:-1]:
        fieldset.locator("label").nth(4).click()
    page.fill("#a-liked", "Снимать двор сверху")
    page.check("input[name=would_do][value=yes]")
    page.fill("#a-why", "Хочу строить карты для города")
    _fits(page)
    assert not _small_targets(page)
    screenshot(page, "trials-self-assessment-phone")
    page.click("main form button.primary")
    page.wait_for_url(f"{base}/trials/mine")
    assert "Уверенно держит дрон" in page.content()
    screenshot(page, "trials-trace-phone")

    # The graduation document has the trial with both assessments.
    page.goto(f"{base}/portfolio/me")
    with page.expect_download() as waiting:
        page.click("text=Скачать портфолио (PDF)")
    pdf = tmp_path / "portfolio.pdf"
    waiting.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Профессиональные пробы" in text
    assert TRIAL in text and "Инструктор полигона Зуев" in text and "Снимать двор сверху" in text


def test_the_parent_allows_an_off_site_trial_and_the_student_asks_for_a_club(live_server, phone):
    page, base = phone, live_server.url
    browser_login(page, base, "student1")
    page.goto(f"{base}/trials/?field=medicine")
    page.click("text=Медицинская сестра")
    page.wait_for_url(f"{base}/trials/*")
    assert "нужно согласие родителя" in page.content()
    page.locator("form button:has-text('Записаться')").first.click()
    page.wait_for_url(f"{base}/trials/mine")
    assert "ждёт согласия родителя" in page.content()
    page.goto(f"{base}/programmes/")
    _fits(page)
    assert not _small_targets(page)
    mine = " ".join(page.locator("main section.card").first.inner_text().split())
    assert "Школьный театр «Маска»" in mine and "(окончено)" in mine
    screenshot(page, "programmes-student-phone")
    _log_out(page)

    browser_login(page, base, "parent1")
    page.goto(f"{base}/trials/family")
    _fits(page)
    assert not _small_targets(page)
    screenshot(page, "trials-family-phone")
    page.locator("li", has_text="Медицинская сестра").locator("button.primary").click()
    page.wait_for_url(f"{base}/trials/family")
    assert "согласие записано" in page.content()
    assert page.locator("li", has_text="Медицинская сестра").locator(".badge.ok").count() == 1
