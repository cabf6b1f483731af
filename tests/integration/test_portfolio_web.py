"""The portfolio through HTTP: every bad input the school listed is refused clearly, with the
right status, and leaves nothing behind; pages show typed HTML as text."""

from __future__ import annotations

import datetime
import io
import re
import subprocess

import pytest
from PIL import Image

from appliance.models.people import User
from appliance.models.portfolio import Achievement, CatalogEntry, Evidence
from appliance.services import portfolio
from tests.conftest import csrf_token, login, post_form


def entry(catalog: str, code: str) -> str:
    return CatalogEntry.get((CatalogEntry.catalog == catalog) & (CatalogEntry.code == code)).id.hex


def form(**extra) -> dict:
    data = {"title": "Олимпиада Эйлера по математике", "date": datetime.date.today().isoformat(),
            "kind": entry("kind", "olympiad"), "direction": entry("direction", "science"),
            "level": entry("level", "regional"), "result": entry("result", "winner"),
            "teacher": "", "teacher_role": "", "organizer": "", "description": "", "in_document": "1",
            "action": "save"}
    data.update(extra)
    return data


def jpeg(size=(120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(out, "JPEG")
    return out.getvalue()


def stored_files(settings) -> list:
    return [p for p in settings.uploads_dir.rglob("*") if p.is_file()]


@pytest.fixture
def student(client, demo):
    login(client, "student1")
    return User.get(User.login == "student1")


def new_achievement(client, data: dict, files=None):
    token = csrf_token(client, "/portfolio/new")
    payload = {**data, "csrf_token": token}
    if files:
        payload["files"] = files
    return client.post("/portfolio/new", data=payload, content_type="multipart/form-data")


def test_student_adds_draft_with_photo_and_submits(client, student, settings):
    response = new_achievement(client, form(action="submit"), [(io.BytesIO(jpeg()), "диплом.jpg")])
    assert response.status_code == 302
    a = Achievement.get((Achievement.student == student) & (Achievement.title == "Олимпиада Эйлера по математике")
                        & (Achievement.status == "submitted") & Achievement.id.in_(Evidence.select(Evidence.achievement)))
    assert a.status == "submitted"
    evidence = Evidence.get(Evidence.achievement == a)
    page = client.get(f"/portfolio/a/{a.id.hex}").get_data(as_text=True)
    assert "на проверке" in page and "диплом.jpg" in page
    photo = client.get(f"/portfolio/evidence/{evidence.id.hex}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert "inline" in photo.headers["Content-Disposition"]
    download = client.get(f"/portfolio/evidence/{evidence.id.hex}?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/portfolio/evidence/{evidence.id.hex}/preview").mimetype == "image/jpeg"
    listing = client.get("/portfolio/").get_data(as_text=True)
    assert "Олимпиада Эйлера по математике" in listing


@pytest.mark.parametrize("change, message", [
    ({"date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}, "не может быть в будущем"),
    ({"date": "2001-05-01"}, "раньше начала учёбы"),
    ({"title": "   "}, "Укажи название достижения"),
    ({"date": "31.02.2026"}, "не читается"),
    ({"title": "Я" * 201}, "Поле «Название» длиннее 200 знаков"),
    ({"organizer": "О" * 201}, "Поле «Организатор» длиннее 200 знаков"),
    ({"level": "00000000000000000000000000000000"}, "нет такого значения"),
])
def test_bad_fields_refused_and_nothing_stored(client, student, settings, change, message):
    before = Achievement.select().count()
    response = new_achievement(client, form(**change), [(io.BytesIO(jpeg()), "фото.jpg")])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Achievement.select().count() == before
    assert stored_files(settings) == []


def test_thirty_megabyte_photo_refused(client, student, settings):
    before = Achievement.select().count()
    huge = b"\xff\xd8\xff\xe0" + b"\x00" * (30 * 1024 * 1024)
    response = new_achievement(client, form(), [(io.BytesIO(huge), "огромное.jpg")])
    assert response.status_code == 413
    assert "Файл слишком большой" in response.get_data(as_text=True)
    # Under the request limit but over the per-file limit: the portfolio's own message.
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (12 * 1024 * 1024)
    response = new_achievement(client, form(), [(io.BytesIO(big), "большое.jpg")])
    assert response.status_code == 413
    assert "больше 10 МБ" in response.get_data(as_text=True)
    assert Achievement.select().count() == before
    assert stored_files(settings) == []


@pytest.mark.parametrize("name, data, message", [
    ("diplom.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 2000, "это программа"),
    ("diplom.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
     "содержит скрипт"),
    ("diplom.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/")</script></svg>', "содержит скрипт"),
    ("diplom.png", b"just text, not a picture", "не похож ни на фото, ни на PDF"),
])
def test_refused_file_forms_leave_nothing(client, student, settings, name, data, message):
    before = Achievement.select().count()
    response = new_achievement(client, form(), [(io.BytesIO(jpeg()), "хорошее.jpg"), (io.BytesIO(data), name)])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Achievement.select().count() == before
    assert stored_files(settings) == []


def test_file_name_with_dots_and_slashes_is_sanitised(client, student, settings):
    response = new_achievement(client, form(), [(io.BytesIO(jpeg()), "../../../etc/диплом.jpg")])
    assert response.status_code == 302
    row = Evidence.get()
    assert row.original_name == "диплом.jpg"
    for path in stored_files(settings):
        assert settings.uploads_dir in path.parents
    download = client.get(f"/portfolio/evidence/{row.id.hex}?download=1")
    assert ".." not in download.headers["Content-Disposition"]


def test_html_in_text_fields_shown_as_text(client, student, demo):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = new_achievement(client, form(title="Конкурс " + evil, description=evil, organizer=evil,
                                            action="submit"))
    assert response.status_code == 302
    a = Achievement.get(Achievement.title == "Конкурс " + evil)
    for path in (f"/portfolio/a/{a.id.hex}", "/portfolio/", f"/portfolio/student/{student.id.hex}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    post_form(client, "/portfolio/hobbies", {"title": evil, "description": evil, "direction": "", "since_year": ""})
    assert "<script>alert" not in client.get("/portfolio/hobbies").get_data(as_text=True)
    teacher = client.application.test_client()
    login(teacher, "teacher1")
    queue = teacher.get("/review/").get_data(as_text=True)
    assert "&lt;script&gt;" in queue and "<script>alert" not in queue


def test_other_students_achievement_by_url_or_form(client, student, demo):
    other = User.select().where((User.role == "student") & (User.login != "student1")).first()
    theirs = portfolio.create_draft(other, title="Чужое достижение")
    assert client.get(f"/portfolio/a/{theirs.id.hex}/edit").status_code == 404
    token = csrf_token(client, "/portfolio/new")
    response = client.post(f"/portfolio/a/{theirs.id.hex}/edit", data={**form(title="Взлом"), "csrf_token": token})
    assert response.status_code == 404
    assert client.post(f"/portfolio/a/{theirs.id.hex}/submit", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/portfolio/a/{theirs.id.hex}/delete", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/portfolio/a/{theirs.id.hex}").status_code == 404
    response = post_form(client, "/portfolio/reflection", {"description": "Моё", "achievement": theirs.id.hex},
                         page="/portfolio/reflection")
    assert response.status_code == 404
    assert Achievement.get_by_id(theirs.id).title == "Чужое достижение"
    assert client.get(f"/portfolio/student/{other.id.hex}").status_code == 404


def test_teacher_confirming_not_theirs_is_forbidden(client, demo):
    student = User.get(User.login == "student1")
    a = portfolio.create_draft(student, **{k: v for k, v in form().items()
                                           if k in portfolio.EDITABLE_FIELDS and k != "in_document"})
    portfolio.submit(student, a)
    stranger = User.get((User.role == "teacher") & (User.last_name == "Ершов"))
    from appliance.services import accounts

    accounts.set_password(stranger, "stranger-pass-2026")
    login(client, stranger.login, "stranger-pass-2026")
    token = csrf_token(client, "/review/")
    response = client.post(f"/review/{a.id.hex}/confirm", data={"csrf_token": token})
    assert response.status_code in (403, 404)
    response = client.post("/review/bulk", data={"csrf_token": token, "ids": [a.id.hex]})
    assert response.status_code == 403
    assert "только педагог" in response.get_data(as_text=True)
    assert Achievement.get_by_id(a.id).status == "submitted"
    # The class teacher may, and the student sees it confirmed.
    teacher = client.application.test_client()
    login(teacher, "teacher1")
    assert a.title in teacher.get("/review/").get_data(as_text=True)
    response = post_form(teacher, f"/review/{a.id.hex}/confirm", {"comment": "Молодец"}, page="/review/")
    assert response.status_code == 302
    assert Achievement.get_by_id(a.id).status == "confirmed"


def test_parent_reads_but_cannot_edit(client, demo):
    student = User.get(User.login == "student1")
    a = portfolio.create_draft(student, title="Конкурс чтецов «Живая классика»")
    # A sent one: a draft is the student's own (test_leaks_access).
    Achievement.update(status="submitted").where(Achievement.id == a.id).execute()
    login(client, "parent1")
    assert client.get(f"/portfolio/student/{student.id.hex}").status_code == 200
    assert client.get(f"/portfolio/a/{a.id.hex}").status_code == 200
    token = csrf_token(client, "/portfolio/family")
    for path in (f"/portfolio/a/{a.id.hex}/edit", "/portfolio/new", f"/portfolio/a/{a.id.hex}/submit",
                 f"/portfolio/a/{a.id.hex}/delete", "/portfolio/hobbies", "/portfolio/competencies"):
        response = client.post(path, data={**form(title="Правка родителя"), "csrf_token": token})
        assert response.status_code == 403, path
    assert Achievement.get_by_id(a.id).title == "Конкурс чтецов «Живая классика»"


def test_parent_records_consent(client, demo):
    from appliance.models.people import ParentLink

    student = User.get(User.login == "student1")
    login(client, "parent1")
    path = f"/portfolio/student/{student.id.hex}/consent"
    post_form(client, path, {"action": "withdraw"})
    assert post_form(client, path, {"action": "give"}).status_code == 422  # the box not ticked
    assert post_form(client, path, {"action": "give", "agree": "1"}).status_code == 302
    link = ParentLink.get(ParentLink.student == student)
    assert link.consent_version == "2026-09" and link.consent_given_at is not None
    page = client.get(path).get_data(as_text=True)
    assert "Согласие дано" in page and "редакция 2026-09" in page
    from appliance import __version__

    assert f"«Окей, школа» {__version__}" in page  # the footer keeps the program's version


def test_pdf_and_json_download(client, student, tmp_path):
    response = client.get(f"/portfolio/student/{student.id.hex}/portfolio.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert student.full_name in text and "Портфолио" in text and "подтверждено" in text
    data = client.get(f"/portfolio/student/{student.id.hex}/portfolio.json").get_json()
    assert data["student"]["full_name"] == student.full_name
    assert data["format"] == "okey-portfolio"
    confirmed = [a for a in data["achievements"] if a["confirmed"]]
    assert confirmed and all(a["confirmed_by"] for a in confirmed)


def test_charts_are_svg_without_script(client, student):
    for kind in ("radar", "growth", "levels"):
        response = client.get(f"/portfolio/student/{student.id.hex}/chart/{kind}.svg")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        body = response.get_data(as_text=True)
        assert "<svg" in body and "<script" not in body
    page = client.get(f"/portfolio/student/{student.id.hex}").get_data(as_text=True)
    assert re.search(r'<img src="/portfolio/student/[0-9a-f]+/chart/radar.svg" '
                     r'alt="(Лепестковая|Столбчатая) диаграмма: \d+ компетенц', page)


def test_admin_indicators_and_lists(client, demo):
    login(client, "admin")
    page = client.get("/indicators/").get_data(as_text=True)
    assert "учеников хотя бы с одним подтверждённым достижением" in page
    assert "цель — 25 %" in page
    csv_text = client.get("/indicators/indicators.csv").get_data(as_text=True)
    assert "Доля, %" in csv_text
    response = post_form(client, "/indicators/lists", {"catalog": "kind", "name": "Хакатон"})
    assert response.status_code == 302
    assert CatalogEntry.get_or_none(CatalogEntry.name == "Хакатон") is not None
    response = post_form(client, "/indicators/lists", {"catalog": "kind", "name": "  "})
    assert response.status_code == 422 and "не может быть пустым" in response.get_data(as_text=True)
    assert "Нет согласия" in client.get("/indicators/consent").get_data(as_text=True)
    bad = io.BytesIO("код;название\n1;\n".encode())
    response = client.post("/indicators/frameworks", data={"csrf_token": csrf_token(client, "/indicators/frameworks"),
                                                            "action": "import", "name": "Модель", "code": "m1",
                                                            "file": (bad, "m.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "строка 2" in response.get_data(as_text=True)
    # Nobody else opens the indicators.
    teacher = client.application.test_client()
    login(teacher, "teacher1")
    assert teacher.get("/indicators/").status_code == 403


@pytest.mark.parametrize("timezone", ["Europe/Moscow", "Asia/Vladivostok"])
def test_the_schools_today_is_not_the_future_while_the_servers_utc_day_lags(client, student, timezone):
    """At 01:30 at the school the server's UTC day is still yesterday (in Vladivostok for ten hours a day):
    an achievement of the school's today is accepted, and the next day is still refused."""
    import time_machine

    from appliance.models.people import School

    School.update(timezone=timezone).execute()
    client.application.config["OKEY_SETTINGS"].school.timezone = timezone
    local = datetime.datetime(2026, 11, 30, 1, 30, tzinfo=__import__("zoneinfo").ZoneInfo(timezone))
    # In UTC: a zone-aware destination would also move this process's own zone (time-machine does so).
    with time_machine.travel(local.astimezone(datetime.UTC), tick=False):
        assert datetime.datetime.now(datetime.UTC).date() == datetime.date(2026, 11, 29)
        page = client.get("/portfolio/new").get_data(as_text=True)
        assert 'value="2026-11-30"' in page  # the form offers the school's day
        response = new_achievement(client, form(title="Турнир в ночь на понедельник", date="2026-11-30"))
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert Achievement.get(Achievement.title == "Турнир в ночь на понедельник").date == datetime.date(2026, 11, 30)
        future = new_achievement(client, form(title="Завтрашний турнир", date="2026-12-01"))
        assert future.status_code == 422 and "не может быть в будущем" in future.get_data(as_text=True)
