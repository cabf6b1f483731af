"""Russian that agrees, where the portal uses it: gender from a name, names in cases, counts with nouns."""

import pytest

from appliance.services import russian


@pytest.mark.parametrize("name, gender", [
    ("Васильева Алиса Андреевна", "f"), ("Иванова Алёна Юрьевна", "f"), ("Римский-Корсаков Пётр Ильич", "m"),
    ("Никитин Лев Павлович", "m"), ("Кузнецова Ева", "f"), ("Ершов Никита Дмитриевич", "m"),
])
def test_gender_comes_from_the_name(name, gender):
    assert russian.gender_of(name) == gender


def test_names_in_cases():
    assert russian.name_in_case("Римский-Корсаков Пётр Ильич", "datv") == "Римскому-Корсакову Петру Ильичу"
    assert russian.given_names_in_case("Иванова Алёна Юрьевна", "datv") == "Алёне Юрьевне"
    assert russian.name_in_case("Никитин Лев Павлович", "gent") == "Никитина Льва Павловича"


@pytest.mark.parametrize("number, word, expected", [
    (1, "компетенция", "1 компетенция"), (3, "компетенция", "3 компетенции"), (17, "компетенция", "17 компетенций"),
    (21, "достижение", "21 достижение"), (11, "день", "11 дней"), (2, "день", "2 дня"), (0, "достижение", "0 достижений"),
])
def test_counts_agree_with_the_noun(number, word, expected):
    assert russian.count(number, word) == expected


def test_a_term_in_the_genitive():
    assert russian.phrase_in_case("2 четверть 2024/25", "gent") == "2 четверти 2024/25"
    assert russian.phrase_in_case("1 полугодие 2025/26", "gent") == "1 полугодия 2025/26"


def test_demo_patronymics_are_real_ones():
    from appliance.services.demo import FATHERS, _patronymic

    assert _patronymic("Павел", True) == "Павловна"
    assert _patronymic("Дмитрий", True) == "Дмитриевна"
    assert _patronymic("Михаил", False) == "Михайлович"
    assert all(_patronymic(father, female) for father in FATHERS for female in (True, False))


def test_the_growth_description_says_from_which_term():
    from appliance.documents.charts import growth_chart
    from appliance.services.competencies import GrowthPoint
    from appliance.services.terms import Term

    points = [GrowthPoint(Term(2024, 2, 4), 2.0, 1.5, 1), GrowthPoint(Term(2025, 2, 4), 3.0, 2.5, 4)]
    assert "С 2 четверти 2024/25 по 2 четверть 2025/26" in growth_chart(points).description
