"""The small things pupils and teachers asked for, without HTTP: names in the order of a register, the
teacher drop-down grouped, an achievement sent by mistake taken back, import templates that the importers
read back, thumbnails made with bounded decoding."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image

from appliance.documents.csv_table import csv_bytes
from appliance.models.calendar import Event, Notification
from appliance.models.people import TEACHER, User
from appliance.models.portfolio import Achievement
from appliance.services import calendar as cal
from appliance.services import competencies, notifications, portfolio, roster, russian, uploads
from appliance.services import school as school_service
from appliance.services.errors import Conflict, NotFound
from appliance.services.tables import read_table
from tests.unit.test_portfolio_rules import entry, full_fields


def person(full_name: str):
    last, first, middle = (full_name.split() + ["", "", ""])[:3]
    return SimpleNamespace(full_name=full_name, last_name=last, first_name=first, middle_name=middle)


def test_names_follow_the_russian_alphabet_with_yo_beside_ye():
    names = ["Яковлев Илья", "Ёлкина Анна", "елисеева Вера", "Абрамов Олег", "Елкина Анна", "Жуков Пётр",
             "Ершов Антон", "Ёжиков Лев", "Иванова-Крымская Мария", "Иванов Сергей"]
    ordered = [p.full_name for p in russian.by_surname(person(n) for n in names)]
    assert ordered == ["Абрамов Олег", "Ёжиков Лев", "елисеева Вера", "Елкина Анна", "Ёлкина Анна", "Ершов Антон",
                       "Жуков Пётр", "Иванов Сергей", "Иванова-Крымская Мария", "Яковлев Илья"]
    # A plain sort of the same strings puts «Ё» before «А» and lower case after «Я»: the key makes the difference.
    assert sorted(names)[0].startswith("Ё") and sorted(names)[-1] == "елисеева Вера"


@pytest.fixture
def people(demo):
    Notification.delete().execute()
    Achievement.update(status="draft").where(Achievement.status == "submitted").execute()
    return SimpleNamespace(student=User.get(User.login == "student1"), teacher=User.get(User.login == "teacher1"),
                           guide=User.get(User.login == "belova.m"), other=User.get(User.login == "alekseeva.o"))


def test_the_teacher_drop_down_puts_the_class_teacher_first_then_the_class_then_everyone(people):
    groups = portfolio.teachers_for(people.student)
    assert [label for label, _ in groups] == list(portfolio.TEACHER_GROUPS)
    (_, leads), (_, class_teachers), (_, rest) = groups
    assert leads == [people.teacher]
    for group in (class_teachers, rest):
        assert group == russian.by_surname(group) and group
    everyone = [t for _, group in groups for t in group]
    assert len(everyone) == len(set(t.id for t in everyone))
    assert {t.id for t in everyone} == {t.id for t in school_service.staff(people.student.school, TEACHER)}
    # A teacher whose account is closed is not offered.
    people.guide.active = False
    people.guide.save()
    assert people.guide.id not in {t.id for _, group in portfolio.teachers_for(people.student) for t in group}


def test_pupils_for_a_drop_down_are_grouped_by_class_in_grade_order(people):
    groups = school_service.pupils_by_class(people.student.school)
    names = [name for name, _ in groups]
    grades = [school_service.parse_class_name(name)[0] for name in names]
    assert grades == sorted(grades)
    for _, pupils in groups:
        assert pupils == russian.by_surname(pupils)
    assert people.student.id in {p.id for _, pupils in groups for p in pupils}


def waiting(user) -> list[Notification]:
    return list(Notification.select().where((Notification.user == user) & (Notification.kind == notifications.WAITING)
                                            & Notification.read_at.is_null()))


def test_withdrawing_takes_it_out_of_the_queue_and_the_notification(people):
    student, teacher = people.student, people.teacher
    one = portfolio.submit(student, portfolio.create_draft(student, **full_fields(title="Олимпиада по физике")))
    two = portfolio.submit(student, portfolio.create_draft(student, **full_fields(title="Конкурс чтецов")))
    [note] = waiting(teacher)
    assert note.count == 2
    portfolio.withdraw(student, two)
    assert Achievement.get_by_id(two.id).status == "draft" and Achievement.get_by_id(two.id).submitted_at is None
    assert [a.id for a in portfolio.review_queue(teacher)] == [one.id]
    [note] = waiting(teacher)
    assert note.count == 1 and "Олимпиада по физике" in note.body and note.link == f"achievement:{one.id.hex}"
    portfolio.withdraw(student, one)
    assert waiting(teacher) == [] and portfolio.review_queue(teacher) == []
    steps = [row.action for row in portfolio.history(Achievement.get_by_id(one.id))]
    assert steps == ["achievement.submit", "achievement.withdraw"]
    # Sent again it waits again, and the teacher hears of it again.
    portfolio.submit(student, Achievement.get_by_id(one.id))
    assert len(waiting(teacher)) == 1


def test_a_guide_who_is_not_the_class_teacher_is_told_too(people):
    student, guide = people.student, people.guide
    achievement = portfolio.submit(student, portfolio.create_draft(student, **full_fields(
        teacher=guide.id.hex, teacher_role=entry("teacher_role", "mentor"))))
    assert len(waiting(guide)) == 1
    portfolio.withdraw(student, achievement)
    assert waiting(guide) == [] and waiting(people.teacher) == []


def test_only_a_waiting_achievement_of_ones_own_can_be_withdrawn(people):
    student, teacher = people.student, people.teacher
    draft = portfolio.create_draft(student, **full_fields())
    with pytest.raises(Conflict):
        portfolio.withdraw(student, draft)
    sent = portfolio.submit(student, draft)
    with pytest.raises(NotFound):
        portfolio.withdraw(people.other, sent)
    portfolio.confirm(teacher, sent)
    with pytest.raises(Conflict) as refused:
        portfolio.withdraw(student, Achievement.get_by_id(sent.id))
    assert "ждёт проверки" in refused.value.message.template
    assert Achievement.get_by_id(sent.id).status == "confirmed"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_the_class_list_template_round_trips_through_the_importer(demo, encoding):
    data = csv_bytes(roster.TEMPLATE, encoding)
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8")
    assert list(read_table(data, max_bytes=1 << 20, too_big="")) == [list(row) for row in roster.TEMPLATE]
    school = User.get(User.login == "admin").school
    found, errors = roster.preview_roster(data, school)
    assert errors == [] and [(row.name, row.class_name, row.status) for row in found] == [
        ("Иванова Мария Петровна", "7Б", roster.NEW)]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_the_events_template_round_trips_through_the_importer(demo, encoding):
    import datetime

    rows = cal.csv_template(datetime.date(2026, 11, 29))
    data = csv_bytes(rows, encoding)
    assert list(read_table(data, max_bytes=1 << 20, too_big="")) == [list(row) for row in rows]
    [event] = cal.import_csv(data, User.get(User.login == "admin").school)
    event = Event.get_by_id(event.id)
    assert (event.title, event.level, event.kind, event.direction) == (
        "Олимпиада по математике, школьный этап", "school", "olympiad", "science")
    assert event.starts_on == datetime.date(2026, 12, 29) and event.start_time == "10:00"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_the_competency_template_round_trips_through_the_importer(demo, encoding):
    data = csv_bytes(competencies.TEMPLATE, encoding)
    assert list(read_table(data, max_bytes=1 << 20, too_big="")) == [list(row) for row in competencies.TEMPLATE]
    framework = competencies.import_framework(data, "шаблон.csv", name="Проба", code=f"probe-{encoding}")
    [competency] = competencies.competencies_of(framework)
    assert (competency.code, competency.name) == ("1.1", "Самосознание")


def picture(size) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def test_thumbnails_are_small_made_once_and_refused_for_what_is_not_a_preview(settings, db):
    prepared = uploads.prepare("фото.jpg", picture((1600, 900)))
    with uploads.Batch(settings) as batch:
        batch.write(prepared)
    path = uploads.thumbnail(settings, prepared.sha256)
    with Image.open(path) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == uploads.THUMB_SIDE
    made = path.stat().st_mtime_ns
    assert uploads.thumbnail(settings, prepared.sha256).stat().st_mtime_ns == made
    uploads.remove_files(settings, prepared.sha256)
    assert not path.exists()
    # A "preview" larger than previews are (a planted or damaged file) is not decoded for a thumbnail.
    big = "b" * 64
    uploads.preview_path(settings, big).parent.mkdir(parents=True, exist_ok=True)
    uploads.preview_path(settings, big).write_bytes(picture((uploads.PREVIEW_SIDE + 1, 10)))
    assert uploads.thumbnail(settings, big) is None
    junk = "c" * 64
    uploads.preview_path(settings, junk).parent.mkdir(parents=True, exist_ok=True)
    uploads.preview_path(settings, junk).write_bytes(b"not a picture")
    assert uploads.thumbnail(settings, junk) is None
    assert uploads.thumbnail(settings, "d" * 64) is None
