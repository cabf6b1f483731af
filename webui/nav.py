"""The menu each role sees: (endpoint, label) in order. Sections add their items here."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from appliance.models.people import ADMIN, DISTRICT, PARENT, STUDENT, TEACHER

MENU = {
    STUDENT: [("student.home", _l("Главная")), ("portfolio.achievements", _l("Достижения")),
                ("portfolio.competencies_page", _l("Компетенции")), ("portfolio.reflections", _l("Рефлексия")),
                ("portfolio.hobbies", _l("Хобби")), ("portfolio.my_overview", _l("Портфолио")),
                ("trajectory.index", _l("Активности")), ("trials.catalogue", _l("Пробы")),
                ("programmes.index", _l("Кружки")),
                ("calendar.month", _l("Календарь")), ("guidance.index", _l("Профориентация")),
                ("surveys.index", _l("Опросы"))],
    TEACHER: [("teacher.home", _l("Мои классы")), ("review.queue", _l("Проверка достижений")),
                ("review.classes", _l("Портфолио классов")), ("review.contribution", _l("Мой вклад")),
                ("trajectory.class_overview", _l("Траектории")),
                ("programmes.index", _l("Доп. образование")),
                ("calendar.month", _l("Календарь")), ("surveys.index", _l("Опросы"))],
    PARENT: [("parent.home", _l("Мои дети")), ("portfolio.family", _l("Портфолио и согласие")),
               ("trials.family", _l("Пробы")),
               ("calendar.events", _l("События")), ("surveys.index", _l("Опросы"))],
    ADMIN: [("admin.home", _l("Школа")), ("admin.users", _l("Пользователи")),
              ("indicators.home", _l("Показатели")), ("indicators.lists", _l("Списки портфолио")),
              ("indicators.frameworks", _l("Компетенции")), ("indicators.consent_register", _l("Согласия")),
              ("admin.import_users", _l("Импорт списков")), ("year.year_page", _l("Учебный год")), ("calendar.manage", _l("Календарь")),
              ("surveys.index", _l("Опросы")), ("trials.manage", _l("Пробы")),
              ("trials.partners", _l("Партнёры")), ("programmes.index", _l("Доп. образование"))],
    DISTRICT: [("district.home", _l("Школы")), ("district.indicators", _l("Показатели")),
                 ("district.ledger", _l("Журнал пакетов"))],
}

ROLE_NAMES = {STUDENT: _l("Ученик"), TEACHER: _l("Учитель"), PARENT: _l("Родитель"),
              ADMIN: _l("Администратор"), DISTRICT: _l("Район")}


def context() -> dict:
    items = []
    if current_user.is_authenticated:
        for endpoint, label in MENU.get(current_user.role, []):
            url = url_for(endpoint)
            items.append({"url": url, "label": label,
                          "active": request.path == url or (url != "/" and request.path.startswith(url + "/"))})
    return {"menu": items, "role_names": ROLE_NAMES}
