"""What is kept between views is counted again by the very next request after a change to what it
is made of, and only then: the administration's indicators stay kept through a pupil's goal (any
write outside the tables they are counted from), and are counted again after an achievement is
confirmed."""

from __future__ import annotations

import datetime
import re

from appliance.models.changes import table_versions
from appliance.models.people import User
from appliance.models.portfolio import Achievement
from appliance.services import portfolio, trajectory
from tests.conftest import login
from webui import indicators as indicator_pages


def _confirmed(client) -> int:
    page = client.get("/indicators/").get_data(as_text=True)
    found = re.search(r'<span class="stat-value">(\d+)</span><span class="stat-label">подтверждённых', page)
    assert found, page[:2000]
    return int(found.group(1))


def _kept_entry():
    assert len(indicator_pages._kept) == 1
    return next(iter(indicator_pages._kept.values()))


def test_indicators_are_kept_until_their_own_tables_change(demo, client):
    indicator_pages._kept.clear()
    login(client, "admin")
    before = _confirmed(client)
    kept = _kept_entry()
    assert client.get("/indicators/chart/shares.svg").status_code == 200
    assert _kept_entry() is kept  # the chart came from the same counting

    # A pupil's goal is another table: the indicators are not counted again.
    student = User.get(User.login == "student1")
    trajectory.create_goal(student, {"title": "Выучить 200 английских слов",
                                     "deadline": (datetime.date.today() + datetime.timedelta(days=30)).isoformat()},
                           datetime.date.today())
    assert _confirmed(client) == before
    assert _kept_entry() is kept

    # A confirmed achievement is visible on the very next view.
    waiting = Achievement.select().where(Achievement.status == "submitted").first()
    teacher = User.get_by_id(waiting.teacher_id) if waiting.teacher_id else User.get(User.login == "teacher1")
    if not portfolio.may_review(teacher, waiting):
        teacher = User.get(User.login == "teacher1")
        waiting = next(a for a in portfolio.review_queue(teacher))
    portfolio.confirm(teacher, waiting)
    assert _confirmed(client) == before + 1
    assert _kept_entry() is not kept


def test_a_table_version_moves_with_insert_update_and_delete(demo):
    first = table_versions(("achievement", "goal"))
    achievement = Achievement.select().first()
    achievement.title = "Олимпиада «Бобёр»"
    achievement.save()
    second = table_versions(("achievement", "goal"))
    assert second[0] > first[0] and second[1] == first[1]
    achievement.delete_instance()
    assert table_versions(("achievement", "goal"))[0] > second[0]
