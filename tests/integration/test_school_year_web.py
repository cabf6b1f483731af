"""The school year on the web and the command line: the rollover with its preview, a student's
moves, a leaver's session and feed, the graduate's read-only account, the class teacher's cards,
the import preview, the export round trip, and two rollovers at once."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile

from appliance.db import database
from appliance.models.audit import AuditLog
from appliance.models.people import ClassGroup, ClassMembership, School, Student, User
from appliance.services import accounts, years
from appliance.services import school as school_service
from tests.conftest import DEMO_PASSWORD, csrf_token, login, open_migrated, post_form, run_okey


def _year_form(client) -> dict:
    page = client.get("/admin/year").get_data(as_text=True)
    school = School.get()
    return {"from_year": str(school.current_year), "to_year": str(school.current_year + 1)}, page


def test_the_administrator_closes_the_year_from_the_preview(client, demo):
    login(client, "admin")
    form, page = _year_form(client)
    assert "7Б" in page and "8Б" in page and "выпуск" in page
    assert School.get().current_year == int(form["from_year"]), "the preview writes nothing"
    response = post_form(client, "/admin/year", form, page="/admin/year")
    assert response.status_code == 302
    student1 = User.get(User.login == "student1")
    assert school_service.class_of(student1).name == "8Б"
    assert not ClassGroup.select().where(ClassGroup.grade == 11, ClassGroup.name == "11А").exists() or \
        school_service.students_of(ClassGroup.get(ClassGroup.name == "11А"))
    # the same form sent again (a double click, a second tab) is told and changes nothing
    again = post_form(client, "/admin/year", form, page="/admin/year")
    assert again.status_code == 409
    assert "уже переведён" in again.get_data(as_text=True)
    assert AuditLog.select().where(AuditLog.action == "year.rollover").count() == 1
    # the student sees the new class, last year's achievements keep the old one
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, "student1")
    home = client.get("/student/").get_data(as_text=True)
    assert "8Б" in home
    achievements = client.get("/portfolio/").get_data(as_text=True)
    assert f"7Б, {years.label(int(form['from_year']))}" in achievements


def test_a_stale_rollover_form_is_refused_in_russian(client, demo):
    login(client, "admin")
    response = post_form(client, "/admin/year", {"from_year": "x", "to_year": "2027"}, page="/admin/year")
    assert response.status_code == 400 and "Форма устарела" in response.get_data(as_text=True)


def test_a_move_to_a_class_that_does_not_exist_is_refused(client, demo):
    login(client, "admin")
    student1 = User.get(User.login == "student1")
    path = f"/admin/student/{student1.id.hex}"
    response = post_form(client, path + "/move", {"class_name": "7Я"}, page=path)
    assert response.status_code == 404 and "Класс «7Я» не найден" in response.get_data(as_text=True)
    response = post_form(client, path + "/move", {"class_name": "<script>"}, page=path)
    assert response.status_code == 400 and "Неизвестный класс" in response.get_data(as_text=True)
    assert school_service.class_of(student1).name == "7Б"


def test_a_leavers_session_and_calendar_feed_stop_at_once(app, demo):
    from appliance.services import calendar

    student_client, admin_client = app.test_client(), app.test_client()
    login(student_client, "student1")
    assert student_client.get("/student/").status_code == 200
    student1 = User.get(User.login == "student1")
    token = calendar.issue_feed_token(student1)
    assert student_client.get(f"/calendar/feed/{token}.ics").status_code == 200
    login(admin_client, "admin")
    path = f"/admin/student/{student1.id.hex}"
    assert post_form(admin_client, path + "/leave", page=path).status_code == 302
    assert student_client.get("/student/").status_code in (302, 401)
    assert app.test_client().get(f"/calendar/feed/{token}.ics").status_code == 404
    parent1 = User.get(User.login == "parent1")
    assert not parent1.active, "the parent's access ends with the child's"
    # and the same account comes back
    assert post_form(admin_client, path + "/return", {"class_name": "7Б"}, page=path).status_code == 302
    assert User.get(User.login == "student1").active and User.get(User.login == "parent1").active


def test_a_graduate_reads_and_downloads_but_may_not_edit(app, demo):
    client = app.test_client()
    student1 = User.get(User.login == "student1")
    from appliance.services import enrolment

    enrolment.graduate(student1)
    login(client, "student1")
    home = client.get("/student/").get_data(as_text=True)
    assert "Вы выпускник" in home
    assert client.get(f"/portfolio/student/{student1.id.hex}/portfolio.pdf").status_code == 200
    before = User.get(User.login == "student1").achievements.count()
    response = post_form(client, "/portfolio/new", {"title": "Новое", "date": "2026-10-01"}, page="/portfolio/new")
    assert response.status_code == 403 and "только для просмотра" in response.get_data(as_text=True)
    assert User.get(User.login == "student1").achievements.count() == before
    assert post_form(client, "/student/alumni", {"listed": "1"}, page="/student/").status_code == 302
    assert Student.get(Student.user == student1).alumni_listed


def test_a_class_teacher_prints_a_card_for_their_own_student_only(app, demo):
    client = app.test_client()
    student1 = User.get(User.login == "student1")
    teacher = school_service.class_teachers(school_service.class_of(student1))[0]
    accounts.set_password(teacher, DEMO_PASSWORD)
    login(client, teacher.login)
    page = f"/teacher/student/{student1.id.hex}"
    response = post_form(client, f"/teacher/card/{student1.id.hex}", page=page)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert User.get_by_id(student1.id).activation_code_hash is not None
    stranger = next(u for g in school_service.classes(student1.school) if g.id != school_service.class_of(student1).id
                    for u in school_service.students_of(g))
    before = stranger.activation_code_hash
    response = post_form(client, f"/teacher/card/{stranger.id.hex}", page=page)
    assert response.status_code == 404
    assert User.get_by_id(stranger.id).activation_code_hash == before, "nothing written"
    assert "Ещё не входили" in client.get(f"/teacher/class/{school_service.class_of(student1).id.hex}").get_data(
        as_text=True)


def test_the_class_teacher_builds_the_class_documents_and_watches_the_progress(app, demo, settings):
    import time

    from appliance.services import class_export

    client = app.test_client()
    group = ClassGroup.get(ClassGroup.name == "7Б")
    teacher = school_service.class_teachers(group)[0]
    accounts.set_password(teacher, DEMO_PASSWORD)
    login(client, teacher.login)
    page_path = f"/teacher/class/{group.id.hex}/documents"
    assert page_path in client.get(f"/teacher/class/{group.id.hex}").get_data(as_text=True)
    # Nothing built yet: the download leads to the page, the page offers the build.
    assert client.get(page_path + ".zip").headers["Location"].endswith(page_path)
    page = client.get(page_path).get_data(as_text=True)
    assert "Собрать документы" in page
    started = post_form(client, page_path, {})
    assert started.status_code == 303 and started.headers["Location"].endswith(page_path)
    watching = client.get(page_path).get_data(as_text=True)
    if "Собираем документы" in watching:  # while it runs: how far, and a plain reload link (no JavaScript)
        assert "Готово" in watching and 'id="documents-refresh"' in watching and "<progress" in watching
        # A second start while it runs is the same build.
        post_form(client, page_path, {}, page=page_path)
    deadline = time.monotonic() + 300
    while class_export.status(settings, group).state == "building" and time.monotonic() < deadline:
        time.sleep(0.5)
    ready = client.get(page_path).get_data(as_text=True)
    assert "Документы готовы" in ready and "Скачать ZIP" in ready and "documents-refresh" not in ready
    response = client.get(page_path + ".zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == len(school_service.students_of(group)) and all(n.endswith(".pdf") for n in names)
    assert AuditLog.select().where(AuditLog.action == "export", AuditLog.detail.contains("7Б started")).count() == 1
    # A teacher who does not lead the class: not found, nothing started.
    other = ClassGroup.get(ClassGroup.name != "7Б")
    assert client.get(f"/teacher/class/{other.id.hex}/documents").status_code == 404
    assert post_form(client, f"/teacher/class/{other.id.hex}/documents", {}, page=page_path).status_code == 404
    assert class_export.status(settings, other) is None


def test_the_family_archive_and_deletion_on_request(app, demo, settings):
    client = app.test_client()
    login(client, "admin")
    student1 = User.get(User.login == "student1")
    path = f"/admin/student/{student1.id.hex}"
    archive = client.get(path + "/archive.zip")
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert {"portfolio.pdf", "portfolio.json", "data.json", "goals.json", "README.txt"} <= set(names)
    wrong = post_form(client, path + "/delete", {"confirm_login": "someone"}, page=path)
    assert wrong.status_code == 400 and User.get_or_none(User.login == "student1") is not None
    assert post_form(client, path + "/delete", {"confirm_login": "student1"}, page=path).status_code == 302
    assert User.get_or_none(User.login == "student1") is None
    assert User.get_or_none(User.login == "parent1") is None
    assert AuditLog.select().where(AuditLog.action == "person.deleted").count() == 1


def test_the_import_preview_says_what_each_row_will_do_and_writes_nothing(app, demo):
    client = app.test_client()
    login(client, "admin")
    kid = school_service.students_of(ClassGroup.get(ClassGroup.name == "7Б"))[1]
    data = f"Роль;ФИО;Класс\nученик;{kid.full_name};8Б\nученик;Новиков Ян Петрович;8Б\n".encode()
    before = User.select().count()
    response = client.post("/admin/import", data={"csrf_token": csrf_token(client, "/admin/import"), "preview": "1",
                                                  "file": (io.BytesIO(data), "list.csv")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "переводится" in text and "новый" in text
    assert User.select().count() == before


def test_the_class_list_export_is_safe_for_excel(app, demo):
    client = app.test_client()
    login(client, "admin")
    kid = school_service.students_of(ClassGroup.get(ClassGroup.name == "7Б"))[0]
    User.update(first_name='=cmd|"/c calc"!A1', last_name="Иванов; Пётр").where(User.id == kid.id).execute()
    response = client.get("/admin/classes.csv?class_name=7Б")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    row = next(r for r in rows if r[5] == kid.login)
    assert row[1] == "Иванов; Пётр" and row[2] == "'=cmd|\"/c calc\"!A1"
    assert client.get("/admin/classes.csv?class_name=7Я").status_code == 404


# -- the command line ----------------------------------------------------------------------------

def test_export_then_import_creates_no_account(demo_data_dir, tmp_path):
    out = tmp_path / "8b.csv"
    run_okey("users", "export", "--class", "7Б", "--out", str(out), data_dir=demo_data_dir)
    result = run_okey("users", "import", str(out), data_dir=demo_data_dir)
    assert "Создано учётных записей: 0" in result.stdout


def test_the_rollover_command_previews_runs_once_and_twice_changes_nothing(demo_data_dir):
    settings_year = _open_year(demo_data_dir)
    target = years.label(settings_year + 1)
    dry = run_okey("year", "rollover", "--to", target, "--dry-run", data_dir=demo_data_dir)
    assert "7Б → 8Б" in dry.stdout and "ничего не записано" in dry.stdout
    assert _open_year(demo_data_dir) == settings_year
    run_okey("year", "rollover", "--to", target, "--yes", data_dir=demo_data_dir)
    assert _open_year(demo_data_dir) == settings_year + 1
    again = run_okey("year", "rollover", "--to", target, "--yes", data_dir=demo_data_dir)
    assert "уже открыт" in again.stdout
    # and the next year after it: every student still has one account
    run_okey("year", "rollover", "--to", years.label(settings_year + 2), "--yes", data_dir=demo_data_dir)
    from tests.conftest import data_dir_settings

    open_migrated(data_dir_settings(demo_data_dir))
    try:
        student1 = User.get(User.login == "student1")
        assert school_service.class_of(student1).name == "9Б"
        assert [m.class_name for m in years.history(student1)][-3:] == ["7Б", "8Б", "9Б"]
        assert ClassMembership.select().where(ClassMembership.outcome == "graduated").count() > 0
    finally:
        database.close()


def test_a_rollover_with_a_wrong_year_is_refused(demo_data_dir):
    result = run_okey("year", "rollover", "--to", "2030/35", "--yes", data_dir=demo_data_dir, check=False)
    assert result.returncode != 0 and "не распознан" in result.stderr


def test_two_rollovers_at_once_one_wins_the_other_is_told(demo_data_dir):
    target = years.label(_open_year(demo_data_dir) + 1)
    command = [sys.executable, "-m", "appliance.cli", "year", "rollover", "--to", target, "--yes",
               "--data", str(demo_data_dir)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    done = [out for out, _ in outputs if "Готово" in out]
    told = [out + err for out, err in outputs if "Готово" not in out]
    assert len(done) == 1 and len(told) == 1
    assert "уже" in told[0]
    from tests.conftest import data_dir_settings

    open_migrated(data_dir_settings(demo_data_dir))
    try:
        assert AuditLog.select().where(AuditLog.action == "year.rollover").count() == 1
        assert school_service.class_of(User.get(User.login == "student1")).name == "8Б"
    finally:
        database.close()


def _open_year(data_dir) -> int:
    from tests.conftest import data_dir_settings

    open_migrated(data_dir_settings(data_dir))
    try:
        return School.get().current_year
    finally:
        database.close()
