"""The community's pages through the Flask test client: every page opens for its roles, and each bad
input of the issue is a Russian 4xx that writes nothing."""

from __future__ import annotations

import datetime

import pytest

from appliance.models.community import Idea, IdeaSupport, VolunteerRecord
from appliance.models.people import User
from tests.conftest import login, post_form

TODAY = datetime.date.today()


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
