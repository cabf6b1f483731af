"""The portal through HTTP: logins, activation, roles, imports, cards — with the bad inputs."""

import io
import re
import subprocess

import pytest

from appliance.models.people import ClassGroup, User
from appliance.services import accounts
from appliance.services.school import class_of, students_of
from tests.conftest import DEMO_PASSWORD, csrf_token, login, post_form


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("user, heading", [
    ("student1", "Привет,"), ("teacher1", "Мои классы"), ("parent1", "Мои дети"), ("admin", "Школа № 619"),
])
def test_each_role_lands_on_its_home_in_russian(client, demo, user, heading):
    login(client, user)
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200
    assert heading in text(page)
    assert 'lang="ru"' in text(page)


def test_wrong_password_and_unknown_login(client, demo):
    for user in ("student1", "nobody"):
        page = post_form(client, "/login", {"login": user, "password": "не-тот-пароль"})
        assert page.status_code == 401
        assert "Неверный логин или пароль" in text(page)
    assert client.get("/student/").status_code == 302  # still not logged in


def test_lockout_after_repeated_failures(client, demo):
    for _ in range(5):
        post_form(client, "/login", {"login": "student1", "password": "мимо"})
    page = post_form(client, "/login", {"login": "student1", "password": DEMO_PASSWORD})
    assert page.status_code == 429
    assert "Слишком много неудачных попыток" in text(page)


def test_csrf_token_missing_is_refused(client, demo):
    page = client.post("/login", data={"login": "student1", "password": DEMO_PASSWORD})
    assert page.status_code == 400
    assert "Форма устарела" in text(page)
    assert client.get("/student/").status_code == 302


def test_activation_by_code_then_reuse_and_expiry(client, demo):
    pending = User.get((User.role == "student") & User.password_hash.is_null())
    code = accounts.issue_activation_code(pending)
    page = client.get(f"/activate?code={code}")
    assert pending.login in text(page)
    done = post_form(client, "/activate", {"code": code, "password": "мой-пароль-7", "repeat": "мой-пароль-7"},
                     page="/activate")
    assert done.status_code == 302
    assert "Привет" in text(client.get("/", follow_redirects=True))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/student/")})
    reused = post_form(client, "/activate", {"code": code, "password": "другой-пароль-8", "repeat": "другой-пароль-8"})
    assert reused.status_code == 404 and "уже использован" in text(reused)

    other = User.get((User.role == "student") & User.password_hash.is_null())
    code = accounts.issue_activation_code(other, days=-1)
    expired = post_form(client, "/activate", {"code": code, "password": "мой-пароль-7", "repeat": "мой-пароль-7"})
    assert expired.status_code == 410 and "Срок действия кода истёк" in text(expired)
    assert User.get_by_id(other.id).password_hash is None


def test_logout_ends_the_session(client, demo):
    login(client, "student1")
    assert client.get("/student/").status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_token(client, "/student/")})
    assert out.status_code == 302
    assert client.get("/student/").status_code == 302


def test_password_change_ends_other_sessions(app, demo):
    first, second = app.test_client(), app.test_client()
    login(first, "student1")
    login(second, "student1")
    changed = post_form(first, "/password", {"current": DEMO_PASSWORD, "password": "новый-пароль-9",
                                             "repeat": "новый-пароль-9"})
    assert changed.status_code == 302
    assert first.get("/student/").status_code == 200
    assert second.get("/student/").status_code == 302


@pytest.mark.parametrize("path", ["/teacher/", "/parent/", "/admin/", "/admin/users", "/admin/import"])
def test_student_cannot_open_other_roles_pages(client, demo, path):
    login(client, "student1")
    assert client.get(path).status_code == 403


def test_no_one_sees_students_who_are_not_theirs(app, demo):
    student1 = User.get(User.login == "student1")
    other_class = ClassGroup.get(ClassGroup.name == "11А")
    stranger = students_of(other_class)[0]
    classmate = [s for s in students_of(class_of(student1)) if s.id != student1.id][0]

    teacher = app.test_client()
    login(teacher, "teacher1")  # teaches 7Б and 5А, not 11А
    assert teacher.get(f"/teacher/student/{student1.id.hex}").status_code == 200
    assert teacher.get(f"/teacher/student/{stranger.id.hex}").status_code == 404
    assert teacher.get(f"/teacher/class/{other_class.id.hex}").status_code == 404
    assert teacher.get("/teacher/student/not-a-uuid").status_code == 404

    parent = app.test_client()
    login(parent, "parent1")
    assert parent.get(f"/parent/child/{student1.id.hex}").status_code == 200
    page = parent.get(f"/parent/child/{classmate.id.hex}")
    assert page.status_code == 404 and classmate.last_name not in text(page)


def test_admin_imports_a_class_list(client, demo):
    login(client, "admin")
    data = "Роль;ФИО;Класс\nученик;Новиков Тимур Андреевич;7Б\n".encode("cp1251")
    page = post_form(client, "/admin/import", {"file": (io.BytesIO(data), "7b.csv")},
                     content_type="multipart/form-data")
    assert page.status_code == 200 and "создано учётных записей — 1" in text(page)
    assert User.get_or_none(User.full_name == "Новиков Тимур Андреевич")


def test_bad_import_lists_rows_and_changes_nothing(client, demo):
    login(client, "admin")
    before = User.select().count()
    data = "Роль;ФИО;Класс\nученик;;7Б\nученик;Орлов Лев;99Я\n".encode()
    page = post_form(client, "/admin/import", {"file": (io.BytesIO(data), "bad.csv")},
                     content_type="multipart/form-data")
    assert page.status_code == 422
    body = text(page)
    assert "не указаны фамилия и имя" in body and "Неизвестный класс «99Я»" in body
    assert User.select().count() == before


@pytest.mark.parametrize("payload, status, words", [
    (b"PK\x03\x04" + b"0" * 100, 415, "Это не CSV-файл"),
    ("ФИО\nИванов Иван\n".encode(), 422, "нет обязательных колонок: Роль"),
])
def test_import_refuses_non_csv_and_missing_columns(client, demo, payload, status, words):
    login(client, "admin")
    page = post_form(client, "/admin/import", {"file": (io.BytesIO(payload), "list.csv")},
                     content_type="multipart/form-data")
    assert page.status_code == status and words in text(page)


def test_huge_upload_is_refused_before_it_is_read(client, demo):
    login(client, "admin")
    token = csrf_token(client, "/admin/import")
    page = client.post("/admin/import", data={"csrf_token": token,
                                              "file": (io.BytesIO(b"a" * (50 * 1024 * 1024)), "big.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 413
    assert "Файл слишком большой" in text(page)


def test_admin_prints_cards_and_resets_a_password(client, demo, tmp_path):
    login(client, "admin")
    pdf = post_form(client, "/admin/cards", {"class_name": "7Б"}, page="/admin/")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "cards.pdf").write_bytes(pdf.data)
    extracted = subprocess.run(["pdftotext", str(tmp_path / "cards.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Код для первого входа" in extracted and "7Б класс" in extracted

    student1 = User.get(User.login == "student1")
    done = post_form(client, f"/admin/users/{student1.id.hex}/reset", page="/admin/users")
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", text(done)).group(0)
    assert User.get_by_id(student1.id).password_hash is None
    assert accounts.find_by_activation_code(code).id == student1.id


@pytest.mark.parametrize("bad", ["not-a-uuid", "0" * 32, "1"])
def test_malformed_or_unknown_ids_are_a_russian_404(client, demo, bad):
    login(client, "admin")
    refused = post_form(client, f"/admin/users/{bad}/reset", page="/admin/users")
    assert refused.status_code == 404 and "Пользователь не найден" in text(refused)
    for path in (f"/calendar/event/{bad}", f"/surveys/{bad}/results"):
        assert client.get(path).status_code == 404


def test_healthz_and_security_headers(client, db):
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "ok" and body["schema_version"] >= 1 and body["version"]
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in text(page)


def test_english_when_chosen(client, demo):
    switched = post_form(client, "/language", {"lang": "en", "next": "/login"}, page="/login")
    assert switched.status_code == 302
    page = client.get("/login")
    assert 'lang="en"' in text(page)
    assert "Log in" in text(page)


def test_unknown_page_is_a_russian_404(client, db):
    page = client.get("/nope")
    assert page.status_code == 404 and "Страница не найдена" in text(page)
