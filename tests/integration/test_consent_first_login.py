"""The parent's consent on first login (152-ФЗ): the form comes first, says what is processed, why
and for how long; the parent gives or refuses (recorded with time, who and the text's version),
can change it later, is never trapped, and the class teacher's summary shows the decision."""

from __future__ import annotations

from appliance.models.audit import AuditLog
from appliance.models.calendar import Notification
from appliance.models.people import ParentLink, User
from appliance.services import notifications
from appliance.services import school as school_service
from tests.conftest import csrf_token, login, post_form


def _undecided(student: User) -> User:
    """parent1 as a parent who has not decided yet (the demo has them consent)."""
    parent = User.get(User.login == "parent1")
    ParentLink.update(consent_given_at=None, consent_by=None, consent_version=None, consent_refused_at=None) \
        .where(ParentLink.parent == parent).execute()
    return parent


def _second_child(parent: User) -> User:
    other = next(s for s in User.select().where(User.role == "student", User.active, User.login != "student1")
                 if not ParentLink.select().where(ParentLink.student == s).exists()
                 or school_service.class_of(s) is not None)
    school_service.link_parent(parent, other)
    return other


def test_an_undecided_parent_sees_the_consent_form_first_after_logging_in(client, demo):
    student = User.get(User.login == "student1")
    _undecided(student)
    response = login(client, "parent1")
    assert response.headers["Location"].startswith(f"/portfolio/student/{student.id.hex}/consent")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # What, why and for how long, as the law asks, and what a refusal means.
    for words in ("Какие данные:", "Для чего:", "Срок:", "152-ФЗ", "Если Вы откажетесь", "Отказаться",
                  "Дать согласие", "Решить позже"):
        assert words in page, words
    assert 'action="/logout"' in page  # never a trap: logging out stays on the page
    # Nothing else is locked: the home page opens, the form keeps waiting for the next login.
    assert client.get("/parent/").status_code == 200


def test_giving_consent_records_time_who_and_version_and_goes_on(client, demo):
    student = User.get(User.login == "student1")
    parent = _undecided(student)
    location = login(client, "parent1").headers["Location"]
    response = post_form(client, location.split("?")[0], {"action": "give", "agree": "1", "first": "1"}, page=location)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    link = ParentLink.get((ParentLink.parent == parent) & (ParentLink.student == student))
    assert link.consent_given_at is not None and link.consent_refused_at is None
    assert link.consent_by == parent.full_name and link.consent_version == "2026-09"
    assert AuditLog.select().where((AuditLog.action == "consent.give") & AuditLog.detail.contains("student1")).exists()
    # The next login goes straight home.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/parent/")})
    assert login(client, "parent1").headers["Location"] == "/"


def test_refusing_lets_the_parent_in_and_is_recorded_and_shown_to_the_class_teacher(client, demo):
    student = User.get(User.login == "student1")
    parent = _undecided(student)
    notifications.remind_consent(parent)
    location = login(client, "parent1").headers["Location"]
    response = post_form(client, location.split("?")[0], {"action": "refuse", "first": "1"}, page=location)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    link = ParentLink.get((ParentLink.parent == parent) & (ParentLink.student == student))
    assert link.consent_refused_at is not None and link.consent_given_at is None
    assert link.consent_by == parent.full_name and link.consent_version == "2026-09"
    assert AuditLog.select().where(AuditLog.action == "consent.refuse").count() == 1
    # A decision settles the request in the bell.
    assert not Notification.select().where((Notification.user == parent) & (Notification.kind == "consent_missing")
                                           & Notification.read_at.is_null()).exists()
    home = client.get("/parent/").get_data(as_text=True)
    assert "Вы отказались от согласия" in home and "Изменить решение" in home
    # The next login does not ask again.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/parent/")})
    assert login(client, "parent1").headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/parent/")})
    # The class teacher sees it on the home page and the class page.
    group = school_service.class_of(student)
    teacher = school_service.class_teachers(group)[0]
    login(client, teacher.login)
    teacher_home = client.get("/teacher/").get_data(as_text=True)
    assert "Родители отказались: 1" in teacher_home and student.short_name in teacher_home
    assert "отказ от согласия" in client.get(f"/teacher/class/{group.id.hex}").get_data(as_text=True)


def test_a_parent_changes_their_mind_both_ways(client, demo):
    student = User.get(User.login == "student1")
    parent = _undecided(student)
    login(client, "parent1")
    path = f"/portfolio/student/{student.id.hex}/consent"
    assert post_form(client, path, {"action": "refuse"}).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Отказ записан" in page and "Дать согласие" in page
    assert post_form(client, path, {"action": "give", "agree": "1"}).status_code == 302
    link = ParentLink.get((ParentLink.parent == parent) & (ParentLink.student == student))
    assert link.consent_given_at is not None and link.consent_refused_at is None
    assert post_form(client, path, {"action": "withdraw"}).status_code == 302
    link = ParentLink.get_by_id(link.id)
    assert link.consent_given_at is None and link.consent_refused_at is not None


def test_a_parent_of_two_is_asked_for_each_child_in_turn(client, demo):
    student = User.get(User.login == "student1")
    parent = _undecided(student)
    other = _second_child(parent)
    first_child = min((student, other), key=lambda s: (s.last_name, s.first_name))
    second_child = other if first_child == student else student
    location = login(client, "parent1", ).headers["Location"]
    assert first_child.id.hex in location
    page = client.get(location).get_data(as_text=True)
    assert second_child.short_name in page  # «then the same for …»
    response = post_form(client, location.split("?")[0], {"action": "give", "agree": "1", "first": "1"}, page=location)
    assert second_child.id.hex in response.headers["Location"]
    response = post_form(client, response.headers["Location"].split("?")[0], {"action": "refuse", "first": "1"},
                         page=response.headers["Location"])
    assert response.headers["Location"] == "/"


def test_bad_input_on_the_consent_form(client, demo):
    student = User.get(User.login == "student1")
    parent = _undecided(student)
    login(client, "parent1")
    path = f"/portfolio/student/{student.id.hex}/consent"
    # Giving without ticking the box: a clear message, 422, nothing written.
    response = post_form(client, path, {"action": "give"})
    assert response.status_code == 422 and "Отметьте" in response.get_data(as_text=True)
    # An unknown action is no decision.
    assert post_form(client, path, {"action": "maybe", "agree": "1"}).status_code == 422
    link = ParentLink.get((ParentLink.parent == parent) & (ParentLink.student == student))
    assert link.consent_given_at is None and link.consent_refused_at is None
    # Another family's child, a malformed id: not found, nothing written.
    stranger = next(s for s in User.select().where(User.role == "student")
                    if not ParentLink.select().where((ParentLink.student == s) & (ParentLink.parent == parent)).exists())
    for bad in (stranger.id.hex, "not-an-id", "0" * 32):
        response = post_form(client, f"/portfolio/student/{bad}/consent", {"action": "refuse"}, page=path)
        assert response.status_code == 404, bad
    assert not ParentLink.select().where(ParentLink.consent_refused_at.is_null(False)).exists()
    # A crafted ?next= never leads off the site.
    response = post_form(client, path, {"action": "refuse", "first": "1", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_the_administrations_register_tells_a_refusal_from_no_answer(client, demo):
    student = User.get(User.login == "student1")
    parent = _undecided(student)
    other = next(s for s in User.select().where(User.role == "student", User.active, User.login != "student1")
                 if ParentLink.select().where(ParentLink.student == s).exists())
    ParentLink.update(consent_given_at=None, consent_refused_at=None).where(ParentLink.student == other).execute()
    location = login(client, "parent1").headers["Location"]
    post_form(client, location.split("?")[0], {"action": "refuse", "first": "1"}, page=location)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/parent/")})
    login(client, "admin")
    page = client.get("/indicators/consent").get_data(as_text=True)
    row = page[page.index(student.full_name):]
    row = row[:row.index("</tr>")]
    assert f"отказ: {parent.full_name}" in row
    row = page[page.index(other.full_name):]
    assert "ответа нет" in row[:row.index("</tr>")]
    assert "Отказались: 1." in page
    table = client.get("/indicators/consent.csv").get_data().decode("utf-8-sig")
    line = next(line for line in table.splitlines() if student.full_name in line)
    assert "отказ" in line and parent.full_name in line
    line = next(line for line in table.splitlines() if other.full_name in line)
    assert "ответа нет" in line
