"""What an independent probe found leaking between accounts, each as the attack it tried:
named survey answers, other people's events, students' drafts, other students' reflections."""

from __future__ import annotations

import datetime

import pytest

from appliance.models.changes import SyncChange
from appliance.models.people import TEACHER, Student, TeacherAssignment, User
from appliance.models.surveys import Survey, SurveyParticipation, SurveyResponse
from appliance.services import accounts, reminders, surveys
from appliance.services import school as school_service
from tests.conftest import DEMO_PASSWORD, login, post_form

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today(demo):
    return reminders.local_today(demo.school.timezone)


def _student_of_another_class(victim: User) -> User:
    """A student of a new class that no teacher of the victim's class teaches."""
    group = school_service.get_or_create_class(victim.school, "11Я")
    stranger = User.create(school=victim.school, role="student", login="stranger11", full_name="Чужой Ученик Иванович",
                           last_name="Чужой", first_name="Ученик")
    Student.create(user=stranger, class_group=group)
    return stranger


def _teacher_not_of(*students: User) -> User:
    groups = [school_service.class_of(s) for s in students]
    teaching = TeacherAssignment.select(TeacherAssignment.teacher).where(TeacherAssignment.class_group.in_(groups))
    teacher = User.select().where((User.role == TEACHER) & User.id.not_in(teaching)).first()
    accounts.set_password(teacher, DEMO_PASSWORD)
    return teacher


def _answers(data_dir, survey: Survey, role: str, text: str) -> dict:
    found = {}
    for q in surveys.definition(data_dir, survey.questionnaire).answer_specs(role):
        found[q["id"]] = str(q["min"]) if q["type"] == "scale" else q["options"][0] if q["type"] == "choice" else text
    return found


def _client_of(app, user: User):
    accounts.set_password(user, DEMO_PASSWORD)
    client = app.test_client()
    login(client, user.login)
    return client


def test_named_survey_answers_follow_the_teachers_classes(app, demo, settings, today):
    victim = User.get(User.login == "student1")
    stranger = _student_of_another_class(victim)
    admin = User.get((User.role == "admin") & (User.school == victim.school))
    survey = surveys.create(victim.school, admin, settings.data_dir, {
        "questionnaire": "satisfaction", "audience": "students", "opens_on": today.isoformat(),
        "closes_on": (today + DAY).isoformat()})
    for who, text in ((victim, "Секрет ученика 7Б"), (stranger, "Секрет ученика другого класса")):
        surveys.answer(who, survey.id, settings.data_dir, _answers(settings.data_dir, survey, "student", text), today)
    class_teacher = school_service.class_teachers(school_service.class_of(victim))[0]
    outsider = _teacher_not_of(victim, stranger)

    def seen(user: User) -> str:
        client = _client_of(app, user)
        csv_text = client.get(f"/surveys/{survey.id.hex}/results.csv").get_data(as_text=True)
        page = client.get(f"/surveys/{survey.id.hex}/results").get_data(as_text=True)
        return csv_text + page

    mine = seen(class_teacher)
    assert victim.full_name in mine and "Секрет ученика 7Б" in mine
    assert stranger.full_name not in mine and "другого класса" not in mine
    theirs = seen(outsider)
    assert victim.full_name not in theirs and "Секрет" not in theirs
    everything = seen(admin)
    assert victim.full_name in everything and stranger.full_name in everything


def test_teachers_do_not_read_anonymous_survey_answers(app, demo, settings):
    survey = Survey.get(Survey.anonymous == True)  # noqa: E712
    teacher = _client_of(app, User.get(User.login == "teacher1"))
    for path in ("results", "results.csv", "chart/q1.svg"):
        assert teacher.get(f"/surveys/{survey.id.hex}/{path}").status_code == 403
    admin = _client_of(app, User.get(User.login == "admin"))
    assert admin.get(f"/surveys/{survey.id.hex}/results.csv").status_code == 200


def test_an_anonymous_answer_cannot_be_matched_to_who_gave_it(demo, settings, today):
    victim = User.get(User.login == "student1")
    admin = User.get((User.role == "admin") & (User.school == victim.school))
    survey = surveys.create(victim.school, admin, settings.data_dir, {
        "questionnaire": "satisfaction", "audience": "students", "anonymous": "1", "opens_on": today.isoformat(),
        "closes_on": (today + DAY).isoformat()})
    people = list(User.select().where((User.role == "student") & (User.school == victim.school)).limit(
        surveys.BATCH * 2 + 1))
    for number, person in enumerate(people, start=1):
        surveys.answer(person, survey.id, settings.data_dir,
                       _answers(settings.data_dir, survey, "student", f"ответ {number}"), today)
        stored = SurveyResponse.select().where(SurveyResponse.survey == survey).count()
        # Nothing is stored next to the participation row: answers are kept back and stored in shuffled batches.
        assert stored == (number // surveys.BATCH) * surveys.BATCH
    responses = list(SurveyResponse.select().where(SurveyResponse.survey == survey))
    assert len({(r.created_at, r.updated_at) for r in responses}) == 1  # no per-response time
    participations = list(SurveyParticipation.select().where(SurveyParticipation.survey == survey))
    assert not {p.created_at for p in participations} & {r.created_at for r in responses}
    # In the change feed a batch follows the participations it hides among, never one by one.
    seq = {c.row_id: c.seq for c in SyncChange.select().where(SyncChange.table.in_(("survey_response",
                                                                                 "survey_participation")))}
    first_batch = sorted(seq[r.id.hex] if r.id.hex in seq else seq[str(r.id)] for r in responses)[:surveys.BATCH]
    fifth = sorted(seq.get(p.id.hex, seq.get(str(p.id))) for p in participations)[surveys.BATCH - 1]
    assert min(first_batch) > fifth
    # The survey closes: what is left is stored too, and the results count everyone.
    found, total = surveys.results(survey, settings.data_dir, admin, today + 2 * DAY)
    assert total == len(people)


def _event(school, today, author=None, classes=()):
    from appliance.services import calendar as cal

    data = cal.check_event({"title": "Классный час", "level": "school", "starts_on": (today + DAY).isoformat(),
                            "class_ids": [str(group.id) for group in classes]})
    return cal.save_event(school, data, author)


def _ics(uid: str, title: str) -> bytes:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//probe//\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
            f"SUMMARY:{title}\r\nDTSTART;VALUE=DATE:20300105\r\nDTEND;VALUE=DATE:20300106\r\n"
            f"END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_an_event_is_changed_only_by_its_author_the_administration_or_its_classes_teachers(app, demo, today):
    import io

    from appliance.models.calendar import Event

    victim = User.get(User.login == "student1")
    group = school_service.class_of(victim)
    admin = User.get((User.role == "admin") & (User.school == victim.school))
    class_teacher = school_service.class_teachers(group)[0]
    outsider = _teacher_not_of(victim)
    admins_event = _event(victim.school, today, admin)
    class_event = _event(victim.school, today, admin, classes=[group])
    own_event = _event(victim.school, today, outsider)
    stranger = _client_of(app, outsider)
    for event in (admins_event, class_event):
        path = f"/calendar/manage/{event.id.hex}"
        assert stranger.get(f"{path}/edit").status_code == 403
        response = post_form(stranger, f"{path}/edit", {"title": "Отменено", "level": "school",
                                                        "starts_on": today.isoformat()}, page="/calendar/manage")
        assert response.status_code == 403 and "Изменить это событие" in response.get_data(as_text=True)
        assert post_form(stranger, f"{path}/delete", page="/calendar/manage").status_code == 403
        # A calendar file carrying the event's UID does not overwrite it either.
        response = post_form(stranger, "/calendar/manage/import", {
            "file": (io.BytesIO(_ics(event.uid, "Подмена")), "x.ics"), "level": "school"},
            page="/calendar/manage/import", content_type="multipart/form-data")
        assert response.status_code == 403
        assert Event.get_by_id(event.id).title == "Классный час"
    assert post_form(stranger, f"/calendar/manage/{own_event.id.hex}/delete",
                     page="/calendar/manage").status_code == 302
    teacher = _client_of(app, class_teacher)
    response = post_form(teacher, f"/calendar/manage/{class_event.id.hex}/edit", {
        "title": "Классный час 7Б", "level": "school", "starts_on": today.isoformat(),
        "class_ids": str(group.id)}, page="/calendar/manage")
    assert response.status_code == 302 and Event.get_by_id(class_event.id).title == "Классный час 7Б"
    assert post_form(teacher, f"/calendar/manage/{admins_event.id.hex}/delete",
                     page="/calendar/manage").status_code == 403
    assert post_form(_client_of(app, admin), f"/calendar/manage/{admins_event.id.hex}/delete",
                     page="/calendar/manage").status_code == 302


def test_a_draft_is_the_students_own_until_submitted(app, demo, settings, today):
    import hashlib

    from appliance.models.portfolio import Achievement, Evidence
    from appliance.services import portfolio, uploads

    victim = User.get(User.login == "student1")
    group = school_service.class_of(victim)
    class_teacher = school_service.class_teachers(group)[0]
    draft = portfolio.create_draft(victim, title="Черновик про секретный проект", date=today)
    Achievement.update(teacher=class_teacher).where(Achievement.id == draft.id).execute()  # named in it, too
    data = b"%PDF-1.4\n%draft\n"
    sha = hashlib.sha256(data).hexdigest()
    path = uploads.file_path(settings, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    evidence = Evidence.create(achievement=draft, sha256=sha, original_name="draft.pdf", mime="application/pdf",
                               size=len(data))
    onlookers = [school_service.parents_of(victim)[0][0], class_teacher,
                 User.get((User.role == "admin") & (User.school == victim.school))]
    for who in onlookers:
        client = _client_of(app, who)
        page = client.get(f"/portfolio/student/{victim.id.hex}").get_data(as_text=True)
        assert "секретный проект" not in page, who.role
        assert client.get(f"/portfolio/a/{draft.id.hex}").status_code == 404, who.role
        assert client.get(f"/portfolio/evidence/{evidence.id.hex}").status_code == 404, who.role
        assert portfolio.counts(victim, who).by_status.get("draft") is None, who.role
    # The class teacher sees only how many drafts each pupil keeps (to remind them), nothing of them.
    rows = dict((s.id, c) for s, c in portfolio.class_overview(group, class_teacher))
    assert rows[victim.id].by_status.get("draft", 0) >= 1
    other = _teacher_not_of(victim)
    TeacherAssignment.create(teacher=other, class_group=group, is_class_teacher=False)
    rows = dict((s.id, c) for s, c in portfolio.class_overview(group, other))
    assert "draft" not in rows[victim.id].by_status
    owner = _client_of(app, victim)
    assert owner.get(f"/portfolio/a/{draft.id.hex}").status_code == 200
    assert "секретный проект" in owner.get("/portfolio/").get_data(as_text=True)


def test_a_goal_starts_only_from_the_students_own_reflection(app, demo, today):
    from appliance.models.portfolio import Reflection
    from appliance.models.trajectory import Goal

    victim = User.get(User.login == "student1")
    classmate = (User.select().join(Student, on=(Student.user == User.id))
                 .where((Student.class_group == school_service.class_of(victim)) & (User.id != victim.id)).first())
    theirs = Reflection.create(student=classmate, prompt_set="after", next_step="Секретный план")
    client = _client_of(app, victim)
    before = Goal.select().count()
    for value in (theirs.id.hex, "not-an-id"):
        response = post_form(client, "/activities/goal/new", {
            "title": "Чужой план", "measure": "Сделано", "deadline": (today + 30 * DAY).isoformat(),
            "remind_days": "3", "origin": "reflection", "reflection_id": value})
        assert response.status_code == 404, value
    assert Goal.select().count() == before
    mine = Reflection.create(student=victim, prompt_set="after", next_step="Мой план")
    response = post_form(client, "/activities/goal/new", {
        "title": "Мой план", "measure": "Сделано", "deadline": (today + 30 * DAY).isoformat(),
        "remind_days": "3", "origin": "reflection", "reflection_id": mine.id.hex})
    assert response.status_code == 302 and Goal.get(Goal.title == "Мой план").reflection_id == mine.id


def test_the_demo_password_opens_only_the_six_named_logins(demo):
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError

    opened = []
    for user in User.select().where(User.password_hash.is_null(False)):
        try:
            PasswordHasher().verify(user.password_hash, DEMO_PASSWORD)
        except VerificationError:
            continue
        opened.append(user.login)
    assert sorted(opened) == ["admin", "alumnus1", "mentor1", "parent1", "student1", "teacher1"]
