"""Teacher ↔ student on reflections and self-assessments, and what a parent sees of what the child shared:
the rules and their bad inputs through the real pages."""

from __future__ import annotations

import pytest

from appliance.models.calendar import Notification
from appliance.models.competencies import SelfAssessment
from appliance.models.people import User
from appliance.models.portfolio import Reflection, Remark
from appliance.services import accounts, competencies, guidance, reflection, remarks
from appliance.services.errors import Forbidden, NotFound, ServiceError
from tests.conftest import csrf_token, login


@pytest.fixture
def people(demo):
    Notification.delete().execute()
    found = {name: User.get(User.login == name) for name in ("student1", "teacher1", "parent1")}
    found["stranger"] = User.get((User.role == "teacher") & (User.last_name == "Ершов"))
    accounts.set_password(found["stranger"], "Stranger-pass-2026")
    return found


def a_reflection(student, shared=True, parents=False) -> Reflection:
    row = reflection.save(student, {stage: "Я понял, что готовиться надо заранее" for stage in reflection.STAGES})
    return reflection.set_sharing(student, row.id.hex, teacher=shared, parents=parents)


def a_self_assessment(student) -> SelfAssessment:
    leaf = competencies.competencies_of(competencies.active_framework(), leaves_only=True)[0]
    competencies.self_assess(student, leaf.id, 3, "Стараюсь, но не всегда")
    return SelfAssessment.select().where(SelfAssessment.student == student).order_by(SelfAssessment.created_at.desc()).first()


def test_the_class_teacher_comments_the_student_answers_both_hear_of_it(client, people):
    student, teacher = people["student1"], people["teacher1"]
    row = a_reflection(student)
    login(client, "teacher1")
    page = client.get(f"/activities/student/{student.id.hex}").get_data(as_text=True)
    assert "Я понял, что готовиться надо заранее" in page
    token = csrf_token(client, f"/activities/student/{student.id.hex}")
    sent = client.post("/activities/remark", data={"csrf_token": token, "subject": "reflection",
                                                   "subject_id": row.id.hex, "text": "Отличный вывод!"})
    assert sent.status_code == 302
    [note] = Notification.select().where(Notification.user == student)
    assert note.kind == "comment" and note.link == "reflections"
    client.post("/logout", data={"csrf_token": token})
    login(client, "student1")
    page = client.get("/portfolio/reflection").get_data(as_text=True)
    assert "Отличный вывод!" in page and "Твой ответ" in page
    token = csrf_token(client, "/portfolio/reflection")
    assert client.post("/portfolio/remark", data={"csrf_token": token, "subject": "reflection",
                                                  "subject_id": row.id.hex, "text": "Спасибо!"}).status_code == 302
    assert [r.text for r in remarks.thread("reflection", row.id)] == ["Отличный вывод!", "Спасибо!"]
    [answer] = Notification.select().where(Notification.user == teacher)
    assert answer.link == f"pupil:{student.id.hex}"


def test_a_self_assessment_can_be_commented_and_answered(people):
    student, teacher = people["student1"], people["teacher1"]
    row = a_self_assessment(student)
    remarks.comment(teacher, "self_assessment", row.id.hex, "Почему не 4? Ты много сделал")
    remarks.answer(student, "self_assessment", row.id.hex, "Хочу ещё подтянуться")
    assert len(remarks.thread("self_assessment", row.id)) == 2


def test_a_teacher_outside_the_class_is_refused_and_nothing_is_written(client, people):
    student = people["student1"]
    row = a_reflection(student)
    with pytest.raises(Forbidden):
        remarks.comment(people["stranger"], "reflection", row.id.hex, "Привет")
    login(client, people["stranger"].login, "Stranger-pass-2026")
    token = csrf_token(client, "/teacher/")
    answer = client.post("/activities/remark", data={"csrf_token": token, "subject": "reflection",
                                                     "subject_id": row.id.hex, "text": "Привет"})
    assert answer.status_code == 403
    assert Remark.select().count() == 0 and Notification.select().count() == 0


def test_a_50000_character_remark_is_refused_not_cut(client, people):
    row = a_reflection(people["student1"])
    login(client, "teacher1")
    token = csrf_token(client, "/teacher/")
    answer = client.post("/activities/remark", data={"csrf_token": token, "subject": "reflection",
                                                     "subject_id": row.id.hex, "text": "я" * 50_000})
    assert answer.status_code == 422 and "Комментарий" in answer.get_data(as_text=True)
    assert Remark.select().count() == 0 and Notification.select().count() == 0


def test_bad_subjects_and_unshared_reflections(people):
    student, teacher = people["student1"], people["teacher1"]
    private = a_reflection(student, shared=False)
    with pytest.raises(NotFound):
        remarks.comment(teacher, "reflection", private.id.hex, "Вижу")  # not shown to the teacher
    for subject, subject_id in (("goal", private.id.hex), ("reflection", "nonsense"), ("reflection", "0" * 32)):
        with pytest.raises(NotFound):
            remarks.comment(teacher, subject, subject_id, "Текст")
    with pytest.raises(ServiceError) as nothing:
        remarks.answer(student, "reflection", private.id.hex, "Ответ до комментария")
    assert nothing.value.status == 409
    assert Remark.select().count() == 0


def test_a_parent_sees_only_what_the_child_shared(client, people, settings):
    student = people["student1"]
    hidden = a_reflection(student, shared=True, parents=False)
    hidden.answers = '{"what": "Секрет для учителя"}'
    hidden.save()
    a_reflection(student, shared=False, parents=True)
    riasec = guidance.questionnaire(settings.data_dir, "riasec")
    attempt = guidance.take(student, riasec, {item["id"]: 3 for item in riasec.items})
    login(client, "parent1")
    page = client.get(f"/parent/child/{student.id.hex}").get_data(as_text=True)
    assert "Я понял, что готовиться надо заранее" in page and "Секрет для учителя" not in page
    assert f"/guidance/result/{attempt.id.hex}" not in page
    # The test result the child did not share answers «not found», as any id that is not yours.
    assert client.get(f"/guidance/result/{attempt.id.hex}").status_code == 404
    attempt.shared_with_parents = True
    attempt.save()
    page = client.get(f"/parent/child/{student.id.hex}").get_data(as_text=True)
    assert f"/guidance/result/{attempt.id.hex}" in page
    result = client.get(f"/guidance/result/{attempt.id.hex}")
    assert result.status_code == 200 and "Оставить комментарий" not in result.get_data(as_text=True)
