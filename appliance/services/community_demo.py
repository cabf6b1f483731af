"""The demo school's community, so that `make run` shows it alive: volunteer hours of student1
(confirmed and waiting), a council with an adviser, and ideas in every status, one of them a
project with its team."""

from __future__ import annotations

import datetime

from appliance.models.calendar import Event, PlannedEvent
from appliance.models.community import ADVISER, COUNCIL, MEDIA
from appliance.models.people import School, User
from appliance.services import ideas, volunteering
from appliance.services import school as school_service

IDEAS = (
    ("Скамейки во дворе школы", "На перемене негде посидеть на улице.", "Поставить пять скамеек у спортплощадки.",
     "Доски, краска, помощь трудовика."),
    ("Буккроссинг в рекреации", "Книги после прочтения лежат дома без дела.", "Полка, где можно оставить и взять книгу.",
     "Стеллаж и объявление."),
    ("Школьный подкаст", "О событиях школы узнают не все.", "Раз в две недели выпуск о жизни школы.", "Микрофон."),
    ("Живой уголок в кабинете биологии", "Хочется ухаживать за животными.", "Аквариум с рыбками.", "Аквариум, корм."),
    ("Отменить все уроки по пятницам", "Устаём к концу недели.", "Сделать пятницу выходным.", ""),
)


def add_demo_data(school: School, today: datetime.date | None = None) -> None:
    today = today or datetime.date.today()
    student1 = User.get(User.login == "student1")
    teacher = User.get(User.login == "teacher1")
    group = school_service.class_of(student1)
    class_teacher = school_service.class_teachers(group)[0]
    pupils = [p for p in school_service.students_of(group) if p.id != student1.id]
    for days, hours, place, what, confirm in (
            (40, "4", "Фонд «Зелёный город»", "Субботник в городском парке: убирали листья.", True),
            (25, "2,5", "Городская детская больница № 3", "Праздник для маленьких пациентов.", True),
            (3, "3", "Приют «Верный друг»", "Выгуливали собак, мыли вольеры.", False)):
        made = volunteering.record(student1, {"day": (today - datetime.timedelta(days=days)).isoformat(),
                                              "hours": hours, "place": place, "what": what}, today)
        if confirm:
            volunteering.confirm(class_teacher, made.id)
    council = pupils[:3]
    for member in council:
        ideas.set_role(school, member.id, COUNCIL, True)
    ideas.set_role(school, pupils[3].id, MEDIA, True)
    ideas.set_role(school, teacher.id, ADVISER, True)
    made = []
    for n, (title, problem, idea, needs) in enumerate(IDEAS):
        author = student1 if n in (0, 1) else pupils[4 + n]
        made.append(ideas.propose(author, {"title": title, "problem": problem, "idea": idea, "needs": needs}))
        for supporter in pupils[6:6 + 12 - 2 * n]:
            if supporter.id != author.id:
                ideas.support(supporter, made[-1].id)
    ideas.comment(pupils[8], made[0].id, "Я могу покрасить скамейки!")
    deadline = (today + datetime.timedelta(days=75)).isoformat()
    ideas.review(council[0], made[0].id, "accepted", {"adviser": teacher.id.hex, "deadline": deadline,
                                                      "team": [pupils[8].id.hex], "measure": "Пять скамеек стоят"},
                 today)
    ideas.review(council[1], made[2].id, "needs_work", {"reason": "Кто будет монтировать выпуски? Найди команду."},
                 today)
    ideas.review(council[1], made[3].id, "accepted", {"adviser": teacher.id.hex, "deadline": deadline}, today)
    ideas.finish(teacher, made[3].id, today)
    ideas.review(council[2], made[4].id, "declined",
                 {"reason": "Расписание утверждает школа по закону; предложи, как сделать пятницу легче."}, today)
    # A volunteering event student1 had in their plan, ended ten days ago: its hours wait for the
    # pupil to confirm they took part (the *Волонтёрство* page proposes them).
    day = today - datetime.timedelta(days=10)
    cleanup = Event.create(school=school, title="Субботник в школьном саду", level="school", kind="other",
                           starts_on=day, ends_on=day, place="Школьный сад", volunteering=True, volunteer_hours=3,
                           created_by=class_teacher, uid=f"garden-{day.isoformat()}@demo")
    PlannedEvent.create(student=student1, event=cleanup, remind_days=1)
