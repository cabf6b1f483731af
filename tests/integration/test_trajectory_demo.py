"""The demo school has what the trajectory needs to be shown: events of every level over the
year, student1's goals and tasks, a feed, a suggestion with its reason, a reminder due now."""

import icalendar

from appliance.models.calendar import KINDS, Event
from appliance.models.people import User
from appliance.models.vocabulary import LEVELS
from appliance.services import calendar as cal
from appliance.services import calendar_ics, recommendations, reminders, trajectory


def test_demo_trajectory(demo, settings):
    today = reminders.local_today(demo.school.timezone)
    events = list(Event.select())
    assert {e.level for e in events} == set(LEVELS)
    assert {e.kind for e in events} == set(KINDS)
    months = {(e.starts_on.year, e.starts_on.month) for e in events}
    assert len(months) >= 9  # spread over the school year
    assert any(e.audience == "classes" for e in events)

    student = User.get(User.login == "student1")
    goals = trajectory.goals_of(student, "active")
    assert len(goals) >= 3 and any(goal.milestones.count() for goal in goals)
    assert len([t for t in trajectory.tasks_of(student) if t.status != "done"]) >= 3

    # The feed carries what has not ended yet (a past volunteering event stays in the plan for its hours).
    planned = {e.title for e in Event.select().where(Event.id.in_(cal.planned_ids(student)) & (Event.ends_on >= today))}
    feed = icalendar.Calendar.from_ical(calendar_ics.feed_ics(student, today))
    summaries = {str(e["SUMMARY"]) for e in feed.walk("VEVENT")}
    assert planned and planned <= summaries
    assert any(s.startswith("Срок цели: ") for s in summaries)

    suggestions = recommendations.recommend(student, today, settings.data_dir)
    assert suggestions and all(s.reason.startswith("Потому что ") for s in suggestions)

    assert reminders.send_due(today) >= 1  # what the scheduler does at start
    notes = reminders.notifications(student)
    assert any(n.title == "Скоро заканчивается регистрация" for n in notes)
