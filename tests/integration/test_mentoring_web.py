"""Mentoring on the web: the coordinator forms a pair from a request and the mentee sees it with its
first meeting in the calendar; notes, reflections, closing; the outside mentor's limited account; the
parents' read-only view; the report and its CSV; and each bad input (the same person on both sides,
a form that does not fit, a full mentor, a note before the meeting, a stranger, a parent changing)."""

from __future__ import annotations

import datetime
import re

from appliance.models.base import utcnow
from appliance.models.mentoring import MentoringMeeting, MentoringPair, MentoringRequest, MentorProfile
from appliance.models.people import MENTOR, User
from appliance.services import accounts, mentoring
from appliance.services import school as school_service
from tests.conftest import DEMO_PASSWORD, login, post_form, school_today

TODAY = school_today()
DAY = datetime.timedelta(days=1)


def _user(login_name: str) -> User:
    return User.get(User.login == login_name)


def _pupil(school, class_name: str, index: int) -> User:
    """A pupil of the class other than student1 (whose pairs the demo makes)."""
    user = [p for p in school_service.students_of(school_service.find_class(school, class_name))
            if p.login != "student1"][index]
    accounts.set_password(user, DEMO_PASSWORD)
    return user


def _profile_of(last_name: str) -> MentorProfile:
    return MentorProfile.select().join(User, on=(MentorProfile.user == User.id)).where(
        User.last_name == last_name).get()


def _answers(**changes) -> dict:
    """A full set of answers to the needs questionnaire, as the application form sends them."""
    answers = {"needs": ["digital"], "request": "Помогите", "form": "any", "meeting_format": "any",
               "frequency": "monthly", "urgency": "3"}
    answers.update(changes)
    return {key: value for key, value in answers.items() if value is not None}


def _counts() -> tuple[int, int, int]:
    return MentoringPair.select().count(), MentoringMeeting.select().count(), MentoringRequest.select().count()


def test_a_pupil_applies_the_coordinator_pairs_and_the_pupil_sees_the_mentor_and_first_meeting(demo, app):
    pupil = _pupil(demo.school, "9В", 6)
    as_pupil = app.test_client()
    login(as_pupil, pupil.login)
    response = post_form(as_pupil, "/mentoring/apply", _answers(
        needs=["profession", "olympiad"], request="Хочу понять, идти ли в инженеры.", meeting_format="school"))
    assert response.status_code == 302
    request = MentoringRequest.get(MentoringRequest.mentee == pupil)
    assert request.need_codes == ["profession", "olympiad"] and request.status == "open"

    coordinator = app.test_client()
    login(coordinator, "teacher1")
    page = coordinator.get("/mentoring/coordinate").get_data(as_text=True)
    assert "Хочу понять, идти ли в инженеры." in page
    meeting_day = TODAY + 6 * DAY
    response = post_form(coordinator, "/mentoring/pairs/new", {
        "form": "teacher_student", "mentor": _profile_of("Карпов").id.hex, "request": request.id.hex,
        "title": "Инженерный профиль", "goals": "Решить 10 задач\nСходить на пробу в технопарк",
        "meetings_planned": "6", "starts_on": TODAY.isoformat(), "meeting_day": meeting_day.isoformat(),
        "meeting_time": "15:30", "meeting_place": "Кабинет 214", "meeting_topic": "Знакомство"},
        page="/mentoring/pairs/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    pair = MentoringPair.get(MentoringPair.mentee == pupil)
    assert response.headers["Location"].endswith(f"/mentoring/pair/{pair.id.hex}")
    assert MentoringRequest.get_by_id(request.id).status == "paired" and pair.request_id == request.id

    mine = as_pupil.get("/mentoring/").get_data(as_text=True)
    assert "Инженерный профиль" in mine and "Карпов А. Н." in mine and "Сходить на пробу в технопарк" in mine
    month = as_pupil.get(f"/calendar/?m={meeting_day:%Y-%m}").get_data(as_text=True)
    assert "Знакомство" in month and f"/mentoring/pair/{pair.id.hex}" in month
    # The mentor has the same meeting in their calendar and the pupil in their list.
    karpov = _user(_profile_of("Карпов").user.login)
    accounts.set_password(karpov, DEMO_PASSWORD)
    as_mentor = app.test_client()
    login(as_mentor, karpov.login)
    assert "Знакомство" in as_mentor.get(f"/calendar/?m={meeting_day:%Y-%m}").get_data(as_text=True)
    assert pupil.short_name in as_mentor.get("/mentoring/").get_data(as_text=True)
    # The day before, both sides are reminded; the reminder opens the pair.
    from appliance.models.calendar import Notification
    from appliance.services import reminders

    reminders.send_due(meeting_day - 2 * DAY)
    assert not Notification.select().where(Notification.body.contains("Знакомство")).exists()
    reminders.send_due(meeting_day - DAY)
    told = Notification.select().where(Notification.body.contains("Знакомство"))
    assert {n.user_id for n in told} == {pupil.id, karpov.id}
    assert {n.link for n in told} == {f"mentoring_pair:{pair.id.hex}"}
    note = told.where(Notification.user == pupil).get()
    opened = as_pupil.get(f"/notifications/{note.id.hex}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/mentoring/pair/{pair.id.hex}")


def test_bad_pairs_are_refused_in_russian_and_write_nothing(demo, client):
    login(client, "teacher1")
    karpov = _profile_of("Карпов")
    base = {"form": "teacher_student", "mentor": karpov.id.hex, "title": "Программа", "goals": "Цель",
            "meetings_planned": "4"}
    before = _counts()
    cases = [
        ({"mentee_login": karpov.user.login, "form": "teacher_teacher"}, 422, "один и тот же человек"),
        ({"mentee_login": "student1", "form": "student_student"}, 422, "наставник — не учитель"),
        ({"mentee_login": "parent1"}, 422, "наставляемый — не родитель"),
        ({"mentee_login": "nobody-here"}, 404, "не найден"),
        ({"mentee_login": "student1", "title": ""}, 422, "Назовите программу"),
        ({"mentee_login": "student1", "goals": "ц" * 2001}, 422, "длиннее 2000"),
        ({"mentee_login": "student1", "meetings_planned": "0"}, 422, "от 1 до 60"),
        ({"mentee_login": "student1", "starts_on": "31.02.2027"}, 422, "Начало"),
        ({"mentee_login": "student1", "meeting_day": (TODAY - 30 * DAY).isoformat()}, 422, "раньше начала"),
        ({"mentee_login": "student1", "meeting_time": "25:99", "meeting_day": TODAY.isoformat()}, 422, "ЧЧ:ММ"),
        ({"mentee_login": "student1", "form": "secret"}, 422, "Выберите форму"),
        ({"mentee_login": "student1"}, 409, "Такая пара уже работает"),  # the demo's pair of student1 and Карпов
    ]
    for change, status, words in cases:
        response = post_form(client, "/mentoring/pairs/new", {**base, **change}, page="/mentoring/pairs/new")
        assert response.status_code == status, (change, response.status_code)
        assert words in response.get_data(as_text=True), (change, words)
    assert _counts() == before


def test_a_mentor_is_not_given_more_mentees_than_they_can_take(demo, client):
    login(client, "teacher1")
    senior = MentorProfile.get(MentorProfile.kind == "pupil", MentorProfile.capacity == 2)
    taken = mentoring._active_pairs_of(senior.user)
    for n in range(senior.capacity - taken):
        mentoring.form_pair(_user("teacher1"), {"form": "student_student", "mentor": senior.id.hex,
                                                "mentee_login": _pupil(demo.school, "5А", n).login, "title": "П",
                                                "goals": "Ц", "meetings_planned": "2"}, TODAY)
    before = _counts()
    response = post_form(client, "/mentoring/pairs/new", {
        "form": "student_student", "mentor": senior.id.hex, "mentee_login": _pupil(demo.school, "5А", 9).login,
        "title": "Ещё одна", "goals": "Цель", "meetings_planned": "2"}, page="/mentoring/pairs/new")
    assert response.status_code == 409
    assert "Все места наставника" in response.get_data(as_text=True)
    assert _counts() == before


def test_only_the_coordinator_and_the_administrator_coordinate(demo, app):
    teacher = User.get(User.last_name == "Громова")
    accounts.set_password(teacher, DEMO_PASSWORD)
    client = app.test_client()
    login(client, teacher.login)
    before = _counts()
    assert client.get("/mentoring/coordinate").status_code == 403
    assert client.get("/mentoring/report").status_code == 403
    response = post_form(client, "/mentoring/pairs/new", {"form": "teacher_student", "mentee_login": "student1"},
                         page="/mentoring/")
    assert response.status_code == 403 and _counts() == before
    # The administrator makes her the coordinator; then she coordinates, and after being unmarked no more.
    admin = app.test_client()
    login(admin, "admin")
    assert post_form(admin, "/mentoring/coordinators", {"teacher": teacher.id.hex, "on": "1"},
                     page="/mentoring/coordinate").status_code == 302
    assert client.get("/mentoring/coordinate").status_code == 200
    assert post_form(admin, "/mentoring/coordinators", {"teacher": teacher.id.hex, "on": "0"},
                     page="/mentoring/coordinate").status_code == 302
    assert client.get("/mentoring/coordinate").status_code == 403
    # Only the administrator names coordinators: a coordinator cannot make others.
    teacher1 = app.test_client()
    login(teacher1, "teacher1")
    assert post_form(teacher1, "/mentoring/coordinators", {"teacher": teacher.id.hex, "on": "1"},
                     page="/mentoring/").status_code == 403
    assert not mentoring.is_coordinator(teacher)


def test_notes_after_a_meeting_reflections_and_closing(demo, app):
    pair = MentoringPair.get(MentoringPair.mentee == _user("student1"))
    future = MentoringMeeting.get((MentoringMeeting.pair == pair) & (MentoringMeeting.status == "planned"))
    pupil = app.test_client()
    login(pupil, "student1")
    page = f"/mentoring/pair/{pair.id.hex}"
    response = post_form(pupil, f"/mentoring/meeting/{future.id.hex}/note", {"note": "Всё понятно"}, page=page)
    assert response.status_code == 422 and "ещё не прошла" in response.get_data(as_text=True)
    assert MentoringMeeting.get_by_id(future.id).mentee_note == ""
    # A meeting the pupil plans for today, then the note after it.
    assert post_form(pupil, f"{page}/meeting", {"day": TODAY.isoformat(), "start_time": "8:05",
                                                "topic": "Разбор ошибок"}, page=page).status_code == 302
    today_meeting = MentoringMeeting.get((MentoringMeeting.pair == pair) & (MentoringMeeting.topic == "Разбор ошибок"))
    assert today_meeting.start_time == "08:05"
    too_long = post_form(pupil, f"/mentoring/meeting/{today_meeting.id.hex}/note", {"note": "я" * 1001}, page=page)
    assert too_long.status_code == 422 and "длиннее 1000" in too_long.get_data(as_text=True)
    assert post_form(pupil, f"/mentoring/meeting/{today_meeting.id.hex}/note", {"note": "Разобрали три задачи."},
                     page=page).status_code == 302
    held = MentoringMeeting.get_by_id(today_meeting.id)
    assert held.status == "held" and held.mentee_note == "Разобрали три задачи." and held.mentor_note == ""
    # A bad rating is refused; a good one kept beside the reflection.
    bad = post_form(pupil, f"{page}/reflection", {"reflection": "Хорошо", "rating": "7"}, page=page)
    assert bad.status_code == 422 and "от 1 до 5" in bad.get_data(as_text=True)
    assert post_form(pupil, f"{page}/reflection", {"reflection": "Стал увереннее.", "rating": "5"},
                     page=page).status_code == 302
    assert MentoringPair.get_by_id(pair.id).mentee_rating == 5
    # The pupil cannot close the pair; the coordinator can, and planned meetings leave the calendar.
    assert post_form(pupil, f"{page}/close", {"status": "finished", "goals_reached": "yes"},
                     page=page).status_code == 403
    coordinator = app.test_client()
    login(coordinator, "teacher1")
    assert post_form(coordinator, f"{page}/close", {"status": "finished", "goals_reached": "maybe"},
                     page=page).status_code == 422
    assert post_form(coordinator, f"{page}/close", {"status": "finished", "goals_reached": "partly"},
                     page=page).status_code == 302
    closed = MentoringPair.get_by_id(pair.id)
    assert closed.status == "finished" and closed.goals_reached == "partly"
    assert MentoringMeeting.get_by_id(future.id).status == "cancelled"
    assert "Задачи на динамику" not in pupil.get(f"/calendar/?m={future.day:%Y-%m}").get_data(as_text=True)
    again = post_form(pupil, f"{page}/meeting", {"day": TODAY.isoformat()}, page=page)
    assert again.status_code == 409


def test_parents_see_their_childs_mentoring_read_only_and_strangers_nothing(demo, app):
    pair = MentoringPair.get(MentoringPair.mentee == _user("student1"))
    page = f"/mentoring/pair/{pair.id.hex}"
    parent = app.test_client()
    login(parent, "parent1")
    family = parent.get("/mentoring/").get_data(as_text=True)
    assert "Физика: путь к олимпиаде" in family
    # parent1 is also a mentee herself (the demo's reverse pair with a pupil), and sees it as her own.
    assert "Отложи вязанье" in family and "Мои наставники" in family
    assert parent.get(page).status_code == 200
    before = _counts()
    assert post_form(parent, f"{page}/meeting", {"day": TODAY.isoformat()}, page=page).status_code == 403
    meeting = MentoringMeeting.select().where(MentoringMeeting.pair == pair).first()
    assert post_form(parent, f"/mentoring/meeting/{meeting.id.hex}/note", {"note": "Мама"},
                     page=page).status_code == 403
    assert _counts() == before
    # Another pupil, and a teacher who is neither a side nor the coordinator, are told it is not there.
    for who in (_pupil(demo.school, "7Б", 4), User.get(User.last_name == "Громова")):
        accounts.set_password(who, DEMO_PASSWORD)
        stranger = app.test_client()
        login(stranger, who.login)
        assert stranger.get(page).status_code == 404
        assert post_form(stranger, f"{page}/meeting", {"day": TODAY.isoformat()},
                         page="/mentoring/apply" if who.role == "student" else "/mentoring/").status_code == 404
    assert _counts() == before


def test_the_outside_mentor_gets_a_login_card_and_sees_only_their_pairs(demo, app):
    coordinator = app.test_client()
    login(coordinator, "teacher1")
    bad = post_form(coordinator, "/mentoring/mentors/outside", {"last_name": "", "first_name": "Илья",
                                                                "kind": "employee", "offer": "Сварка"})
    assert bad.status_code == 422 and "фамилию" in bad.get_data(as_text=True)
    response = post_form(coordinator, "/mentoring/mentors/outside", {
        "last_name": "Чернов", "first_name": "Илья", "middle_name": "Андреевич", "kind": "employee",
        "offer": "Сварщик 6 разряда: расскажу о профессии.", "capacity": "2"})
    card = response.get_data(as_text=True)
    assert response.status_code == 200 and "Карточка входа" in card
    code = re.search(r'class="code">([^<]+)<', card).group(1)
    mentor = User.get(User.last_name == "Чернов")
    assert mentor.role == MENTOR and mentor.password_hash is None
    # The mentor activates the account with the code from the card.
    outside = app.test_client()
    found = accounts.find_by_activation_code(code)
    assert found.id == mentor.id
    accounts.set_password(mentor, DEMO_PASSWORD)
    login(outside, mentor.login)
    assert outside.get("/").headers["Location"].endswith("/mentoring/")
    assert "Координатор ещё не назначил" in outside.get("/mentoring/").get_data(as_text=True)
    pupil = _pupil(demo.school, "9В", 8)
    pair = mentoring.form_pair(_user("teacher1"), {
        "form": "employer_student", "mentor": MentorProfile.get(MentorProfile.user == mentor).id.hex,
        "mentee_login": pupil.login, "title": "Профессия сварщика", "goals": "Побывать в цехе",
        "meetings_planned": "3", "meeting_day": (TODAY + 2 * DAY).isoformat()}, TODAY)
    mine = outside.get("/mentoring/").get_data(as_text=True)
    assert "Профессия сварщика" in mine and pupil.short_name in mine
    # Results are written after a meeting has taken place, not before.
    early = post_form(outside, f"/mentoring/pair/{pair.id.hex}/reflection", {"reflection": "Рано", "rating": "4"},
                      page=f"/mentoring/pair/{pair.id.hex}")
    assert early.status_code == 409 and "после хотя бы одной встречи" in early.get_data(as_text=True)
    assert MentoringPair.get_by_id(pair.id).mentor_rating is None
    shown = outside.get(f"/mentoring/pair/{pair.id.hex}").get_data(as_text=True)
    group = school_service.class_of(pupil).name
    assert f"{pupil.short_name}, {group}" in shown
    # Nothing about the pupil beyond the short name and class: no full name, login, parents.
    parents = [p for p, _link in school_service.parents_of(pupil)]
    for secret in [pupil.full_name, pupil.login] + [p.full_name for p in parents] + [p.short_name for p in parents]:
        assert secret not in shown
    # Anything else of the school is refused, and another pair is not there.
    other = MentoringPair.get(MentoringPair.mentee == _user("student1"))
    assert outside.get(f"/mentoring/pair/{other.id.hex}").status_code == 404
    for path in ("/portfolio/achievements", "/calendar/", "/trials/", "/admin/users", "/teacher/",
                 f"/portfolio/student/{pupil.id.hex}", "/mentoring/coordinate", "/mentoring/report",
                 "/mentoring/apply"):
        assert outside.get(path).status_code in (403, 404), path
    # The coordinator pauses the mentor: the account closes with it.
    profile = MentorProfile.get(MentorProfile.user == mentor)
    assert post_form(coordinator, f"/mentoring/mentor/{profile.id.hex}/active", {"on": "0"},
                     page="/mentoring/coordinate").status_code == 302
    assert outside.get("/mentoring/").status_code in (302, 401)
    assert not User.get_by_id(mentor.id).active


def test_requests_bad_input(demo, app):
    teacher = User.get(User.last_name == "Громова")
    accounts.set_password(teacher, DEMO_PASSWORD)
    client = app.test_client()
    login(client, teacher.login)
    before = _counts()
    for data, status, words in (
            (_answers(needs=None), 422, "Пропущены: 1."),
            (_answers(needs=["digital", "hacking"]), 422, "Недопустимый ответ в вопросах: 1."),
            (_answers(request=""), 422, "Пропущены: 2."),
            (_answers(request="з" * 1001), 422, "длиннее 1000"),
            (_answers(form="teacher_student"), 422, "наставляемый — не учитель"),
            (_answers(form="moon"), 422, "Недопустимый ответ в вопросах: 3."),
            (_answers(meeting_format="moon"), 422, "Недопустимый ответ в вопросах: 4."),
            (_answers(urgency="9", frequency=None), 422, "Недопустимый ответ в вопросах: 6."),
            (_answers(frequency=None), 422, "Пропущены: 5.")):
        response = post_form(client, "/mentoring/apply", data)
        assert response.status_code == status, data
        assert words in response.get_data(as_text=True), data
    assert _counts() == before
    assert post_form(client, "/mentoring/apply", _answers(request="Онлайн-доска",
                                                          form="teacher_teacher")).status_code == 302
    again = post_form(client, "/mentoring/apply", _answers(request="Ещё раз"), page="/mentoring/")
    assert again.status_code == 409 and "Заявка уже подана" in again.get_data(as_text=True)
    assert _counts()[2] == before[2] + 1
    request = MentoringRequest.get((MentoringRequest.mentee == teacher) & (MentoringRequest.status == "open"))
    # Nobody else withdraws it; its author does.
    other = app.test_client()
    login(other, "student1")
    assert post_form(other, f"/mentoring/request/{request.id.hex}/withdraw", page="/mentoring/").status_code == 404
    assert post_form(client, f"/mentoring/request/{request.id.hex}/withdraw", page="/mentoring/").status_code == 302
    assert MentoringRequest.get_by_id(request.id).status == "withdrawn"


def test_the_report_counts_pairs_by_form_and_gives_a_csv(demo, client):
    login(client, "teacher1")
    page = client.get("/mentoring/report").get_data(as_text=True)
    assert "Пары по формам" in page and "Реверсивное" in page
    found = mentoring.report(_user("teacher1"))
    # Six pairs (one the graduate's) and the demo's group of three: each member counts as a pair, the
    # group's meeting once.
    assert found.pairs == 9 and found.active == 8 and found.goals["yes"] == 1
    assert found.groups == 1 and found.group_members == 3
    by_form = {line["form"]: line for line in found.by_form}
    assert by_form["reverse"]["finished"] == 1 and by_form["reverse"]["meetings_held"] == 3
    assert by_form["reverse"]["rating"] == 5 and by_form["teacher_student"]["active"] == 4
    assert by_form["teacher_student"]["in_groups"] == 3 and by_form["teacher_student"]["meetings_held"] == 2
    assert "Из них в малых группах" in page
    assert found.mentors_by_kind["university"] == 1 and found.open_requests == 2
    response = client.get("/mentoring/report.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff") and "Реверсивное: ученик — взрослый;0;1;0;1;0;3;5" in text.replace(
        "реверсивное", "Реверсивное")
    assert "Все формы;8;1;0;9;3;" in text
    # The year is read safely: nonsense gives the current year's report, not an error.
    assert client.get("/mentoring/report?year=99999999999").status_code == 200


def test_an_event_names_its_partner_organisation(demo, client):
    from appliance.models.calendar import Event
    from appliance.models.trials import Organisation
    from appliance.services import school as school_service_
    from appliance.services import trials

    login(client, "admin")
    org = trials.save_organisation(demo.school, {"name": "Завод «Прокат»", "kind": "enterprise"})
    other_school = school_service_.ensure_school("Школа № 2", "other-school")
    foreign = Organisation.create(school=other_school, name="Чужой завод", kind="enterprise")
    archived = trials.save_organisation(demo.school, {"name": "Старый партнёр", "kind": "ngo"})
    archived.archived_at = utcnow()
    archived.save()
    form = {"title": "Экскурсия на завод", "level": "school", "starts_on": (TODAY + 9 * DAY).isoformat()}
    before = Event.select().count()
    for bad in (foreign.id.hex, archived.id.hex, "not-an-id"):
        response = post_form(client, "/calendar/manage/new", {**form, "organisation": bad})
        assert response.status_code == 422 and "Организация-партнёр не найдена" in response.get_data(as_text=True)
    assert Event.select().count() == before
    page = client.get("/calendar/manage/new").get_data(as_text=True)
    assert "Завод «Прокат»" in page and "Чужой завод" not in page and "Старый партнёр" not in page
    response = post_form(client, "/calendar/manage/new", {**form, "organisation": org.id.hex})
    assert response.status_code == 302
    event = Event.get(Event.title == "Экскурсия на завод")
    assert event.organisation_id == org.id
    assert "Завод «Прокат»" in client.get(f"/calendar/event/{event.id.hex}").get_data(as_text=True)
    # The edit form keeps the partner; clearing it clears it.
    assert f'value="{org.id.hex}" selected' in client.get(f"/calendar/manage/{event.id.hex}/edit").get_data(as_text=True)
    # An organisation an event names is archived, not deleted, and the event keeps naming it.
    assert trials.remove_organisation(demo.school, org.id) == "archived"
    assert Event.get_by_id(event.id).organisation_id == org.id
    assert post_form(client, f"/calendar/manage/{event.id.hex}/edit", {**form, "organisation": org.id.hex}
                     ).status_code == 302  # still named by this event
    assert post_form(client, f"/calendar/manage/{event.id.hex}/edit", {**form, "organisation": ""}).status_code == 302
    assert Event.get_by_id(event.id).organisation_id is None
    # The demo's university open day names its partner.
    assert Event.get(Event.title == "День открытых дверей университета").organisation.name.startswith("Технический")
