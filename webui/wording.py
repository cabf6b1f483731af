"""Words that agree on the pages: a person's gender from their name, names in other cases, numbers with
the decimal comma of the page's language. The grammar is in appliance.services.russian."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal, gettext, ngettext

from appliance.services import russian


def _name(person) -> str:
    return person if isinstance(person, str) else getattr(person, "full_name", "") or ""


def is_female(person) -> bool:
    """`{% if student is female %}` — for «вошла», «Обучающаяся», «сделала»."""
    return russian.is_female(_name(person))


def in_case(person, case: str) -> str:
    """`{{ user|in_case("datv") }}` — the full name in a case."""
    return russian.name_in_case(_name(person), case)


def given_in_case(person, case: str) -> str:
    """`{{ user|given_in_case("datv") }}` — first name and patronymic in a case («Алёне Юрьевне»)."""
    return russian.given_names_in_case(_name(person), case)


def number(value, digits: int = 1) -> str:
    """A number as the page's language writes it: 3,8 in Russian, 3.8 in English; «—» for nothing."""
    if value is None or value == "":
        return "—"
    return format_decimal(round(float(value), digits), format="#,##0." + "#" * digits if digits else "#,##0")


def hours(value) -> str:
    """`{{ record.hours|hours }}` — «1 час», «3 часа», «12 часов», «1,5 часа» (a fraction takes «часа»)."""
    value = float(value or 0)
    if value != int(value):
        return gettext("%(num)s часа", num=number(value, 2))
    return ngettext("%(num)d час", "%(num)d часа", int(value))


def duration(seconds: int) -> str:
    """A wait in words: «40 секунд», «1 минута», «3 минуты» (rounded up to whole minutes past one)."""
    if seconds < 60:
        return ngettext("%(num)d секунда", "%(num)d секунд", max(int(seconds), 1))
    return ngettext("%(num)d минута", "%(num)d минут", -(-int(seconds) // 60))


def filesize(size) -> str:
    """`{{ evidence.size|filesize }}` — «850 КБ», «1,2 МБ» (decimal comma, the page's language)."""
    size = int(size or 0)
    if size >= 1024 * 1024:
        return gettext("%(num)s МБ", num=number(size / (1024 * 1024), 1))
    return gettext("%(num)s КБ", num=number(max(1, round(size / 1024)), 0))


def register(app: Flask) -> None:
    app.jinja_env.tests["female"] = is_female
    app.jinja_env.filters["in_case"] = in_case
    app.jinja_env.filters["given_in_case"] = given_in_case
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["hours"] = hours
    app.jinja_env.filters["filesize"] = filesize
