"""The menu each role sees: (endpoint, label) in order. Sections add their items here."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

MENU = {
    "student": [("student.home", _l("Главная"))],
    "teacher": [("teacher.home", _l("Мои классы"))],
    "parent": [("parent.home", _l("Мои дети"))],
    "admin": [("admin.home", _l("Школа")), ("admin.users", _l("Пользователи")),
              ("admin.import_users", _l("Импорт списков"))],
    "district": [],
}

ROLE_NAMES = {"student": _l("Ученик"), "teacher": _l("Учитель"), "parent": _l("Родитель"),
              "admin": _l("Администратор"), "district": _l("Район")}


def context() -> dict:
    items = []
    if current_user.is_authenticated:
        for endpoint, label in MENU.get(current_user.role, []):
            url = url_for(endpoint)
            items.append({"url": url, "label": label,
                          "active": request.path == url or (url != "/" and request.path.startswith(url + "/"))})
    return {"menu": items, "role_names": ROLE_NAMES}
