"""The trajectory pages through HTTP on the demo school: every bad input the pages must refuse,
and nobody reading another student's goals or results."""

import datetime
import io
import re

import icalendar
import pytest

from appliance.models.calendar import Event
from appliance.models.guidance import Attempt
from appliance.models.people import Student, User
from appliance.models.portfolio import Achievement
from appliance.models.surveys import Survey, SurveyResponse
from appliance.models.trajectory import Goal, Milestone
from appliance.services import accounts, guidance, reminders, surveys, trajectory
from appliance.services.questionnaires import SHIPPED, load_all
from tests.conftest import DEMO_PASSWORD, csrf_token, login, post_form

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today(demo):
    return reminders.local_today(demo.school.timezone)


@pytest.fixture
def classmate(demo):
    """Another student of student1's class, with a goal and a test result of their own."""
    me = User.get(User.login == "student1")
    group = Student.get(Student.user == me).class_group
    other = (User.select().join(Student, on=(Student.user == User.id))
             .where((Student.class_group == group) & (User.id != me.id)).first())
    return other


def data_dir_of(client):
    return client.application.config["OKEY_SETTINGS"].data_dir


def _text(response) -> str:
    return response.get_data(as_text=True)


def _goal_form(today, **extra):
    return {"title": "Выучить 300 английских слов", "measure": "Тест на 300 слов без ошибок",
            "why": "Хочу читать книги в оригинале", "deadline": (today + 40 * DAY).isoformat(),
            "remind_days": "3", **extra}


def test_goal_with_a_deadline_in_the_past(client, demo, today):
    login(client, "student1")
    before = Goal.select().count()
    response = post_form(client, "/activities/goal/new", _goal_form(today, deadline=(today - DAY).isoformat()))
    assert response.status_code == 422
    assert "Срок цели уже прошёл" in _text(response)
    assert Goal.select().count() == before
    response = post_form(client, "/activities/goal/new", _goal_form(today))
    assert response.status_code == 302
    assert Goal.select().count() == before + 1


def test_milestone_after_the_goal_deadline(client, demo, today):
    login(client, "student1")
    goal = Goal.select().join(User).where(User.login == "student1").order_by(Goal.deadline).first()
    path = f"/activities/goal/{goal.id.hex}/milestones"
    before = Milestone.select().count()
    response = post_form(client, path, {"title": "Слишком поздно", "due_on": (goal.deadline + DAY).isoformat()},
                         page=f"/activities/goal/{goal.id.hex}")
    assert response.status_code == 422
    assert "не может быть позже срока цели" in _text(response)
    assert Milestone.select().count() == before


def _upload(client, name: str, data: bytes, **fields):
    return post_form(client, "/calendar/manage/import", {"file": (io.BytesIO(data), name), "level": "school",
                                                         **fields}, content_type="multipart/form-data")


def test_ics_that_is_not_icalendar(client, demo):
    login(client, "teacher1")
    before = Event.select().count()
    response = _upload(client, "events.ics", b"\x89PNG\r\n\x1a\n not a calendar")
    assert response.status_code == 415
    assert "Это не файл iCalendar" in _text(response)
    assert Event.select().count() == before


def test_ics_with_broken_dates(client, demo):
    login(client, "teacher1")
    before = Event.select().count()
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
            "BEGIN:VEVENT\r\nUID:ok-1\r\nSUMMARY:Нормальное\r\nDTSTART;VALUE=DATE:20270301\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:bad-1\r\nSUMMARY:Сломанное\r\nDTSTART;VALUE=DATE:20273099\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")
    response = _upload(client, "events.ics", text.encode())
    page = _text(response)
    assert response.status_code == 422
    assert "Календарь не загружен" in page
    assert re.search(r"<td[^>]*>8</td><td[^>]*>дата события не читается.</td>", page)
    assert Event.select().count() == before


def test_ics_of_twenty_megabytes(client, demo):
    login(client, "teacher1")
    before = Event.select().count()
    data = b"BEGIN:VCALENDAR\r\n" + b"X-A:" + b"x" * (20 * 1024 * 1024) + b"\r\nEND:VCALENDAR\r\n"
    response = _upload(client, "big.ics", data)
    assert response.status_code == 413
    assert "Файл слишком большой" in _text(response)
    assert Event.select().count() == before


def test_csv_with_missing_columns_and_bad_rows(client, demo):
    login(client, "teacher1")
    before = Event.select().count()
    response = _upload(client, "events.csv", "Название;Место\nОлимпиада;Школа\n".encode())
    assert response.status_code == 422
    assert "нет обязательных колонок: Уровень, Начало" in _text(response)
    rows = ("Название;Уровень;Начало\n"
            "Хорошее;школьный;01.03.2027\n"
            "Плохой уровень;галактический;01.03.2027\n"
            "Без даты;школьный;\n")
    response = _upload(client, "events.csv", rows.encode())
    page = _text(response)
    assert response.status_code == 422
    assert re.search(r"<td[^>]*>3</td><td[^>]*>Неизвестный уровень «галактический»", page)
    assert re.search(r"<td[^>]*>4</td><td[^>]*>Укажите дату начала события.</td>", page)
    assert Event.select().count() == before
    response = _upload(client, "events.csv", "Название;Уровень;Начало\nХорошее;школьный;01.03.2027\n".encode())
    assert response.status_code == 200 and "Загружено 1 событие." in _text(response)
    assert Event.select().count() == before + 1


def _riasec_answers(value="3"):
    return {item["id"]: value for item in load_all(SHIPPED)["riasec"].items}


def test_questionnaire_answers_missing_or_out_of_range(client, demo):
    login(client, "student1")
    before = Attempt.select().count()
    answers = _riasec_answers()
    del answers["c8"]
    response = post_form(client, "/guidance/take/riasec", answers)
    assert response.status_code == 422 and "Пропущены: 48" in _text(response)
    answers = _riasec_answers()
    answers["r1"] = "7"
    response = post_form(client, "/guidance/take/riasec", answers)
    assert response.status_code == 422 and "Недопустимый ответ в вопросах: 1" in _text(response)
    klimov = {item["id"]: "a" for item in load_all(SHIPPED)["klimov"].items}
    klimov["k20"] = "z"
    response = post_form(client, "/guidance/take/klimov", klimov)
    assert response.status_code == 422 and "вопросах: 20" in _text(response)
    assert Attempt.select().count() == before
    response = post_form(client, "/guidance/take/klimov", {item["id"]: "b" for item in load_all(SHIPPED)["klimov"].items})
    assert response.status_code == 302
    result = client.get(response.headers["Location"])
    assert result.status_code == 200 and "Больше всего тебе подходит мир профессий" in _text(result)


def test_feed_tokens(client, demo):
    login(client, "student1")
    page = _text(post_form(client, "/calendar/feed", {}))
    url = re.search(r'class="feed-url mono">([^<]+)<', page).group(1)
    path = url.split("localhost", 1)[1]
    anonymous = client.application.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    summaries = {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")}
    assert "Муниципальный этап ВсОШ по физике" in summaries
    forged = anonymous.get(path[:-5] + ("x" if path[-5] != "x" else "y") + ".ics")
    assert forged.status_code == 404
    assert anonymous.get("/calendar/feed/" + "A" * 32 + ".ics").status_code == 404
    post_form(client, "/calendar/feed/revoke", {}, page="/calendar/feed")
    assert anonymous.get(path).status_code == 404


def test_another_students_goals_and_results_by_id(client, demo, classmate, today):
    goal = trajectory.create_goal(classmate, _goal_form(today), today)
    milestone = trajectory.add_milestone(classmate, goal.id, {"title": "100 слов", "due_on": today + 5 * DAY}, today)
    questionnaire = load_all(SHIPPED)["riasec"]
    attempt = guidance.take(classmate, questionnaire, _riasec_answers())
    login(client, "student1")
    for path in (f"/activities/goal/{goal.id.hex}", f"/activities/goal/{goal.id.hex}/edit",
                 f"/guidance/result/{attempt.id.hex}", f"/guidance/result/{attempt.id.hex}/chart.svg"):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/activities/")
    for path, data in ((f"/milestone/{milestone.id.hex}/toggle", {}), (f"/goal/{goal.id.hex}/close",
                       {"outcome": "done", "evaluation": "Чужую цель закрыть нельзя совсем"}),
                       (f"/result/{attempt.id.hex}/share", {"shared": "1"})):
        prefix = "/guidance" if path.startswith("/result") else "/activities"
        assert client.post(prefix + path, data={**data, "csrf_token": token}).status_code == 404, path
    assert Goal.get_by_id(goal.id).status == "active" and not Attempt.get_by_id(attempt.id).shared
    # The class teacher sees the goal; a result only once the student shares it.
    teacher = client.application.test_client()
    login(teacher, "teacher1")
    assert teacher.get(f"/guidance/result/{attempt.id.hex}").status_code == 404
    guidance.set_shared(classmate, attempt.id.hex, True)
    assert teacher.get(f"/guidance/result/{attempt.id.hex}").status_code == 200
    page = _text(teacher.get(f"/activities/student/{classmate.id.hex}"))
    assert goal.title in page
    response = post_form(teacher, f"/activities/goal/{goal.id.hex}/comment", {"text": "Отличная цель!"},
                         page=f"/activities/student/{classmate.id.hex}")
    assert response.status_code == 302
    # A teacher who is not this class's class teacher sees nothing.
    other = User.get(User.full_name.startswith("Карпов"))
    accounts.set_password(other, DEMO_PASSWORD)
    stranger = client.application.test_client()
    login(stranger, other.login)
    assert stranger.get(f"/guidance/result/{attempt.id.hex}").status_code == 404
    assert stranger.get(f"/activities/student/{classmate.id.hex}").status_code == 404


def test_closing_a_goal_makes_an_achievement_draft(client, demo, today):
    login(client, "student1")
    goal = Goal.select().join(User).where((User.login == "student1") & (Goal.status == "active")).first()
    page = f"/activities/goal/{goal.id.hex}"
    before = Achievement.select().count()
    response = post_form(client, f"{page}/close", {"outcome": "done", "evaluation": "", "conclusion": "ок"},
                         page=page)
    assert response.status_code == 422 and "Оглянись назад" in _text(response)
    response = post_form(client, f"{page}/close", {"outcome": "done", "achievement": "1",
                                                   "evaluation": "Решил все варианты прошлых лет",
                                                   "conclusion": "Понял, что важно разбирать ошибки",
                                                   "next_step": "Подготовиться к региональному этапу"}, page=page)
    assert response.status_code == 302
    assert "Черновик достижения создан" in _text(client.get(response.headers["Location"]))
    assert Achievement.select().count() == before + 1
    assert Goal.get_by_id(goal.id).status == "done"
    assert "Подготовиться к региональному этапу" in _text(client.get("/activities/"))


def test_roles_and_class_only_events(client, demo, today):
    login(client, "student1")
    assert client.get("/calendar/manage").status_code == 403
    parent = client.application.test_client()
    login(parent, "parent1")
    assert parent.get("/activities/").status_code == 403
    assert parent.get("/guidance/").status_code == 403
    teacher = client.application.test_client()
    login(teacher, "teacher1")
    nine = [g for g in demo.school.classes if g.name == "9В"][0]
    response = post_form(teacher, "/calendar/manage/new", {
        "title": "Экскурсия на завод для 9В", "level": "school", "kind": "other",
        "starts_on": (today + 10 * DAY).isoformat(), "class_ids": str(nine.id)})
    assert response.status_code == 302
    event = Event.get(Event.title == "Экскурсия на завод для 9В")
    assert client.get(f"/calendar/event/{event.id.hex}").status_code == 404
    assert "Экскурсия на завод" not in _text(client.get("/calendar/events"))
    response = post_form(teacher, "/calendar/manage/new", {"title": "x", "level": "school",
                                                            "starts_on": "2027-05-10", "ends_on": "2027-05-01"})
    assert response.status_code == 422 and "раньше, чем начинается" in _text(response)


def test_survey(client, demo):
    login(client, "student1")
    survey = Survey.get()
    path = f"/surveys/{survey.id.hex}"
    before = SurveyResponse.select().count()
    response = post_form(client, path, {"q1": "5", "q2": "9"})
    assert response.status_code == 422 and "Недопустимый ответ в вопросах: 2" in _text(response)
    answers = {"q1": "5", "q2": "4", "q3": "4", "q4": "5", "q5": "3", "q6": "Каждый день", "q7": "5"}
    assert post_form(client, path, answers).status_code == 302
    # Anonymous: the answer waits for its batch, then is stored with nobody's name on it.
    assert SurveyResponse.select().count() == before
    surveys.results(survey, data_dir_of(client), User.get(User.login == "admin"), survey.closes_on
                    + datetime.timedelta(days=1))
    assert SurveyResponse.select().count() == before + 1
    assert not SurveyResponse.select().where(SurveyResponse.respondent.is_null(False)).exists()
    response = post_form(client, path, answers)
    assert response.status_code == 409 and "уже ответили" in _text(response)
    admin = client.application.test_client()
    login(admin, "admin")
    csv_text = admin.get(f"{path}/results.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffРоль;") and csv_text.count("\n") == before + 2
    page = _text(admin.get(f"{path}/results"))
    # «31 ответ» from the Russian catalogue, «Ответов: 31» from the source text: the same count.
    assert re.search(rf"\b{before + 1} ответ|Ответов: {before + 1}\b", page)
    chart = admin.get(f"{path}/chart/q1.svg")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml" and b"<script" not in chart.data
