"""The recommendation rules: interests, achievements a level higher, competency gaps,
deadlines and class events, with weights from the settings and a reason for each."""

import pytest

from appliance.config import ConfigError, RecommendationSettings, load_settings
from appliance.models.portfolio import Achievement, CatalogEntry
from appliance.services import calendar as cal
from appliance.services import catalogs, competencies, guidance, recommendations
from appliance.services.questionnaires import SHIPPED, load_all
from tests.trajectory_fixtures import add_event, small_school_fixture  # noqa: F401 - the fixture


def _riasec(student, likes):
    questionnaire = load_all(SHIPPED)["riasec"]
    return guidance.take(student, questionnaire, {i["id"]: likes.get(i["scale"], 1) for i in questionnaire.items})


def test_interest_rule(small_school, tmp_path):
    s = small_school
    science = add_event(s.school, s.today, "Конференция юных биологов", 20, "regional", "science")
    add_event(s.school, s.today, "Турнир по футболу", 10, "school", "sport")
    assert recommendations.recommend(s.anna, s.today, tmp_path) == []  # no test taken, nothing to go on
    _riasec(s.anna, {"I": 5, "C": 3})
    found = recommendations.recommend(s.anna, s.today, tmp_path)
    assert [x.event for x in found] == [science]
    assert found[0].reason.startswith("Потому что по тесту «Мои интересы")
    assert "«Исследовательский (мыслитель)» (40 из 40)" in found[0].reason
    assert found[0].score == RecommendationSettings().interest


def test_planned_past_and_closed_registration_are_left_out(small_school, tmp_path):
    s = small_school
    _riasec(s.anna, {"I": 5})
    planned = add_event(s.school, s.today, "Олимпиада по биологии", 5, "municipal", "science")
    add_event(s.school, s.today, "Прошедшая олимпиада", -3, "municipal", "science")
    add_event(s.school, s.today, "Регистрация закрыта", 30, "national", "science", registration=-1)
    add_event(s.school, s.today, "Для 9В", 30, "school", "science", classes=[s.ninth])
    open_one = add_event(s.school, s.today, "Эко-форум", 30, "national", "science", registration=20)
    cal.plan_event(s.anna, str(planned.id))
    assert [x.event for x in recommendations.recommend(s.anna, s.today, tmp_path)] == [open_one]


def _entry(catalog, code):
    return CatalogEntry.get((CatalogEntry.catalog == catalog) & (CatalogEntry.code == code))


def test_achievement_rule_suggests_a_level_higher(small_school, tmp_path):
    s = small_school
    catalogs.ensure_defaults()
    Achievement.create(student=s.anna, title="Призёр районной олимпиады по информатике", date=s.today,
                       status="confirmed", direction=_entry("direction", "tech"),
                       level=_entry("level", "municipal"))
    Achievement.create(student=s.anna, title="Черновик", date=s.today, status="draft",
                       direction=_entry("direction", "arts"), level=_entry("level", "school"))
    regional = add_event(s.school, s.today, "Региональная олимпиада по программированию", 15, "regional", "tech")
    add_event(s.school, s.today, "Школьный турнир роботов", 15, "school", "tech")  # lower than reached
    add_event(s.school, s.today, "Выставка рисунков", 15, "school", "arts")  # only a draft there
    found = recommendations.recommend(s.anna, s.today, tmp_path)
    assert [x.event for x in found] == [regional]
    assert "достижение «Призёр районной олимпиады по информатике»" in found[0].reason
    assert "уровень выше" in found[0].reason


def test_deadline_and_class_boost_and_weights_from_settings(small_school, tmp_path):
    s = small_school
    _riasec(s.anna, {"I": 5})
    later = add_event(s.school, s.today, "Летняя школа", 60, "national", "science")
    soon = add_event(s.school, s.today, "Конкурс проектов", 40, "regional", "science", registration=5,
                     classes=[s.seventh])
    found = recommendations.recommend(s.anna, s.today, tmp_path)
    assert [x.event for x in found] == [soon, later]
    assert found[0].score == 3 + 1 + 1
    assert "это событие для твоего класса" in found[0].reason and "регистрация открыта до" in found[0].reason
    # The school reads and tunes the rules: without the interest weight these events drop to boosts only.
    config = tmp_path / "okey.toml"
    config.write_text("[recommendations]\ninterest = 0\nlimit = 1\n")
    weights = load_settings(config, environ={}).recommendations
    assert (weights.interest, weights.limit, weights.deadline) == (0, 1, 1)
    assert recommendations.recommend(s.anna, s.today, tmp_path, weights) == []
    with pytest.raises(ConfigError, match="целое число"):
        load_settings(config, environ={"OKEY_RECOMMENDATIONS__DEADLINE": "x"})
    weights = load_settings(config, environ={"OKEY_RECOMMENDATIONS__INTEREST": "10"}).recommendations
    top = recommendations.recommend(s.anna, s.today, tmp_path, weights)
    assert len(top) == 1 and top[0].score == 12


def test_competency_gap_rule(small_school, tmp_path):
    s = small_school
    competencies.install_shipped()
    items = competencies.competencies_of(competencies.active_framework(), leaves_only=True)
    competencies.self_assess(s.anna, items[0].id, 1, "Пока боюсь выступать")
    competencies.self_assess(s.anna, items[1].id, 5, "Получается")
    found = recommendations.recommend(s.anna, s.today, tmp_path)
    kinds = {(x.kind, x.competency_id) for x in found}
    assert ("competency", str(items[0].id)) in kinds
    first = next(x for x in found if x.competency_id == str(items[0].id))
    assert f"твоя самооценка по компетенции «{items[0].name}» — 1" in first.reason
    # Rated high but with no confirmed achievement yet: suggested for the evidence.
    second = next(x for x in found if x.competency_id == str(items[1].id))
    assert "нет ни одного подтверждённого достижения" in second.reason
    assert all(x.kind == "competency" for x in found)
