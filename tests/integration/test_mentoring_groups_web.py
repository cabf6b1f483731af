"""Small mentoring groups and a pupil's pair goals in the trajectory, on the web.

Groups: the coordinator forms a group of three pupils with a mentor; each member's calendar holds the
first meeting with a reminder; the mentor's note reaches every member while each mentee's note stays
their own; members see each other only as «Фамилия И.»; the mentor's places count each mentee; each
bad group is refused in Russian and writes nothing; closing the group closes every member.

Goals: a pupil's programme goals become the pupil's trajectory goals (origin «наставничество»); the
mentor adds a goal with milestones on the pair page and marks a milestone done; the pupil sees «Цель из
наставничества» on their goals; an adult's pair keeps its text goals; each bad goal is refused.
"""

from __future__ import annotations

import datetime
import re

from appliance.models.calendar import Reminder
from appliance.models.mentoring import MentoringGroup, MentoringMeeting, MentoringPair, MentorProfile
from appliance.models.people import User
from appliance.models.trajectory import Goal, Milestone
from appliance.services import accounts, mentoring
from appliance.services import school as school_service
from tests.conftest import DEMO_PASSWORD, login, post_form, school_today

TODAY = school_today()
DAY = datetime.timedelta(days=1)
START = TODAY - 2 * DAY  # a start a day or two back: the school's «today» may be a day ahead of UTC


def _pupils(school, class_name: str, count: int, skip: int = 0) -> list[User]:
    people = [p for p in school_service.students_of(school_service.find_class(school, class_name))
              if p.login != "student1"][skip:skip + count]
    for person in people:
        accounts.set_password(person, DEMO_PASSWORD)
    return people


def _mentor(last_name: str, capacity: int) -> MentorProfile:
    teacher = User.get(User.last_name == last_name)
    accounts.set_password(teacher, DEMO_PASSWORD)
    return mentoring.add_mentor(User.get(User.login == "teacher1"),
                                {"user": teacher.id.hex, "offer": "Проекты", "capacity": str(capacity)})


def _counts() -> tuple[int, ...]:
    return (MentoringGroup.select().count(), MentoringPair.select().count(), MentoringMeeting.select().count(),
            Goal.select().count(), Reminder.select().count())


def _group_form(profile: MentorProfile, mentees: list[User], **change) -> dict:
    values = {"form": "teacher_student", "mentor": profile.id.hex, "mentee_logins": "\n".join(p.login for p in mentees),
              "title": "Школьная газета", "goals": "Выпустить три номера\nНаучиться брать интервью",
              "meetings_planned": "6", "starts_on": START.isoformat(), "meeting_day": (TODAY + 3 * DAY).isoformat(),
              "meeting_time": "15:00", "meeting_place": "Библиотека", "meeting_topic": "Первая планёрка"}
    values.update(change)
    return values


def _notice(body: str) -> str:
    return " ".join(re.findall(r'class="notice[^"]*"[^>]*>\s*([^<]+)', body))


def test_the_coordinator_forms_a_group_and_every_member_sees_it_and_the_first_meeting(demo, app):
    profile = _mentor("Власов", 5)
    team = _pupils(demo.school, "5А", 3)
    coordinator = app.test_client()
    login(coordinator, "teacher1")
    assert "Создать группу" in coordinator.get("/mentoring/coordinate").get_data(as_text=True)
    response = post_form(coordinator, "/mentoring/groups/new", _group_form(profile, team))
    assert response.status_code == 302, _notice(response.get_data(as_text=True))
    group = MentoringGroup.get(MentoringGroup.title == "Школьная газета")
    assert response.headers["Location"].endswith(f"/mentoring/group/{group.id.hex}")
    members = list(MentoringPair.select().where(MentoringPair.group == group))
    assert sorted(p.mentee_id for p in members) == sorted(p.id for p in team)
    assert all(p.mentor_id == profile.user_id and p.status == "active" for p in members)
    # The first meeting: one row per member under one key, in every member's calendar with a reminder;
    # the mentor sees it once and is reminded once.
    meetings = list(MentoringMeeting.select().join(MentoringPair).where(MentoringPair.group == group))
    assert len(meetings) == 3 and len({m.group_key for m in meetings}) == 1
    for pupil in team:
        found = mentoring.calendar_meetings(pupil, TODAY, TODAY + 10 * DAY)
        assert [m.topic for m in found] == ["Первая планёрка"]
        assert Reminder.select().where((Reminder.user == pupil) & (Reminder.kind == "meeting")).count() == 1
    assert len(mentoring.calendar_meetings(profile.user, TODAY, TODAY + 10 * DAY)) == 1
    assert Reminder.select().where((Reminder.user == profile.user) & (Reminder.kind == "meeting")).count() == 1
    # The group's goals are each pupil's own trajectory goals, from mentoring, naming the mentor.
    for pupil in team:
        goals = list(Goal.select().where(Goal.student == pupil))
        assert sorted(g.title for g in goals) == ["Выпустить три номера", "Научиться брать интервью"]
        assert all(g.origin == "mentoring" and g.origin_note == "Власов И. О." for g in goals)
    # The mentor's places count each mentee.
    assert mentoring._active_pairs_of(profile.user) == 3

    page = coordinator.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)
    assert "Школьная газета" in page and "Участники (3)" in page and "Первая планёрка" in page
    assert "Закрыть группу" in page and "Запланировать встречу группы" in page
    assert "Школьная газета" in coordinator.get("/mentoring/coordinate").get_data(as_text=True)

    pupil = app.test_client()
    login(pupil, team[0].login)
    mine = pupil.get("/mentoring/").get_data(as_text=True)
    assert "Школьная газета" in mine and "в группе" in mine and "Выпустить три номера" in mine
    activities = pupil.get("/activities/").get_data(as_text=True)
    assert "Выпустить три номера" in activities and "Цель из наставничества: Власов И. О." in activities
    group_page = pupil.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)
    # Fellow members by surname and initial only; no planning, no closing for a mentee.
    for other in team[1:]:
        assert f"{other.last_name} {other.first_name[0]}." in group_page
        assert other.short_name not in group_page
    assert "Запланировать встречу группы" not in group_page and "Закрыть группу" not in group_page


def _formed(demo, mentor_last: str = "Власов", capacity: int = 5, size: int = 3):
    profile = _mentor(mentor_last, capacity)
    team = _pupils(demo.school, "5А", size)
    group = mentoring.form_group(User.get(User.login == "teacher1"), _group_form(profile, team), [], TODAY)
    return profile, team, group


def test_bad_groups_are_refused_in_russian_and_write_nothing(demo, client):
    profile = _mentor("Власов", 8)
    small = _mentor("Лебедева", 2)
    team = _pupils(demo.school, "5А", 9)
    login(client, "teacher1")
    karpov = MentorProfile.select().join(User, on=(MentorProfile.user == User.id)).where(
        User.last_name == "Карпов").get()
    before = _counts()
    cases = [
        # the mentor among the mentees (a teacher mentoring teachers, the mentor's own login in the list)
        (_group_form(profile, [], form="teacher_teacher",
                     mentee_logins=f"{profile.user.login}\n{User.get(User.last_name == 'Громова').login}"),
         422, "указан и среди наставляемых"),
        (_group_form(profile, [team[0], team[1], team[0]]), 422, "В списке группы дважды"),
        (_group_form(profile, team[:1]), 422, "не меньше 2 наставляемых"),
        (_group_form(profile, team[:9]), 422, "не больше 8 наставляемых"),
        (_group_form(profile, team[:2], mentee_logins=f"{team[0].login}\nparent1"), 422, "не родитель"),
        (_group_form(profile, team[:2], mentee_logins=f"{team[0].login}\nnobody-here"), 422, "«nobody-here»"),
        (_group_form(small, team[:3]), 409, "свободно мест: 2, а в группе наставляемых: 3"),
        # student1 already works with Карпов in the demo's pair
        (_group_form(karpov, [], mentee_logins=f"student1\n{team[0].login}", form="teacher_student"), 409,
         "уже занимается с этим наставником"),
        (_group_form(profile, team[:2], title=""), 422, "Назовите программу группы"),
        (_group_form(profile, team[:2], goals="ц" * 301), 422, "длиннее 300"),
        (_group_form(profile, team[:2], mentee_logins="x" * 600), 422, "длиннее 560"),
        (_group_form(profile, team[:2], form="secret"), 422, "Выберите форму"),
        (_group_form(profile, team[:2], meetings_planned="0"), 422, "от 1 до 60"),
    ]
    for values, status, words in cases:
        response = post_form(client, "/mentoring/groups/new", values, page="/mentoring/groups/new")
        body = response.get_data(as_text=True)
        assert response.status_code == status, (words, response.status_code, _notice(body))
        assert words in body, (words, _notice(body))
    assert _counts() == before


def test_a_mentor_with_room_for_the_group_but_a_busy_member_is_refused(demo, client):
    """A pupil already in an active pair with this mentor cannot join their group: nothing is written."""
    profile = _mentor("Власов", 6)
    team = _pupils(demo.school, "5А", 3)
    coordinator = User.get(User.login == "teacher1")
    mentoring.form_pair(coordinator, {"form": "teacher_student", "mentor": profile.id.hex, "mentee_login": team[0].login,
                                      "title": "Один на один", "goals": "Цель", "meetings_planned": "2",
                                      "starts_on": START.isoformat()}, TODAY)
    login(client, "teacher1")
    before = _counts()
    response = post_form(client, "/mentoring/groups/new", _group_form(profile, team), page="/mentoring/groups/new")
    assert response.status_code == 409
    assert f"{team[0].short_name} уже занимается с этим наставником" in response.get_data(as_text=True)
    assert _counts() == before


def test_notes_reflections_and_what_each_member_sees(demo, app):
    profile, team, group = _formed(demo)
    mentor = app.test_client()
    login(mentor, profile.user.login)
    # A meeting planned once for the whole group (yesterday, so notes can be written).
    response = post_form(mentor, f"/mentoring/group/{group.id.hex}/meeting",
                         {"day": (TODAY - DAY).isoformat(), "start_time": "14:00", "topic": "Разбор номера"},
                         page=f"/mentoring/group/{group.id.hex}")
    assert response.status_code == 302
    rows = list(MentoringMeeting.select().where(MentoringMeeting.topic == "Разбор номера"))
    assert len(rows) == 3 and len({r.group_key for r in rows}) == 1
    # The mentor writes once: every member's row has the note.
    response = post_form(mentor, f"/mentoring/meeting/{rows[0].id.hex}/note", {"note": "Разобрали ошибки вёрстки."},
                         page=f"/mentoring/group/{group.id.hex}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/mentoring/group/{group.id.hex}")
    rows = list(MentoringMeeting.select().where(MentoringMeeting.topic == "Разбор номера"))
    assert all(r.mentor_note == "Разобрали ошибки вёрстки." and r.status == "held" for r in rows)
    # Each mentee writes their own note and reflection.
    clients = {}
    for pupil in team:
        clients[pupil.id] = app.test_client()
        login(clients[pupil.id], pupil.login)
    first, second = team[0], team[1]
    own = MentoringMeeting.select().join(MentoringPair).where(
        (MentoringPair.mentee == first) & (MentoringMeeting.topic == "Разбор номера")).get()
    assert post_form(clients[first.id], f"/mentoring/meeting/{own.id.hex}/note", {"note": "Моя тайная заметка"},
                     page=f"/mentoring/pair/{own.pair_id.hex}").status_code == 302
    assert post_form(clients[first.id], f"/mentoring/pair/{own.pair_id.hex}/reflection",
                     {"reflection": "Мои тайные итоги", "rating": "4"},
                     page=f"/mentoring/pair/{own.pair_id.hex}").status_code == 302
    assert MentoringPair.get_by_id(own.pair_id).mentee_rating == 4
    # The mentor's reflection is written once for every member.
    assert post_form(mentor, f"/mentoring/pair/{own.pair_id.hex}/reflection",
                     {"reflection": "Группа сработалась", "rating": "5"},
                     page=f"/mentoring/pair/{own.pair_id.hex}").status_code == 302
    assert {p.mentor_rating for p in MentoringPair.select().where(MentoringPair.group == group)} == {5}
    # Another member sees the programme, the meeting and the mentor's note — never the first one's own.
    other = clients[second.id]
    page = other.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)
    assert "Разобрали ошибки вёрстки." in page and "Разбор номера" in page
    assert "Моя тайная заметка" not in page and "Мои тайные итоги" not in page
    assert f"{first.last_name} {first.first_name[0]}." in page and first.short_name not in page
    assert other.get(f"/mentoring/pair/{own.pair_id.hex}").status_code == 404
    own_second = MentoringPair.get((MentoringPair.group == group) & (MentoringPair.mentee == second))
    mine = other.get(f"/mentoring/pair/{own_second.id.hex}").get_data(as_text=True)
    assert "Разобрали ошибки вёрстки." in mine and "Моя тайная заметка" not in mine and "Мои тайные итоги" not in mine
    # A mentee plans no meeting for the whole group and cancels none.
    before = MentoringMeeting.select().count()
    response = post_form(other, f"/mentoring/group/{group.id.hex}/meeting", {"day": (TODAY + 5 * DAY).isoformat()},
                         page=f"/mentoring/group/{group.id.hex}")
    assert response.status_code == 403 and "наставник или координатор" in response.get_data(as_text=True)
    response = post_form(other, f"/mentoring/pair/{own_second.id.hex}/meeting", {"day": (TODAY + 5 * DAY).isoformat()},
                         page=f"/mentoring/pair/{own_second.id.hex}")
    assert response.status_code == 403
    assert MentoringMeeting.select().count() == before
    # A parent of a member sees the group and their child's part, read-only.
    parent = school_service.parents_of(first)[0][0]
    accounts.set_password(parent, DEMO_PASSWORD)
    as_parent = app.test_client()
    login(as_parent, parent.login)
    page = as_parent.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)
    assert "Моя тайная заметка" in page and "Школьная газета" in page and "Закрыть группу" not in page
    assert as_parent.get(f"/mentoring/pair/{own_second.id.hex}").status_code == 404
    # Strangers: another pupil, the outside mentor of the demo, a teacher who is not the coordinator.
    for login_name in ("student1", "mentor1"):
        stranger = app.test_client()
        login(stranger, login_name)
        assert stranger.get(f"/mentoring/group/{group.id.hex}").status_code == 404
    teacher = User.get(User.last_name == "Осипова")
    accounts.set_password(teacher, DEMO_PASSWORD)
    stranger = app.test_client()
    login(stranger, teacher.login)
    assert stranger.get(f"/mentoring/group/{group.id.hex}").status_code == 404


def test_cancelling_a_group_meeting_and_closing_the_group(demo, app):
    profile, team, group = _formed(demo)
    coordinator = app.test_client()
    login(coordinator, "teacher1")
    first = MentoringMeeting.select().join(MentoringPair).where(MentoringPair.group == group).first()
    response = post_form(coordinator, f"/mentoring/meeting/{first.id.hex}/cancel",
                         page=f"/mentoring/group/{group.id.hex}")
    assert response.status_code == 302
    rows = list(MentoringMeeting.select().where(MentoringMeeting.group_key == first.group_key))
    assert len(rows) == 3 and {r.status for r in rows} == {"cancelled"}
    assert all(mentoring.calendar_meetings(p, TODAY, TODAY + 10 * DAY) == [] for p in team)
    assert Reminder.select().where((Reminder.kind == "meeting") & Reminder.target_id.in_([r.id for r in rows])).count() == 0
    # A member's pair is not closed on its own: the group closes whole.
    member = MentoringPair.get((MentoringPair.group == group) & (MentoringPair.mentee == team[0]))
    response = post_form(coordinator, f"/mentoring/pair/{member.id.hex}/close",
                         {"status": "finished", "goals_reached": "yes"}, page=f"/mentoring/pair/{member.id.hex}")
    assert response.status_code == 409 and "закрывают целиком" in response.get_data(as_text=True)
    # Nothing of the goals done yet: closing proposes «не достигнуты».
    page = coordinator.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)
    assert re.search(r'<option value="no" selected>', page)
    post_form(coordinator, f"/mentoring/group/{group.id.hex}/meeting", {"day": (TODAY + 6 * DAY).isoformat()},
              page=f"/mentoring/group/{group.id.hex}")
    response = post_form(coordinator, f"/mentoring/group/{group.id.hex}/close",
                         {"status": "stopped", "goals_reached": "partly"}, page=f"/mentoring/group/{group.id.hex}")
    assert response.status_code == 302
    assert MentoringGroup.get_by_id(group.id).status == "stopped"
    pairs = list(MentoringPair.select().where(MentoringPair.group == group))
    assert {p.status for p in pairs} == {"stopped"} and {p.goals_reached for p in pairs} == {"partly"}
    assert MentoringMeeting.select().join(MentoringPair).where(
        (MentoringPair.group == group) & (MentoringMeeting.status == "planned")).count() == 0
    assert mentoring._active_pairs_of(profile.user) == 0  # the places are free again
    again = post_form(coordinator, f"/mentoring/group/{group.id.hex}/close",
                      {"status": "finished", "goals_reached": "yes"}, page=f"/mentoring/group/{group.id.hex}")
    assert again.status_code == 409


def test_the_mentor_adds_a_goal_with_milestones_and_marks_one_done(demo, app):
    pupil = User.get(User.login == "student1")
    pair = MentoringPair.select().join(User, on=(MentoringPair.mentor == User.id)).where(
        (MentoringPair.mentee == pupil) & (User.last_name == "Карпов")).get()
    mentor = app.test_client()
    accounts.set_password(pair.mentor, DEMO_PASSWORD)
    login(mentor, pair.mentor.login)
    page = f"/mentoring/pair/{pair.id.hex}"
    # The demo's programme goals are student1's trajectory goals; the pair page shows their state.
    body = mentor.get(page).get_data(as_text=True)
    assert "Решить 30 задач муниципального этапа прошлых лет" in body and "Цели в траектории ученика" in body
    assert "этапов пройдено: 1 из 3" in body  # the demo's goal with milestones
    deadline = TODAY + 40 * DAY
    response = post_form(mentor, f"{page}/goal", {
        "goal_title": "Сдать зачёт по механике", "goal_deadline": deadline.isoformat(),
        "step_1": "Повторить кинематику", "step_due_1": (TODAY + 10 * DAY).isoformat(),
        "step_2": "Решить вариант прошлого года", "step_due_2": ""}, page=page)
    assert response.status_code == 302, _notice(response.get_data(as_text=True))
    goal = Goal.get(Goal.title == "Сдать зачёт по механике")
    assert goal.student_id == pupil.id and goal.origin == "mentoring" and goal.mentoring_pair_id == pair.id
    steps = sorted(goal.milestones, key=lambda m: m.due_on)
    assert [(s.title, s.due_on) for s in steps] == [("Повторить кинематику", TODAY + 10 * DAY),
                                                    ("Решить вариант прошлого года", deadline)]
    assert Reminder.select().where((Reminder.user == pupil) & (Reminder.kind == "milestone")
                                   & Reminder.target_id.in_([s.id for s in steps])).count() == 2
    response = post_form(mentor, f"/mentoring/milestone/{steps[0].id.hex}/done", page=page)
    assert response.status_code == 302 and Milestone.get_by_id(steps[0].id).done_at is not None
    # The pupil sees the goal on their goals pages, from mentoring, with the milestone done.
    as_pupil = app.test_client()
    login(as_pupil, "student1")
    assert "Цель из наставничества: Карпов А. Н." in as_pupil.get("/activities/").get_data(as_text=True)
    goal_page = as_pupil.get(f"/activities/goal/{goal.id.hex}").get_data(as_text=True)
    assert "Цель из наставничества: Карпов А. Н." in goal_page and "Повторить кинематику" in goal_page
    # The pupil keeps their own goals in «Активности»: the pair's goals are set by the mentor.
    before = Goal.select().count()
    response = post_form(as_pupil, f"{page}/goal", {"goal_title": "Моя", "goal_deadline": deadline.isoformat()},
                         page=page)
    assert response.status_code == 403 and Goal.select().count() == before
    assert post_form(as_pupil, f"/mentoring/milestone/{steps[1].id.hex}/done", page=page).status_code == 403
    # The closing form proposes «частично» from the goals' states.
    coordinator = app.test_client()
    login(coordinator, "teacher1")
    assert re.search(r'<option value="partly" selected>', coordinator.get(page).get_data(as_text=True))


def test_bad_pair_goals_are_refused_in_russian_and_write_nothing(demo, client):
    pupil = User.get(User.login == "student1")
    pair = MentoringPair.select().join(User, on=(MentoringPair.mentor == User.id)).where(
        (MentoringPair.mentee == pupil) & (User.last_name == "Карпов")).get()
    login(client, "teacher1")  # the coordinator keeps goals too
    page = f"/mentoring/pair/{pair.id.hex}"
    good = {"goal_title": "Цель", "goal_deadline": (TODAY + 30 * DAY).isoformat()}
    before = (Goal.select().count(), Milestone.select().count())
    cases = [
        ({"goal_title": ""}, 422, "Напишите, чего наставляемый хочет добиться"),
        ({"goal_title": "ц" * 301}, 422, "длиннее 300"),
        ({"goal_deadline": ""}, 422, "Укажите срок цели"),
        ({"goal_deadline": (TODAY - 5 * DAY).isoformat()}, 422, "Срок цели уже прошёл"),
        ({"goal_deadline": (TODAY + 3000 * DAY).isoformat()}, 422, "не больше пяти лет"),
        ({"step_due_1": (TODAY + 3 * DAY).isoformat()}, 422, "есть дата, но нет названия"),
        ({"step_1": "Этап", "step_due_1": (TODAY + 60 * DAY).isoformat()}, 422, "между сегодняшним днём и сроком"),
        ({"step_1": "э" * 301}, 422, "длиннее 300"),
    ]
    for change, status, words in cases:
        response = post_form(client, f"{page}/goal", {**good, **change}, page=page)
        body = response.get_data(as_text=True)
        assert response.status_code == status, (change, response.status_code, _notice(body))
        assert words in body, (change, _notice(body))
    # An adult's pair keeps its text goals.
    adult = MentoringPair.select().join(User, on=(MentoringPair.mentee == User.id)).where(
        (User.role == "teacher") & (MentoringPair.status == "active")).get()
    response = post_form(client, f"/mentoring/pair/{adult.id.hex}/goal", good, page=f"/mentoring/pair/{adult.id.hex}")
    assert response.status_code == 409 and "записаны в программе пары" in response.get_data(as_text=True)
    assert "Цели в траектории ученика" not in client.get(f"/mentoring/pair/{adult.id.hex}").get_data(as_text=True)
    assert (Goal.select().count(), Milestone.select().count()) == before


def test_a_pair_from_before_keeps_showing_its_text_goals(demo, client):
    """Pairs of an installed school (made before goals went to the trajectory) keep their text."""
    pupil = _pupils(demo.school, "9В", 1, skip=3)[0]
    karpov = User.get(User.last_name == "Карпов")
    old = MentoringPair.create(school=demo.school, form="teacher_student", mentor=karpov, mentee=pupil,
                               title="Старая программа", goals="Старая цель первая\nСтарая цель вторая",
                               meetings_planned=3, starts_on=START, school_year=TODAY.year)
    login(client, "teacher1")
    body = client.get(f"/mentoring/pair/{old.id.hex}").get_data(as_text=True)
    assert "Старая цель первая" in body and "Старая цель вторая" in body
    assert "Целей в траектории пока нет." in body


def test_deleting_people_on_request_removes_their_part_of_a_group(demo):
    """A member deleted on the family's request takes their pair, notes and reminders with them and the
    group works on; the mentor deleted takes the group; the pupils' goals stay theirs."""
    from appliance.services import enrolment

    profile, team, group = _formed(demo)
    gone = team[0]
    enrolment.delete_person(gone)
    left = list(MentoringPair.select().where(MentoringPair.group == group))
    assert sorted(p.mentee_id for p in left) == sorted(p.id for p in team[1:])
    assert MentoringMeeting.select().join(MentoringPair).where(MentoringPair.group == group).count() == 2
    assert Reminder.select().where(Reminder.user == gone.id).count() == 0
    assert MentoringGroup.get_or_none(MentoringGroup.id == group.id) is not None
    enrolment.delete_person(profile.user)
    assert MentoringGroup.get_or_none(MentoringGroup.id == group.id) is None
    assert MentoringPair.select().where(MentoringPair.mentor == profile.user_id).count() == 0
    goals = list(Goal.select().where(Goal.student.in_([p.id for p in team[1:]])))
    assert len(goals) == 4 and all(g.origin == "mentoring" and g.mentoring_pair_id is None for g in goals)


def test_closing_proposes_what_the_goals_states_say(demo):
    """All goals reached → «достигнуты»; a milestone or a goal done → «частично»; nothing → «не достигнуты»;
    text goals only (an adult's pair) → no proposal."""
    _profile, _team, group = _formed(demo)
    members = mentoring.members_of(group)
    assert mentoring.proposed_reached(members) == "no"
    goal = Goal.select().where(Goal.mentoring_pair == members[0].id).first()
    Milestone.create(goal=goal, title="Первый шаг", due_on=TODAY + DAY, done_at=datetime.datetime.now())
    assert mentoring.proposed_reached(members) == "partly"
    Goal.update(status="done").where(Goal.mentoring_pair.in_([p.id for p in members])).execute()
    assert mentoring.proposed_reached(members) == "yes"
    adult = MentoringPair.select().join(User, on=(MentoringPair.mentee == User.id)).where(User.role == "teacher").get()
    assert mentoring.proposed_reached([adult]) == ""


def test_a_fellow_member_is_named_by_surname_and_initial_only():
    person = User(last_name="Козлова", first_name="Анна", middle_name="Юрьевна", full_name="Козлова Анна Юрьевна")
    assert mentoring.member_name(person) == "Козлова А."
    assert mentoring.member_name(User(last_name="Ли", first_name="", full_name="Ли")) == "Ли"


def test_the_coordinator_adds_a_member_who_gets_the_goals_and_the_coming_meetings(demo, client):
    profile, team, group = _formed(demo)
    newcomer = _pupils(demo.school, "5А", 1, skip=3)[0]
    login(client, "teacher1")
    page = client.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)
    assert "Добавить участника" in page and "Вывести из группы" in page
    response = post_form(client, f"/mentoring/group/{group.id.hex}/member", {"mentee_login": newcomer.login},
                         page=f"/mentoring/group/{group.id.hex}")
    assert response.status_code == 302, _notice(response.get_data(as_text=True))
    pair = MentoringPair.get((MentoringPair.group == group) & (MentoringPair.mentee == newcomer))
    assert pair.status == "active" and pair.title == group.title
    assert sorted(g.title for g in Goal.select().where(Goal.student == newcomer)) == [
        "Выпустить три номера", "Научиться брать интервью"]
    # The group's first meeting (in three days) is in the newcomer's calendar with a reminder, under the
    # group's key; the mentor still sees it once.
    assert [m.topic for m in mentoring.calendar_meetings(newcomer, TODAY, TODAY + 10 * DAY)] == ["Первая планёрка"]
    assert Reminder.select().where((Reminder.user == newcomer) & (Reminder.kind == "meeting")).count() == 1
    assert len({m.group_key for m in MentoringMeeting.select().join(MentoringPair)
                .where(MentoringPair.group == group)}) == 1
    assert len(mentoring.calendar_meetings(profile.user, TODAY, TODAY + 10 * DAY)) == 1
    assert mentoring._active_pairs_of(profile.user) == 4
    assert "Участники (4)" in client.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)


def test_bad_members_are_refused_in_russian_and_write_nothing(demo, client):
    profile, team, group = _formed(demo, capacity=4)
    login(client, "teacher1")
    url = f"/mentoring/group/{group.id.hex}/member"
    parent = User.get(User.login == "parent1")
    spare = _pupils(demo.school, "5А", 2, skip=3)
    cases = [
        ({"mentee_login": ""}, 422, "Впишите логин наставляемого"),
        ({"mentee_login": "nobody.here"}, 422, "не найден"),
        ({"mentee_login": "x" * 70}, 422, ""),
        ({"mentee_login": profile.user.login}, 422, "наставник этой группы"),
        ({"mentee_login": team[0].login}, 409, "уже занимается с этим наставником"),
        ({"mentee_login": parent.login}, 422, "наставляемый — не"),
    ]
    for form, status, words in cases:
        before = _counts()
        answer = post_form(client, url, form, page=f"/mentoring/group/{group.id.hex}")
        assert answer.status_code == status, (form, answer.status_code)
        assert words in _notice(answer.get_data(as_text=True)), (form, _notice(answer.get_data(as_text=True)))
        assert _counts() == before
    # The fourth place is the mentor's last one; the fifth mentee finds none.
    assert post_form(client, url, {"mentee_login": spare[0].login}, page=url).status_code == 302
    before = _counts()
    answer = post_form(client, url, {"mentee_login": spare[1].login}, page=url)
    assert answer.status_code == 409 and "нет свободных мест" in _notice(answer.get_data(as_text=True))
    assert _counts() == before
    # A closed group's members do not change; a foreign or malformed group is not found.
    mentoring.close_group(User.get(User.login == "teacher1"), group.id.hex, {"status": "finished", "goals_reached": "yes"})
    before = _counts()
    answer = post_form(client, url, {"mentee_login": spare[1].login}, page=url)
    assert answer.status_code == 409 and "состав не меняется" in _notice(answer.get_data(as_text=True))
    assert post_form(client, "/mentoring/group/not-an-id/member", {"mentee_login": spare[1].login},
                     page=url).status_code == 404
    assert _counts() == before


def test_taking_a_member_out_ends_their_part_only(demo, client):
    profile, team, group = _formed(demo)
    login(client, "teacher1")
    leaving = MentoringPair.get((MentoringPair.group == group) & (MentoringPair.mentee == team[0]))
    response = post_form(client, f"/mentoring/group/{group.id.hex}/member/{leaving.id.hex}/remove", {},
                         page=f"/mentoring/group/{group.id.hex}")
    assert response.status_code == 302, _notice(response.get_data(as_text=True))
    assert MentoringPair.get_by_id(leaving.id).status == "stopped"
    # Their group meeting leaves their calendar; their goals stay theirs; the others go on.
    assert mentoring.calendar_meetings(team[0], TODAY, TODAY + 10 * DAY) == []
    assert Goal.select().where(Goal.student == team[0]).count() == 2
    assert [m.topic for m in mentoring.calendar_meetings(team[1], TODAY, TODAY + 10 * DAY)] == ["Первая планёрка"]
    assert MentoringGroup.get_by_id(group.id).status == "active" and mentoring._active_pairs_of(profile.user) == 2
    # Twice, a stranger's pair, or the last member: refused, nothing written.
    other = MentoringPair.get((MentoringPair.group == group) & (MentoringPair.mentee == team[1]))
    last = MentoringPair.get((MentoringPair.group == group) & (MentoringPair.mentee == team[2]))
    assert post_form(client, f"/mentoring/group/{group.id.hex}/member/{leaving.id.hex}/remove", {},
                     page="/mentoring/").status_code == 404
    foreign = MentoringPair.get(MentoringPair.mentee == User.get(User.login == "student1"))
    assert post_form(client, f"/mentoring/group/{group.id.hex}/member/{foreign.id.hex}/remove", {},
                     page="/mentoring/").status_code == 404
    assert post_form(client, f"/mentoring/group/{group.id.hex}/member/{other.id.hex}/remove", {},
                     page="/mentoring/").status_code == 302
    before = _counts()
    answer = post_form(client, f"/mentoring/group/{group.id.hex}/member/{last.id.hex}/remove", {},
                       page=f"/mentoring/group/{group.id.hex}")
    assert answer.status_code == 409 and "закройте группу" in _notice(answer.get_data(as_text=True))
    assert MentoringPair.get_by_id(last.id).status == "active" and _counts() == before
    # The mentor is not the coordinator: the mentor's own page offers neither form, and posting is refused.
    mentor = client.application.test_client()
    login(mentor, profile.user.login)
    page = mentor.get(f"/mentoring/group/{group.id.hex}").get_data(as_text=True)
    assert "Добавить участника" not in page and "Вывести из группы" not in page
    assert post_form(mentor, f"/mentoring/group/{group.id.hex}/member/{last.id.hex}/remove", {},
                     page=f"/mentoring/group/{group.id.hex}").status_code == 403
