"""Goals, milestones and tasks: the SMART checks, access by id, closing with reflection."""

import datetime

import pytest

from appliance.models.portfolio import Achievement, Reflection
from appliance.models.trajectory import Goal, Milestone
from appliance.services import trajectory
from appliance.services.errors import NotFound, ServiceError
from tests.trajectory_fixtures import add_event, small_school_fixture  # noqa: F401 - the fixture

DAY = datetime.timedelta(days=1)


def _goal(s, **extra):
    form = {"title": "Пробежать 3 км без остановки", "measure": "3 км за один раз", "why": "Хочу быть выносливее",
            "deadline": (s.today + 30 * DAY).isoformat(), **extra}
    return trajectory.create_goal(s.anna, form, s.today)


def test_goal_with_deadline_in_the_past_is_refused(small_school):
    with pytest.raises(ServiceError, match="Срок цели уже прошёл") as caught:
        _goal(small_school, deadline=(small_school.today - DAY).strftime("%d.%m.%Y"))
    assert caught.value.status == 422
    assert Goal.select().count() == 0


def test_goal_needs_a_readable_date(small_school):
    with pytest.raises(ServiceError, match="не читается"):
        _goal(small_school, deadline="31.02.2027")


def test_milestone_after_the_goal_deadline_is_refused(small_school):
    goal = _goal(small_school)
    with pytest.raises(ServiceError, match="не может быть позже срока цели"):
        trajectory.add_milestone(small_school.anna, goal.id, {"title": "Финиш", "due_on": goal.deadline + DAY},
                                 small_school.today)
    assert Milestone.select().count() == 0
    ok = trajectory.add_milestone(small_school.anna, goal.id, {"title": "1 км", "due_on": goal.deadline},
                                  small_school.today)
    assert ok.due_on == goal.deadline


def test_moving_the_deadline_before_a_milestone_is_refused(small_school):
    goal = _goal(small_school)
    trajectory.add_milestone(small_school.anna, goal.id, {"title": "2 км", "due_on": small_school.today + 20 * DAY},
                             small_school.today)
    with pytest.raises(ServiceError, match="позже нового срока"):
        trajectory.update_goal(small_school.anna, goal.id, {"title": goal.title,
                                                            "deadline": small_school.today + 10 * DAY},
                               small_school.today)
    assert Goal.get_by_id(goal.id).deadline == small_school.today + 30 * DAY


def test_smart_hints_name_what_is_missing(small_school):
    goal = _goal(small_school, measure="", why="")
    hints = trajectory.smart_hints(goal)
    assert len(hints) == 3 and any("измеримый" in h for h in hints)
    assert trajectory.smart_hints(_goal(small_school, plan="Бегать по вторникам")) == []


def test_another_students_goal_is_not_found(small_school):
    goal = _goal(small_school)
    with pytest.raises(NotFound):
        trajectory.own_goal(small_school.boris, goal.id.hex)
    with pytest.raises(NotFound):
        trajectory.goal_for(small_school.boris, goal.id.hex)
    with pytest.raises(NotFound):
        trajectory.goal_for(small_school.other_teacher, goal.id.hex)
    assert trajectory.goal_for(small_school.teacher, goal.id.hex) == goal


def test_goal_links_events_and_competencies(small_school):
    from appliance.services import competencies

    competencies.install_shipped()
    competency = competencies.competencies_of(competencies.active_framework(), leaves_only=True)[0]
    event = add_event(small_school.school, small_school.today, "Олимпиада", 10)
    goal = _goal(small_school, event_ids=[str(event.id)], competency_ids=[str(competency.id)])
    assert trajectory.events_of(goal) == [event]
    assert trajectory.competencies_of(goal) == [competency]
    hidden = add_event(small_school.school, small_school.today, "Только для 9В", 5, classes=[small_school.ninth])
    with pytest.raises(NotFound):
        _goal(small_school, event_ids=[str(hidden.id)])
    assert Goal.select().count() == 1  # the refused goal left nothing behind


def test_closing_a_goal_writes_a_reflection_and_an_achievement_draft(small_school):
    goal = _goal(small_school)
    with pytest.raises(ServiceError, match="Оглянись назад"):
        trajectory.close_goal(small_school.anna, goal.id, "done", {"evaluation": "ok"}, True, small_school.today)
    closed, achievement = trajectory.close_goal(
        small_school.anna, goal.id, "done",
        {"evaluation": "Пробежала 3 км за 19 минут", "conclusion": "Регулярность важнее скорости",
         "next_step": "Пробежать 5 км к маю"}, True, small_school.today)
    assert closed.status == "done" and closed.achievement_id == achievement.id
    draft = Achievement.get_by_id(achievement.id)
    assert draft.status == "draft" and draft.title == goal.title and draft.student_id == small_school.anna.id
    note = Reflection.get_by_id(closed.closing_reflection_id)
    assert note.next_step == "Пробежать 5 км к маю" and note.achievement_id == achievement.id
    # The next step of that reflection can start the next goal: the cycle goes on.
    reflection_id, step = trajectory.reflection_next_step(small_school.anna, note.id)
    assert step == "Пробежать 5 км к маю"
    assert [r.id for r in trajectory.open_next_steps(small_school.anna)] == [note.id]
    follow = trajectory.create_goal(small_school.anna, {"title": step, "deadline": small_school.today + 60 * DAY},
                                    small_school.today, origin="reflection", reflection_id=reflection_id)
    assert follow.reflection_id == note.id
    assert trajectory.open_next_steps(small_school.anna) == []
    with pytest.raises(ServiceError, match="уже закрыта"):
        trajectory.close_goal(small_school.anna, goal.id, "done", {"evaluation": "ещё раз, снова"}, False,
                              small_school.today)


def test_tasks(small_school):
    with pytest.raises(ServiceError, match="уже прошёл"):
        trajectory.add_task(small_school.anna, {"title": "Эссе", "due_on": small_school.today - DAY}, small_school.today)
    later = trajectory.add_task(small_school.anna, {"title": "Реферат", "due_on": small_school.today + 5 * DAY},
                                small_school.today)
    undated = trajectory.add_task(small_school.anna, {"title": "Прочитать главу"}, small_school.today)
    soon = trajectory.add_task(small_school.anna, {"title": "Эссе", "due_on": small_school.today + DAY},
                               small_school.today)
    trajectory.set_task_status(small_school.anna, later.id, "done")
    assert [t.title for t in trajectory.tasks_of(small_school.anna)] == ["Эссе", "Прочитать главу", "Реферат"]
    with pytest.raises(NotFound):
        trajectory.set_task_status(small_school.boris, soon.id, "done")
    trajectory.delete_task(small_school.anna, undated.id)
    assert len(trajectory.tasks_of(small_school.anna)) == 2
