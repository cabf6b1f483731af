"""The menu each role sees: (endpoint, label) in order. Sections add their items here."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from appliance.models.people import ADMIN, DISTRICT, MENTOR, PARENT, STUDENT, TEACHER
from appliance.services import enrolment
from webui import wording

MENU = {
    STUDENT: [("student.home", _l("Главная")), ("portfolio.achievements", _l("Достижения")),
                ("portfolio.competencies_page", _l("Компетенции")), ("portfolio.reflections", _l("Рефлексия")),
                ("portfolio.hobbies", _l("Хобби")), ("portfolio.my_overview", _l("Портфолио")),
                ("trajectory.index", _l("Активности")), ("trials.catalogue", _l("Пробы")),
                ("programmes.index", _l("Кружки")), ("mentoring.index", _l("Наставник")),
                ("volunteering.mine", _l("Волонтёрство")),
                ("ideas.board", _l("Есть идея!")), ("news.index", _l("Новости")), ("alumni.index", _l("Выпускники")),
                ("calendar.month", _l("Календарь")), ("guidance.index", _l("Профориентация")),
                ("surveys.index", _l("Опросы"))],
    TEACHER: [("teacher.home", _l("Мои классы")), ("review.queue", _l("Проверка достижений")),
                ("review.classes", _l("Портфолио классов")), ("review.contribution", _l("Мой вклад")),
                ("trajectory.class_overview", _l("Траектории")),
                ("programmes.index", _l("Доп. образование")), ("mentoring.index", _l("Наставничество")),
                ("volunteering.review", _l("Волонтёрство")),
                ("ideas.board", _l("Есть идея!")), ("news.index", _l("Новости")), ("alumni.index", _l("Выпускники")),
                ("calendar.month", _l("Календарь")), ("surveys.index", _l("Опросы"))],
    PARENT: [("parent.home", _l("Мои дети")), ("portfolio.family", _l("Портфолио и согласие")),
               ("trials.family", _l("Пробы")), ("mentoring.index", _l("Наставничество")),
               ("parent.calendar", _l("Календарь")),
               ("calendar.events", _l("События")), ("news.index", _l("Новости")), ("surveys.index", _l("Опросы"))],
    ADMIN: [("admin.home", _l("Школа")), ("admin.users", _l("Пользователи")),
              ("indicators.home", _l("Показатели")), ("indicators.effectiveness_page", _l("Карта результативности")),
              ("indicators.lists", _l("Списки портфолио")),
              ("indicators.frameworks", _l("Компетенции")), ("indicators.consent_register", _l("Согласия")),
              ("admin.import_users", _l("Импорт списков")), ("year.year_page", _l("Учебный год")), ("calendar.manage", _l("Календарь")),
              ("surveys.index", _l("Опросы")), ("trials.manage", _l("Пробы")),
              ("trials.partners", _l("Партнёры")), ("programmes.index", _l("Доп. образование")),
              ("volunteering.school", _l("Волонтёрство")), ("ideas.statistics", _l("Инициативы")),
              ("ideas.roles", _l("Совет и медиацентр")), ("news.index", _l("Новости")),
              ("alumni.manage", _l("Клуб выпускников")), ("mentoring.coordinate", _l("Наставничество"))],
    DISTRICT: [("district.home", _l("Школы")), ("district.indicators", _l("Показатели")),
                 ("district.ledger", _l("Журнал пакетов"))],
    MENTOR: [("mentoring.index", _l("Мои пары"))],
}

# On a phone the bar at the bottom holds the first PHONE_BAR items of a role's menu (short labels where the
# full one is too long for a fifth of a 360-px screen) and «Ещё», which opens the whole list.
PHONE_BAR = 3
SHORT = {
    "review.queue": _l("Проверка"), "review.classes": _l("Портфолио"), "portfolio.family": _l("Портфолио"),
    "parent.home": _l("Дети"), "teacher.home": _l("Мои классы"), "admin.users": _l("Люди"),
    "indicators.home": _l("Показатели"), "portfolio.competencies_page": _l("Компетенции"), "guidance.index": _l("Профессии"),
    "mentoring.index": _l("Наставник"), "mentoring.coordinate": _l("Наставники"),
}

# Pages under a section that live at other addresses (the section stays lit in the menu there).
ALSO = {
    "portfolio.achievements": ("/portfolio/a/", "/portfolio/new"),
    "portfolio.my_overview": ("/portfolio/student/",),
    "portfolio.family": ("/portfolio/student/", "/portfolio/a/"),
    "review.queue": ("/portfolio/a/",),
    "review.classes": ("/portfolio/student/",),
    "trajectory.class_overview": ("/activities/student/", "/activities/goal/", "/guidance/result/"),
    "calendar.events": ("/calendar/",),
    "parent.calendar": ("/parent/calendar/",),
    "ideas.statistics": ("/ideas/",),
    "alumni.index": ("/alumni/",),
    "alumni.manage": ("/alumni/",),
    "calendar.manage": ("/calendar/",),
    "trials.manage": ("/trials/",),
    "mentoring.index": ("/mentoring/pair/", "/mentoring/apply"),
    "mentoring.coordinate": ("/mentoring/",),
}

ROLE_NAMES = {STUDENT: _l("Ученик"), TEACHER: _l("Учитель"), PARENT: _l("Родитель"),
              ADMIN: _l("Администратор"), DISTRICT: _l("Район"),
              MENTOR: _l("Наставник")}


def _match(path: str, url: str, extra: tuple[str, ...]) -> int:
    """How closely a page belongs to a menu item: the length of the address prefix they share (0: not at all)."""
    best = len(url) + 1 if path == url else 0
    for prefix in (url if url.endswith("/") else url + "/", *extra):
        if prefix != "/" and path.startswith(prefix):
            best = max(best, len(prefix))
    return best


def context() -> dict:
    items = []
    if current_user.is_authenticated:
        for endpoint, label in MENU.get(current_user.role, []):
            url = url_for(endpoint)
            items.append({"url": url, "label": label, "short": SHORT.get(endpoint, label), "active": False,
                          "match": _match(request.path, url, ALSO.get(endpoint, ()))})
        # The closest match is the current section: /portfolio/hobbies is «Хобби», not also «Достижения».
        best = max(items, key=lambda item: item["match"], default=None)
        if best and best["match"]:
            best["active"] = True
    bar = items[:PHONE_BAR]
    current = next((item for item in items[PHONE_BAR:] if item["active"]), None)
    return {"menu": items, "menu_bar": bar, "menu_current": current, "role_names": ROLE_NAMES,
            "role_name": _role_name()}


def _role_name() -> str:
    """The header's word for the signed-in person: a graduate reads their portfolio as a pupil's
    account, but is no longer «Ученик»; «Выпускница» or «Выпускник» by the name (the grammar's
    libraries load only for a graduate)."""
    if not current_user.is_authenticated:
        return ""
    if current_user.role == STUDENT and enrolment.is_graduate(current_user.model):
        return _l("Выпускница") if wording.is_female(current_user.model) else _l("Выпускник")
    return ROLE_NAMES[current_user.role]
