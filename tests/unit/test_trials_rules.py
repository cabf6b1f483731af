"""The rules of partners, profession trials and programmes of additional education, without HTTP."""

from __future__ import annotations

import datetime

import pytest

from appliance.models.people import ParentLink, User
from appliance.models.programmes import ProgrammeEnrolment
from appliance.models.trials import (
    AWAITING_CONSENT,
    CANCELLED,
    ENROLLED,
    Organisation,
    ProfessionTrial,
    TrialEnrolment,
    TrialScore,
)
from appliance.services import competencies, portfolio_export, programmes, trials, years
from appliance.services import school as school_service
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from tests.conftest import school_today

TODAY = school_today()


def _students(school, class_name: str, count: int) -> list[User]:
    group = school_service.find_class(school, class_name)
    return school_service.students_of(group)[:count]


def _trial(school, *, off_site=False, capacity=2, grades=(7, 9), sessions=1, title="Повар"):
    org = trials.save_organisation(school, {"name": f"Партнёр {title}", "kind": "enterprise"})
    codes = [c.id.hex for c in trials.model_competencies()[:2]]
    trial = trials.save_trial(school, {"title": title, "organisation": org.id.hex, "field": "service",
                                       "off_site": "1" if off_site else "", "grade_min": grades[0],
                                       "grade_max": grades[1]}, codes)
    made = [trials.add_session(trial, {"starts_on": (TODAY + datetime.timedelta(days=3 + 7 * n)).isoformat(),
                                       "capacity": capacity}) for n in range(sessions)]
    return trial, made


def test_a_trial_defaults_to_grades_7_to_9_and_the_2025_model(demo):
    trial, _ = _trial(demo.school)
    assert (trial.grade_min, trial.grade_max) == (7, 9)
    assert trial.school_year == years.current_year(demo.school)
    framework = competencies.active_framework()
    assert {c.framework_id for c in trials.trial_competencies(trial)} == {framework.id}
    other = competencies.CompetencyFramework.create(code="alien", name="Чужая")
    alien = competencies.Competency.create(framework=other, code="x", name="Чужая компетенция")
    with pytest.raises(ServiceError) as info:
        trials.save_trial(demo.school, {"title": "X", "organisation": trial.organisation_id.hex, "field": "it"},
                          [alien.id.hex])
    assert info.value.status == 422


def test_a_full_session_is_refused_with_the_next_free_one(demo):
    trial, (first, second) = _trial(demo.school, capacity=1, sessions=2)
    one, two = _students(demo.school, "7Б", 2)
    trials.sign_up(one, first.id, TODAY)
    with pytest.raises(Conflict) as info:
        trials.sign_up(two, first.id, TODAY)
    assert second.starts_on.strftime("%d.%m.%Y") in str(info.value)
    assert trials.next_free(trial, TODAY, besides=first.id).id == second.id
    assert trials.taken(first) == 1


def test_a_grade_5_student_cannot_take_a_7_to_9_trial(demo):
    _trial_row, (session,) = _trial(demo.school)
    (small,) = _students(demo.school, "5А", 1)
    with pytest.raises(Forbidden) as info:
        trials.sign_up(small, session.id, TODAY)
    assert "7–9" in str(info.value)
    assert not TrialEnrolment.select().where(TrialEnrolment.student == small).exists()


def test_an_off_site_trial_waits_for_a_parent_and_holds_the_place(demo):
    _row, (session,) = _trial(demo.school, off_site=True, capacity=1)
    (student,) = _students(demo.school, "7Б", 1)
    enrolment = trials.sign_up(student, session.id, TODAY)
    assert enrolment.status == AWAITING_CONSENT and trials.taken(session) == 1
    assert trials.calendar_sessions(student, TODAY, TODAY + datetime.timedelta(days=30))[0][2] is False
    parent = ParentLink.get(ParentLink.student == student).parent
    stranger = ParentLink.select().where(ParentLink.student != student).first().parent
    with pytest.raises(NotFound):
        trials.decide_consent(stranger, enrolment.id, True)
    allowed = trials.decide_consent(parent, enrolment.id, True)
    assert allowed.status == ENROLLED and allowed.consent_by_id == parent.id
    with pytest.raises(Conflict):
        trials.decide_consent(parent, enrolment.id, False)


def test_one_place_per_trial_and_a_cancelled_place_is_free_again(demo):
    _row, (first, second) = _trial(demo.school, capacity=1, sessions=2)
    (student,) = _students(demo.school, "9В", 1)
    enrolment = trials.sign_up(student, first.id, TODAY)
    with pytest.raises(Conflict):
        trials.sign_up(student, second.id, TODAY)
    assert trials.cancel(student, enrolment.id, TODAY).status == CANCELLED
    assert trials.taken(first) == 0
    assert trials.sign_up(student, first.id, TODAY).id == enrolment.id  # the same row again


def test_the_expert_link_works_once_and_expires(demo):
    trial, (session,) = _trial(demo.school)
    (student,) = _students(demo.school, "7Б", 1)
    enrolment = trials.sign_up(student, session.id, TODAY)
    now = datetime.datetime(2030, 1, 1, 12, 0)
    _link, token = trials.issue_expert_link(demo.school, enrolment.id, None, now=now)
    form = {f"c-{c.id.hex}": "4" for c in trials.trial_competencies(trial)}
    with pytest.raises(ServiceError) as missing:
        trials.expert_assess(token, {"expert_name": "Шеф"}, now)  # no levels
    assert missing.value.status == 422 and not TrialScore.select().where(TrialScore.enrolment == enrolment).exists()
    trials.expert_assess(token, {**form, "expert_name": "Шеф-повар Петров", "comment": "Молодец"}, now)
    with pytest.raises(trials.Gone) as twice:
        trials.expert_assess(token, {**form, "expert_name": "Другой"}, now)
    assert twice.value.status == 410 and "уже отправлена" in str(twice.value)
    assert TrialEnrolment.get_by_id(enrolment.id).expert_name == "Шеф-повар Петров"
    _link, late = trials.issue_expert_link(demo.school, enrolment.id, None, now=now)
    with pytest.raises(trials.Gone) as expired:
        trials.expert_link(late, now + datetime.timedelta(days=trials.EXPERT_LINK_DAYS, seconds=1))
    assert "истёк" in str(expired.value)
    with pytest.raises(NotFound):
        trials.expert_link("not-a-token", now)


def test_assessments_feed_the_trace_the_competency_map_and_the_document(demo):
    trial, (session,) = _trial(demo.school, title="Кондитер")
    (student,) = _students(demo.school, "9В", 1)
    enrolment = trials.sign_up(student, session.id, TODAY)
    with pytest.raises(Conflict):  # not begun yet
        trials.self_assess(student, enrolment.id, {"would_do": "yes"}, TODAY)
    later = session.starts_on
    with pytest.raises(ServiceError) as bad:
        trials.self_assess(student, enrolment.id, {"would_do": "конечно"}, later)
    assert bad.value.status == 422
    with pytest.raises(ServiceError) as long:
        trials.self_assess(student, enrolment.id, {"would_do": "no", "why": "x" * 2001}, later)
    assert long.value.status == 422
    first = trials.trial_competencies(trial)[0]
    trials.self_assess(student, enrolment.id, {"would_do": "no", "why": "Слишком жарко", f"c-{first.id.hex}": "2"},
                       later)
    _link, token = trials.issue_expert_link(demo.school, enrolment.id, None)
    trials.expert_assess(token, {**{f"c-{c.id.hex}": "5" for c in trials.trial_competencies(trial)},
                                 "expert_name": "Технолог"})
    found = trials.trace(student)
    assert "сервис и транспорт" in found.ruled_out
    assert next(e for e in found.by_grade[9] if e.trial.id == trial.id).self_scores == {first.name: 2}
    state = next(s for s in competencies.for_student(student) if s.competency.id == first.id)
    assert "Кондитер" in state.trials and state.evidence_score >= 5
    section = next(t for t in portfolio_export.document(student)["trials"] if t["title"] == "Кондитер")
    assert section["would_do"] == "нет" and section["expert_assessment"][first.name] == 5


def test_an_organisation_with_trials_is_archived_never_deleted(demo):
    trial, (session,) = _trial(demo.school)
    (student,) = _students(demo.school, "7Б", 1)
    trials.sign_up(student, session.id, TODAY)
    assert trials.remove_organisation(demo.school, trial.organisation_id) == "archived"
    assert Organisation.get_by_id(trial.organisation_id).archived_at is not None
    assert ProfessionTrial.get_by_id(trial.id) and TrialEnrolment.select().where(TrialEnrolment.student == student).exists()
    lonely = trials.save_organisation(demo.school, {"name": "Без проб", "kind": "ngo"})
    assert trials.remove_organisation(demo.school, lonely.id) == "deleted"
    with pytest.raises(NotFound):
        trials.get_organisation(demo.school, lonely.id)
    with pytest.raises(ServiceError) as long:
        trials.save_organisation(demo.school, {"name": "О" * 201, "kind": "ngo"})
    assert long.value.status == 422


def test_statistics_count_students_without_trials(demo):
    found = trials.statistics(demo.school)
    assert found.students > 0 and 0 <= found.without_share <= 100
    assert found.with_trial <= found.students
    text = trials.statistics_csv(found)
    assert text.startswith("\ufeff") and "Доля без проб" in text


def test_a_programme_keeps_its_years_and_shows_on_the_competency_map(demo):
    teacher = User.get(User.login == "teacher1")
    codes = [c.id.hex for c in trials.model_competencies()[:1]]
    programme = programmes.save(demo.school, {"title": "Шахматы", "kind": "club"}, codes, teacher)
    assert programme.teacher_id == teacher.id
    (student,) = _students(demo.school, "7Б", 1)
    row = programmes.request(student, programme.id)
    with pytest.raises(Conflict):
        programmes.request(student, programme.id)
    other_teacher = User.select().where((User.role == "teacher") & (User.id != teacher.id)).first()
    with pytest.raises(NotFound):
        programmes.decide(other_teacher, row.id, "accept")
    programmes.decide(teacher, row.id, "accept")
    programmes.decide(teacher, row.id, "finish")
    finished = ProgrammeEnrolment.get_by_id(row.id)
    assert finished.to_year == years.current_year(demo.school)
    assert any("Шахматы" in title for s in competencies.for_student(student) for title in s.programmes)
    section = portfolio_export.document(student)["programmes"]
    assert any(p["title"] == "Шахматы" and p["finished"] for p in section)
    with pytest.raises(ServiceError) as nobody:
        programmes.save(demo.school, {"title": "Ничья", "kind": "club"}, [], User.get(User.login == "admin"))
    assert nobody.value.status == 422


def test_the_trajectory_suggests_trials_in_liked_fields_with_the_reason(demo):
    from appliance.services import recommendations

    student = User.get(User.login == "student1")
    liked = {e.trial.field for e in trials.trace(student).entries if e.enrolment.would_do == "yes"}
    ruled_out = {e.trial.field for e in trials.trace(student).entries if e.enrolment.would_do == "no"}
    trial, _ = _trial(demo.school, title="Бариста")
    trial.field = sorted(liked - ruled_out)[0]
    trial.save()
    found = [s for s in recommendations._trials(student, TODAY, recommendations.RecommendationSettings())]
    suggestion = next(s for s in found if s.trial_id == trial.id.hex)
    assert suggestion.reason.startswith("Потому что тебе понравилась проба")
    assert all(s.direction not in ruled_out for s in found)
