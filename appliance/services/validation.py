"""One policy for the values people type: text, dates, whole numbers and clock times.

Dates and years are held to the school's plausible range, `FIRST_YEAR`–`LAST_YEAR`, wherever they
come from: a form, a query string (`query_date`, `query_month`, `query_year`), an imported file
(`parse_date`, `in_range`). Nothing outside it reaches the database or date arithmetic, so
«9999-12-31» or a 20-digit year is a Russian 4xx, never an overflow.

Too long is an error with a clear Russian message, never silently cut: what a person wrote is
either stored whole or refused (422) and nothing is stored. Services call these before they
write; views show the message as they show any ServiceError.
"""

from __future__ import annotations

import datetime
import json
import re

from appliance.i18n import N_
from appliance.services.errors import ServiceError

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y")
# The years a school's records can plausibly name (an alumnus's old diploma … plans decades ahead).
FIRST_YEAR, LAST_YEAR = 1950, 2100
FIRST_DAY, LAST_DAY = datetime.date(FIRST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31)
_YEAR_RANGE = N_("%(label)s: год должен быть от %(min)d до %(max)d.")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Invalid(ServiceError):
    """A value that cannot be stored as typed."""

    status = 422


class OutOfRange(ValueError):
    """A date that reads but lies outside FIRST_YEAR–LAST_YEAR."""


def in_range(day: datetime.date | datetime.datetime) -> bool:
    """Whether a date (or a moment) lies within the school's plausible years."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


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
    """«25.12.2026», «2026-12-25», «25.12.26», «25/12/2026» → date; empty → None; unreadable →
    ValueError; outside FIRST_YEAR–LAST_YEAR → OutOfRange (a ValueError too)."""
    cleaned = (value or "").strip()[:40]
    if not cleaned:
        return None
    for fmt in DATE_FORMATS:
        try:
            day = datetime.datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        if not in_range(day):
            raise OutOfRange(cleaned)
        return day
    raise ValueError(cleaned)


def date(value, label: str, *, required: str | None = None) -> datetime.date | None:
    """A typed date (or a date already); unreadable → Invalid; empty → None, or Invalid(required)."""
    if isinstance(value, datetime.date):
        if not in_range(value):
            raise Invalid(_YEAR_RANGE, label=label, min=FIRST_YEAR, max=LAST_YEAR)
        return value
    try:
        day = parse_date(None if value is None else str(value))
    except OutOfRange:
        raise Invalid(_YEAR_RANGE, label=label, min=FIRST_YEAR, max=LAST_YEAR) from None
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


def year(value, label: str) -> int | None:
    """A school year's first year or a calendar year (empty → None) within FIRST_YEAR–LAST_YEAR."""
    if value is None or not str(value).strip():
        return None
    cleaned = str(value).strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 4 or not FIRST_YEAR <= int(cleaned) <= LAST_YEAR:
        raise Invalid(_YEAR_RANGE, label=label, min=FIRST_YEAR, max=LAST_YEAR)
    return int(cleaned)


# -- query strings: a value in an address is checked like a typed one, but refused with 400 ------------
def query_date(value: str | None, label: str) -> datetime.date | None:
    """A date in a query string (as `date`); empty → None; unreadable or out of range → 400."""
    try:
        return date(value, label)
    except Invalid as exc:
        exc.status = 400
        raise


def query_month(value: str | None, label: str) -> tuple[int, int] | None:
    """«2026-10» in a query string → (2026, 10); empty → None; anything else → 400."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    found = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", cleaned)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise Invalid(N_("%(label)s: месяц «%(value)s» не читается: нужен год и месяц, например 2026-10."),
                      status=400, label=label, value=cleaned[:20])
    year_ = int(found.group(1))
    if not FIRST_YEAR <= year_ <= LAST_YEAR:
        raise Invalid(_YEAR_RANGE, status=400, label=label, min=FIRST_YEAR, max=LAST_YEAR)
    return year_, int(found.group(2))


def query_year(value: str | None, label: str) -> int | None:
    """A year in a query string (as `year`); empty → None; anything else → 400."""
    try:
        return year(value, label)
    except Invalid as exc:
        exc.status = 400
        raise


def parse_json(data: str | bytes):
    """JSON from a file or a message someone else made: nesting too deep for the parser (a
    «[[[[…» bomb) is a ValueError like any unreadable JSON, never a RecursionError."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None


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
