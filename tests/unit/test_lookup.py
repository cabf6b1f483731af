"""One way to find a row by the id a page was given: missing, malformed or not yours is 404."""

from __future__ import annotations

import uuid

import pytest

from appliance.models.people import User
from appliance.services import access, calendar, guidance, portfolio, reflection, surveys, trajectory
from appliance.services.errors import NotFound
from appliance.services.lookup import get_or_404, parse_id
from tests.trajectory_fixtures import small_school_fixture  # noqa: F401 - the fixture

BAD_IDS = ["not-a-uuid", "1", "", "../../etc", "z" * 32, str(uuid.uuid4()), 42, None]


def test_parse_id():
    value = uuid.uuid4()
    assert parse_id(str(value)) == parse_id(value.hex) == parse_id(value) == value
    assert parse_id("nope") is None and parse_id(None) is None and parse_id(7) is None


def test_get_or_404_finds_refuses_and_hides(small_school):
    anna = small_school.anna
    assert get_or_404(User, User.id == anna.id) == anna
    assert get_or_404(User.select().where(User.role == "student"), User.login == "anna") == anna
    with pytest.raises(NotFound, match="^Нет такого.$") as caught:
        get_or_404(User, User.id == "not-a-uuid", message="Нет такого.")
    assert caught.value.status == 404
    with pytest.raises(NotFound):
        get_or_404(User, User.id == anna.id, visible=lambda user: user.role == "teacher")


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_or_unknown_ids_are_not_found_everywhere(small_school, bad):
    s = small_school
    calls = [lambda: access.student_for(s.teacher, bad), lambda: calendar.get_event(s.school, bad),
             lambda: calendar.visible_event(s.anna, bad), lambda: guidance.attempt_for(s.anna, bad),
             lambda: portfolio.get(bad), lambda: portfolio.visible_evidence(s.anna, bad),
             lambda: reflection.get(s.anna, bad), lambda: surveys.get(s.school, bad),
             lambda: trajectory.own_goal(s.anna, bad), lambda: trajectory.goal_for(s.teacher, bad),
             lambda: trajectory.toggle_milestone(s.anna, bad), lambda: trajectory.set_task_status(s.anna, bad, "done"),
             lambda: trajectory.reflection_next_step(s.anna, bad)]
    for call in calls:
        with pytest.raises(NotFound):
            call()


def test_another_pupils_record_looks_missing(small_school):
    with pytest.raises(NotFound, match="Ученик не найден"):
        access.student_for(small_school.other_teacher, small_school.anna.id.hex)
