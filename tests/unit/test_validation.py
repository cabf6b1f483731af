"""One policy for typed values: too long is refused in Russian and nothing is stored."""

from __future__ import annotations

import datetime

import pytest

from appliance.models.calendar import Event
from appliance.models.trajectory import Goal
from appliance.services import calendar as cal
from appliance.services import trajectory, validation
from appliance.services.questionnaires import AnswersRejected, check_answers
from appliance.services.validation import Invalid
from tests.trajectory_fixtures import small_school_fixture  # noqa: F401 - the fixture


def test_text_is_trimmed_and_never_cut():
    assert validation.text("  два\r\nслова ", 20, "Поле") == "два\nслова"
    assert validation.text(" a \n b ", 20, "Поле", one_line=True) == "a b"
    assert validation.text("я" * 5, 5, "Название") == "я" * 5
    with pytest.raises(Invalid, match="^Поле «Название» длиннее 5 знаков: сократите текст.$") as caught:
        validation.text("я" * 6, 5, "Название")
    assert caught.value.status == 422
    with pytest.raises(Invalid, match="^Укажите название.$"):
        validation.text("   ", 5, "Название", required="Укажите название.")


def test_dates_numbers_and_clock_times():
    day = datetime.date(2026, 12, 25)
    for typed in ("25.12.2026", "2026-12-25", "25.12.26", "25/12/2026", day):
        assert validation.date(typed, "Дата") == day
    assert validation.date("", "Дата") is None
    with pytest.raises(Invalid, match="^Срок: дата «31.02.2026» не читается"):
        validation.date("31.02.2026", "Срок")
    with pytest.raises(Invalid, match="^Срок: укажи дату.$"):
        validation.date(" ", "Срок", required="%(label)s: укажи дату.")
    assert validation.integer(" 3 ", "Оценка", 1, 5) == 3
    for bad in ("6", "abc", None, "2.5"):
        with pytest.raises(Invalid, match="^Оценка — целое число от 1 до 5.$"):
            validation.integer(bad, "Оценка", 1, 5)
    assert validation.parse_clock("9:05") == (9, 5)
    assert validation.parse_clock(" 23:59 ") == (23, 59)
    for bad in ("24:00", "12:60", "12", "12:5", "", "ab:cd"):
        with pytest.raises(ValueError, match="^\\[sync\\] time: ожидается время ЧЧ:ММ"):
            validation.parse_clock(bad, "[sync] time")
    assert validation.clock("9:30", "Время начала") == "09:30"
    assert validation.clock("", "Время начала") == ""
    with pytest.raises(Invalid, match="Время начала: пишите время как ЧЧ:ММ"):
        validation.clock("9.30", "Время начала")


def test_an_over_long_goal_title_is_refused_and_nothing_stored(small_school):
    form = {"title": "Ц" * 301, "deadline": (small_school.today + datetime.timedelta(days=30)).isoformat()}
    with pytest.raises(Invalid, match="Поле «Название» длиннее 300 знаков"):
        trajectory.create_goal(small_school.anna, form, small_school.today)
    assert Goal.select().count() == 0


def test_an_over_long_event_is_refused_and_nothing_stored(small_school):
    base = {"title": "Олимпиада", "level": "school", "starts_on": small_school.today.isoformat()}
    for field, limit in (("title", 300), ("place", 300), ("description", 5000)):
        with pytest.raises(Invalid, match=f"длиннее {limit} знаков"):
            cal.save_event(small_school.school, cal.check_event({**base, field: "я" * (limit + 1)}))
    assert Event.select().count() == 0
    assert cal.check_event({**base, "title": "я" * 300}).title == "я" * 300


def test_one_answer_checker_for_scales_choices_and_text():
    specs = [{"id": "a", "type": "scale", "min": 1, "max": 5},
             {"id": "b", "type": "choice", "options": ["да", "нет"]},
             {"id": "c", "type": "text", "required": False}]
    assert check_answers(specs, {"a": "4", "b": "да", "c": " ok "}) == {"a": 4, "b": "да", "c": "ok"}
    with pytest.raises(AnswersRejected, match="вопросах: 1, 2"):
        check_answers(specs, {"a": "9", "b": "может быть"})
    with pytest.raises(AnswersRejected, match="Пропущены: 1"):
        check_answers(specs, {"b": "нет"})
    with pytest.raises(AnswersRejected, match="^Ответ на вопрос 3 длиннее 2000 знаков"):
        check_answers(specs, {"a": 1, "b": "да", "c": "я" * 2001})
    many = [{"id": str(n), "type": "scale", "min": 1, "max": 5} for n in range(12)]
    with pytest.raises(AnswersRejected, match="1, 2, 3, 4, 5, 6, 7, 8, 9, 10 и другие"):
        check_answers(many, {})
