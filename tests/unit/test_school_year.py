"""The school year: the year arithmetic, the rollover, moves, leavers, graduates, and the
re-import that recognises people."""

from __future__ import annotations

import datetime

import pytest

from appliance.documents.csv_table import csv_table
from appliance.models.audit import AuditLog
from appliance.models.people import (
    GRADUATED,
    LEFT,
    ClassGroup,
    ClassMembership,
    ParentLink,
    Student,
    TeacherAssignment,
    User,
)
from appliance.models.portfolio import Achievement
from appliance.services import enrolment, portfolio, roster, years
from appliance.services import school as school_service
from appliance.services.errors import Conflict, Forbidden, ImportRejected, NotFound, ServiceError

# -- the year arithmetic ------------------------------------------------------------------------

@pytest.mark.parametrize("text, start", [("2026/27", 2026), ("2026-2027", 2026), ("2026", 2026),
                                         (" 2099/00 ", 2099)])
def test_a_school_year_reads_as_people_write_it(text, start):
    assert years.SchoolYear.parse(text).start == start
    assert years.SchoolYear(start).label == f"{start}/{(start + 1) % 100:02d}"


@pytest.mark.parametrize("text", ["2026/28", "26/27", "осень", "", "2026/2028", "1999/00"])
def test_a_school_year_that_is_not_one_is_refused(text):
    with pytest.raises(ServiceError) as info:
        years.SchoolYear.parse(text)
    assert info.value.status == 422


def test_the_year_turns_on_the_first_of_september_and_the_rollover_looks_ahead_from_june():
    assert years.SchoolYear.of(datetime.date(2026, 8, 31)).start == 2025
    assert years.SchoolYear.of(datetime.date(2026, 9, 1)).start == 2026
    assert years.rollover_target(datetime.date(2026, 5, 31)) == 2025
    assert years.rollover_target(datetime.date(2026, 6, 1)) == 2026
    assert years.rollover_target(datetime.date(2027, 1, 10)) == 2026
    assert years.SchoolYear(2026).next().label == "2027/28"


# -- the rollover --------------------------------------------------------------------------------

LATIN = str.maketrans({"а": "a", "б": "b", "в": "v"})


def _school_with(classes: dict[str, list[str]], year: int = 2025):
    school = school_service.ensure_school("Школа", "s1")
    school.current_year = year
    school.save()
    teacher = User.create(school=school, role="teacher", login="t1", full_name="Учитель Анна",
                          last_name="Учитель", first_name="Анна")
    for name, people in classes.items():
        group = school_service.get_or_create_class(school, name)
        school_service.assign_teacher(teacher, group, class_teacher=True)
        for index, person in enumerate(people):
            last, first = person.split()
            user = User.create(school=school, role="student", login=f"{name}-{index}".lower().translate(LATIN), full_name=person,
                               last_name=last, first_name=first)
            Student.create(user=user, class_group=group)
            years.set_membership(user, year, group)
    return school, teacher


def test_every_class_moves_up_and_the_last_grade_graduates(db):
    school, teacher = _school_with({"7Б": ["Котов Лев"], "11А": ["Орлова Вера"], "10А": ["Рыбин Олег"]})
    kotov = User.get(User.login == "7b-0")
    Achievement.create(student=kotov, title="Олимпиада", date=datetime.date(2026, 3, 1), school_year=2025,
                       class_name="7Б")
    plan = years.plan_rollover(school, 11)
    assert [(c.old_name, c.new_name) for c in plan.changes] == [("11А", ""), ("10А", "11А"), ("7Б", "8Б")]
    assert plan.promoted == 2 and plan.graduating == 1
    assert School_year(school) == 2025, "the preview writes nothing"
    years.rollover(school, 11, 2026, 2025)
    assert school_service.class_of(kotov).name == "8Б"
    assert years.class_in_year(kotov, 2025) == "7Б" and years.class_in_year(kotov, 2026) == "8Б"
    assert Achievement.get(Achievement.student == kotov).class_name == "7Б", "records keep their class"
    orlova = User.get(User.login == "11a-0")
    assert Student.get(Student.user == orlova).status == GRADUATED and orlova.active
    assert school_service.class_of(User.get(User.login == "10a-0")).name == "11А"
    # the class teacher stays with the class
    assert school_service.class_teachers(ClassGroup.get(ClassGroup.name == "8Б")) == [teacher]
    assert School_year(school) == 2026
    assert AuditLog.select().where(AuditLog.action == "year.rollover").count() == 1


def School_year(school) -> int:
    return type(school).get_by_id(school.id).current_year


def test_running_the_rollover_twice_for_one_year_changes_nothing_the_second_time(db):
    school, _ = _school_with({"7Б": ["Котов Лев"]})
    years.rollover(school, 11, 2026, 2025)
    again = years.rollover(school, 11, 2026, 2026)
    assert again.done
    assert ClassGroup.get().name == "8Б"
    assert AuditLog.select().where(AuditLog.action == "year.rollover").count() == 1


def test_a_rollover_that_lost_the_race_is_told_and_writes_nothing(db):
    school, _ = _school_with({"7Б": ["Котов Лев"]})
    years.rollover(school, 11, 2026, 2025)
    with pytest.raises(Conflict) as info:
        years.rollover(school, 11, 2027, 2025)  # it saw 2025/26 open when it showed its preview
    assert "уже переведён" in str(info.value.message)
    assert ClassGroup.get().name == "8Б"


def test_a_school_whose_last_grade_is_9_graduates_the_9th(db):
    school, _ = _school_with({"9А": ["Орлова Вера"], "8А": ["Котов Лев"]})
    plan = years.rollover(school, 9, 2026, 2025)
    assert [(c.old_name, c.new_name) for c in plan.changes] == [("9А", ""), ("8А", "9А")]
    assert Student.get(Student.user == User.get(User.login == "9a-0")).status == GRADUATED


def test_a_school_with_no_last_grade_rolls_over_and_nobody_graduates(db):
    school, _ = _school_with({"5А": ["Котов Лев"], "6А": ["Орлова Вера"]})
    plan = years.rollover(school, 11, 2026, 2025)
    assert plan.graduating == 0 and plan.promoted == 2
    assert sorted(g.name for g in ClassGroup.select()) == ["6А", "7А"]


def test_a_class_above_the_last_grade_stops_the_rollover_before_anything_is_written(db):
    school, _ = _school_with({"10А": ["Котов Лев"], "5А": ["Орлова Вера"]})
    with pytest.raises(ServiceError) as info:
        years.rollover(school, 9, 2026, 2025)
    assert info.value.status == 422 and "10А" in str(info.value.message)
    assert sorted(g.name for g in ClassGroup.select()) == ["10А", "5А"] and School_year(school) == 2025


def test_a_rollover_skipping_a_year_is_refused(db):
    school, _ = _school_with({"7Б": ["Котов Лев"]})
    with pytest.raises(ServiceError):
        years.plan_rollover(school, 11, 2027)


def test_the_administrator_names_the_new_class_teacher(db):
    school, teacher = _school_with({"7Б": ["Котов Лев"]})
    other = User.create(school=school, role="teacher", login="t2", full_name="Новый Пётр", last_name="Новый",
                        first_name="Пётр")
    group = ClassGroup.get()
    years.rollover(school, 11, 2026, 2025, class_teachers={group.id.hex: other.id.hex})
    assert school_service.class_teachers(ClassGroup.get()) == [other]
    assert TeacherAssignment.select().where(TeacherAssignment.teacher == teacher).exists()


# -- moves, leavers, returns, graduates ---------------------------------------------------------

def test_a_student_moves_to_another_class_and_keeps_one_membership_for_the_year(db):
    school, _ = _school_with({"7Б": ["Котов Лев"], "7А": []})
    kotov = User.get(User.login == "7b-0")
    enrolment.move(kotov, "7А")
    assert school_service.class_of(kotov).name == "7А"
    assert [m.class_name for m in ClassMembership.select()] == ["7А"]


def test_a_move_to_a_class_that_does_not_exist_is_refused(db):
    school, _ = _school_with({"7Б": ["Котов Лев"]})
    kotov = User.get(User.login == "7b-0")
    with pytest.raises(NotFound) as info:
        enrolment.move(kotov, "7Я")
    assert "7Я" in str(info.value.message)
    with pytest.raises(ServiceError):
        enrolment.move(kotov, "15Б")
    assert school_service.class_of(kotov).name == "7Б"


def test_a_leaver_is_closed_with_their_parent_and_a_return_reopens_the_same_account(db):
    from appliance.models.calendar import FeedToken
    from appliance.services import calendar

    school, _ = _school_with({"7Б": ["Котов Лев"]})
    kotov = User.get(User.login == "7b-0")
    mother = User.create(school=school, role="parent", login="mama", full_name="Котова Анна", last_name="Котова",
                         first_name="Анна")
    school_service.link_parent(mother, kotov)
    token = calendar.issue_feed_token(kotov)
    enrolment.leave(kotov)
    assert not User.get_by_id(kotov.id).active and not User.get_by_id(mother.id).active
    with pytest.raises(NotFound):
        calendar.user_for_feed(token)
    assert FeedToken.get().revoked_at is not None
    enrolment.return_(User.get_by_id(kotov.id), "7Б")
    assert User.get_by_id(kotov.id).active and User.get_by_id(mother.id).active
    assert User.select().where(User.role == "student").count() == 1


def test_a_graduate_may_not_edit(db):
    school, _ = _school_with({"11А": ["Орлова Вера"]})
    years.rollover(school, 11, 2026, 2025)
    orlova = User.get(User.login == "11a-0")
    with pytest.raises(Forbidden) as info:
        enrolment.check_may_edit(orlova)
    assert "выпускник" in str(info.value.message)
    enrolment.set_alumni_listed(orlova, True)
    assert Student.get(Student.user == orlova).alumni_listed


def test_periods_close_graduates_and_delete_leavers_with_a_record(db):
    school, _ = _school_with({"11А": ["Орлова Вера"], "7Б": ["Котов Лев"]})
    years.rollover(school, 11, 2026, 2025)
    enrolment.leave(User.get(User.login == "8b-0") if User.get_or_none(User.login == "8b-0")
                    else User.get(User.login == "7b-0"))
    later = datetime.datetime.now() + datetime.timedelta(days=400)
    closed, deleted = enrolment.expire(365, 365, now=later)
    assert (closed, deleted) == (1, 1)
    assert not User.get(User.login == "11a-0").active
    assert User.get_or_none(User.login == "7b-0") is None
    assert AuditLog.select().where(AuditLog.action == "person.deleted").count() == 1


def _parent(school, login: str, *children: User) -> User:
    parent = User.create(school=school, role="parent", login=login, full_name=f"Родитель {login}",
                         last_name="Родитель", first_name=login)
    for child in children:
        school_service.link_parent(parent, child)
    return parent


def test_a_graduates_closed_account_closes_the_parent_with_no_other_child_at_school(db):
    from appliance.services import sessions

    school, _ = _school_with({"11А": ["Орлова Вера"]})
    orlova = User.get(User.login == "11a-0")
    mother = _parent(school, "mama", orlova)
    token = sessions.start(mother, "10.0.0.5")
    years.rollover(school, 11, 2026, 2025)
    assert User.get_by_id(mother.id).active  # while the graduate's account is open, so is the parent's
    assert enrolment.expire(365, 365, now=datetime.datetime.now() + datetime.timedelta(days=10)) == (0, 0)
    assert User.get_by_id(mother.id).active
    closed, _ = enrolment.expire(365, 365, now=datetime.datetime.now() + datetime.timedelta(days=400))
    assert closed == 1
    mother = User.get_by_id(mother.id)
    assert not mother.active
    assert sessions.check(mother.id.hex, token, 24) is None  # her open session ends at once
    assert AuditLog.select().where((AuditLog.action == "parent.closed") & AuditLog.detail.contains("mama")).exists()
    assert ParentLink.select().where(ParentLink.parent == mother).exists()  # the link and the data stay


def test_a_parent_with_another_child_at_school_keeps_the_account(db):
    school, _ = _school_with({"11А": ["Орлова Вера"], "7Б": ["Орлов Пётр"]})
    vera, petr = User.get(User.login == "11a-0"), User.get(User.login == "7b-0")
    mother = _parent(school, "mama", vera, petr)
    only_vera = _parent(school, "papa", vera)
    years.rollover(school, 11, 2026, 2025)
    enrolment.expire(365, 365, now=datetime.datetime.now() + datetime.timedelta(days=400))
    assert not User.get_by_id(vera.id).active
    assert User.get_by_id(mother.id).active  # Пётр still studies
    assert not User.get_by_id(only_vera.id).active
    # When Пётр leaves too, nothing is left at the school for her.
    enrolment.leave(User.get_by_id(petr.id))
    assert not User.get_by_id(mother.id).active


def test_a_parent_whose_other_child_is_a_graduate_with_an_open_account_keeps_theirs(db):
    school, _ = _school_with({"11А": ["Орлова Вера"], "7Б": ["Орлов Пётр"]})
    vera, petr = User.get(User.login == "11a-0"), User.get(User.login == "7b-0")
    mother = _parent(school, "mama", vera, petr)
    years.rollover(school, 11, 2026, 2025)
    enrolment.leave(User.get_by_id(petr.id))
    assert User.get_by_id(mother.id).active  # Вера's graduate account is open
    enrolment.expire(365, 10_000, now=datetime.datetime.now() + datetime.timedelta(days=400))
    assert not User.get_by_id(mother.id).active


# -- records keep their year and class ---------------------------------------------------------

def test_an_achievement_of_last_year_keeps_last_years_class(db):
    school, _ = _school_with({"7Б": ["Котов Лев"]})
    kotov = User.get(User.login == "7b-0")
    years.rollover(school, 11, 2026, 2025)
    late = portfolio.create_draft(kotov, title="Турнир весной", date=datetime.date(2026, 5, 10))
    now = portfolio.create_draft(kotov, title="Турнир осенью", date=datetime.date(2026, 10, 10))
    assert (late.school_year, late.class_name) == (2025, "7Б")
    assert (now.school_year, now.class_name) == (2026, "8Б")
    assert years.year_and_class(late.school_year, late.class_name) == "7Б, 2025/26"


# -- re-import recognises people ---------------------------------------------------------------

def test_next_years_list_moves_people_and_creates_nobody(db):
    school, _ = _school_with({"7Б": ["Котов Лев", "Орлова Вера"]})
    data = "Роль;ФИО;Класс\nученик;Котов Лев;8Б\nученик;Орлова Вера;8Б\nученик;Новиков Ян;8Б\n".encode()
    preview, errors = roster.preview_roster(data, school)
    assert errors == []
    assert [(r.name, r.status) for r in preview] == [("Котов Лев", "moved"), ("Орлова Вера", "moved"),
                                                     ("Новиков Ян", "new")]
    result = roster.import_roster(data, school)
    assert (len(result.created), result.moved) == (1, 2)
    assert User.select().where(User.role == "student").count() == 3


def test_two_people_one_name_is_ambiguous_and_nothing_is_written(db):
    school, _ = _school_with({"7Б": ["Котов Лев"], "7А": ["Котов Лев"]})
    data = "Роль;ФИО;Класс\nученик;Котов Лев;8Б\n".encode()
    preview, _ = roster.preview_roster("Роль;ФИО;Класс\nученик;Котов Лев;7В\n".encode(), school)
    assert preview[0].status == "ambiguous" and "7А" in preview[0].note and "7Б" in preview[0].note
    roster.import_roster(data, school)  # 8Б: only the 7Б one moves up into it
    with pytest.raises(ImportRejected) as info:
        roster.import_roster("Роль;ФИО;Класс\nученик;Котов Лев;9В\n".encode(), school)
    assert "неоднозначно" in str(info.value.rows[0])
    assert User.select().where(User.role == "student").count() == 2


def test_two_rows_naming_one_person_are_refused(db):
    school, _ = _school_with({"7Б": ["Котов Лев"]})
    data = "Роль;ФИО;Класс;Логин\nученик;Котов Лев;7Б;\nученик;Котов Лев;8Б;7b-0\n".encode()
    with pytest.raises(ImportRejected) as info:
        roster.import_roster(data, school)
    assert "тот же ученик, что в строке 2" in str(info.value.rows[0])
    assert school_service.class_of(User.get(User.login == "7b-0")).name == "7Б"


def test_a_birth_date_tells_namesakes_apart(db):
    school, _ = _school_with({"7Б": ["Котов Лев"], "7А": ["Котов Лев"]})
    Student.update(birth_date=datetime.date(2013, 1, 2)).where(
        Student.user == User.get(User.login == "7a-0")).execute()
    Student.update(birth_date=datetime.date(2013, 5, 6)).where(
        Student.user == User.get(User.login == "7b-0")).execute()
    data = "Роль;ФИО;Класс;Дата рождения\nученик;Котов Лев;8А;02.01.2013\n".encode()
    preview, _ = roster.preview_roster(data, school)
    assert preview[0].status == "moved" and preview[0].login == "7a-0"


def test_the_export_round_trips_with_no_new_account(db):
    school, _ = _school_with({"7Б": ["Котов Лев", "Орлова Вера"]})
    mother = User.create(school=school, role="parent", login="mama", full_name="Котова Анна", last_name="Котова",
                         first_name="Анна")
    school_service.link_parent(mother, User.get(User.login == "7b-0"))
    before = User.select().count()
    data = roster.export_roster(school, "7Б")
    result = roster.import_roster(data, school)
    assert result.created == [] and User.select().count() == before


def test_an_export_never_hands_excel_a_formula():
    rows = [("ученик", "=HYPERLINK(\"x\")", "Лев; Пётр", "+7", "-1", "@SUM(A1)", "ok")]
    text = csv_table(rows).lstrip("\ufeff")
    import csv
    import io

    cells = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert cells == ["ученик", "'=HYPERLINK(\"x\")", "Лев; Пётр", "'+7", "'-1", "'@SUM(A1)", "ok"]


def test_an_export_of_a_class_that_does_not_exist_is_refused(db):
    school, _ = _school_with({"7Б": []})
    with pytest.raises(NotFound):
        roster.export_roster(school, "7Я")


def test_a_left_student_is_not_matched_by_name_alone(db):
    school, _ = _school_with({"7Б": ["Котов Лев"]})
    kotov = User.get(User.login == "7b-0")
    enrolment.leave(kotov)
    preview, _ = roster.preview_roster("Роль;ФИО;Класс\nученик;Котов Лев;7Б\n".encode(), school)
    assert preview[0].status == "ambiguous"
    preview, _ = roster.preview_roster("Роль;ФИО;Класс;Логин\nученик;Котов Лев;7Б;7b-0\n".encode(), school)
    assert preview[0].status == "returned"
    assert Student.get(Student.user == kotov).status == LEFT
