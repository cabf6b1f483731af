"""The profile of grades 10–11 and the trials before it: the administrator sets each class's profile on
the school-year page; the trials' statistics tell how many pupils of each profile liked a field on a
trial in grades 7–9 and how many of them chose a profile that leads to it."""

from __future__ import annotations

import datetime

from appliance.models.people import ClassGroup, User
from appliance.models.trials import ENROLLED, ProfessionTrial, TrialEnrolment, TrialSession
from appliance.services import school as school_service
from appliance.services import trials, years
from tests.conftest import login, post_form


def _eleventh(school) -> tuple[ClassGroup, list[User]]:
    group = school_service.find_class(school, "11А")
    pupils = school_service.students_of(group)
    TrialEnrolment.delete().where(TrialEnrolment.student.in_([p.id for p in pupils])).execute()
    return group, pupils


def _liked(student: User, field: str, answer: str = "yes", grade: int = 9) -> None:
    trial = ProfessionTrial.select().where(ProfessionTrial.field == field).first()
    session = TrialSession.create(trial=trial, starts_on=datetime.date(2024, 3, 1), ends_on=datetime.date(2024, 3, 1),
                                  capacity=30)
    TrialEnrolment.create(session=session, student=student, school_year=years.current_year(student.school) - 2,
                          class_name="9А", grade=grade, status=ENROLLED, would_do=answer)


def test_the_statistics_compare_liked_fields_with_the_profile(demo, client):
    school = demo.school
    group, pupils = _eleventh(school)
    group.profile = "tech"
    group.save()
    _liked(pupils[0], "it")  # liked IT, chose the technological profile: a match
    _liked(pupils[1], "medicine")  # liked medicine: no match
    _liked(pupils[2], "engineering", answer="maybe")  # not a «yes»: not counted as liked
    _liked(pupils[3], "it", grade=6)  # outside grades 7–9: not counted
    [row] = trials.profile_match(school)
    assert (row.profile, row.students, row.liked_some, row.matched) == ("tech", len(pupils), 2, 1)
    login(client, "admin")
    page = client.get("/trials/statistics").get_data(as_text=True)
    section = page[page.index('id="profiles"'):]
    assert "технологический" in section and "1 (50 %)" in section
    table = client.get("/trials/statistics.csv").get_data().decode("utf-8-sig")
    assert f"технологический;{len(pupils)};2;1;50" in table.replace(",0", "").replace(".0", "")


def test_the_administrator_sets_profiles_and_bad_input_changes_nothing(demo, client):
    school = demo.school
    group, _ = _eleventh(school)
    seventh = school_service.find_class(school, "7Б")
    login(client, "admin")
    page = client.get("/admin/year").get_data(as_text=True)
    assert f'name="profile_{group.id.hex}"' in page and f'name="profile_{seventh.id.hex}"' not in page
    done = post_form(client, "/admin/year/profiles", {f"profile_{group.id.hex}": "science"}, page="/admin/year")
    assert done.status_code == 302 and ClassGroup.get_by_id(group.id).profile == "science"
    # An unknown profile: a Russian message, nothing written.
    bad = post_form(client, "/admin/year/profiles", {f"profile_{group.id.hex}": "космический"}, page="/admin/year")
    assert bad.status_code == 422 and "Выберите профиль класса 11А" in bad.get_data(as_text=True)
    assert ClassGroup.get_by_id(group.id).profile == "science"
    # A class of grade 7 or an unknown id: 404, nothing written.
    for key in (seventh.id.hex, "0" * 32, "не-класс"):
        refused = post_form(client, "/admin/year/profiles", {f"profile_{group.id.hex}": "tech", f"profile_{key}": "tech"},
                            page="/admin/year")
        assert refused.status_code == 404
    assert ClassGroup.get_by_id(group.id).profile == "science" and ClassGroup.get_by_id(seventh.id).profile == ""
    # Clearing is allowed; a teacher may not set profiles.
    assert post_form(client, "/admin/year/profiles", {f"profile_{group.id.hex}": ""}, page="/admin/year").status_code == 302
    assert ClassGroup.get_by_id(group.id).profile == ""
    client = client.application.test_client()
    login(client, "teacher1")
    assert post_form(client, "/admin/year/profiles", {f"profile_{group.id.hex}": "tech"}, page="/teacher/").status_code == 403
