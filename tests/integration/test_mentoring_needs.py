"""The mentee's application is the needs questionnaire of the survey engine: a data file (kind
«mentoring», «ты» to pupils and «Вы» to adults, options limited by role), answers checked by
check_answers, stored with the request and shown to the coordinator as words; the report counts them
in «Потребности» with the surveys' own aggregation and draws pairs by form and status and satisfaction;
graduates who offered to mentor join the register with their own alumni account and work in their
pairs only."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from appliance.models.alumni import AlumniProfile
from appliance.models.mentoring import MentoringMeeting, MentoringPair, MentoringRequest, MentorProfile
from appliance.models.people import User
from appliance.services import accounts, alumni, mentoring, questionnaires, years
from appliance.services import school as school_service
from tests.conftest import DEMO_PASSWORD, login, post_form


def _answers(**changes) -> dict:
    answers = {"needs": ["study", "olympiad"], "request": "Хочу подтянуть химию и попробовать олимпиаду.",
               "form": "any", "meeting_format": "online", "frequency": "fortnightly", "urgency": "4"}
    answers.update(changes)
    return {key: value for key, value in answers.items() if value is not None}


def _pupil(school, class_name: str, index: int) -> User:
    user = [p for p in school_service.students_of(school_service.find_class(school, class_name))
            if p.login != "student1"][index]
    accounts.set_password(user, DEMO_PASSWORD)
    return user


def _signed_in(app, user: User):
    client = app.test_client()
    login(client, user.login)
    return client


# -- the questionnaire file ----------------------------------------------------------------------------

def test_the_needs_questionnaire_is_a_data_file_worded_for_each_role():
    found = questionnaires.load_all()["mentoring-needs"]
    assert found.kind == "mentoring" and found.version == "1"
    pupil, teacher, parent = (found.answer_specs(role) for role in ("student", "teacher", "parent"))
    assert [q["id"] for q in pupil] == ["needs", "request", "form", "meeting_format", "frequency", "urgency"]
    assert "тебе" in pupil[0]["text"] and "Вам" in teacher[0]["text"] and "Вам" in parent[0]["text"]
    assert "teaching" in teacher[0]["options"] and "teaching" not in pupil[0]["options"]
    assert [q["type"] for q in pupil] == ["multi", "text", "choice", "choice", "choice", "scale"]
    # Each role is offered only the forms in which it can be the mentee.
    for role, specs in (("student", pupil), ("teacher", teacher), ("parent", parent)):
        offered = [code for code in specs[2]["options"] if code != "any"]
        assert offered and all(role in mentoring.FORM_MENTEE_ROLES[code] for code in offered), role
    # The report reads every option of a question once, whichever wording it came in.
    needs = next(q for q in found.all_questions() if q["id"] == "needs")
    assert set(needs["options"]) == set(mentoring.NEEDS)


@pytest.mark.parametrize("change, reason", [
    (lambda d: d["questions"][4]["options"].append({"value": "moon", "text": "Луна"}), "form"),
    (lambda d: d["questions"].pop(0), "needs"),
    (lambda d: d["questions"][0].update(options=["Учёба"]), "needs"),
    (lambda d: d["questions"][2].update(max_length=5000), "request"),
    (lambda d: d["questions"][0].update(type="choice"), "needs"),
    (lambda d: d["questions"][0].update({"for": ["alien"]}), "needs"),
])
def test_a_broken_mentoring_file_is_refused_with_the_question_named(change, reason):
    data = json.loads((questionnaires.SHIPPED / "mentoring-needs.json").read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(questionnaires.DefinitionError) as refused:
        questionnaires.parse_definition(json.dumps(data, ensure_ascii=False), "mentoring-needs.json")
    assert "mentoring-needs.json" in str(refused.value) and reason in str(refused.value)


def test_several_answers_are_checked_like_the_others():
    specs = [{"id": "t", "type": "multi", "options": ["a", "b", "c"]}]
    assert questionnaires.check_answers(specs, {"t": ["c", "a"]}) == {"t": ["a", "c"]}
    with pytest.raises(questionnaires.AnswersRejected):
        questionnaires.check_answers(specs, {"t": ["a", "x"]})
    with pytest.raises(questionnaires.AnswersRejected):
        questionnaires.check_answers(specs, {})
    results = questionnaires.tally(specs, [{"t": ["a", "c"]}, {"t": ["a"]}])
    assert results[0].counts == {"a": 2, "b": 0, "c": 1} and results[0].answered == 2


# -- applying and reading the answers ------------------------------------------------------------------

def test_a_pupil_fills_the_questionnaire_and_the_coordinator_reads_the_answers_in_words(demo, app):
    pupil = _pupil(demo.school, "9В", 7)
    as_pupil = _signed_in(app, pupil)
    page = as_pupil.get("/mentoring/apply").get_data(as_text=True)
    assert "С чем тебе нужна помощь наставника?" in page and "Насколько срочно тебе нужна помощь?" in page
    assert 'type="checkbox" name="needs" value="study"' in page and "Педагогическое мастерство" not in page
    assert post_form(as_pupil, "/mentoring/apply", _answers(), page="/mentoring/apply").status_code == 302
    request = MentoringRequest.get(MentoringRequest.mentee == pupil)
    assert json.loads(request.answers) == {
        "needs": ["study", "olympiad"], "request": "Хочу подтянуть химию и попробовать олимпиаду.", "form": "any",
        "meeting_format": "online", "frequency": "fortnightly", "urgency": 4}
    assert (request.questionnaire, request.questionnaire_version) == ("mentoring-needs", "1")
    # The request's own columns the list, the matching and the counts read are filled from the answers.
    assert (request.needs, request.form, request.meeting_format, request.request) == (
        "study,olympiad", "", "online", "Хочу подтянуть химию и попробовать олимпиаду.")

    coordinator = _signed_in(app, User.get(User.login == "teacher1"))
    shown = coordinator.get("/mentoring/coordinate").get_data(as_text=True)
    block = shown[shown.index(mentoring.label_of(pupil)):]
    block = block[:block.index("Подобрать наставника")]
    for words in ("Учёба и трудные предметы, Олимпиады, проекты, исследования", "Хочу подтянуть химию",
                  "Всё равно, подберите сами", "На связи по сети", "Раз в две недели", "4 из 5"):
        assert words in block, words
    for code in ("fortnightly", "olympiad", "online", '"urgency"'):
        assert code not in block, code


def test_a_request_made_before_the_questionnaire_still_shows(demo, app):
    pupil = _pupil(demo.school, "9В", 8)
    MentoringRequest.create(school=demo.school, mentee=pupil, needs="study,digital", request="Старая заявка.",
                            meeting_format="school")
    shown = _signed_in(app, User.get(User.login == "teacher1")).get("/mentoring/coordinate").get_data(as_text=True)
    block = shown[shown.index(mentoring.label_of(pupil)):]
    block = block[:block.index("Подобрать наставника")]
    assert "учёба и трудные предметы, цифровые навыки" in block and "Старая заявка." in block
    assert "в школе" in block


def test_a_teacher_is_asked_with_вы_and_offered_only_the_forms_for_teachers(demo, app):
    teacher = User.get(User.last_name == "Громова")
    accounts.set_password(teacher, DEMO_PASSWORD)
    client = _signed_in(app, teacher)
    page = client.get("/mentoring/apply").get_data(as_text=True)
    assert "С чем Вам нужна помощь наставника?" in page and "Педагогическое мастерство" in page
    assert 'value="teacher_student"' not in page and 'value="teacher_teacher"' in page
    assert post_form(client, "/mentoring/apply", _answers(needs=["teaching"], form="teacher_teacher"),
                     page="/mentoring/apply").status_code == 302
    assert MentoringRequest.get(MentoringRequest.mentee == teacher).form == "teacher_teacher"


def test_bad_answers_are_refused_in_russian_and_nothing_is_stored(demo, app):
    pupil = _pupil(demo.school, "7Б", 9)
    client = _signed_in(app, pupil)
    for data, status, words in (
            (_answers(request=None), 422, "Пропущены: 2."),
            (_answers(urgency=None, frequency=None), 422, "Пропущены: 5, 6."),
            (_answers(needs=["study", "teaching"]), 422, "Недопустимый ответ в вопросах: 1."),  # a teacher's topic
            (_answers(frequency="daily"), 422, "Недопустимый ответ в вопросах: 5."),
            (_answers(urgency="0"), 422, "Недопустимый ответ в вопросах: 6."),
            (_answers(request="х" * 1001), 422, "длиннее 1000 знаков"),
            (_answers(form="reverse"), 422, "наставляемый — не ученик"),
            (_answers(form="teacher_parent"), 422, "наставляемый — не ученик")):
        response = post_form(client, "/mentoring/apply", data, page="/mentoring/apply")
        assert response.status_code == status, data
        assert words in response.get_data(as_text=True), data
    assert not MentoringRequest.select().where(MentoringRequest.mentee == pupil).exists()
    assert post_form(client, "/mentoring/apply", _answers(), page="/mentoring/apply").status_code == 302
    again = post_form(client, "/mentoring/apply", _answers(request="Ещё одна"), page="/mentoring/apply")
    assert again.status_code == 409 and "Заявка уже подана" in again.get_data(as_text=True)
    assert MentoringRequest.select().where(MentoringRequest.mentee == pupil).count() == 1


def test_the_schools_own_questionnaire_file_replaces_the_shipped_one(demo, app, settings):
    data = json.loads((questionnaires.SHIPPED / "mentoring-needs.json").read_text(encoding="utf-8"))
    data["version"] = "2026-2"
    data["questions"][0]["text"] = "Что тебе интересно обсудить с наставником?"
    data["questions"] = [q for q in data["questions"] if q["id"] != "urgency"]  # the school asks no urgency
    folder = settings.data_dir / "questionnaires"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "our-needs.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pupil = _pupil(demo.school, "9В", 9)
    client = _signed_in(app, pupil)
    page = client.get("/mentoring/apply").get_data(as_text=True)
    assert "Что тебе интересно обсудить с наставником?" in page and "срочно" not in page
    assert post_form(client, "/mentoring/apply", _answers(urgency=None), page="/mentoring/apply").status_code == 302
    assert MentoringRequest.get(MentoringRequest.mentee == pupil).questionnaire_version == "2026-2"


# -- the report ------------------------------------------------------------------------------------------

def test_the_report_counts_the_needs_with_the_surveys_aggregation(demo, app):
    for index, answers in enumerate((_answers(), _answers(needs=["study"], urgency="2", frequency="weekly"))):
        client = _signed_in(app, _pupil(demo.school, "9В", 10 + index))
        assert post_form(client, "/mentoring/apply", answers, page="/mentoring/apply").status_code == 302
    teacher1 = User.get(User.login == "teacher1")
    needs, requests = mentoring.needs_of_year(demo.school, years.current_year(demo.school),
                                              mentoring.needs_questionnaire(None))
    # The demo's two requests and these two.
    assert requests == 4
    by_id = {r.question["id"]: r for r in needs}
    assert "request" not in by_id  # the mentee's own words stay out of the counts
    assert by_id["needs"].counts["study"] == 2 and by_id["needs"].counts["olympiad"] == 1
    assert by_id["needs"].counts["profession"] == 1 and by_id["needs"].counts["teaching"] == 1
    assert by_id["frequency"].counts == {"weekly": 1, "fortnightly": 2, "monthly": 1, "as_needed": 0}
    assert by_id["urgency"].average == round((3 + 2 + 4 + 2) / 4, 2)
    page = _signed_in(app, teacher1).get("/mentoring/report").get_data(as_text=True)
    section = page[page.index('id="needs"'):page.index("Наставники в реестре")]
    assert "4 заявки" in section
    assert re.search(r"Учёба и трудные предметы</td><td>2</td>", section)
    assert re.search(r"Раз в две недели</td><td>2</td>", section)
    assert "Хочу подтянуть химию" not in section and "fortnightly" not in section


def test_the_report_chart_is_served_with_the_forms_and_the_same_numbers_as_the_table(demo, app):
    teacher1 = User.get(User.login == "teacher1")
    client = _signed_in(app, teacher1)
    page = client.get("/mentoring/report").get_data(as_text=True)
    report = mentoring.report(teacher1)
    assert "/mentoring/report/chart/pairs.svg" in page and "/mentoring/report/chart/satisfaction.svg" in page
    response = client.get(f"/mentoring/report/chart/pairs.svg?year={report.year}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    svg = response.get_data(as_text=True)
    assert "<script" not in svg
    for line in report.by_form:
        name = mentoring.FORMS[line["form"]]
        if line["total"]:
            assert name.split(":")[0] in svg, name
            # The text alternative under the picture: the same counts as the table of the report.
            row = (f"<td data-label=\"Форма\">{name}</td><td data-label=\"Работают\">{line['active']}</td>"
                   f"<td data-label=\"Завершены\">{line['finished']}</td>"
                   f"<td data-label=\"Прекращены\">{line['stopped']}</td><td data-label=\"Всего\">{line['total']}</td>")
            assert row in page, row
    assert "Работают" in svg and "Завершены" in svg
    satisfaction = client.get("/mentoring/report/chart/satisfaction.svg").get_data(as_text=True)
    assert "Наставляемые" in satisfaction and "реверсивное" in satisfaction
    assert client.get("/mentoring/report/chart/nothing.svg").status_code == 404
    pupil = _signed_in(app, User.get(User.login == "student1"))
    assert pupil.get("/mentoring/report/chart/pairs.svg").status_code == 403


# -- graduates as mentors ------------------------------------------------------------------------------

def _graduate(last_name: str) -> User:
    user = next(u for u in User.select().where((User.last_name == last_name) & (User.role == "student"))
                if alumni.is_graduate(u))
    accounts.set_password(user, DEMO_PASSWORD)
    if not user.login:
        user.save()
    return user


def test_graduates_who_offered_to_mentor_join_the_register_with_their_own_account(demo, app):
    coordinator = _signed_in(app, User.get(User.login == "teacher1"))
    offering = _graduate("Кузнецов")
    AlumniProfile.update(help_mentoring=True).where(AlumniProfile.alumnus == offering).execute()
    page = coordinator.get("/mentoring/coordinate").get_data(as_text=True)
    listed = page[page.index("Выпускники, готовые стать наставниками"):]
    assert mentoring.label_of(offering) in listed and "выпуск" in mentoring.label_of(offering)
    assert "Смирнова" not in listed[:listed.index("</ul>")]  # alumnus1 is in the register already
    form = coordinator.get(f"/mentoring/mentors/new?alumnus={offering.id.hex}").get_data(as_text=True)
    assert offering.id.hex in form and "выпускник" in form
    people = User.select().count()
    assert post_form(coordinator, "/mentoring/mentors/new",
                     {"user": offering.id.hex, "offer": "Расскажу о работе технолога.", "capacity": "1"},
                     page="/mentoring/coordinate").status_code == 302
    profile = MentorProfile.get(MentorProfile.user == offering)
    assert (profile.kind, profile.outside) == ("alumnus", False) and User.select().count() == people
    assert mentoring.label_of(offering) not in coordinator.get("/mentoring/coordinate").get_data(
        as_text=True).split("Выпускники, готовые стать наставниками")[1].split("</ul>")[0]
    # A graduate who did not offer to mentor is not put in the register (their consent), nothing written.
    silent = _graduate("Белова")
    refused = post_form(coordinator, "/mentoring/mentors/new", {"user": silent.id.hex, "offer": "x", "capacity": "1"},
                        page="/mentoring/coordinate")
    assert refused.status_code == 409 and "нет предложения стать наставником" in refused.get_data(as_text=True)
    assert not MentorProfile.select().where(MentorProfile.user == silent).exists()
    assert silent not in mentoring.candidates(demo.school, "Белова")


def test_the_graduate_mentor_works_in_their_pairs_only(demo, app):
    graduate = User.get(User.login == "alumnus1")
    profile = MentorProfile.get(MentorProfile.user == graduate)
    assert profile.kind == "alumnus" and not profile.outside
    own = MentoringPair.get(MentoringPair.mentor == graduate)
    client = _signed_in(app, graduate)
    mine = client.get("/mentoring/").get_data(as_text=True)
    assert "Биология: от олимпиады к поступлению" in mine and "Подать заявку" not in mine
    assert mentoring.label_of(own.mentee) in client.get(f"/mentoring/pair/{own.id.hex}").get_data(as_text=True)
    # The club's page leads to the pairs.
    assert "/mentoring/" in client.get("/alumni/club").get_data(as_text=True)
    # A graduate is read-only elsewhere, but plans a meeting in their own pair.
    meetings = MentoringMeeting.select().where(MentoringMeeting.pair == own).count()
    response = post_form(client, f"/mentoring/pair/{own.id.hex}/meeting",
                         {"day": (own.starts_on + datetime.timedelta(days=20)).isoformat(), "start_time": "17:00",
                          "place": "Библиотека", "topic": "План подготовки"}, page=f"/mentoring/pair/{own.id.hex}")
    assert response.status_code == 302
    assert MentoringMeeting.select().where(MentoringMeeting.pair == own).count() == meetings + 1
    # Another pair is not found; applying is not for graduates; the rest stays read-only.
    other = MentoringPair.get(MentoringPair.mentee == User.get(User.login == "student1"))
    assert client.get(f"/mentoring/pair/{other.id.hex}").status_code == 404
    assert post_form(client, f"/mentoring/pair/{other.id.hex}/meeting", {"day": "2030-01-10"},
                     page="/mentoring/").status_code == 404
    assert post_form(client, "/mentoring/apply", _answers(), page="/mentoring/").status_code == 403
    assert client.get("/mentoring/coordinate").status_code == 403
    # A graduate who is not a mentor stays read-only in mentoring too.
    other_graduate = _graduate("Кузнецов")
    stranger = _signed_in(app, other_graduate)
    assert stranger.get(f"/mentoring/pair/{own.id.hex}").status_code == 404
    assert post_form(stranger, f"/mentoring/pair/{own.id.hex}/meeting", {"day": "2030-01-10"},
                     page="/alumni/").status_code in (403, 404)
    assert MentoringMeeting.select().where(MentoringMeeting.pair == own).count() == meetings + 1


def test_a_graduate_who_withdraws_the_offer_or_leaves_the_club_is_paused_in_the_register(demo, app):
    graduate = User.get(User.login == "alumnus1")
    accounts.set_password(graduate, DEMO_PASSWORD)
    profile = MentorProfile.get(MentorProfile.user == graduate)
    pair = MentoringPair.get(MentoringPair.mentor == graduate)
    assert profile.active and AlumniProfile.get(AlumniProfile.alumnus == graduate).help_mentoring
    coordinator = _signed_in(app, User.get(User.login == "teacher1"))

    def resume():
        return post_form(coordinator, f"/mentoring/mentor/{profile.id.hex}/active", {"on": "1"},
                         page="/mentoring/coordinate")

    # The tick «стать наставником» taken off: no new pairs; the pair under way goes on.
    alumni.save_profile(graduate, {"contacts_to": "staff"})
    assert not MentorProfile.get_by_id(profile.id).active
    assert MentoringPair.get_by_id(pair.id).status == pair.status
    # The register says why and offers no «Вернуть в реестр»; posting anyway is refused, nothing written.
    register = coordinator.get("/mentoring/coordinate").get_data(as_text=True)
    entry = register[register.index("Реестр наставников"):]
    entry = entry[entry.index(graduate.short_name):]
    entry = entry[:entry.index("</li>")]
    assert "Выпускница сняла предложение стать наставником" in entry and "Вернуть в реестр" not in entry
    refused = resume()
    assert refused.status_code == 409 and "больше нет предложения стать наставником" in refused.get_data(as_text=True)
    assert not MentorProfile.get_by_id(profile.id).active
    # Offered again: the coordinator may resume.
    alumni.save_profile(graduate, {"contacts_to": "staff", "help_mentoring": "1"})
    assert not MentorProfile.get_by_id(profile.id).active  # the graduate's tick alone does not resume
    assert resume().status_code == 302 and MentorProfile.get_by_id(profile.id).active
    # Leaving the club pauses them too.
    client = _signed_in(app, graduate)
    assert post_form(client, "/alumni/club/leave", {}, page="/alumni/club").status_code == 302
    assert not MentorProfile.get_by_id(profile.id).active
    assert MentoringPair.get_by_id(pair.id).status == pair.status
    assert resume().status_code == 409
