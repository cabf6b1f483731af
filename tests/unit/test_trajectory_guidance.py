"""Scoring of the two shipped questionnaires with known answer sheets, and answer checks."""

import json

import pytest

from appliance.services import guidance
from appliance.services.errors import ServiceError
from appliance.services.questionnaires import SHIPPED, DefinitionError, load_all, parse_definition


@pytest.fixture(scope="module")
def shipped():
    return load_all(SHIPPED)


def test_shipped_files_are_complete(shipped):
    riasec, klimov = shipped["riasec"], shipped["klimov"]
    assert len(riasec.items) == 48
    assert {code: sum(1 for i in riasec.items if i["scale"] == code) for code in "RIASEC"} == dict.fromkeys("RIASEC", 8)
    assert len(klimov.items) == 20
    # Each of the five types meets each other type twice: eight appearances each.
    appearances = {}
    for item in klimov.items:
        pair = tuple(sorted(option["scale"] for option in item["options"]))
        assert pair[0] != pair[1]
        appearances[pair] = appearances.get(pair, 0) + 1
        for scale in pair:
            appearances[scale] = appearances.get(scale, 0) + 1
    assert {s: appearances[s] for s in ("nature", "technique", "human", "sign", "art")} == dict.fromkeys(
        ("nature", "technique", "human", "sign", "art"), 8)
    assert all(count == 2 for key, count in appearances.items() if isinstance(key, tuple))
    assert shipped["satisfaction"].kind == shipped["school-satisfaction"].kind == "survey"


def test_riasec_known_sheet(shipped):
    q = shipped["riasec"]
    rating = {"R": 5, "I": 4, "A": 3, "S": 2, "E": 1, "C": 1}
    answers = guidance.check_answers(q, {item["id"]: str(rating[item["scale"]]) for item in q.items})
    result = guidance.score(q, answers)
    assert result.scores == {"R": 40, "I": 32, "A": 24, "S": 16, "E": 8, "C": 8}
    assert result.code == "RIA"
    bands = {s.code: s.band_key for s in result.scales}
    assert bands == {"R": "high", "I": "high", "A": "medium", "S": "low", "E": "low", "C": "low"}
    assert all(s.maximum == 40 for s in result.scales)


def test_riasec_second_sheet_and_ties(shipped):
    q = shipped["riasec"]
    rating = {"C": 5, "E": 4, "S": 3, "R": 1, "I": 1, "A": 1}
    result = guidance.score(q, guidance.check_answers(q, {i["id"]: rating[i["scale"]] for i in q.items}))
    assert result.code == "CES"
    flat = guidance.score(q, guidance.check_answers(q, {i["id"]: 3 for i in q.items}))
    assert flat.scores == dict.fromkeys("RIASEC", 24)
    assert flat.code == "RIA"  # equal scores keep Holland's order


def test_klimov_known_sheets(shipped):
    q = shipped["klimov"]
    all_first = guidance.score(q, guidance.check_answers(q, {i["id"]: "a" for i in q.items}))
    assert all_first.scores == {"nature": 4, "technique": 4, "human": 4, "sign": 4, "art": 4}
    # Prefer technique wherever it is offered, otherwise the first option.
    sheet = {}
    for item in q.items:
        technique = [o["value"] for o in item["options"] if o["scale"] == "technique"]
        sheet[item["id"]] = technique[0] if technique else "a"
    result = guidance.score(q, guidance.check_answers(q, sheet))
    assert result.scores == {"nature": 3, "technique": 8, "human": 3, "sign": 3, "art": 3}
    assert result.code == "technique"
    assert result.scales[0].band_key == "high" and result.scales[0].maximum == 8
    assert {s.band_key for s in result.scales[1:]} == {"medium"}
    assert "техник" in result.scales[0].text


@pytest.mark.parametrize("change, message", [
    ({"r3": ""}, "Пропущены: 13"),
    ({"i1": "6"}, "Недопустимый ответ в вопросах: 2"),
    ({"a1": "0"}, "Недопустимый ответ в вопросах: 3"),
    ({"s1": "много"}, "Недопустимый ответ в вопросах: 4"),
])
def test_riasec_bad_answers(shipped, change, message):
    q = shipped["riasec"]
    answers = {i["id"]: "3" for i in q.items}
    answers.update(change)
    with pytest.raises(ServiceError) as caught:
        guidance.check_answers(q, answers)
    assert caught.value.status == 422
    assert message in str(caught.value)


def test_klimov_unknown_option(shipped):
    q = shipped["klimov"]
    answers = {i["id"]: "a" for i in q.items}
    answers["k07"] = "c"
    with pytest.raises(ServiceError, match="вопросах: 7"):
        guidance.check_answers(q, answers)


def test_school_adds_its_own_questionnaire(tmp_path, shipped):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    data = {"code": "mini", "kind": "guidance", "title": "Мини", "response": {"type": "rating", "min": 1, "max": 3},
            "result": {"type": "top"}, "bands": [{"key": "low", "min": 0, "max": 3, "title": "мало"},
                                                 {"key": "high", "min": 4, "max": 6, "title": "много"}],
            "scales": [{"code": "x", "name": "Икс"}, {"code": "y", "name": "Игрек"}],
            "items": [{"id": "1", "scale": "x", "text": "а"}, {"id": "2", "scale": "x", "text": "б"},
                      {"id": "3", "scale": "y", "text": "в"}]}
    (folder / "mini.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    found = guidance.available(tmp_path)
    assert {q.code for q in found} == {"riasec", "klimov", "mini"}  # surveys are listed apart
    mini = guidance.questionnaire(tmp_path, "mini")
    result = guidance.score(mini, guidance.check_answers(mini, {"1": 3, "2": 2, "3": 1}))
    assert result.scores == {"x": 5, "y": 1} and result.code == "x" and result.scales[0].band_key == "high"


def test_broken_definition_is_refused():
    bad = {"code": "bad", "kind": "guidance", "title": "Плохая", "response": {"type": "rating", "min": 1, "max": 5},
           "scales": [{"code": "x", "name": "Икс"}], "items": [{"id": "1", "scale": "zzz", "text": "а"}]}
    with pytest.raises(DefinitionError, match="неизвестную шкалу"):
        parse_definition(json.dumps(bad), "bad.json")
    with pytest.raises(DefinitionError, match="не читается"):
        parse_definition("{не json", "broken.json")
