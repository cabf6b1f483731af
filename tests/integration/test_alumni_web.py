"""The alumni club through the Flask test client: a graduate joins choosing what to show, pupils
see only that (never contacts, never unapproved text), meeting requests go through staff, events
open to alumni, the administration's moderation, invitations and numbers; every bad input of the
issue is a Russian 4xx that writes nothing."""

from __future__ import annotations

import datetime
import re

import pytest

from appliance.models.alumni import AlumniMeeting, AlumniProfile, AlumniSignup
from appliance.models.calendar import Event, Notification
from appliance.models.people import GRADUATED, ClassMembership, Student, User
from appliance.services import accounts, alumni
from tests.conftest import login, post_form, school_today

TODAY = school_today()
CONTACT = "+7 921 555-01-02"


@pytest.fixture
def pages(demo, app):
    return app


def _client(app, who: str):
    client = app.test_client()
    login(client, who)
    return client


def _graduate(last="Петрова", first="Ольга") -> User:
    """A fresh graduate of last summer with the demo password, not in the club."""
    from tests.conftest import DEMO_PASSWORD

    user = User.create(school=User.get(User.login == "admin").school, role="student", login=f"grad.{last.lower()}",
                       full_name=f"{last} {first} Ивановна", last_name=last, first_name=first, middle_name="Ивановна")
    accounts.set_password(user, DEMO_PASSWORD)
    Student.create(user=user, status=GRADUATED, status_changed_at=datetime.datetime.now())
    ClassMembership.create(student=user, school_year=TODAY.year - 1, class_name="11Б", grade=11, outcome=GRADUATED)
    return user


def _join(client, **changes):
    form = {"show_class": "1", "occupation": "ИТМО, программная инженерия", "show_occupation": "1",
            "city": "Пушкин", "show_city": "", "about": "Расскажу про олимпиады по информатике.",
            "help_mentoring": "1", "phone": CONTACT, "contacts_to": "staff"}
    form.update(changes)
    return post_form(client, "/alumni/club", form)


@pytest.mark.parametrize("who, paths", [
    ("student1", ["/alumni/", "/alumni/meetings"]),
    ("alumnus1", ["/alumni/club", "/alumni/events", "/alumni/", "/alumni/meetings", "/student/"]),
    ("teacher1", ["/alumni/", "/alumni/meetings"]),
    ("admin", ["/alumni/manage", "/alumni/", "/alumni/meetings"]),
])
def test_the_pages_open_for_their_roles(pages, who, paths):
    client = _client(pages, who)
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_the_header_calls_a_graduate_a_graduate_and_a_pupil_a_pupil(pages):
    role = re.compile(r'<span class="who-role">([^<]*)</span>')
    assert role.findall(_client(pages, "alumnus1").get("/alumni/").get_data(as_text=True)) == ["Выпускница"]
    him = _graduate("Соколов", "Пётр")
    him.middle_name, him.full_name = "Ильич", "Соколов Пётр Ильич"
    him.save()
    assert role.findall(_client(pages, him.login).get("/alumni/club").get_data(as_text=True)) == ["Выпускник"]
    assert role.findall(_client(pages, "student1").get("/alumni/").get_data(as_text=True)) == ["Ученик"]


def test_a_graduate_joins_and_pupils_see_only_what_they_chose(pages):
    grad = _graduate()
    client = _client(pages, grad.login)
    assert _join(client).status_code == 302
    found = AlumniProfile.get(AlumniProfile.alumnus == grad)
    assert (found.graduation_year, found.class_name, found.text_status) == (TODAY.year, "11Б", "pending")
    assert Student.get(Student.user == grad).alumni_listed
    pupil = _client(pages, "student1")
    page = pupil.get("/alumni/").get_data(as_text=True)
    assert "Ольга Петрова" in page and f"Выпуск {TODAY.year}, 11Б" in page and "стать наставником" in page
    # The free text waits for approval; the city was not chosen; contacts never reach pupils.
    card = pupil.get(f"/alumni/{grad.id.hex}").get_data(as_text=True)
    for hidden in ("ИТМО", "олимпиады по информатике", "Пушкин", CONTACT, "555"):
        assert hidden not in card
    admin = _client(pages, "admin")
    assert "ИТМО" in admin.get("/alumni/manage").get_data(as_text=True)
    assert post_form(admin, f"/alumni/manage/{grad.id.hex}/approve", page="/alumni/manage").status_code == 302
    card = pupil.get(f"/alumni/{grad.id.hex}").get_data(as_text=True)
    assert "ИТМО, программная инженерия" in card and "олимпиады по информатике" in card
    assert "Пушкин" not in card and CONTACT not in card
    # Staff see the contacts (to arrange a meeting).
    assert CONTACT in admin.get(f"/alumni/{grad.id.hex}").get_data(as_text=True)
    # Changing the text sends it back to approval.
    assert _join(client, about="Теперь ещё и про хакатоны.").status_code == 302
    assert "хакатоны" not in pupil.get(f"/alumni/{grad.id.hex}").get_data(as_text=True)


@pytest.mark.parametrize("field, value", [
    ("about", "Звоните: 8 (921) 555-01-02"), ("about", "пишите в телегу @olga_petrova"),
    ("occupation", "Студентка, мой блог https://example.org/olga"), ("city", "Пушкин, olga@example.org"),
    ("about", "Моя страница vk.com/olga"),
])
def test_a_contact_typed_into_free_text_is_refused_and_nothing_is_written(pages, field, value):
    grad = _graduate()
    client = _client(pages, grad.login)
    response = _join(client, **{field: value})
    assert response.status_code == 422 and "контакты ученикам не показываются" in response.get_data(as_text=True)
    assert AlumniProfile.get_or_none(AlumniProfile.alumnus == grad) is None


def test_a_contact_in_stored_text_never_reaches_pupils_even_when_approved(pages):
    """Defence in depth: text that got into the database some other way (an older version, a
    direct edit) is refused at approval, and masked on the pupils' pages whatever its status."""
    grad = _graduate()
    client = _client(pages, grad.login)
    assert _join(client).status_code == 302
    AlumniProfile.update(about=f"Звоните {CONTACT}").where(AlumniProfile.alumnus == grad).execute()
    admin = _client(pages, "admin")
    response = post_form(admin, f"/alumni/manage/{grad.id.hex}/approve", page="/alumni/manage")
    assert response.status_code == 422 and "телефон, почта или ссылка" in response.get_data(as_text=True)
    AlumniProfile.update(text_status="approved").where(AlumniProfile.alumnus == grad).execute()
    card = _client(pages, "student1").get(f"/alumni/{grad.id.hex}").get_data(as_text=True)
    assert CONTACT not in card and "[контакт скрыт]" in card


@pytest.mark.parametrize("changes, status, words", [
    ({"about": "я" * 1001}, 422, "длиннее 1000"),
    ({"occupation": "я" * 201}, 422, "длиннее 200"),
    ({"phone": "позвоните мне"}, 422, "Телефон не распознан"),
    ({"email": "not-an-address"}, 422, "почты не распознан"),
    ({"contacts_to": "pupils"}, 422, "кто видит Ваши контакты"),
])
def test_bad_profile_input_is_refused(pages, changes, status, words):
    grad = _graduate()
    response = _join(_client(pages, grad.login), **changes)
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert AlumniProfile.get_or_none(AlumniProfile.alumnus == grad) is None


def test_the_database_itself_refuses_an_overlong_value(pages):
    import peewee

    grad = _graduate()
    with pytest.raises(peewee.IntegrityError):
        AlumniProfile.insert(id=grad.id, created_at=datetime.datetime.now(), updated_at=datetime.datetime.now(),
                             school=grad.school, alumnus=grad, about="я" * 1001).execute()


def test_pupils_and_studying_students_cannot_join(pages):
    response = post_form(_client(pages, "student1"), "/alumni/club", {"occupation": "x"}, page="/alumni/")
    assert response.status_code == 403
    assert _client(pages, "student1").get("/alumni/club").status_code == 404


def test_leaving_the_club_removes_the_profile_and_closes_requests(pages):
    anna = User.get(User.login == "alumnus1")
    assert AlumniMeeting.select().where((AlumniMeeting.alumnus == anna) & (AlumniMeeting.status == "new")).exists()
    client = _client(pages, "alumnus1")
    assert post_form(client, "/alumni/club/leave", page="/alumni/club").status_code == 302
    assert AlumniProfile.get_or_none(AlumniProfile.alumnus == anna) is None
    assert not AlumniSignup.select().where(AlumniSignup.alumnus == anna).exists()
    assert not AlumniMeeting.select().where((AlumniMeeting.alumnus == anna) & (AlumniMeeting.status == "new")).exists()
    pupil = _client(pages, "student1")
    assert "Анна Смирнова" not in pupil.get("/alumni/").get_data(as_text=True)
    assert pupil.get(f"/alumni/{anna.id.hex}").status_code == 404
    assert Notification.select().where((Notification.user == User.get(User.login == "student1"))
                                       & Notification.body.contains("вышел из клуба")).exists()


def test_a_meeting_request_goes_through_staff_and_never_gives_the_pupil_a_contact(pages):
    ilya = AlumniProfile.get(AlumniProfile.occupation.contains("Электросила")).alumnus
    pupil = _client(pages, "student1")
    response = post_form(pupil, f"/alumni/{ilya.id.hex}/meet", {"purpose": "trial", "message": "Хочу на завод"})
    assert response.status_code == 302
    asked = AlumniMeeting.get((AlumniMeeting.alumnus == ilya) & (AlumniMeeting.student == User.get(User.login == "student1")))
    # A second request while the first is open counts once.
    again = post_form(pupil, f"/alumni/{ilya.id.hex}/meet", {"purpose": "trial"})
    assert again.status_code == 409 and "уже отправлена" in again.get_data(as_text=True)
    # No purpose → refused.
    bad = post_form(pupil, f"/alumni/{User.get(User.login == 'alumnus1').id.hex}/meet", {"purpose": ""},
                    page=f"/alumni/{ilya.id.hex}")
    assert bad.status_code == 422
    # The class teacher sees it with the contacts; another class's teacher does not see it at all.
    teacher = _client(pages, "teacher1")
    staff_page = teacher.get("/alumni/meetings").get_data(as_text=True)
    assert "Хочу на завод" in staff_page and "+7 911 555-03-04" in staff_page
    empty = post_form(teacher, f"/alumni/meetings/{asked.id.hex}/arrange", {"note": ""}, page="/alumni/meetings")
    assert empty.status_code == 422 and "когда и где" in empty.get_data(as_text=True)
    assert AlumniMeeting.get_by_id(asked.id).status == "new"
    assert post_form(teacher, f"/alumni/meetings/{asked.id.hex}/arrange", {"note": "Пятница, 15:00, кабинет 204"},
                     page="/alumni/meetings").status_code == 302
    assert AlumniMeeting.get_by_id(asked.id).status == "arranged"
    pupil_page = pupil.get("/alumni/meetings").get_data(as_text=True)
    assert "Пятница, 15:00" in pupil_page and "555-03-04" not in pupil_page
    assert "555-03-04" not in pupil.get(f"/alumni/{ilya.id.hex}").get_data(as_text=True)
    assert Notification.select().where((Notification.user == ilya) & Notification.body.contains("Пятница")).exists()


def test_graduates_sign_up_for_events_open_to_alumni_only(pages):
    client = _client(pages, "alumnus1")
    page = client.get("/alumni/events").get_data(as_text=True)
    assert "Вечер встречи выпускников" in page
    closed = Event.create(school=User.get(User.login == "admin").school, title="Классный час", level="school",
                          starts_on=TODAY, ends_on=TODAY, uid="closed@test")
    assert "Классный час" not in page
    assert post_form(client, f"/alumni/events/{closed.id.hex}/signup", page="/alumni/events").status_code == 404
    past = Event.create(school=closed.school, title="Прошлогодний вечер", level="school", open_to_alumni=True,
                        starts_on=TODAY - datetime.timedelta(days=30), ends_on=TODAY - datetime.timedelta(days=30),
                        uid="past@test")
    response = post_form(client, f"/alumni/events/{past.id.hex}/signup", page="/alumni/events")
    assert response.status_code == 409
    evening = Event.get(Event.title == "Вечер встречи выпускников")
    assert post_form(client, f"/alumni/events/{evening.id.hex}/cancel", page="/alumni/events").status_code == 302
    assert post_form(client, f"/alumni/events/{evening.id.hex}/signup", page="/alumni/events").status_code == 302
    assert AlumniSignup.select().where(AlumniSignup.event == evening).count() == 2
    # A graduate outside the club is told to join first.
    outsider = _graduate("Зайцев", "Пётр")
    refused = post_form(_client(pages, outsider.login), f"/alumni/events/{evening.id.hex}/signup",
                        page="/alumni/events")
    assert refused.status_code == 403


def test_a_teacher_marks_an_event_open_to_alumni(pages):
    teacher = _client(pages, "teacher1")
    response = post_form(teacher, "/calendar/manage/new", {
        "title": "День открытых дверей", "level": "school", "starts_on": (TODAY + datetime.timedelta(days=5)).isoformat(),
        "alumni_choice": "1", "open_to_alumni": "1"})
    assert response.status_code == 302
    assert Event.get(Event.title == "День открытых дверей").open_to_alumni
    assert "День открытых дверей" in _client(pages, "alumnus1").get("/alumni/events").get_data(as_text=True)


def test_the_administration_invites_an_older_graduate_with_a_one_time_code(pages):
    admin = _client(pages, "admin")
    form = {"last_name": "Гордеев", "first_name": "Максим", "middle_name": "Львович", "year": "2009",
            "class_name": "11 в"}
    response = post_form(admin, "/alumni/manage/invite", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Приглашение готово" in page
    user = User.get(User.last_name == "Гордеев")
    assert alumni.is_graduate(user) and alumni.graduation_of(user) == (2009, "11В")
    code = re.search(r'class="code-display">([^<]+)<', page).group(1)
    assert "/activate?code=" in page
    assert accounts.find_by_activation_code(code).id == user.id
    # The same person twice → refused, nothing written.
    again = post_form(admin, "/alumni/manage/invite", form)
    assert again.status_code == 409 and "уже есть в портале" in again.get_data(as_text=True)
    assert User.select().where(User.last_name == "Гордеев").count() == 1
    card = post_form(admin, f"/alumni/manage/{user.id.hex}/card", page="/alumni/manage")
    assert card.status_code == 200 and card.mimetype == "application/pdf"


@pytest.mark.parametrize("changes, words", [
    ({"year": "3000"}, "1950"), ({"year": str(TODAY.year + 3)}, "не может быть позже"),
    ({"class_name": "13Я"}, "Класс"), ({"last_name": ""}, "фамилию"),
])
def test_bad_invitations_are_refused(pages, changes, words):
    admin = _client(pages, "admin")
    form = {"last_name": "Гордеев", "first_name": "Максим", "year": "2009", "class_name": "11В"}
    form.update(changes)
    before = User.select().count()
    response = post_form(admin, "/alumni/manage/invite", form, page="/alumni/manage")
    assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert User.select().count() == before


def test_the_numbers_count_the_club_by_year_events_and_mentors(pages):
    school = User.get(User.login == "admin").school
    numbers = alumni.numbers(school, TODAY.year if TODAY.month >= 9 else TODAY.year - 1)
    assert numbers.members == 3 and numbers.mentors == 1
    assert numbers.taking_part == 2 and numbers.events_with_alumni == 1
    assert numbers.meetings["arranged"] == 1 and numbers.meetings["new"] == 1
    page = _client(pages, "admin").get("/alumni/manage").get_data(as_text=True)
    assert "Готовы быть наставниками: 1" in page and "В клубе: 3" in page


def test_a_club_member_keeps_the_account_after_the_graduates_period(pages):
    from appliance.services import enrolment

    anna = User.get(User.login == "alumnus1")
    Student.update(status_changed_at=datetime.datetime(2000, 6, 25)).where(Student.user == anna).execute()
    enrolment.expire(365, 365)
    assert User.get_by_id(anna.id).active
