"""School years and terms: four quarters (четверти) or two halves (полугодия), as the school
is set up. A school year is named by the year it starts: 2026 is 2026/27."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from appliance.i18n import N_
from appliance.models.changes import get_meta, set_meta
from appliance.services.errors import ServiceError

_KEY = "portfolio.terms_per_year"
# The month each term starts: quarters Sep, Nov, Jan, Apr; halves Sep, Jan.
_STARTS = {4: (9, 11, 1, 4), 2: (9, 1)}


@dataclass(frozen=True, order=True)
class Term:
    school_year: int
    number: int
    per_year: int

    @property
    def label(self) -> str:
        kind = "четверть" if self.per_year == 4 else "полугодие"
        return f"{self.number} {kind} {self.school_year}/{(self.school_year + 1) % 100:02d}"

    @property
    def short_label(self) -> str:
        return f"{self.number}{'ч' if self.per_year == 4 else 'п'} {self.school_year % 100:02d}/{(self.school_year + 1) % 100:02d}"

    @property
    def start(self) -> datetime.date:
        month = _STARTS[self.per_year][self.number - 1]
        return datetime.date(self.school_year + (1 if month < 9 else 0), month, 1)

    @property
    def end(self) -> datetime.date:
        if self.number == self.per_year:
            return datetime.date(self.school_year + 1, 8, 31)
        return Term(self.school_year, self.number + 1, self.per_year).start - datetime.timedelta(days=1)

    def next(self) -> Term:
        if self.number == self.per_year:
            return Term(self.school_year + 1, 1, self.per_year)
        return Term(self.school_year, self.number + 1, self.per_year)


def terms_per_year() -> int:
    value = get_meta(_KEY, "4")
    return 2 if value == "2" else 4


def set_terms_per_year(value: int) -> None:
    if value not in (2, 4):
        raise ServiceError(N_("Учебный год делится на 4 четверти или на 2 полугодия."), status=422)
    set_meta(_KEY, str(value))


def school_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def school_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def term_of(day: datetime.date, per_year: int | None = None) -> Term:
    per_year = per_year or terms_per_year()
    year = school_year_of(day)
    number = 1
    for index in range(per_year):
        if Term(year, index + 1, per_year).start <= day:
            number = index + 1
    return Term(year, number, per_year)


def terms_between(first: datetime.date, last: datetime.date, per_year: int | None = None) -> list[Term]:
    term, final = term_of(first, per_year), term_of(last, per_year)
    found = [term]
    while term < final:
        term = term.next()
        found.append(term)
    return found
