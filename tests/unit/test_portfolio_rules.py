"""The portfolio's rules without HTTP: statuses, who may review, uploads, competencies,
charts' data and the school indicators."""

from __future__ import annotations

import datetime
import io

import pytest
from PIL import Image

from appliance.models.people import Student, User
from appliance.models.portfolio import Achievement, CatalogEntry, Evidence
from appliance.services import catalogs, competencies, consent, indicators, portfolio, reflection, terms, uploads
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from tests.conftest import school_today


def entry(catalog: str, code: str) -> str:
    return CatalogEntry.get((CatalogEntry.catalog == catalog) & (CatalogEntry.code == code)).id.hex


def full_fields(**extra) -> dict:
    fields = {"title": "Олимпиада по физике, муниципальный этап", "date": datetime.date.today().isoformat(),
              "kind": entry("kind", "olympiad"), "direction": entry("direction", "science"),
              "level": entry("level", "regional"), "result": entry("result", "prize")}
    fields.update(extra)
    return fields


def jpeg_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def people(demo):
    def user(login):
        return User.get(User.login == login)

    student = user("student1")
    other = User.select().join(Student, on=(Student.user == User.id)).where(
        (User.role == "student") & (User.login != "student1")).first()
    teacher1 = user("teacher1")  # class teacher of 7Б, student1's class
    stranger = User.select().where((User.role == "teacher") & (User.login != "teacher1")
                                   & (User.last_name == "Ершов")).get()  # teaches 9В and 11А only
    return {"student": student, "other": other, "teacher1": teacher1, "stranger": stranger,
            "parent": user("parent1"), "admin": user("admin")}


def test_defaults_seeded_in_russian(db):
    names = {e.name for e in catalogs.entries("level")}
    assert names == {"Школьный", "Муниципальный", "Региональный", "Всероссийский", "Международный"}
    assert [e.name for e in catalogs.entries("result")][-1] == "Победитель"
    assert {e.name for e in catalogs.entries("teacher_role")} >= {"Руководитель", "Наставник", "Тьютор", "Тренер",
                                                                   "Консультант"}
    codes = {f.code for f in competencies.frameworks()}
    assert codes == {"pisa-global-619", "target-model-2025"}
    leaves = competencies.competencies_of(competencies.active_framework(), leaves_only=True)
    assert [c.code for c in leaves][:8] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8"]


def test_status_cycle_and_confirmed_edit_goes_back(people):
    student, teacher = people["student"], people["teacher1"]
    a = portfolio.create_draft(student, **full_fields())
    assert a.status == "draft"
    with pytest.raises(Conflict):
        portfolio.confirm(teacher, a)  # a draft is not waiting for review
    portfolio.submit(student, a)
    with pytest.raises(Conflict):
        portfolio.submit(student, a)
    with pytest.raises(ServiceError, match="исправить"):
        portfolio.return_to_student(teacher, a, "  ")
    portfolio.return_to_student(teacher, a, "Приложите фото диплома")
    assert a.status == "returned" and a.review_comment == "Приложите фото диплома"
    portfolio.update(student, a, title="Олимпиада по физике, региональный этап")
    assert a.status == "returned"
    portfolio.submit(student, a)
    portfolio.confirm(teacher, a)
    assert Achievement.get_by_id(a.id).status == "confirmed"
    # Saving the same values is not an edit; a real change sends it back.
    portfolio.update(student, a, title=a.title)
    assert a.status == "confirmed"
    portfolio.update(student, a, in_document=False)  # leaving it out of the PDF is not an edit
    assert Achievement.get_by_id(a.id).status == "confirmed"
    portfolio.update(student, a, result=entry("result", "winner"))
    stored = Achievement.get_by_id(a.id)
    assert stored.status == "submitted" and stored.reviewed_by_id is None


def test_submit_needs_the_lists_filled(people):
    a = portfolio.create_draft(people["student"], title="Проект без подробностей")
    with pytest.raises(ServiceError, match="уровень, результат"):
        portfolio.submit(people["student"], a)
    assert Achievement.get_by_id(a.id).status == "draft"


def test_who_may_confirm(people):
    student, teacher1, stranger = people["student"], people["teacher1"], people["stranger"]
    a = portfolio.create_draft(student, **full_fields())
    portfolio.submit(student, a)
    assert portfolio.may_review(teacher1, a)  # class teacher
    assert not portfolio.may_review(stranger, a)
    with pytest.raises(Forbidden):
        portfolio.confirm(stranger, a)
    with pytest.raises(Forbidden):
        portfolio.confirm(people["admin"], a)
    assert a not in portfolio.review_queue(stranger)
    # Named as the guide, the same teacher may confirm and sees it in the queue.
    b = portfolio.create_draft(student, **full_fields(teacher=stranger.id.hex,
                                                      teacher_role=entry("teacher_role", "coach")))
    portfolio.submit(student, b)
    assert b.id in {x.id for x in portfolio.review_queue(stranger)}
    portfolio.confirm(stranger, b)
    assert Achievement.get_by_id(b.id).reviewed_by_id == stranger.id


def test_bulk_confirm_is_all_or_nothing(people):
    student, teacher1 = people["student"], people["teacher1"]
    mine = portfolio.create_draft(student, **full_fields())
    portfolio.submit(student, mine)
    foreign_student = User.select().join(Student, on=(Student.user == User.id)).where(
        Student.class_group.not_in([Student.get(Student.user == student).class_group_id])).first()
    foreign = portfolio.create_draft(foreign_student, **full_fields(date=datetime.date.today().isoformat()))
    portfolio.submit(foreign_student, foreign)
    if portfolio.may_review(teacher1, foreign):
        pytest.skip("the demo made teacher1 a reviewer of this student")
    with pytest.raises(Forbidden):
        portfolio.bulk_confirm(teacher1, [mine.id.hex, foreign.id.hex])
    assert Achievement.get_by_id(mine.id).status == "submitted"
    assert portfolio.bulk_confirm(teacher1, [mine.id.hex]) == 1


def test_dates_titles_and_teacher_checked(people):
    student = people["student"]
    tomorrow = school_today() + datetime.timedelta(days=1)
    with pytest.raises(ServiceError, match="в будущем"):
        portfolio.create_draft(student, title="Завтрашняя олимпиада", date=tomorrow)
    earliest = portfolio.earliest_date(student)
    with pytest.raises(ServiceError, match="раньше начала учёбы"):
        portfolio.create_draft(student, title="Детский сад", date=earliest - datetime.timedelta(days=1))
    with pytest.raises(ServiceError, match="название"):
        portfolio.create_draft(student, title="   ")
    with pytest.raises(ServiceError, match="педагога"):
        portfolio.create_draft(student, title="С учеником вместо педагога", teacher=people["other"].id.hex,
                               teacher_role=entry("teacher_role", "mentor"))
    with pytest.raises(ServiceError, match="роль педагога"):
        portfolio.create_draft(student, title="Без роли", teacher=people["teacher1"].id.hex)
    assert portfolio.create_draft(student, title="Первый день", date=earliest).date == earliest


def test_another_students_achievement_is_not_found(people):
    a = portfolio.create_draft(people["student"], title="Моё")
    with pytest.raises(NotFound):
        portfolio.own(people["other"], a.id.hex)
    with pytest.raises(NotFound):
        portfolio.update(people["other"], a, title="Чужое")
    with pytest.raises(NotFound):
        portfolio.visible(people["stranger"], a.id.hex)
    with pytest.raises(NotFound):  # a draft is the student's own until submitted
        portfolio.visible(people["parent"], a.id.hex)
    a.status = "submitted"
    a.save()
    assert portfolio.visible(people["parent"], a.id.hex) == a


def test_uploads_checked_by_content(settings, people):
    with pytest.raises(uploads.UploadRefused, match="программа"):
        uploads.prepare("diplom.jpg", b"MZ\x90\x00" + b"\x00" * 500)
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(uploads.UploadRefused, match="скрипт"):
        uploads.prepare("diplom.svg", svg)
    with pytest.raises(uploads.UploadRefused) as big:
        uploads.prepare("big.jpg", b"\xff\xd8" + b"\x00" * (uploads.MAX_FILE_BYTES + 1))
    assert big.value.status == 413
    with pytest.raises(uploads.UploadRefused, match="не открывается"):  # not a PDF a parser reads
        uploads.prepare("a.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>")
    # A small PNG that would unpack into 100 million pixels is refused before it is decoded.
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")
    with pytest.raises(uploads.UploadRefused, match="слишком большое"):
        uploads.prepare("bomb.png", bomb.getvalue())
    assert uploads.safe_name("../../etc/passwd.jpg") == "passwd.jpg"
    assert uploads.safe_name("..\\..\\x.png") == "x.png"
    assert uploads.safe_name("../") == "файл"
    photo = uploads.prepare("../../фото диплома.jpg", jpeg_bytes((5000, 100)))
    assert photo.name == "фото диплома.jpg" and photo.mime == "image/jpeg" and photo.width == 4000
    assert photo.preview


def test_refused_file_leaves_nothing(settings, people):
    student = people["student"]
    before = Achievement.select().count()
    files = [("good.jpg", jpeg_bytes()), ("bad.jpg", b"MZ" + b"\x00" * 100)]
    with pytest.raises(uploads.UploadRefused):
        portfolio.save_with_files(settings, student, files=files, title="С файлами",
                                  date=datetime.date.today().isoformat())
    assert Achievement.select().count() == before
    assert not list((settings.uploads_dir).rglob("*.*")) and not [p for p in settings.uploads_dir.rglob("*")
                                                                   if p.is_file()]
    # A failure after the files were written (an invalid field) removes them again.
    with pytest.raises(ServiceError):
        portfolio.save_with_files(settings, student, files=[("good.jpg", jpeg_bytes())], title="",
                                  date=datetime.date.today().isoformat())
    assert not [p for p in settings.uploads_dir.rglob("*") if p.is_file()]
    a = portfolio.save_with_files(settings, student, files=[("good.jpg", jpeg_bytes())], title="Есть файл",
                                  date=datetime.date.today().isoformat())
    row = Evidence.get(Evidence.achievement == a)
    assert uploads.file_path(settings, row.sha256).is_file()
    portfolio.delete(settings, student, a)
    assert not uploads.file_path(settings, row.sha256).exists()


def test_evidence_score_rule():
    assert competencies.evidence_score([]) == 0
    assert competencies.evidence_score([(1, 1)]) == 1
    assert competencies.evidence_score([(3, 4)]) == 3.5
    assert competencies.evidence_score([(3, 4), (1, 1), (1, 1)]) == 4.0
    assert competencies.evidence_score([(5, 5), (5, 5)]) == 5


def test_competency_map_and_growth(people):
    student, teacher = people["student"], people["teacher1"]
    Achievement.delete().where(Achievement.student == student).execute()
    framework = competencies.active_framework()
    leaf = competencies.competencies_of(framework, leaves_only=True)[0]
    today = datetime.date.today()
    a = portfolio.create_draft(student, competency_ids=[leaf.id], **full_fields())
    portfolio.submit(student, a)
    state = next(s for s in competencies.for_student(student) if s.competency.id == leaf.id)
    assert state.evidence_score == 0  # not confirmed yet
    portfolio.confirm(teacher, a)
    state = next(s for s in competencies.for_student(student) if s.competency.id == leaf.id)
    assert state.evidence_score == 3.5 and state.confirmed == 1  # regional (3), prize-winner (4)
    competencies.self_assess(student, leaf.id, 4, "Стал увереннее", today=today)
    competencies.self_assess(student, leaf.id, 5, "Ещё лучше", today=today)  # same term: replaced
    state = next(s for s in competencies.for_student(student) if s.competency.id == leaf.id)
    assert state.self_score == 5
    with pytest.raises(ServiceError, match="от 1 до 5"):
        competencies.self_assess(student, leaf.id, 9)
    points = competencies.growth(student, framework, today)
    assert points[-1].confirmed_total == 1
    assert points[-1].evidence_mean == pytest.approx(3.5 / len(competencies.competencies_of(framework, True)),
                                                     abs=0.01)


def test_terms():
    assert terms.term_of(datetime.date(2026, 9, 1), 4) == terms.Term(2026, 1, 4)
    assert terms.term_of(datetime.date(2026, 12, 30), 4).number == 2
    assert terms.term_of(datetime.date(2027, 2, 1), 4).number == 3
    assert terms.term_of(datetime.date(2027, 5, 20), 4).number == 4
    assert terms.term_of(datetime.date(2027, 2, 1), 2) == terms.Term(2026, 2, 2)
    assert terms.Term(2026, 1, 4).label == "1 четверть 2026/27"


def test_reflection_prompts_deepen_and_next_steps(people):
    student = people["student"]  # 7Б
    assert reflection.prompt_set_for(student) == "7-9"
    assert len(reflection.prompts("10-11")[0][1]) > len(reflection.prompts("5-6")[0][1])
    with pytest.raises(ServiceError, match="хотя бы на один"):
        reflection.save(student, {})
    r = reflection.save(student, {"description": "Выступил", "next_step": "Подготовиться к региону"})
    assert r in reflection.next_steps(student)
    with pytest.raises(NotFound):
        reflection.get(people["other"], r.id.hex)


def test_indicators_shares(people):
    school = people["student"].school
    found = indicators.school_indicators(school)
    students = found.students
    expected_with = len({a.student_id for a in Achievement.select().where(Achievement.status == "confirmed")})
    assert found.with_confirmed == expected_with
    assert found.share_with_confirmed == pytest.approx(100 * expected_with / students)
    before = found.regional_prize_students
    # A student with nothing confirmed wins a regional olympiad: the share grows by one student.
    confirmed = {a.student_id for a in Achievement.select().where(Achievement.status == "confirmed")}
    newcomer = next(s for s in User.select().where(User.role == "student") if s.id not in confirmed
                    and Student.get(Student.user == s).class_group.name == "7Б")
    a = portfolio.create_draft(newcomer, **full_fields(level=entry("level", "regional"),
                                                      result=entry("result", "winner")))
    portfolio.submit(newcomer, a)
    portfolio.confirm(people["teacher1"], a)
    after = indicators.school_indicators(school)
    assert after.regional_prize_students == before + 1
    assert after.with_confirmed == expected_with + 1
    assert "Региональный" in dict(after.by_level)
    csv_text = indicators.indicators_csv(after)
    assert "Победителей и призёров регионального уровня и выше" in csv_text and newcomer.full_name in csv_text


def test_consent_recorded_with_version(people):
    parent, student = people["parent"], people["student"]
    consent.withdraw(parent, student)
    assert not consent.has_consent(student)
    assert student.id in {row.student.id for row in consent.students_without_consent(student.school)}
    link = consent.give(parent, student)
    assert link.consent_version == consent.CONSENT_VERSION and link.consent_by == parent.full_name
    assert "152-ФЗ" in consent.consent_text()
    with pytest.raises(NotFound):
        consent.give(parent, people["other"])


def test_framework_import_csv_and_json(db):
    table = "код;название;группа\n1;Креативность;Мышление\n2;;Мышление\n1;Повтор;Мышление\n".encode("cp1251")
    from appliance.services.errors import ImportRejected

    with pytest.raises(ImportRejected) as refused:
        competencies.import_framework(table, "model.csv", "Модель школы", "school-model")
    assert len(refused.value.rows) == 2
    assert not competencies.CompetencyFramework.select().where(
        competencies.CompetencyFramework.code == "school-model").exists()
    good = "код;название;группа\n1;Креативность;Мышление\n2;Коммуникация;Общение\n".encode("cp1251")
    framework = competencies.import_framework(good, "model.csv", "Модель школы", "school-model")
    assert [c.name for c in competencies.competencies_of(framework)] == ["Креативность", "Коммуникация"]
    with pytest.raises(Conflict):
        competencies.import_framework(good, "model.csv", "Ещё раз", "school-model")
    exported = competencies.framework_json(framework)
    import json

    again = competencies.import_framework(json.dumps(exported).encode(), "m.json", code="school-model-2")
    assert len(competencies.competencies_of(again)) == 2
