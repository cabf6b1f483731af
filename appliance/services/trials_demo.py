"""The demo school's partners, profession trials with sessions, and programmes of additional
education, so that `make run` shows them alive: student1 (7Б) has taken two trials (assessed by
themself and by the expert), is signed up for a third, and attends a technopark course."""

from __future__ import annotations

import datetime
import random

from appliance.models.people import STUDENT, User
from appliance.models.programmes import FINISHED, ProgrammeEnrolment
from appliance.models.trials import ENROLLED, TrialEnrolment, TrialSession
from appliance.services import programmes, reminders, trials, years
from appliance.services import school as school_service

ORGANISATIONS = (
    ("Детский технопарк «Кванториум»", "technopark", "Ольга Сергеевна Миронова", "пр. Ленина, 12",
     {"offers_trials": "1", "offers_programmes": "1", "offers_events": "1"}),
    ("ПАО «Металлургический комбинат»", "enterprise", "Андрей Петрович Чернов", "ул. Кирова, 93",
     {"offers_trials": "1", "offers_mentors": "1"}),
    ("Технический университет им. Г. И. Носова", "university", "Ирина Валерьевна Лапина", "пр. Ленина, 38",
     {"offers_trials": "1", "offers_mentors": "1", "offers_events": "1"}),
    ("Городская детская больница № 3", "enterprise", "Елена Игоревна Соколова", "ул. Набережная, 18",
     {"offers_trials": "1"}),
    ("Фонд «Зелёный город»", "ngo", "Павел Андреевич Котов", "ул. Садовая, 5", {"offers_events": "1"}),
)
# title, organisation index, field, off site, competency codes, what the student does
TRIALS = (
    ("Инженер-робототехник", 0, "engineering", False, ("1.2", "1.4", "2.1"),
     "Соберёшь и запрограммируешь робота-манипулятора вместе с наставником технопарка."),
    ("Программист", 0, "it", False, ("1.5", "1.7", "3.2"), "Напишешь первую игру на Python и покажешь её группе."),
    ("Оператор беспилотных систем", 0, "engineering", False, ("1.7", "1.8", "2.2"),
     "Научишься управлять дроном на полигоне и снимешь аэрофотосъёмку двора."),
    ("Металлург", 1, "engineering", True, ("1.8", "2.1", "2.5"),
     "Экскурсия в цех и работа в лаборатории контроля качества стали."),
    ("Инженер-эколог", 1, "science", True, ("1.4", "1.6", "2.5"), "Возьмёшь пробы воздуха и воды и сделаешь анализ."),
    ("Специалист по охране труда", 1, "public", True, ("1.8", "2.5"), "Проверишь рабочее место по чек-листу."),
    ("Лаборант-химик", 2, "science", True, ("1.2", "1.3", "1.5"), "Проведёшь опыты в учебной лаборатории вуза."),
    ("Архитектор", 2, "arts", True, ("1.4", "1.6", "2.4"), "Сделаешь макет общественного пространства."),
    ("Медицинская сестра", 3, "medicine", True, ("2.1", "2.2", "2.5"), "Узнаешь, как устроен день в больнице, и освоишь первую помощь."),
    ("Учитель начальных классов", 2, "education", False, ("2.1", "2.3", "2.4"),
     "Подготовишь и проведёшь пятиминутку для второклассников."),
)
PROGRAMMES = (
    ("Робототехника", "technopark", 0, "вт, чт 15:30–17:00", ("1.2", "1.4", "2.1")),
    ("Школьный театр «Маска»", "studio", None, "пт 16:00–18:00", ("1.1", "2.2", "2.4")),
    ("Секция волейбола", "section", None, "пн, ср 17:00–18:30", ("2.1", "2.2")),
)


def add_demo_data(school, rng: random.Random) -> None:
    today = reminders.local_today(school.timezone)
    admin = User.get(User.login == "admin")
    codes = {c.code: c.id.hex for c in trials.model_competencies()}
    orgs = []
    for name, kind, contact, address, offers in ORGANISATIONS:
        orgs.append(trials.save_organisation(school, {"name": name, "kind": kind, "contact_person": contact,
                                                      "address": address, "phone": "+7 3519 00-00-00", **offers}))
    made = []
    for index, (title, org, field_code, off_site, comps, description) in enumerate(TRIALS):
        trial = trials.save_trial(school, {"title": title, "organisation": orgs[org].id.hex, "field": field_code,
                                           "off_site": "1" if off_site else "", "place": orgs[org].address,
                                           "description": description},
                                  [codes[c] for c in comps if c in codes], admin)
        for weeks, capacity in ((-6, 8), (1 + index % 3, 6), (5 + index % 4, 10)):
            start = today + datetime.timedelta(weeks=weeks, days=index % 5)
            trials.add_session(trial, {"starts_on": start.isoformat(), "start_time": "15:00", "capacity": capacity})
        made.append(trial)
    # Students of 7Б and 9В who went to trials six weeks ago, with their assessments.
    for class_name in ("7Б", "9В"):
        group = school_service.find_class(school, class_name)
        for student in school_service.students_of(group):
            if student.login != "student1" and rng.random() < 0.35:
                continue  # some chose no trial: the statistics show them
            for trial in rng.sample(made, 2 if student.login == "student1" else rng.randint(1, 2)):
                _past(student, trial, rng, today)
    _profile_class_two_years_on(school, made, rng)
    student1 = User.get(User.login == "student1")
    taken = {e.session.trial_id for e in trials.enrolments_of(student1)}
    nearby = next(t for t in made if t.id not in taken and not t.off_site)
    trials.sign_up(student1, next(v.session for v in trials.sessions_of(nearby, today) if v.free).id, today)
    teacher = User.get(User.login == "teacher1") if User.get_or_none(User.login == "teacher1") else None
    for title, kind, org, schedule, comps in PROGRAMMES:
        programme = programmes.save(school, {"title": title, "kind": kind, "schedule": schedule,
                                             "organisation": orgs[org].id.hex if org is not None else "",
                                             "teacher": teacher.id.hex if teacher else ""},
                                    [codes[c] for c in comps if c in codes], admin)
        others = User.select().where((User.school == school) & (User.role == STUDENT) & (User.id != student1.id))
        for student in rng.sample(list(others), 8):
            if school_service.class_of(student) is not None:
                programmes.enrol(admin, programme.id, student.id)
        programmes.enrol(admin, programme.id, student1.id)
    # student1 finished the theatre studio last year: it stays in the portfolio with its years.
    theatre = ProgrammeEnrolment.select().join(programmes.Programme).where(
        (ProgrammeEnrolment.student == student1) & (programmes.Programme.title == PROGRAMMES[1][0])).get()
    theatre.status, theatre.from_year, theatre.to_year = FINISHED, years.current_year(school) - 2, \
        years.current_year(school) - 1
    theatre.save()


def _profile_class_two_years_on(school, made: list, rng: random.Random) -> None:
    """11А follows the technological profile; two years ago, in 9А, most of its pupils went to a trial
    and said whether they would do that work: the statistics compare the two."""
    group = school_service.find_class(school, "11А")
    group.profile = "tech"
    group.save()
    year = years.current_year(school) - 2
    sessions = {}
    for student in school_service.students_of(group):
        if rng.random() < 0.25:
            continue
        trial = rng.choice(made)
        if trial.id not in sessions:
            day = datetime.date(year + 1, 3, 10 + len(sessions))
            sessions[trial.id] = TrialSession.create(trial=trial, starts_on=day, ends_on=day, start_time="15:00",
                                                     capacity=30)
        answer = rng.choice(("yes", "yes", "maybe", "no"))
        TrialEnrolment.create(session=sessions[trial.id], student=student, school_year=year, class_name="9А", grade=9,
                              status=ENROLLED, would_do=answer, liked="Увидел настоящую работу",
                              self_assessed_at=datetime.datetime(year + 1, 3, 20, 12, 0))


def _past(student: User, trial, rng: random.Random, today: datetime.date) -> None:
    session = trials.sessions_of(trial)[0].session
    if trials.taken(session) >= session.capacity:
        return
    year, class_name = years.stamp_now(student)
    group = school_service.class_of(student)
    enrolment = TrialEnrolment.create(session=session, student=student, school_year=year, class_name=class_name,
                                      grade=group.grade, status=ENROLLED)
    competencies = trials.trial_competencies(trial)
    answer = rng.choice(("yes", "yes", "maybe", "no"))
    form = {f"c-{c.id.hex}": str(rng.randint(2, 5)) for c in competencies}
    form.update(would_do=answer, liked=rng.choice(("Настоящая работа руками", "Команда и наставник",
                                                   "Увидел, как всё устроено внутри")),
                why={"yes": "Это интересно и полезно людям", "maybe": "Хочу попробовать ещё",
                     "no": "Слишком шумно и однообразно для меня"}[answer])
    trials.self_assess(student, enrolment.id, form, today)
    _link, token = trials.issue_expert_link(student.school, enrolment.id, None)
    expert = {f"c-{c.id.hex}": str(rng.randint(3, 5)) for c in competencies}
    trials.expert_assess(token, {**expert, "expert_name": "Наставник площадки, " + trial.organisation.name[:60],
                                 "comment": "Старался, задавал вопросы по делу."})
