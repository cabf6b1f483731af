"""Every CSV the appliance writes goes through one writer that neutralises cells a spreadsheet
would run as a formula (=, +, -, @, tab, carriage return at the start)."""

from __future__ import annotations

import ast
import csv
import datetime
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";") for cell in row]


def _no_formula(text: str) -> None:
    for cell in _cells(text):
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), repr(cell)


def test_the_writer_neutralises_every_formula_start():
    from appliance.documents.csv_table import csv_table

    text = csv_table([["Ячейка", *HOSTILE], [1, -2, 2.5, None, "обычный текст"]])
    _no_formula(text.replace(";-2;", ";2;"))  # a number stays a number, even a negative one
    assert text.startswith("\ufeffЯчейка;") and _cells(text)[1].startswith("'=HYPERLINK")
    assert ";-2;2.5;;обычный текст" in text


def _row(title: str, student: str):
    from appliance.services.indicators import Row

    return Row("a", datetime.date(2026, 10, 1), "s", student, "7Б", "=уровень", 3, "+результат", 4, "-направление",
               "@вид", "t", "=Педагог", "\tроль", "confirmed", title)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_indicators_and_contribution_exports(hostile):
    from appliance.models.people import User
    from appliance.services import indicators

    pairs = [(hostile, 1)]
    found = indicators.Indicators(school_year=None, class_group=None, students=1, with_confirmed=1,
                                  regional_prize_students=0, achievements=1, by_level=pairs, by_result=pairs,
                                  by_direction=pairs, by_class=pairs, top_teachers=pairs, rows=[_row(hostile, hostile)])
    _no_formula(indicators.indicators_csv(found))
    teacher = User(full_name=hostile)
    contribution = indicators.Contribution(teacher, None, [_row(hostile, hostile)], [], [], [], [], {}, 0)
    _no_formula(indicators.contribution_csv(contribution))


def test_the_district_indicators_export():
    from appliance.models.hub import HubSchool
    from appliance.services import hub

    rows = [hub.SchoolRow(HubSchool(name=value, code=value, last_snapshot_at=None), {}, None, False, 0, None)
            for value in HOSTILE]
    _no_formula(hub.indicators_csv(rows))


def test_nothing_else_writes_csv():
    """The class of the problem: a CSV written anywhere but the one writer could carry a formula."""
    offenders = []
    for package in ("appliance", "webui", "sync", "backup", "captive_portal"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "csv_table.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") and isinstance(
                        node.value, ast.Name) and node.value.id == "csv":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"write CSV with appliance.documents.csv_table: {offenders}"
