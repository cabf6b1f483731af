"""The demo school's community, so that `make run` shows it alive: volunteer hours of student1
(confirmed and waiting), a council with an adviser, and ideas in every status, one of them a
project with its team."""

from __future__ import annotations

import datetime

from appliance.models.calendar import Event, PlannedEvent
from appliance.models.community import ADVISER, COUNCIL, MEDIA
from appliance.models.news import PENDING
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


NEWS = (
    ("teacher1", "Субботник во дворе школы", "В субботу ученики 5–11 классов вместе с учителями убрали школьный двор "
     "и посадили двенадцать кустов сирени. Спасибо всем, кто пришёл!", "Ребята сажают кусты сирени у школы"),
    ("media", "Буккроссинг открыт", "В рекреации второго этажа появилась полка буккроссинга: оставь прочитанную "
     "книгу и возьми новую. Идею предложили на «Есть идея!».", ""),
    ("admin", "Собрание для родителей 9-х классов", "В четверг в 18:00 в актовом зале — собрание о подготовке к "
     "ОГЭ. Приходите, ответим на вопросы.", ""),
)


def demo_photo() -> bytes:
    """A small generated picture for the demo news (nothing is downloaded)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (120, 170, 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 960, 260), fill=(170, 205, 235))
    for x in range(60, 960, 120):
        draw.ellipse((x, 300, x + 90, 420), fill=(190, 120, 190))
        draw.rectangle((x + 40, 410, x + 50, 520), fill=(110, 80, 50))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def add_demo_news(settings, school: School) -> None:
    """Published notes by a teacher, the media team and the administration, one waiting for approval,
    and student1's confirmed achievement the pupil allowed the news to tell of."""
    from appliance.models.community import Idea
    from appliance.models.people import ADMIN
    from appliance.models.portfolio import Achievement
    from appliance.services import news

    media = ideas.members_with(school, MEDIA)[0]
    admin = User.get((User.school == school) & (User.role == ADMIN))
    teacher = User.get(User.login == "teacher1")
    idea = Idea.get_or_none((Idea.school == school) & (Idea.title == "Буккроссинг в рекреации"))
    for who, title, text, alt in NEWS:
        author = {"teacher1": teacher, "media": media, "admin": admin}[who]
        form = {"title": title, "text": text, "photo_alt": alt, "idea": idea.id.hex if idea and who == "media" else ""}
        photo = ("subbotnik.jpg", demo_photo()) if alt and settings is not None else None
        made = news.create(settings, author, form, photo)
        if made.status == PENDING:
            news.approve(teacher, made.id)
    student1 = User.get(User.login == "student1")
    proud = (Achievement.select().where((Achievement.student == student1) & (Achievement.status == "confirmed"))
             .order_by(Achievement.date.desc()).first())
    if proud is not None:
        news.set_consent(student1, proud.id, True)
        news.create(settings, teacher, {"title": f"Поздравляем: {proud.title}",
                                        "text": "Гордимся нашим учеником и его наставником!",
                                        "achievement": proud.id.hex})
    news.create(settings, media, {"title": "Репортаж с ярмарки профессий",
                                  "text": "Черновик репортажа: кто пришёл, какие профессии понравились."})
