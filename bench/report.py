"""The figures: one row per scenario, printed as one table and written to bench/results/."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results"


@dataclass
class Row:
    scenario: str
    load: str = ""
    rps: float | None = None  # answered requests per second
    ratio: float | None = None  # rps as a share of the ceiling
    p50: float | None = None  # latency, ms
    p95: float | None = None
    p99: float | None = None
    errors: int = 0  # failed requests (503 with Retry-After not counted)
    busy: int = 0  # 503 "busy, retry" answers
    server_errors: int = 0  # 500s and other 5xx except 503
    rss_mb: float | None = None  # peak resident memory of the server
    cpu_ms: float | None = None  # server CPU time per answered request, ms (all requests of the scenario)
    note: str = ""
    goal: float | None = None  # the share of the ceiling this page should reach (issue 21)
    raw: dict = field(default_factory=dict, repr=False)


def _num(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def print_table(rows: list[Row], console: Console | None = None) -> None:
    table = Table(title=f"«Окей, школа» под нагрузкой — {machine()}", show_lines=False)
    for title in ("Сценарий", "Нагрузка", "Запр./с", "Доля потолка", "Цель", "p50 мс", "p95 мс", "p99 мс", "Ошибки",
                  "503", "5xx", "CPU мс/запр.", "Пик RSS МБ", "Примечание"):
        table.add_column(title, overflow="fold")
    for row in rows:
        table.add_row(row.scenario, row.load, _num(row.rps), f"{row.ratio:.2f}" if row.ratio else "", _goal(row),
                      _num(row.p50), _num(row.p95), _num(row.p99), str(row.errors or ""), str(row.busy or ""),
                      str(row.server_errors or ""), _num(row.cpu_ms, 1), _num(row.rss_mb), row.note)
    (console or Console(width=200)).print(table)


def _goal(row: Row) -> str:
    if row.goal is None:
        return ""
    met = row.ratio is not None and row.ratio >= row.goal
    return f"≥ {row.goal:.2f} {'да' if met else 'нет'}"


def machine() -> str:
    return (f"{psutil.cpu_count()} ядра, {psutil.virtual_memory().total / 2**30:.0f} ГБ, "
            f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")


def write_json(rows: list[Row], **extra) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    document = {"machine": machine(), "at": stamp, **extra, "rows": [asdict(row) for row in rows]}
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1))
    (RESULTS / "latest.json").write_text(json.dumps(document, ensure_ascii=False, indent=1))
    return path
