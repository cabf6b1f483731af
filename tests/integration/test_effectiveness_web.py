"""The map of the portal's effectiveness: shares per class and term, never names; CSV; bad periods."""

from __future__ import annotations

import datetime

from appliance.models.people import Student, User
from appliance.services import audit, effectiveness, terms
from appliance.services import school as school_service
from tests.conftest import login


def test_shares_per_class_and_term_without_names(demo, client):
    school = User.get(User.login == "admin").school
    student = User.get(User.login == "student1")
    audit.record("login.ok", user=student)
    term = terms.term_of(datetime.date.today())
    found = effectiveness.map_for(school, term, datetime.date.today())
    group = school_service.class_of(student)
    row = next(r for r in found.rows if r.group.id == group.id)
    assert row.students == Student.select().where(Student.class_group == group).count()
    assert row.counts["logged_in"] >= 1 and 0 < row.share("logged_in") <= 100
    assert found.weeks[-1][1] >= 1
    login(client, "admin")
    page = client.get("/indicators/effectiveness").get_data(as_text=True)
    assert "Карта результативности портала" in page and group.name in page
    assert student.last_name not in page  # shares, not people
    csv = client.get("/indicators/effectiveness.csv")
    assert csv.status_code == 200 and csv.get_data(as_text=True).lstrip("\ufeff").startswith("Класс;Учеников;вошли в портал, %")
    assert client.get("/indicators/effectiveness/weeks.svg").status_code == 200


def test_a_bad_period_is_a_400_and_others_are_refused(demo, client):
    login(client, "admin")
    for query in ("term=9", "term=abc", "year=9999&term=1", "year=19x"):
        assert client.get(f"/indicators/effectiveness?{query}").status_code == 400, query

def test_only_the_administration_reads_the_map(demo, client):
    login(client, "teacher1")
    assert client.get("/indicators/effectiveness").status_code == 403
