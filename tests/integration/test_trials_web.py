"""Partners, profession trials and programmes on the web: the pages, each bad input of the issue
(a full session, the last place asked for at once, a grade-5 student, an expert link used twice or
expired, deleting an organisation with trials), and the district's analytics of them."""

from __future__ import annotations

import datetime
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from appliance.db import database
from appliance.models.people import ParentLink, User
from appliance.models.trials import ExpertLink, Organisation, ProfessionTrial, TrialEnrolment, TrialSession
from appliance.services import accounts, trials
from appliance.services import school as school_service
from tests.conftest import DEMO_PASSWORD, LiveServer, csrf_token, data_dir_settings, free_port, login, post_form, school_today

TODAY = school_today()


def _trial(school, *, capacity=1, sessions=2, off_site=False, title="Кондитер") -> tuple[ProfessionTrial, list]:
    org = trials.save_organisation(school, {"name": f"Фабрика «{title}»", "kind": "enterprise"})
    trial = trials.save_trial(school, {"title": title, "organisation": org.id.hex, "field": "service",
                                       "off_site": "1" if off_site else ""},
                              [c.id.hex for c in trials.model_competencies()[:2]])
    made = [trials.add_session(trial, {"starts_on": (TODAY + datetime.timedelta(days=4 + 7 * n)).isoformat(),
                                       "capacity": capacity}) for n in range(sessions)]
    return trial, made


def _student(school, class_name: str, index: int = 0) -> User:
    user = school_service.students_of(school_service.find_class(school, class_name))[index]
    accounts.set_password(user, DEMO_PASSWORD)
    return user


def test_the_student_finds_a_trial_signs_up_and_sees_it_in_the_calendar(demo, client):
    trial, (session, _second) = _trial(demo.school, capacity=3, title="Пекарь")
    login(client, "student1")
    page = client.get("/trials/?field=service").get_data(as_text=True)
    assert "Пекарь" in page
    assert f"/trials/{trial.id.hex}" not in client.get("/trials/?field=medicine").get_data(as_text=True)
    detail = f"/trials/{trial.id.hex}"
    response = post_form(client, f"/trials/session/{session.id.hex}/sign-up", page=detail)
    assert response.status_code == 302
    month = client.get(f"/calendar/?m={session.starts_on:%Y-%m}")
    assert "Пекарь" in month.get_data(as_text=True)
    assert "Пекарь" in client.get("/trials/mine").get_data(as_text=True)


def test_a_full_session_is_refused_with_the_next_free_one_suggested(demo, client):
    trial, (first, second) = _trial(demo.school)
    other = _student(demo.school, "7Б", 3)
    trials.sign_up(other, first.id, TODAY)
    login(client, "student1")
    response = post_form(client, f"/trials/session/{first.id.hex}/sign-up", page=f"/trials/{trial.id.hex}")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Мест на этот сеанс больше нет" in page
    assert f"/trials/session/{second.id.hex}/sign-up" in page  # the button for the next free session
    assert trials.taken(first) == 1


def test_a_grade_5_student_is_refused_a_trial_for_grades_7_to_9(demo, client):
    trial, (session, _) = _trial(demo.school)
    small = _student(demo.school, "5А")
    login(client, small.login)
    response = post_form(client, f"/trials/session/{session.id.hex}/sign-up", page=f"/trials/{trial.id.hex}")
    assert response.status_code == 403
    assert "Эта проба для 7–9 классов" in response.get_data(as_text=True)
    assert not TrialEnrolment.select().where(TrialEnrolment.student == small).exists()


def test_an_off_site_trial_needs_the_parents_consent(demo, client):
    trial, (session, _) = _trial(demo.school, off_site=True, capacity=4, title="Сталевар")
    login(client, "student1")
    post_form(client, f"/trials/session/{session.id.hex}/sign-up", page=f"/trials/{trial.id.hex}")
    enrolment = TrialEnrolment.get(TrialEnrolment.session == session)
    assert enrolment.status == "consent"
    client = client.application.test_client()
    login(client, "parent1")
    assert "Сталевар" in client.get("/trials/family").get_data(as_text=True)
    response = post_form(client, f"/trials/enrolment/{enrolment.id.hex}/consent", {"allow": "1"}, page="/trials/family")
    assert response.status_code == 302
    assert TrialEnrolment.get_by_id(enrolment.id).status == "enrolled"
    again = post_form(client, f"/trials/enrolment/{enrolment.id.hex}/consent", {"allow": "0"}, page="/trials/family")
    assert again.status_code == 409 and TrialEnrolment.get_by_id(enrolment.id).status == "enrolled"


def test_the_administration_records_a_consent_signed_on_paper(demo, client):
    trial, (session, _) = _trial(demo.school, off_site=True, capacity=4, title="Шахтёр")
    student = _student(demo.school, "9В", 2)
    enrolment = trials.sign_up(student, session.id, TODAY)
    login(client, "admin")
    page = f"/trials/manage/{trial.id.hex}"
    assert post_form(client, f"/trials/enrolment/{enrolment.id.hex}/paper-consent", page=page).status_code == 302
    assert TrialEnrolment.get_by_id(enrolment.id).status == "enrolled"
    assert post_form(client, f"/trials/enrolment/{enrolment.id.hex}/paper-consent", page=page).status_code == 409


def test_the_expert_link_is_one_time_and_expires(demo, client):
    trial, (session, _) = _trial(demo.school, capacity=3, title="Кондитер")
    student = User.get(User.login == "student1")
    enrolment = trials.sign_up(student, session.id, TODAY)
    login(client, "admin")
    response = post_form(client, f"/trials/enrolment/{enrolment.id.hex}/expert-link", page=f"/trials/manage/{trial.id.hex}")
    assert response.status_code == 200
    url = re.search(r'id="expert-url">([^<]+)<', response.get_data(as_text=True)).group(1)
    path = urllib.parse.urlsplit(url).path
    expert = demo_client = client.application.test_client()
    assert "Оценка профессиональной пробы" in demo_client.get(path).get_data(as_text=True)
    levels = {f"c-{c.id.hex}": "4" for c in trials.trial_competencies(trial)}
    long = post_form(expert, path, {**levels, "expert_name": "Я" * 201})
    assert long.status_code == 422 and TrialEnrolment.get_by_id(enrolment.id).expert_assessed_at is None
    token = csrf_token(expert, path)
    done = expert.post(path, data={**levels, "expert_name": "Технолог Иванова", "comment": "Аккуратно",
                                   "csrf_token": token})
    assert done.status_code == 200 and "Спасибо" in done.get_data(as_text=True)
    twice = expert.post(path, data={**levels, "expert_name": "Кто-то ещё", "csrf_token": token})
    assert twice.status_code == 410 and "уже отправлена" in twice.get_data(as_text=True)
    assert TrialEnrolment.get_by_id(enrolment.id).expert_name == "Технолог Иванова"
    # A new link that has expired.
    _link, late = trials.issue_expert_link(demo.school, enrolment.id, None)
    ExpertLink.update(expires_at=datetime.datetime(2020, 1, 1)).where(ExpertLink.used_at.is_null()).execute()
    expired = expert.get(f"/trials/expert/{late}")
    assert expired.status_code == 410 and "Срок действия ссылки истёк" in expired.get_data(as_text=True)
    assert expert.get("/trials/expert/" + "z" * 43).status_code == 404


def test_the_student_assesses_the_trial_and_it_reaches_the_portfolio(demo, client):
    student = User.get(User.login == "student1")
    enrolment = next(e for e in trials.enrolments_of(student) if e.session.starts_on <= TODAY)
    login(client, "student1")
    path = f"/trials/enrolment/{enrolment.id.hex}/assess"
    bad = post_form(client, path, {"would_do": "всегда"})
    assert bad.status_code == 422 and "Ответь" in bad.get_data(as_text=True)
    ok = post_form(client, path, {"would_do": "maybe", "liked": "Работа с роботами", "why": "Надо попробовать ещё"})
    assert ok.status_code == 302
    assert "Работа с роботами" in client.get("/trials/mine").get_data(as_text=True)
    document = client.get(f"/portfolio/student/{student.id.hex}/portfolio.json").get_json()
    assert any(t["liked"] == "Работа с роботами" for t in document["trials"])


def test_an_organisation_with_trials_is_archived_and_students_keep_their_records(demo, client):
    trial, (session, _) = _trial(demo.school, capacity=3)
    trials.sign_up(User.get(User.login == "student1"), session.id, TODAY)
    login(client, "admin")
    org = trial.organisation
    response = post_form(client, f"/trials/partners/{org.id.hex}/remove", page=f"/trials/partners/{org.id.hex}")
    assert response.status_code == 302
    assert Organisation.get_by_id(org.id).archived_at is not None
    assert TrialEnrolment.select().join(TrialSession).where(TrialSession.trial == trial).count() == 1
    created = post_form(client, "/trials/partners", {"name": "Музей", "kind": "ngo"})
    assert created.status_code == 302
    museum = Organisation.get(Organisation.name == "Музей")
    post_form(client, f"/trials/partners/{museum.id.hex}/remove", page=f"/trials/partners/{museum.id.hex}")
    assert Organisation.get_or_none(Organisation.id == museum.id) is None
    bad = post_form(client, "/trials/partners", {"name": "М" * 201, "kind": "ngo"})
    assert bad.status_code == 422 and "длиннее 200" in bad.get_data(as_text=True)
    unknown = post_form(client, "/trials/partners", {"name": "Клуб", "kind": "casino"})
    assert unknown.status_code == 422 and not Organisation.select().where(Organisation.name == "Клуб").exists()


def test_the_admin_builds_a_trial_with_sessions_and_bad_values_are_refused(demo, client):
    login(client, "admin")
    org = Organisation.select().where(Organisation.school == demo.school).first()
    comps = [c.id.hex for c in trials.model_competencies()[:3]]
    form = {"title": "Геодезист", "organisation": org.id.hex, "field": "engineering", "grade_min": "7",
            "grade_max": "9", "competency_ids": comps}
    made = post_form(client, "/trials/manage/new", form)
    assert made.status_code == 302
    trial = ProfessionTrial.get(ProfessionTrial.title == "Геодезист")
    assert len(trials.trial_competencies(trial)) == 3
    edit = f"/trials/manage/{trial.id.hex}"
    assert post_form(client, "/trials/manage/new", {**form, "grade_min": "9", "grade_max": "7"}).status_code == 422
    assert post_form(client, f"{edit}/sessions", {"starts_on": "31.02.2027", "capacity": "5"}, page=edit).status_code == 422
    assert post_form(client, f"{edit}/sessions", {"starts_on": TODAY.isoformat(), "capacity": "0"},
                     page=edit).status_code == 422
    assert post_form(client, f"{edit}/sessions", {"starts_on": TODAY.isoformat(), "capacity": "5"},
                     page=edit).status_code == 302
    assert TrialSession.select().where(TrialSession.trial == trial).count() == 1


def test_statistics_page_chart_and_csv(demo, client):
    login(client, "admin")
    page = client.get("/trials/statistics").get_data(as_text=True)
    assert "Без единой пробы" in page and "Учеников 7–9 классов" in page
    assert client.get("/trials/statistics/chart/fields.svg").mimetype == "image/svg+xml"
    csv = client.get("/trials/statistics.csv")
    assert csv.mimetype == "text/csv" and "Доля без проб" in csv.get_data(as_text=True)


def test_programmes_request_accept_and_finish(demo, client):
    login(client, "teacher1")
    comps = [c.id.hex for c in trials.model_competencies()[:1]]
    assert post_form(client, "/programmes/new", {"title": "Фотостудия", "kind": "studio",
                                                   "competency_ids": comps}).status_code == 302
    from appliance.models.programmes import Programme, ProgrammeEnrolment

    programme = Programme.get(Programme.title == "Фотостудия")
    client = client.application.test_client()
    login(client, "student1")
    assert post_form(client, f"/programmes/{programme.id.hex}/request", page="/programmes/").status_code == 302
    twice = post_form(client, f"/programmes/{programme.id.hex}/request", page="/programmes/")
    assert twice.status_code == 409
    client = client.application.test_client()
    login(client, "teacher1")
    row = ProgrammeEnrolment.get(ProgrammeEnrolment.programme == programme)
    edit = f"/programmes/{programme.id.hex}"
    assert post_form(client, f"/programmes/enrolment/{row.id.hex}", {"action": "accept"}, page=edit).status_code == 302
    assert post_form(client, f"/programmes/enrolment/{row.id.hex}", {"action": "accept"}, page=edit).status_code == 409
    assert post_form(client, f"{edit}/close", page=edit).status_code == 302
    assert ProgrammeEnrolment.get_by_id(row.id).status == "finished"


def _session_of(base: str, login_name: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode(
        {"login": login_name, "password": DEMO_PASSWORD, "csrf_token": token}).encode())
    return opener


def test_two_students_asking_for_the_last_place_at_once_get_one_place(demo_data_dir, monkeypatch):
    """Six students of the real server, two processes, ask for a session with one place at the same moment."""
    from appliance.services.school import get_school
    from tests.conftest import open_migrated

    settings = data_dir_settings(demo_data_dir)
    open_migrated(settings)
    school = get_school()
    _trial_row, (session, second) = _trial(school, capacity=1, title="Сомелье")
    students = [_student(school, "9В", n).login for n in range(6)]
    session_id, second_day = session.id.hex, second.starts_on.strftime("%d.%m.%Y")
    database.close()
    monkeypatch.setenv("OKEY_SERVER__WORKERS", "2")
    server = LiveServer(demo_data_dir, free_port())
    server.start()
    try:
        openers = [_session_of(server.url, name) for name in students]
        pages = [o.open(f"{server.url}/trials/{_trial_row.id.hex}").read().decode() for o in openers]
        tokens = [re.search(r'name="csrf_token" value="([^"]+)"', p).group(1) for p in pages]
        barrier, results = threading.Barrier(len(openers)), [None] * len(openers)

        def ask(index: int) -> None:
            data = urllib.parse.urlencode({"csrf_token": tokens[index]}).encode()
            barrier.wait()
            try:
                response = openers[index].open(f"{server.url}/trials/session/{session_id}/sign-up", data)
                results[index] = (response.status, "")
            except urllib.error.HTTPError as error:
                results[index] = (error.code, error.read().decode())

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(openers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        server.stop()
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (len(openers) - 1), results  # the winner is redirected to «Мои пробы»
    assert all(second_day in body for code, body in results if code == 409)
    open_migrated(settings)
    assert TrialEnrolment.select().where(TrialEnrolment.session == session_id).count() == 1
    database.close()


def test_the_district_receives_counts_without_names(demo):
    from sync.policy import specs

    found = specs()
    for table in ("organisation", "profession_trial", "trial_enrolment", "trial_score", "programme"):
        allowed = found[table].allowed("analytics")
        assert not allowed & {"name", "title", "contact_person", "phone", "email", "address", "note", "liked",
                              "why", "expert_name", "expert_comment", "description", "class_name"}, table
    assert "would_do" in found["trial_enrolment"].allowed("analytics")
    assert "expert_link" not in found
    assert ParentLink.select().exists()
