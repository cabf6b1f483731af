"""The rules of the school's community without HTTP: volunteer hours and their confirmation,
student initiatives with support, moderated comments and the council's review."""

from __future__ import annotations

import datetime

import pytest

from appliance.models.community import CONFIRMED, VolunteerRecord
from appliance.models.people import User
from appliance.services import portfolio_export, volunteering, years
from appliance.services import school as school_service
from appliance.services.errors import Conflict, NotFound, ServiceError
from tests.conftest import school_today

TODAY = school_today()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def _form(**changes) -> dict:
    form = {"day": YESTERDAY.isoformat(), "hours": "3", "place": "Фонд «Зелёный город»", "what": "Убирали парк"}
    form.update(changes)
    return form


def _class_teacher(student: User) -> User:
    return school_service.class_teachers(school_service.class_of(student))[0]


def test_hours_are_recorded_confirmed_and_counted_per_year(demo):
    student = User.get(User.login == "student1")
    before = dict(volunteering.totals_by_year(student))
    made = volunteering.record(student, _form(hours="2,5"), TODAY)
    assert made.hours == 2.5 and made.status == "submitted"
    assert made.school_year == years.stamp_for_day(student, YESTERDAY)[0]
    volunteering.confirm(_class_teacher(student), made.id.hex)
    after = dict(volunteering.totals_by_year(student))
    assert after[made.school_year] == before.get(made.school_year, 0) + 2.5
    doc = portfolio_export.document(student)
    assert any(r["place"] == "Фонд «Зелёный город»" and r["hours"] == 2.5 for r in doc["volunteering"]["records"])
    found = volunteering.school_hours(student.school, made.school_year)
    assert found.total >= 2.5 and any(row[0] == made.class_name for row in found.by_class)


@pytest.mark.parametrize("changes, words", [
    ({"hours": "25"}, "24 часа"),
    ({"hours": "0"}, "больше нуля"),
    ({"hours": "-3"}, "больше нуля"),
    ({"hours": "nan"}, "больше нуля"),
    ({"hours": "много"}, "число"),
    ({"day": (TODAY + datetime.timedelta(days=1)).isoformat()}, "будущем"),
    ({"day": "9999-01-01"}, "1950"),
    ({"place": ""}, "где это было"),
    ({"what": "x" * 2001}, "длиннее"),
])
def test_bad_hours_are_refused_and_nothing_is_written(demo, changes, words):
    student = User.get(User.login == "student1")
    count = VolunteerRecord.select().count()
    with pytest.raises(ServiceError) as refused:
        volunteering.record(student, _form(**changes), TODAY)
    assert refused.value.status == 422 and words in str(refused.value.message)
    assert VolunteerRecord.select().count() == count


def test_more_than_24_hours_in_one_day_across_records_is_refused(demo):
    student = User.get(User.login == "student1")
    volunteering.record(student, _form(hours="20"), TODAY)
    with pytest.raises(ServiceError) as refused:
        volunteering.record(student, _form(hours="5"), TODAY)
    assert "24 часов" in str(refused.value.message)
    volunteering.record(student, _form(hours="4"), TODAY)  # exactly 24 is a (long) day


def test_only_the_named_teacher_or_the_class_teacher_confirms(demo):
    student = User.get(User.login == "student1")
    made = volunteering.record(student, _form(), TODAY)
    stranger = (User.select().where((User.role == "teacher") & (User.school == student.school)
                                    & (User.id.not_in([t.id for t in school_service.class_teachers(
                                        school_service.class_of(student))]))).first())
    with pytest.raises(NotFound):
        volunteering.confirm(stranger, made.id.hex)
    assert made.id in {r.id for r in volunteering.review_queue(_class_teacher(student))}
    assert made.id not in {r.id for r in volunteering.review_queue(stranger)}
    named = volunteering.record(student, _form(teacher=stranger.id.hex, hours="1"), TODAY)
    volunteering.confirm(stranger, named.id.hex)
    assert VolunteerRecord.get_by_id(named.id).status == CONFIRMED
    with pytest.raises(Conflict):
        volunteering.confirm(stranger, named.id.hex)
    with pytest.raises(Conflict):
        volunteering.delete(student, named.id.hex)


def test_a_returned_record_is_fixed_and_sent_again(demo):
    student = User.get(User.login == "student1")
    made = volunteering.record(student, _form(), TODAY)
    teacher = _class_teacher(student)
    with pytest.raises(ServiceError):
        volunteering.return_to_student(teacher, made.id.hex, "")
    volunteering.return_to_student(teacher, made.id.hex, "Сколько часов на самом деле?")
    fixed = volunteering.update(student, made.id.hex, _form(hours="2"), TODAY)
    assert fixed.status == "submitted" and fixed.hours == 2
    other = User.get(User.login != "student1", User.role == "student")
    with pytest.raises(NotFound):
        volunteering.update(other, made.id.hex, _form(), TODAY)


# -- «Есть идея!» -----------------------------------------------------------------------------------
from appliance.models.community import COUNCIL, IdeaComment, IdeaMember, IdeaSupport  # noqa: E402
from appliance.models.portfolio import Achievement  # noqa: E402
from appliance.models.trajectory import Goal  # noqa: E402
from appliance.services import ideas  # noqa: E402
from appliance.services.errors import Forbidden  # noqa: E402

IDEA = {"title": "Скамейки во дворе", "problem": "На перемене негде сесть", "idea": "Поставить пять скамеек"}


def _pupils(school, class_name: str, count: int) -> list[User]:
    return school_service.students_of(school_service.find_class(school, class_name))[:count]


def test_an_idea_of_100000_characters_is_refused_never_cut(demo):
    author = User.get(User.login == "student1")
    before = ideas.Idea.select().count()
    with pytest.raises(ServiceError) as refused:
        ideas.propose(author, {**IDEA, "idea": "а" * 100_000})
    assert refused.value.status == 422 and "длиннее" in str(refused.value.message)
    assert ideas.Idea.select().count() == before


def test_one_support_per_pupil_and_never_ones_own(demo):
    author = User.get(User.login == "student1")
    idea = ideas.propose(author, IDEA)
    classmate = _pupils(author.school, "7Б", 3)[-1]
    assert ideas.support(classmate, idea.id.hex) is True
    assert ideas.support(classmate, idea.id.hex) is False  # a second press counts nothing
    assert ideas.supporters(idea) == 1
    with pytest.raises(Conflict) as refused:
        ideas.support(author, idea.id.hex)
    assert "твоя идея" in str(refused.value.message)
    assert IdeaSupport.select().where(IdeaSupport.idea == idea).count() == 1


def test_a_council_member_never_reviews_their_own_idea_another_accepts_it(demo):
    school = User.get(User.login == "student1").school
    first, second, helper = _pupils(school, "7Б", 4)[1:]
    for member in (first, second):
        ideas.set_role(school, member.id.hex, COUNCIL, True)
    idea = ideas.propose(first, IDEA)
    adviser = User.get(User.login == "teacher1")
    form = {"adviser": adviser.id.hex, "deadline": (TODAY + datetime.timedelta(days=60)).isoformat(),
            "team": [helper.id.hex], "reason": ""}
    with pytest.raises(Forbidden):
        ideas.review(first, idea.id.hex, "accepted", form, TODAY)
    with pytest.raises(Forbidden):  # a pupil outside the council
        ideas.review(helper, idea.id.hex, "accepted", form, TODAY)
    with pytest.raises(ServiceError):  # declining needs a reason
        ideas.review(second, idea.id.hex, "declined", {"reason": ""}, TODAY)
    ideas.review(second, idea.id.hex, "accepted", form, TODAY)
    assert ideas.Idea.get_by_id(idea.id).status == "accepted"
    members = {m.student_id: m for m in IdeaMember.select().where(IdeaMember.idea == idea)}
    assert set(members) == {first.id, helper.id}
    for member in members.values():
        goal = Goal.get_by_id(member.goal_id)
        assert goal.origin == "initiative" and goal.title == IDEA["title"]
    drafts = ideas.finish(adviser, idea.id.hex, TODAY)
    assert len(drafts) == 2
    for draft in drafts:
        row = Achievement.get_by_id(draft.id)
        assert row.status == "draft" and row.teacher_id == adviser.id and row.teacher_role.code == "supervisor"


def test_a_hidden_comment_keeps_the_reason_for_its_author(demo):
    author = User.get(User.login == "student1")
    idea = ideas.propose(author, IDEA)
    said = ideas.comment(author, idea.id.hex, "Позвоните мне: +7 900 123-45-67")
    outsider = (User.select().where((User.role == "teacher") & (User.school == author.school)
                                    & (User.id.not_in([t.id for t in school_service.class_teachers(
                                        school_service.class_of(author))]))).first())
    with pytest.raises(ServiceError) as refused:
        ideas.hide_comment(outsider, said.id.hex, "Телефон")
    assert refused.value.status == 404
    with pytest.raises(ServiceError):
        ideas.hide_comment(_class_teacher(author), said.id.hex, "")
    ideas.hide_comment(_class_teacher(author), said.id.hex, "Не пиши телефон в комментариях")
    row = IdeaComment.get_by_id(said.id)
    assert row.hidden and row.hidden_reason == "Не пиши телефон в комментариях"
