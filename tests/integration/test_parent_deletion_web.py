"""Deleting a parent on request, on its own (152-ФЗ): the administration sees a preview, confirms
with the login, the child's records stay, the link goes, consent is ended as a withdrawal with a
record that it had been given; bad input is refused with nothing written."""

from __future__ import annotations

from appliance.models.audit import AuditLog
from appliance.models.people import ParentLink, User
from appliance.models.portfolio import Achievement
from appliance.models.sessions import WebSession
from appliance.services import school as school_service
from tests.conftest import login, post_form


def _mother():
    student = User.get(User.login == "student1")
    parent = User.get(User.login == "parent1")
    return student, parent


def _second_parent_with_consent(student: User) -> User:
    father = User.create(school=student.school, role="parent", login="papa-student1", full_name="Папин Иван",
                         last_name="Папин", first_name="Иван")
    link = school_service.link_parent(father, student)
    link.consent_given_at = link.created_at
    link.consent_by, link.consent_version = father.full_name, "2026-09"
    link.save()
    return father


def test_the_preview_lists_the_children_and_warns_when_the_consent_is_the_only_one(client, demo):
    student, parent = _mother()
    ParentLink.update(consent_given_at=ParentLink.created_at, consent_version="2026-09").where(
        ParentLink.parent == parent).execute()
    login(client, "admin")
    assert f"/admin/parent/{parent.id.hex}" in client.get(f"/admin/student/{student.id.hex}").get_data(as_text=True)
    page = client.get(f"/admin/parent/{parent.id.hex}").get_data(as_text=True)
    assert student.full_name in page and "Данные детей, их портфолио и история остаются" in page
    assert "единственное согласие" in page and 'name="consent_understood"' in page
    assert User.get_or_none(User.id == parent.id) is not None  # the preview writes nothing


def test_a_parent_is_deleted_with_the_link_and_the_child_keeps_everything(client, demo):
    student, parent = _mother()
    father = _second_parent_with_consent(student)
    achievements = Achievement.select().where(Achievement.student == student).count()
    login(client, "admin")
    path = f"/admin/parent/{parent.id.hex}"
    page = client.get(path).get_data(as_text=True)
    assert "единственное согласие" not in page  # the father's consent stays
    response = post_form(client, f"{path}/delete", {"confirm_login": parent.login.upper()}, page=path)
    assert response.status_code == 302
    assert User.get_or_none(User.id == parent.id) is None
    assert not ParentLink.select().where(ParentLink.parent == parent.id).exists()
    assert not WebSession.select().where(WebSession.user == parent.id).exists()
    assert User.get_by_id(student.id).active and User.get_or_none(User.id == father.id) is not None
    assert Achievement.select().where(Achievement.student == student).count() == achievements
    deleted = AuditLog.get(AuditLog.action == "person.deleted")
    assert "parent parent1" in deleted.detail and deleted.user_id is not None
    ended = AuditLog.get(AuditLog.action == "consent.withdraw")
    assert "student1 2026-09 given" in ended.detail and parent.full_name not in ended.detail
    # The same form sent again (a double click): the parent is gone, 404, nothing more written.
    again = client.post(f"{path}/delete", data={"confirm_login": "parent1",
                                                "csrf_token": _token(client)})
    assert again.status_code == 404 and "уже удалена" in again.get_data(as_text=True)
    assert AuditLog.select().where(AuditLog.action == "person.deleted").count() == 1


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/admin/users")


def test_the_only_consent_needs_the_administrator_to_say_they_understood(client, demo):
    student, parent = _mother()
    ParentLink.update(consent_given_at=ParentLink.created_at, consent_version="2026-09").where(
        ParentLink.parent == parent).execute()
    login(client, "admin")
    path = f"/admin/parent/{parent.id.hex}"
    response = post_form(client, f"{path}/delete", {"confirm_login": "parent1"}, page=path)
    assert response.status_code == 409
    assert "единственное для" in response.get_data(as_text=True)
    assert User.get_or_none(User.id == parent.id) is not None
    assert not AuditLog.select().where(AuditLog.action.in_(["person.deleted", "consent.withdraw"])).exists()
    response = post_form(client, f"{path}/delete", {"confirm_login": "parent1", "consent_understood": "1"}, page=path)
    assert response.status_code == 302 and User.get_or_none(User.id == parent.id) is None
    assert not ParentLink.select().where((ParentLink.student == student)
                                         & ParentLink.consent_given_at.is_null(False)).exists()


def test_bad_input_is_refused_and_nothing_is_written(client, demo):
    student, parent = _mother()
    login(client, "admin")
    path = f"/admin/parent/{parent.id.hex}"
    # The login not typed, or typed wrong.
    for typed in ("", "parent2", "x" * 5000):
        response = post_form(client, f"{path}/delete", {"confirm_login": typed, "consent_understood": "1"}, page=path)
        assert response.status_code == 400 and "впишите его логин" in response.get_data(as_text=True)
    # Wrong ids: malformed, unknown, a student's, a teacher's, the administrator's own.
    admin = User.get(User.login == "admin")
    teacher = User.get(User.role == "teacher")
    for bad in ("nope", "0" * 32, student.id.hex, teacher.id.hex, admin.id.hex):
        assert client.get(f"/admin/parent/{bad}").status_code == 404, bad
        response = post_form(client, f"/admin/parent/{bad}/delete", {"confirm_login": "x", "consent_understood": "1"},
                             page="/admin/users")
        assert response.status_code == 404, bad
    assert User.get_or_none(User.id == parent.id) is not None
    assert User.get_or_none(User.id == student.id) is not None
    assert not AuditLog.select().where(AuditLog.action == "person.deleted").exists()


def test_only_the_administration_deletes_a_parent(client, demo):
    student, parent = _mother()
    group = school_service.class_of(student)
    for who in ("parent1", "student1", school_service.class_teachers(group)[0].login):
        login(client, who)
        assert client.get(f"/admin/parent/{parent.id.hex}").status_code == 403
        response = client.post(f"/admin/parent/{parent.id.hex}/delete",
                               data={"confirm_login": "parent1", "consent_understood": "1", "csrf_token": _token_any(client)})
        assert response.status_code == 403
        client.post("/logout", data={"csrf_token": _token_any(client)})
    assert User.get_or_none(User.id == parent.id) is not None


def _token_any(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/password")
