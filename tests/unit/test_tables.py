"""One reader for uploaded CSV tables: encodings, delimiters, and a size limit per caller."""

from __future__ import annotations

import pytest

from appliance.models.calendar import Event
from appliance.services import calendar as cal
from appliance.services import competencies, roster
from appliance.services.errors import ServiceError
from appliance.services.tables import read_table
from tests.trajectory_fixtures import small_school_fixture  # noqa: F401 - the fixture

TOO_BIG = "Файл слишком большой: таблица не больше %(mb)s МБ."


@pytest.mark.parametrize("data", [
    "Название;Уровень\nОлимпиада;школьный\n".encode(),
    "\ufeffНазвание;Уровень\nОлимпиада;школьный\n".encode(),
    "Название;Уровень\nОлимпиада;школьный\n".encode("cp1251"),
    "Название,Уровень\nОлимпиада,школьный\n".encode(),
    "Название\tУровень\nОлимпиада\tшкольный\n".encode("utf-16"),
])
def test_encodings_and_delimiters(data):
    rows = [[cell.lstrip("\ufeff") for cell in row] for row in read_table(data, max_bytes=1000, too_big=TOO_BIG)]
    assert rows == [["Название", "Уровень"], ["Олимпиада", "школьный"]]


def test_refusals_name_the_callers_limit():
    with pytest.raises(ServiceError, match="^Файл слишком большой: таблица не больше 1 МБ.$") as caught:
        read_table(b"a;b\n" * 300_000, max_bytes=1024 * 1024, too_big=TOO_BIG)
    assert caught.value.status == 413
    with pytest.raises(ServiceError, match="Файл пустой"):
        read_table(b"  \n", max_bytes=1000, too_big=TOO_BIG)
    with pytest.raises(ServiceError, match="Это не CSV-файл") as caught:
        read_table(b"PK\x03\x04zip", max_bytes=1000, too_big=TOO_BIG)
    assert caught.value.status == 415


def _calendar_csv(size: int) -> bytes:
    head = "Название;Уровень;Начало\nОлимпиада Эйлера;региональный;20.01.2027\n".encode()
    return head + b";;\n" * ((size - len(head)) // 3)  # empty rows are skipped


def test_a_3_mb_calendar_table_is_accepted(small_school):
    events = cal.import_csv(_calendar_csv(3 * 1024 * 1024), small_school.school)
    assert [event.title for event in events] == ["Олимпиада Эйлера"]


def test_a_calendar_table_over_its_own_limit_is_refused_as_a_calendar(small_school):
    with pytest.raises(ServiceError, match="таблица событий календаря должна быть не больше 5 МБ") as caught:
        cal.import_csv(_calendar_csv(cal.MAX_IMPORT_BYTES + 10), small_school.school)
    assert caught.value.status == 413
    assert "учеников" not in str(caught.value)
    assert Event.select().count() == 0


def test_class_lists_and_competencies_keep_their_own_messages(small_school):
    with pytest.raises(ServiceError, match="список учеников не бывает больше 2 МБ"):
        roster.import_roster(b"x" * (roster.MAX_IMPORT_BYTES + 1), small_school.school)
    with pytest.raises(ServiceError, match="таблица компетенций должна быть не больше 2 МБ"):
        competencies.import_framework(b"x" * (competencies.MAX_IMPORT_BYTES + 1), "c.csv", "Рамка", "r")


def test_an_over_long_competency_group_is_a_row_error_not_cut(small_school):
    from appliance.models.competencies import CompetencyFramework
    from appliance.services.errors import ImportRejected

    before = CompetencyFramework.select().count()
    data = ("Код;Название;Группа\n1;Работа в команде;" + "Г" * 121 + "\n").encode()
    with pytest.raises(ImportRejected) as caught:
        competencies.import_framework(data, "c.csv", "Рамка", "r")
    assert [str(row) for row in caught.value.rows] == ["строка 2: группа длиннее 120 знаков"]
    assert CompetencyFramework.select().count() == before
