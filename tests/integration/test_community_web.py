"""The community's pages through the Flask test client: every page opens for its roles, and each bad
input of the issue is a Russian 4xx that writes nothing."""

from __future__ import annotations

import datetime

import pytest

from appliance.models.community import Idea, IdeaSupport, VolunteerRecord
from appliance.models.people import User
from tests.conftest import login, post_form, school_today

TODAY = school_today()


@pytest.fixture
def pages(demo, app):
    return app


def _client(app, who: str):
    client = app.test_client()
    login(client, who)
    return client


@pytest.mark.parametrize("who, paths", [
    ("student1", ["/volunteering/", "/ideas/", "/ideas/new", "/portfolio/me"]),
    ("teacher1", ["/volunteering/review", "/ideas/"]),
    ("admin", ["/volunteering/school", "/ideas/statistics", "/ideas/roles", "/ideas/"]),
])
def test_the_pages_open_for_their_roles(pages, who, paths):
    client = _client(pages, who)
    for path in paths:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path


def test_the_portfolio_shows_the_years_hours(pages):
    text = _client(pages, "student1").get("/portfolio/me", follow_redirects=True).get_data(as_text=True)
    assert "Волонтёрство" in text and "6,5 часа" in text


@pytest.mark.parametrize("changes, words", [
    ({"hours": "30"}, "24 часа"),
    ({"day": (TODAY + datetime.timedelta(days=2)).isoformat()}, "будущем"),
    ({"day": "31.02.2026"}, "не читается"),
])
def test_bad_volunteer_hours_are_refused(pages, changes, words):
    client = _client(pages, "student1")
    before = VolunteerRecord.select().count()
    form = {"day": TODAY.isoformat(), "hours": "2", "place": "Приют", "what": "Помогал"}
    form.update(changes)
    response = post_form(client, "/volunteering/", form)
    assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert VolunteerRecord.select().count() == before


def test_an_idea_of_100000_characters_is_refused(pages):
    client = _client(pages, "student1")
    before = Idea.select().count()
    response = post_form(client, "/ideas/new", {"title": "Идея", "problem": "Проблема", "idea": "я" * 100_000})
    assert response.status_code == 422 and "длиннее" in response.get_data(as_text=True)
    assert Idea.select().count() == before


def test_own_idea_cannot_be_supported_and_two_votes_count_once(pages):
    idea = Idea.get(Idea.title == "Скамейки во дворе школы")
    author = _client(pages, "student1")
    response = post_form(author, f"/ideas/{idea.id.hex}/support", page=f"/ideas/{idea.id.hex}")
    assert response.status_code == 409 and "твоя идея" in response.get_data(as_text=True)
    open_idea = Idea.get(Idea.title == "Буккроссинг в рекреации")
    voter = User.get(User.login == "student1")
    assert open_idea.author_id == voter.id
    other = Idea.get(Idea.title == "Школьный подкаст")
    before = IdeaSupport.select().where(IdeaSupport.idea == other).count()
    already = IdeaSupport.select().where((IdeaSupport.idea == other) & (IdeaSupport.student == voter)).exists()
    for _ in range(2):
        post_form(author, f"/ideas/{other.id.hex}/support", page=f"/ideas/{other.id.hex}")
    after = IdeaSupport.select().where(IdeaSupport.idea == other).count()
    assert after == before + (0 if already else 1)


def _garden():
    from appliance.models.calendar import Event

    return Event.get(Event.title == "Субботник в школьном саду")


def test_a_volunteering_event_proposes_hours_the_pupil_confirms(pages):
    student1 = User.get(User.login == "student1")
    client = _client(pages, "student1")
    page = client.get("/volunteering/").get_data(as_text=True)
    assert "Субботник в школьном саду" in page and 'value="3"' in page
    garden = _garden()
    response = post_form(client, f"/volunteering/proposal/{garden.id.hex}", {"hours": "3", "what": "Сажали яблони"},
                         page="/volunteering/")
    assert response.status_code == 302
    made = VolunteerRecord.get((VolunteerRecord.student == student1) & (VolunteerRecord.from_event == garden.id))
    assert (made.hours, made.day, made.status, made.teacher_id) == (3, garden.ends_on, "submitted", garden.created_by_id)
    assert "Субботник в школьном саду (Школьный сад)" == made.place
    # Proposed once: the event no longer proposes, and a second confirmation is not found.
    assert "Да, я участвовал" not in client.get("/volunteering/").get_data(as_text=True)
    again = post_form(client, f"/volunteering/proposal/{garden.id.hex}", {"hours": "3"}, page="/volunteering/")
    assert again.status_code == 404
    # The organiser (the class teacher who made the event) confirms as usual.
    from appliance.services import volunteering

    assert made.id in {row.id for row in volunteering.review_queue(garden.created_by)}


@pytest.mark.parametrize("hours, words", [("30", "24 часа"), ("0", "больше нуля"), ("много", "число")])
def test_bad_hours_for_a_proposed_event_are_refused(pages, hours, words):
    client = _client(pages, "student1")
    before = VolunteerRecord.select().count()
    response = post_form(client, f"/volunteering/proposal/{_garden().id.hex}", {"hours": hours}, page="/volunteering/")
    assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert VolunteerRecord.select().count() == before


def test_a_pupil_who_missed_the_event_dismisses_it_and_others_cannot_touch_it(pages):
    garden = _garden()
    other = _client(pages, "teacher1")
    assert post_form(other, f"/volunteering/proposal/{garden.id.hex}/dismiss", page="/volunteering/review").status_code == 403
    client = _client(pages, "student1")
    assert post_form(client, f"/volunteering/proposal/{garden.id.hex}/dismiss", page="/volunteering/").status_code == 302
    assert "Субботник в школьном саду" not in client.get("/volunteering/").get_data(as_text=True)
    assert post_form(client, f"/volunteering/proposal/{garden.id.hex}", {"hours": "3"},
                     page="/volunteering/").status_code == 404


def test_an_event_form_marks_volunteering_with_hours(pages):
    from appliance.models.calendar import Event

    teacher = _client(pages, "teacher1")
    form = {"title": "Акция «Бумажный бум»", "level": "school", "starts_on": TODAY.isoformat(),
            "volunteer_choice": "1", "volunteering": "1", "volunteer_hours": "1,5"}
    assert post_form(teacher, "/calendar/manage/new", form).status_code == 302
    made = Event.get(Event.title == "Акция «Бумажный бум»")
    assert made.volunteering and made.volunteer_hours == 1.5
    bad = post_form(teacher, "/calendar/manage/new", {**form, "title": "Другая", "volunteer_hours": "25"})
    assert bad.status_code == 422 and "не больше 24" in bad.get_data(as_text=True)
    assert not Event.select().where(Event.title == "Другая").exists()
