"""The district hub, as its pages read it: enrolled schools, their snapshots, and indicators
across schools (achievements by level and result, share of winners and prize-winners,
participation by direction).

Indicators are computed per school from the rows the school sent when a snapshot is applied
(`recompute_indicators`, called inside the import's transaction) and stored with the school,
so a page over hundreds of schools reads one row each.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass

from appliance.documents.csv_table import csv_table
from appliance.i18n import N_, Message
from appliance.models.base import utcnow
from appliance.models.hub import HELD, REJECTED, HubLedger, HubRow, HubSchool
from appliance.models.people import STUDENT
from appliance.services.catalogs import is_prize_or_winner, is_regional_or_above


def _rows(school_id: str, table: str) -> list[dict]:
    query = HubRow.select(HubRow.data).where((HubRow.school == school_id) & (HubRow.table == table)).tuples()
    return [json.loads(data) for (data,) in query]


def _ref(row: dict, name: str) -> str | None:
    """A reference column: "level_id" in the database row for the field "level"."""
    return row.get(f"{name}_id", row.get(name))


def compute_indicators(school_id: str) -> dict:
    catalog = {row["id"]: row for row in _rows(school_id, "catalog_entry")}
    students = {row["id"] for row in _rows(school_id, "user") if row.get("role") == STUDENT}
    confirmed = [row for row in _rows(school_id, "achievement") if row.get("status") == "confirmed"]

    def entry(row: dict, name: str) -> dict:
        return catalog.get(_ref(row, name) or "", {})

    by_level, by_result, by_direction_students = Counter(), Counter(), {}
    winners, regional = set(), set()
    for row in confirmed:
        level, result, direction = entry(row, "level"), entry(row, "result"), entry(row, "direction")
        by_level[level.get("name", "—")] += 1
        by_result[result.get("name", "—")] += 1
        student = _ref(row, "student")
        by_direction_students.setdefault(direction.get("name", "—"), set()).add(student)
        if is_prize_or_winner(result.get("rank")):
            winners.add(student)
        if is_regional_or_above(level.get("rank")):
            regional.add(student)
    count = len(students)
    return {
        "students": count,
        "achievements": len(confirmed),
        "by_level": dict(by_level),
        "by_result": dict(by_result),
        "by_direction": {name: len(ids) for name, ids in by_direction_students.items()},
        "winners": len(winners & students) if students else len(winners),
        "winners_share": round(len(winners) / count, 4) if count else 0.0,
        "regional": len(regional),
        "regional_share": round(len(regional) / count, 4) if count else 0.0,
        # Levels and results in the school's order (школьный … международный, участник … победитель).
        "ranks": {row["name"]: row.get("rank") or 0 for row in catalog.values()
                  if row.get("catalog") in ("level", "result") and row.get("name")},
    }


def recompute_indicators(school: HubSchool) -> dict:
    indicators = compute_indicators(school.id)
    school.indicators = json.dumps(indicators, ensure_ascii=False)
    school.save()
    return indicators


@dataclass
class SchoolRow:
    school: HubSchool
    indicators: dict
    silent_days: int | None  # days since the last applied snapshot; None: never
    silent: bool
    held: int  # bundles waiting for a missing range
    status_text: Message


def schools(silent_after_days: int = 3, now: datetime.datetime | None = None) -> list[SchoolRow]:
    """Every enrolled school with its last snapshot, status and indicators."""
    now = now or utcnow()
    held = Counter(entry.school_id for entry in HubLedger.select(HubLedger.school)
                   .where((HubLedger.status == HELD) & (HubLedger.held_path != "")))
    found = []
    for school in HubSchool.select().order_by(HubSchool.name):
        days = (now - school.last_snapshot_at).days if school.last_snapshot_at else None
        silent = days is None or days > silent_after_days
        found.append(SchoolRow(school, json.loads(school.indicators or "{}"), days, silent,
                               held.get(school.id, 0), _status_text(school, held.get(school.id, 0))))
    return found


def _status_text(school: HubSchool, held: int) -> Message:
    if held:
        return Message(N_("Ждёт пропущенный пакет (отложено: %(n)s)"), n=held)
    if school.last_status == REJECTED:
        return Message(N_("Последний пакет отклонён: %(why)s"), why=school.last_message)
    if school.last_snapshot_at is None:
        return Message(N_("Снимков ещё не было"))
    return Message(N_("Снимок принят"))


def ledger(limit: int = 100, school_id: str | None = None) -> list[HubLedger]:
    query = HubLedger.select()
    if school_id:
        query = query.where(HubLedger.school == school_id)
    return list(query.order_by(HubLedger.received_at.desc(), HubLedger.id.desc()).limit(limit))


@dataclass
class Totals:
    schools: int
    students: int
    achievements: int
    winners: int
    winners_share: float
    regional: int
    by_level: dict
    by_result: dict
    by_direction: dict
    ranks: dict


def totals(rows: list[SchoolRow]) -> Totals:
    """Indicators summed across schools (shares over all students of the district)."""
    by_level, by_result, by_direction = Counter(), Counter(), Counter()
    ranks: dict[str, int] = {}
    students = achievements = winners = regional = 0
    for row in rows:
        data = row.indicators
        students += data.get("students", 0)
        achievements += data.get("achievements", 0)
        winners += data.get("winners", 0)
        regional += data.get("regional", 0)
        by_level.update(data.get("by_level", {}))
        by_result.update(data.get("by_result", {}))
        by_direction.update(data.get("by_direction", {}))
        ranks.update(data.get("ranks", {}))
    return Totals(len(rows), students, achievements, winners, round(winners / students, 4) if students else 0.0,
                  regional, dict(by_level), dict(by_result), dict(by_direction), ranks)


CSV_COLUMNS = (N_("Школа"), N_("Код"), N_("Последний снимок (UTC)"), N_("Учеников"), N_("Подтверждённых достижений"),
               N_("Победителей и призёров"), N_("Доля победителей и призёров, %"),
               N_("Участников регионального уровня и выше"))


def indicators_csv(rows: list[SchoolRow]) -> str:
    """The indicators per school as CSV for Excel (semicolons, UTF-8 with BOM)."""
    table: list[list] = [list(CSV_COLUMNS)]
    for row in rows:
        data = row.indicators
        table.append([row.school.name, row.school.code,
                      row.school.last_snapshot_at.isoformat(sep=" ") if row.school.last_snapshot_at else "",
                      data.get("students", 0), data.get("achievements", 0), data.get("winners", 0),
                      f"{100 * data.get('winners_share', 0):.1f}".replace(".", ","), data.get("regional", 0)])
    return csv_table(table)
