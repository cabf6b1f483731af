"""Portfolio content for the demo school: achievements across levels with the teachers who
guided them, some waiting for confirmation, self-assessments over several terms, reflections
and hobbies."""

from __future__ import annotations

import datetime
import json
import random

from appliance.models.base import utcnow
from appliance.models.competencies import AchievementCompetency, Competency, SelfAssessment
from appliance.models.people import TEACHER, School, Student, TeacherAssignment, User
from appliance.models.portfolio import Achievement, CatalogEntry, Hobby, Reflection
from appliance.services import competencies, terms
from appliance.services.reflection import prompt_set_for

# (title, kind, direction, highest level, subject of the guiding teacher, competency codes)
ACTIVITIES = (
    ("Всероссийская олимпиада школьников по математике", "olympiad", "science", 4, "Математика", ("1.2", "1.5")),
    ("Олимпиада Эйлера по математике", "olympiad", "science", 3, "Математика", ("1.2", "1.6")),
    ("Всероссийская олимпиада школьников по физике", "olympiad", "science", 4, "Физика", ("1.2", "1.4")),
    ("Олимпиада «Высшая проба» по обществознанию", "olympiad", "humanities", 4, "История", ("1.4", "2.4")),
    ("Олимпиада школьников СПбГУ по биологии", "olympiad", "science", 3, "Биология", ("1.4", "3.2")),
    ("Олимпиада по русскому языку «Родное слово»", "olympiad", "humanities", 2, "Русский", ("1.2", "1.1")),
    ("Конкурс чтецов «Живая классика»", "contest", "arts", 3, "Русский", ("1.1", "2.2")),
    ("Городской конкурс рисунков «Мой Петербург»", "contest", "arts", 2, "", ("1.1", "1.4")),
    ("Конкурс видеороликов «Хочу такую школу…»", "contest", "social", 1, "История", ("2.1", "3.4")),
    ("Научно-практическая конференция «Шаг в будущее»", "conference", "science", 3, "Физика", ("1.4", "2.2", "3.2")),
    ("Конференция «Юные исследователи окружающей среды»", "conference", "science", 2, "Биология", ("1.4", "3.2")),
    ("Районные «Петербургские чтения»", "conference", "humanities", 2, "История", ("2.4", "1.1")),
    ("Президентские состязания", "competition", "sport", 3, "Физическая", ("2.1", "2.2")),
    ("Первенство района по волейболу", "competition", "sport", 2, "Физическая", ("2.1", "1.8")),
    ("Городской турнир по шахматам «Белая ладья»", "competition", "sport", 2, "", ("1.6", "2.2")),
    ("Хакатон «IT-куб»: приложение для школьной столовой", "project", "tech", 2, "Информатика", ("3.4", "2.1", "1.5")),
    ("Фестиваль робототехники «РобоФест»", "competition", "tech", 4, "Технология", ("3.4", "2.1", "1.7")),
    ("Проект «Умная теплица» на Arduino", "project", "tech", 1, "Технология", ("3.4", "1.5")),
    ("Олимпиада НТИ, профиль «Искусственный интеллект»", "olympiad", "tech", 4, "Информатика", ("3.2", "3.4", "1.7")),
    ("Исследование «Свободное время подростка: сколько? какое? зачем?»", "research", "social", 1, "История",
     ("3.2", "1.4")),
    ("Акция «Письмо ветерану»", "volunteering", "social", 1, "", ("2.5", "2.4")),
    ("Экологический субботник «Чистый берег»", "volunteering", "social", 2, "Биология", ("2.1", "2.5")),
    ("Международный форум «Молодые молодым»", "conference", "social", 5, "История", ("2.4", "2.1", "1.8")),
    ("Международный конкурс «Кенгуру»", "contest", "science", 5, "Математика", ("1.2",)),
    ("Профессиональная проба «Инженер-металлург»", "project", "career", 1, "Технология", ("1.1", "1.7")),
)
ROLE_FOR_KIND = {"olympiad": ("supervisor", "mentor"), "contest": ("supervisor", "consultant"),
                 "conference": ("supervisor", "consultant"), "competition": ("coach",),
                 "project": ("mentor", "tutor"), "research": ("supervisor", "tutor"),
                 "volunteering": ("tutor", "mentor"), "creative": ("mentor",), "other": ("consultant",)}
HOBBIES = (("Шахматы", "sport", "Играю в шахматном клубе, мечтаю о первом разряде."),
           ("Программирование на Python", "tech", "Пишу небольшие игры и телеграм-ботов."),
           ("Рисование акварелью", "arts", "Рисую городские пейзажи."),
           ("Волейбол", "sport", "Тренируюсь в школьной секции три раза в неделю."),
           ("Фотография", "arts", "Снимаю школьные события для группы класса."),
           ("Чтение фантастики", "humanities", "Люблю Стругацких и Брэдбери."),
           ("Гитара", "arts", "Учусь играть, уже выступаю на школьных концертах."))
STUDENT1_REFLECTIONS = (
    ("Фестиваль робототехники «РобоФест»", {
        "description": "Мы с командой собрали робота для соревнования «Сумо» и дошли до финала.",
        "feelings": "Перед финалом очень волновался, руки дрожали, когда ставил робота на поле.",
        "evaluation": "Получилась надёжная конструкция. Не получилось быстро перенастроить датчики между раундами.",
        "analysis": "Мы мало тренировались в условиях, похожих на соревнования, и не распределили роли заранее.",
        "conclusion": "В следующий раз заранее договоримся, кто отвечает за программу, а кто за механику.",
        "next_step": "До конца четверти выучить, как работать с датчиками расстояния, и провести два пробных матча."}),
    ("", {
        "description": "Первая четверть в седьмом классе: новые предметы — физика, алгебра, геометрия.",
        "feelings": "Сначала было трудно и немного страшно, потом стало интересно.",
        "evaluation": "Хорошо пошла физика, хуже — геометрия: путаюсь в доказательствах.",
        "analysis": "По физике я много спрашиваю у учителя, а по геометрии стесняюсь.",
        "conclusion": "Буду задавать вопросы сразу на уроке и разбирать задачи с другом.",
        "next_step": "Записаться на кружок по геометрии и решать по две задачи в неделю."}),
)


def _school_year_dates(rng: random.Random, first_year: int, today: datetime.date) -> datetime.date:
    year = rng.randint(first_year, terms.school_year_of(today))
    start = datetime.date(year, 9, 15)
    end = min(datetime.date(year + 1, 5, 31), today - datetime.timedelta(days=3))
    if end <= start:
        return today - datetime.timedelta(days=rng.randint(3, 10))
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def add_demo_data(school: School, rng: random.Random, today: datetime.date | None = None) -> None:
    today = today or datetime.date.today()
    entries = {(e.catalog, e.code): e for e in CatalogEntry.select()}
    teachers = list(User.select().where((User.school == school) & (User.role == TEACHER)))
    subject_of = {a.teacher_id: a.subject for a in TeacherAssignment.select()}
    class_teacher = {a.class_group_id: a.teacher_id for a in TeacherAssignment.select().where(
        TeacherAssignment.is_class_teacher)}
    framework = competencies.active_framework()
    by_code = {c.code: c for c in Competency.select().where(Competency.framework == framework)}
    now = utcnow()
    profiles = list(Student.select(Student, User).join(User).where(User.school == school))
    for profile in profiles:
        student = profile.user
        first = student.login == "student1"
        if not first and rng.random() < 0.35:
            continue
        grade = profile.class_group.grade
        # The youngest do fewer and more local things; student1 has a full portfolio.
        count = 14 if first else rng.randint(1, 2 + grade // 3)
        first_year = max(profile.start_year + max(grade - 4, 0), terms.school_year_of(today) - 3) \
            if not first else terms.school_year_of(today) - 2
        for number in range(count):
            title, kind, direction, top, subject, codes = rng.choice(ACTIVITIES) if not first \
                else ACTIVITIES[(number * 7) % len(ACTIVITIES)]
            level_rank = min(top, rng.choice((1, 1, 1, 2, 2, 3, 4, 5)) if not first else 1 + number % top)
            level_rank = min(level_rank, 3 if grade <= 6 else 5)
            result_rank = rng.choice((1, 1, 2, 3, 4, 4, 5))
            level = next(e for e in entries.values() if e.catalog == "level" and e.rank == level_rank)
            result = next(e for e in entries.values() if e.catalog == "result" and e.rank == result_rank)
            guides = [t for t in teachers if subject and subject_of.get(t.id, "").startswith(subject)]
            teacher = rng.choice(guides) if guides and rng.random() < 0.85 else None
            role = entries[("teacher_role", rng.choice(ROLE_FOR_KIND[kind]))] if teacher else None
            day = _school_year_dates(rng, first_year, today)
            recent = (today - day).days < 45
            status = "submitted" if recent and rng.random() < 0.7 else "confirmed"
            if first and number < 3:
                status, day = "submitted", today - datetime.timedelta(days=2 + number * 5)
            reviewer = teacher.id if teacher else class_teacher.get(profile.class_group_id)
            if status == "confirmed" and reviewer is None:
                status = "submitted"
            stage = {1: "школьный этап", 2: "муниципальный этап", 3: "региональный этап", 4: "заключительный этап",
                     5: "международный тур"}[level_rank] if kind == "olympiad" else ""
            achievement = Achievement.create(
                student=student, title=f"{title}, {stage}" if stage else title, date=day,
                kind=entries[("kind", kind)], direction=entries[("direction", direction)], level=level,
                result=result, teacher=teacher, teacher_role=role, status=status,
                organizer=rng.choice(("", "Комитет по образованию Санкт-Петербурга", "ГБНОУ «Академия талантов»",
                                      "Отдел образования района")),
                description="" if rng.random() < 0.5 else "Подготовка заняла несколько месяцев.",
                submitted_at=now, reviewed_by=reviewer if status == "confirmed" else None,
                reviewed_at=now if status == "confirmed" else None)
            for code in codes:
                if code in by_code:
                    AchievementCompetency.create(achievement=achievement, competency=by_code[code])
        if first or rng.random() < 0.3:
            _self_assessments(student, by_code, framework, rng, today, periods=6 if first else 2)
        if first or rng.random() < 0.4:
            for title, direction, text in rng.sample(HOBBIES, 2):
                Hobby.create(student=student, title=title, direction=entries[("direction", direction)],
                             description=text, since_year=today.year - rng.randint(1, 4))
        if first:
            _reflections(student)


def _self_assessments(student: User, by_code: dict, framework, rng: random.Random, today: datetime.date,
                      periods: int) -> None:
    leaves = competencies.competencies_of(framework, leaves_only=True)
    term = terms.term_of(today)
    history = [term]
    for _ in range(periods - 1):
        previous = terms.term_of(history[0].start - datetime.timedelta(days=1))
        history.insert(0, previous)
    base = {c.id: rng.randint(1, 3) for c in leaves}
    for step, period in enumerate(history):
        day = min(period.start + datetime.timedelta(days=20), today)
        for competency in leaves:
            score = min(framework.scale_max, base[competency.id] + (step * rng.choice((0, 1, 1))) // 2)
            SelfAssessment.create(student=student, competency=competency, school_year=period.school_year,
                                  term=period.number, score=score, assessed_on=day,
                                  reason="" if rng.random() < 0.7 else "Стало получаться лучше, чем раньше.")


def _reflections(student: User) -> None:
    for title, answers in STUDENT1_REFLECTIONS:
        achievement = (Achievement.select().where((Achievement.student == student)
                                                  & Achievement.title.startswith(title)).first()
                       if title else None)
        next_step = answers["next_step"]
        Reflection.create(student=student, achievement=achievement, prompt_set=prompt_set_for(student),
                          answers=json.dumps({k: v for k, v in answers.items() if k != "next_step"},
                                             ensure_ascii=False),
                          next_step=next_step, in_document=True)
