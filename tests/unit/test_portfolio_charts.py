"""The charts' numbers and text alternatives, and that the SVG carries no script."""

from __future__ import annotations

import datetime

from appliance.documents import charts
from appliance.models.people import User
from appliance.models.portfolio import Achievement, CatalogEntry
from appliance.services import competencies, portfolio


def entry(catalog: str, code: str) -> str:
    return CatalogEntry.get((CatalogEntry.catalog == catalog) & (CatalogEntry.code == code)).id.hex


def test_student_charts_follow_confirmed_achievements(demo):
    student = User.get(User.login == "student1")
    teacher = User.get(User.login == "teacher1")
    Achievement.delete().where(Achievement.student == student).execute()
    # Only achievements here: the demo's assessed profession trials are evidence too.
    from appliance.models.trials import TrialEnrolment

    TrialEnrolment.delete().where(TrialEnrolment.student == student).execute()
    leaf = competencies.competencies_of(competencies.active_framework(), leaves_only=True)[3]
    today = datetime.date.today()
    made = []
    for level, result in (("regional", "winner"), ("regional", "prize"), ("school", "participant")):
        a = portfolio.create_draft(student, competency_ids=[leaf.id], title=f"Олимпиада {level} {result}",
                                   date=today, kind=entry("kind", "olympiad"), direction=entry("direction", "science"),
                                   level=entry("level", level), result=entry("result", result))
        portfolio.submit(student, a)
        made.append(a)
    for a in made[:2]:
        portfolio.confirm(teacher, a)
    built = charts.student_charts(student)
    levels = {row[0]: row for row in built["levels"].rows}
    assert set(levels) == {"Региональный"}  # the school-level one is not confirmed
    headers = built["levels"].headers
    assert levels["Региональный"][headers.index("Победитель")] == "1"
    assert levels["Региональный"][headers.index("Призёр")] == "1"
    assert levels["Региональный"][-1] == "2"
    radar = {row[0]: row for row in built["radar"].rows}
    row = radar[f"{leaf.code} {leaf.name}"]
    assert row[2] == "4,25" and row[3] == "2"  # (3+5)/2 = 4, plus 0.25 for the second
    assert "Больше всего подтверждено" in built["radar"].description and leaf.name in built["radar"].description
    for chart in built.values():
        assert chart.svg.startswith("<svg") and "<script" not in chart.svg.lower()
    assert built["growth"].rows and built["growth"].rows[-1][3] == "2"


def test_bar_and_share_charts_describe_their_numbers():
    bars = charts.bar_chart("По классам", [("7Б", 12), ("9В", 30)])
    assert "всего 42" in bars.description and "«9В» (30)" in bars.description
    assert bars.rows == [["7Б", "12"], ["9В", "30"]]
    shares = charts.share_chart("Доли", [("Призёры от региона", 14.0, "Призёры")], target=25)
    assert "цель — 25 %" in shares.description and shares.rows == [["Призёры от региона", "14,0 %"]]
    assert "<script" not in shares.svg
