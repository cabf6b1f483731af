"""Through HTTP: the grouped teacher drop-down, taking an achievement back to draft, the import templates,
and the evidence thumbnails of the review queue with the same access as the evidence."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from appliance.models.calendar import Notification
from appliance.models.people import User
from appliance.models.portfolio import Achievement, Evidence
from appliance.services import portfolio
from tests.conftest import csrf_token, post_form
from tests.conftest import login as first_login
from tests.integration.test_portfolio_web import form, new_achievement


def login(client, user: str) -> None:
    """Log in as `user`, first logging out whoever is logged in on this client."""
    with client.session_transaction() as session:
        logged_in = bool(session)
    if logged_in:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/notifications/")})
    first_login(client, user)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (30, 90, 200)).save(out, "JPEG")
    return out.getvalue()


def pdf() -> bytes:
    import pikepdf

    out = io.BytesIO()
    document = pikepdf.new()
    document.add_blank_page()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def sent(client, demo):
    """student1 sends an achievement with a photo and a PDF; the queue is otherwise empty."""
    Achievement.update(status="draft").where(Achievement.status == "submitted").execute()
    Notification.delete().execute()
    login(client, "student1")
    response = new_achievement(client, form(action="submit", title="Конкурс «Живая классика»"),
                               [(io.BytesIO(jpeg()), "диплом.jpg"), (io.BytesIO(pdf()), "грамота.pdf")])
    assert response.status_code == 302
    return Achievement.get(Achievement.title == "Конкурс «Живая классика»")


def test_the_form_groups_teachers_by_full_name(client, demo):
    login(client, "student1")
    page = client.get("/portfolio/new").get_data(as_text=True)
    select = page[page.index('<select id="teacher"'):]
    select = select[:select.index("</select>")]
    labels = re.findall(r'<optgroup label="([^"]+)"', select)
    assert labels == ["Классный руководитель", "Учителя твоего класса", "Все педагоги школы"]
    assert "Смирнова Ольга Викторовна" in select and "teacher1" not in select and "belova.m" not in select


def test_a_pupil_takes_a_sent_achievement_back_and_the_queue_forgets_it(client, demo, sent):
    page = client.get(f"/portfolio/a/{sent.id.hex}").get_data(as_text=True)
    assert "Вернуть в черновик" in page
    response = post_form(client, f"/portfolio/a/{sent.id.hex}/withdraw", page=f"/portfolio/a/{sent.id.hex}")
    assert response.status_code == 302
    assert Achievement.get_by_id(sent.id).status == "draft"
    page = client.get(f"/portfolio/a/{sent.id.hex}").get_data(as_text=True)
    assert "История" in page and "возвращено в черновик" in page
    assert "Вернуть в черновик" not in page and "Отправить на проверку" in page
    # Twice is a clear refusal, not a 500, and changes nothing.
    again = post_form(client, f"/portfolio/a/{sent.id.hex}/withdraw", page=f"/portfolio/a/{sent.id.hex}")
    assert again.status_code == 409 and "ждёт проверки" in again.get_data(as_text=True)
    login(client, "teacher1")
    assert "Живая классика" not in client.get("/review/").get_data(as_text=True)
    assert Notification.select().where(Notification.user == User.get(User.login == "teacher1")).count() == 0
    # The draft is the pupil's own again: the teacher no longer opens it.
    assert client.get(f"/portfolio/a/{sent.id.hex}").status_code == 404


def test_a_confirmed_achievement_cannot_be_withdrawn(client, demo, sent):
    portfolio.confirm(User.get(User.login == "teacher1"), sent)
    response = post_form(client, f"/portfolio/a/{sent.id.hex}/withdraw", page="/portfolio/")
    assert response.status_code == 409
    assert Achievement.get_by_id(sent.id).status == "confirmed"


def test_someone_elses_achievement_cannot_be_withdrawn(client, demo, sent):
    login(client, "parent1")
    response = post_form(client, f"/portfolio/a/{sent.id.hex}/withdraw", page="/notifications/")
    assert response.status_code in (403, 404)
    assert Achievement.get_by_id(sent.id).status == "submitted"


def test_the_queue_shows_thumbnails_and_pdf_names_with_the_evidence_access(client, demo, sent):
    photo = Evidence.get((Evidence.achievement == sent) & (Evidence.mime == "image/jpeg"))
    login(client, "teacher1")
    page = client.get("/review/").get_data(as_text=True)
    assert f"/portfolio/evidence/{photo.id.hex}/thumb" in page
    assert "грамота.pdf" in page and re.search(r"\d+ КБ", page)
    thumb = client.get(f"/portfolio/evidence/{photo.id.hex}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert max(image.size) <= 144
    assert "no-store" in thumb.headers["Cache-Control"]
    document = Evidence.get((Evidence.achievement == sent) & (Evidence.mime == "application/pdf"))
    assert client.get(f"/portfolio/evidence/{document.id.hex}/thumb").status_code == 404
    # The same access as the evidence (the access matrix tries every other person on both): the pupil's
    # parent sees both; once the pupil takes it back to draft, nobody but the pupil sees either.
    login(client, "parent1")
    assert client.get(f"/portfolio/evidence/{photo.id.hex}").status_code == 200
    assert client.get(f"/portfolio/evidence/{photo.id.hex}/thumb").status_code == 200
    portfolio.withdraw(User.get(User.login == "student1"), Achievement.get_by_id(sent.id))
    assert client.get(f"/portfolio/evidence/{photo.id.hex}").status_code == 404
    assert client.get(f"/portfolio/evidence/{photo.id.hex}/thumb").status_code == 404


@pytest.mark.parametrize("path, first", [
    ("/admin/import/template-{enc}.csv", "Роль;Фамилия;Имя;Отчество;Класс"),
    ("/calendar/manage/import/template-{enc}.csv", "Название;Уровень;Начало"),
    ("/indicators/frameworks/template-{enc}.csv", "Код;Название;Группа"),
])
def test_import_templates_download_in_both_encodings(client, demo, path, first):
    login(client, "admin")
    utf8 = client.get(path.format(enc="utf-8"))
    assert utf8.status_code == 200 and utf8.data.startswith(b"\xef\xbb\xbf")
    assert utf8.headers["Content-Disposition"].startswith("attachment")
    assert utf8.data.decode("utf-8-sig").startswith(first)
    windows = client.get(path.format(enc="cp1251"))
    assert windows.status_code == 200 and "windows-1251" in windows.headers["Content-Type"]
    assert windows.data.decode("cp1251") == utf8.data.decode("utf-8-sig")
    assert len(windows.data.decode("cp1251").strip().splitlines()) == 2
    assert client.get(path.format(enc="koi8-r")).status_code == 404


def test_the_import_pages_offer_the_templates(client, demo):
    login(client, "admin")
    for page, link in (("/admin/import", "/admin/import/template-cp1251.csv"),
                       ("/calendar/manage/import", "/calendar/manage/import/template-utf-8.csv"),
                       ("/indicators/frameworks", "/indicators/frameworks/template-cp1251.csv")):
        assert link in client.get(page).get_data(as_text=True)
    login(client, "student1")
    assert client.get("/admin/import/template-utf-8.csv").status_code in (302, 403, 404)
