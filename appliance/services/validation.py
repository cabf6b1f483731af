"""One policy for the values people type: text, dates, whole numbers and clock times.

Too long is an error with a clear Russian message, never silently cut: what a person wrote is
either stored whole or refused (422) and nothing is stored. Services call these before they
write; views show the message as they show any ServiceError.
"""

from __future__ import annotations

import datetime
import re

from appliance.i18n import N_
from appliance.services.errors import ServiceError

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Invalid(ServiceError):
    """A value that cannot be stored as typed."""

    status = 422


def text(value, limit: int, label: str, *, one_line: bool = False, required: str | None = None) -> str:
    """Trimmed text (line breaks as \\n; with one_line, runs of spaces and breaks become one space).

    Longer than `limit` → Invalid naming the field; empty with `required` set → Invalid(required).
    """
    cleaned = str(value or "").replace("\r\n", "\n").strip()
    if one_line:
        cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        raise Invalid(N_("Поле «%(label)s» длиннее %(limit)d знаков: сократите текст."), label=label, limit=limit)
    if not cleaned and required:
        raise Invalid(required, label=label)
    return cleaned


def parse_date(value: str | None) -> datetime.date | None:
    """«25.12.2026», «2026-12-25», «25.12.26», «25/12/2026» → date; empty → None; else ValueError."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    raise ValueError(cleaned)


def date(value, label: str, *, required: str | None = None) -> datetime.date | None:
    """A typed date (or a date already); unreadable → Invalid; empty → None, or Invalid(required)."""
    if isinstance(value, datetime.date):
        return value
    try:
        day = parse_date(None if value is None else str(value))
    except ValueError:
        raise Invalid(N_("%(label)s: дата «%(value)s» не читается: нужен день, месяц и год, например 25.12.2026."),
                      label=label, value=str(value)[:20]) from None
    if day is None and required:
        raise Invalid(required, label=label)
    return day


def integer(value, label: str, low: int, high: int) -> int:
    """A whole number between `low` and `high` inclusive, else Invalid naming the range."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise Invalid(N_("%(label)s — целое число от %(min)d до %(max)d."), label=label, min=low, max=high)
    return number


def parse_clock(value: str, where: str = "Время") -> tuple[int, int]:
    """«9:30», «09:30» → (9, 30); anything else → ValueError whose message starts with `where`
    (a setting such as «[backup] time»)."""
    found = _CLOCK.match(str(value or "").strip())
    if not found:
        raise ValueError(f"{where}: ожидается время ЧЧ:ММ, например 03:30, получено «{value}»")
    return int(found.group(1)), int(found.group(2))


def clock(value, label: str) -> str:
    """A typed time of day as «ЧЧ:ММ» (empty stays empty), else Invalid."""
    cleaned = str(value or "").strip()
    if not cleaned:
        return ""
    try:
        hours, minutes = parse_clock(cleaned)
    except ValueError:
        raise Invalid(N_("%(label)s: пишите время как ЧЧ:ММ, например 09:30."), label=label) from None
    return f"{hours:02d}:{minutes:02d}"
