"""District sync: export cost against the number of changed rows, and hub import speed.

`python -m bench.sync_bench` prints the figures; `make bench` runs it with the others.

1. Export follows the changes, not the database: a school database grown to 1,000,000
   achievement rows is acknowledged by the district, then 1,000 (and 10,000) rows change and
   the next bundle is made; the same 1,000 changes are exported from a database of 10,000 rows
   for comparison.
2. Hub import rows per second: a complete snapshot of BIG_IMPORT rows is imported into a hub on
   PostgreSQL (Debian's server, started here in a temporary directory) and on SQLite.
"""

from __future__ import annotations

import datetime
import time
import uuid
from pathlib import Path

ROWS = 1_000_000
CHANGES = (1_000, 10_000)
SMALL = 10_000  # the comparison database: the demo school plus this many achievements
BIG_IMPORT = 100_000
GOAL = 20_000  # rows per second into the hub (issue 21)


def _grow(world, rows: int) -> float:
    """Add achievement rows straight through SQL (the triggers still record every change)."""
    from appliance.models.people import User
    from appliance.models.portfolio import CatalogEntry

    with world.at_school():
        student = User.get(User.login == "student1").id.hex
        level = CatalogEntry.get(CatalogEntry.catalog == "level").id.hex
        started = time.perf_counter()
        cursor = world.school_db.connection().cursor()
        cursor.execute("PRAGMA cache_size = -400000")  # growing the table, not measuring it
        stamp = "2026-10-01 12:00:00"
        cursor.execute("BEGIN")
        batch = []
        for number in range(rows):
            batch.append((uuid.uuid4().hex, stamp, stamp, student, f"Олимпиада {number}", "2026-10-01", level,
                          "confirmed"))
            if len(batch) == 10_000:
                cursor.executemany(
                    "INSERT INTO achievement (id, created_at, updated_at, student_id, title, date, level_id, "
                    "organizer, description, status, review_comment, in_document, class_name) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, '', '', ?, '', 1, '')", batch)
                batch.clear()
        cursor.execute("COMMIT")
        return time.perf_counter() - started


def _acknowledge_all(world) -> None:
    from appliance.models.changes import current_sequence, instance_id
    from appliance.services import sync_state

    with world.at_school():
        sync_state.acknowledge(instance_id(), current_sequence(), datetime.datetime(2026, 11, 1), "analytics")


def _change(world, count: int) -> None:
    with world.at_school():
        world.school_db.execute_sql(
            "UPDATE achievement SET in_document = 1 - in_document WHERE id IN "
            "(SELECT id FROM achievement ORDER BY rowid DESC LIMIT ?)", (count,))


def _timed_export(world, scope: str = "analytics"):
    started = time.perf_counter()
    result = world.export(scope)
    return result, time.perf_counter() - started


def export_cost(work: Path) -> list[dict]:
    from tests.sync_fixtures import World

    rows = []
    small = World(work / "small")
    _grow(small, SMALL)
    _acknowledge_all(small)
    _change(small, CHANGES[0])
    result, seconds = _timed_export(small)
    small_mb = small.school_settings.db_path.stat().st_size / 1024 ** 2
    rows.append({"scenario": "sync export",
                 "load": f"{CHANGES[0]:,} changes, {SMALL:,}-row database ({small_mb:.0f} MB)".replace(",", " "),
                 "note": f"{seconds * 1000:.0f} ms, {result.rows} rows, {result.path.stat().st_size // 1024} KB"})
    small.close()

    big = World(work / "big")
    grow_seconds = _grow(big, ROWS)
    size_mb = big.school_settings.db_path.stat().st_size / 1024 ** 2
    for count in CHANGES:
        _acknowledge_all(big)
        _change(big, count)
        result, seconds = _timed_export(big)
        rows.append({"scenario": "sync export",
                     "load": f"{count:,} changes, {ROWS:,}-row database ({size_mb:.0f} MB)".replace(",", " "),
                     "note": f"{seconds * 1000:.0f} ms, {result.rows} rows, {result.path.stat().st_size // 1024} KB"})
    print(f"grew the school database by {ROWS:,} rows in {grow_seconds:.0f} s ({size_mb:.0f} MB)")
    big.close()
    return rows


def import_speed(work: Path) -> list[dict]:
    from tests.sync_fixtures import PostgresServer, World

    rows = []
    server = PostgresServer()
    try:
        server.start()
        for name, url in (("PostgreSQL", server.url), ("SQLite", "")):
            world = World(work / f"import-{name}", hub_url=url)
            _grow(world, BIG_IMPORT)
            result, export_seconds = _timed_export(world)
            started = time.perf_counter()
            outcome = world.import_file(result.path)
            seconds = time.perf_counter() - started
            assert outcome.status == "applied", outcome.message
            rate = outcome.rows / seconds
            rows.append({"scenario": f"hub import ({name})", "load": f"{outcome.rows:,} rows".replace(",", " "),
                         "rps": rate,
                         "note": f"rows/s; {seconds:.1f} s import, {export_seconds:.1f} s export, "
                                 f"{result.path.stat().st_size / 1024 ** 2:.1f} MB bundle; goal ≥ {GOAL:,} rows/s: "
                                 f"{rate / GOAL:.2f}× ({'met' if rate >= GOAL else 'not met'})".replace(",", " ")})
            world.close()
    finally:
        server.stop()
    return rows


def run(ctx) -> list[dict]:
    return export_cost(ctx.work) + import_speed(ctx.work)


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="okey-sync-bench-") as work:
        for row in run(type("Ctx", (), {"work": Path(work)})()):
            rate = f"  {row['rps']:,.0f}" if row.get("rps") else ""
            print(f"{row['scenario']:<24} {row['load']:<48}{rate}  {row['note']}")


if __name__ == "__main__":
    main()
