"""The database itself refuses a string longer than its column's bound (issue 14: the open Wi-Fi is
hostile ground). The services refuse first, in Russian; this is the defence behind them.

- the attack: a raw write of five megabytes, through the model and through SQL, is refused by the
  database and the file does not grow;
- the guard: every string column of the live schema has a bound in the database equal to the live
  model's (a CHAR column: its max_length; a TEXT column: at most MAX_TEXT_COLUMN), whether it came as a
  CHECK constraint in the table (tables created from migration m0021 on) or as the BEFORE triggers of
  migration m0020 — apart from the deliberate exceptions below, each with its reason;
- every bound holds for INSERT and UPDATE alike, on an upgraded release database with a row in
  every table.
"""

from __future__ import annotations

import re
import shutil

import apsw
import peewee
import pytest
from peewee import CharField, TextField

from appliance.db import database
from appliance.models.audit import AuditLog
from appliance.models.base import MAX_TEXT_COLUMN
from appliance.models.people import LoginFailure
from tests.conftest import run_okey
from tests.upgrade_fixtures import FIXTURES, connect, live_models, tables

FIVE_MB = "я" * (5 * 1024 * 1024 // 2)  # five megabytes of UTF-8

# Columns only the program writes, never from what a person typed; each with why it is not bounded.
UNBOUNDED = {
    ("okey_meta", "value"): "facts about the database the program writes (schema version, ids, keys)",
    ("hub_row", "data"): "the hub's copy of a school's whole row: each value already held to MAX_TEXT by "
                         "sync.policy.value_problem, so the row as a whole may be longer",
    ("hub_receipt", "body"): "a receipt the hub signs and writes itself",
    ("hub_ledger", "message"): "the hub's own account of a bundle, written by the hub",
    ("hub_ledger", "held_path"): "a path on the hub's disk the hub chose",
    ("hub_quarantine", "reason"): "the hub's own explanation of a set-aside row",
    ("hub_school", "last_message"): "the hub's own last word on a school's bundle",
    ("hub_school", "indicators"): "indicators the hub computes from rows already bounded",
    ("job_run", "path"): "the file a backup or export job wrote, named by the program",
    ("job_run", "error"): "a job's failure as the program reports it",
    ("job_run", "detail"): "a job's figures as the program reports them",
}

_CHECK = re.compile(r'CHECK\s*\(\s*length\(\s*"?(\w+)"?\s*\)\s*<=\s*(\d+)\s*\)', re.IGNORECASE)
_TRIGGER = re.compile(r'length\(NEW\."(\w+)"\)\s*>\s*(\d+)')


def expected_bounds() -> dict[tuple[str, str], int]:
    """(table, column) → the bound the live model declares, for every string column but the exceptions
    (a TEXT column, which has no max_length: MAX_TEXT_COLUMN, the most it may be held to)."""
    found = {}
    for model in live_models():
        for field in model._meta.sorted_fields:
            key = (model._meta.table_name, field.column_name)
            if key in UNBOUNDED:
                continue
            if isinstance(field, CharField):
                found[key] = field.max_length
            elif isinstance(field, TextField):
                found[key] = MAX_TEXT_COLUMN
    return found


def database_bounds(conn: apsw.Connection) -> dict[tuple[str, str, str], int]:
    """(table, column, how) → the bound the database holds: how is "check", "insert" or "update"."""
    found = {}
    for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema "
                                               "WHERE type IN ('table', 'trigger')"):
        if kind == "table":
            for column, limit in _CHECK.findall(sql or ""):
                found[(table, column, "check")] = int(limit)
        elif name.startswith("bound_"):
            how = "insert" if " BEFORE INSERT " in sql else "update"
            for column, limit in _TRIGGER.findall(sql):
                found[(table, column, how)] = int(limit)
    return found


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    data = tmp_path_factory.mktemp("bounds") / "data"
    run_okey("init", data_dir=data)
    return data / "okey.db"


def test_the_exceptions_are_real_string_columns():
    columns = {(m._meta.table_name, f.column_name) for m in live_models() for f in m._meta.sorted_fields
               if isinstance(f, CharField | TextField)}
    assert set(UNBOUNDED) <= columns, "an exception names a column that no longer exists: remove it"


def test_every_string_column_has_a_bound_in_the_database_equal_to_the_model(fresh):
    conn = connect(fresh)
    try:
        held = database_bounds(conn)
    finally:
        conn.close()
    missing, wrong = [], []
    text_columns = {(m._meta.table_name, f.column_name) for m in live_models() for f in m._meta.sorted_fields
                    if isinstance(f, TextField) and not isinstance(f, CharField)}
    for (table, column), limit in sorted(expected_bounds().items()):
        if (table, column, "check") in held:
            got = {"check": held[(table, column, "check")]}
        else:
            got = {how: held.get((table, column, how)) for how in ("insert", "update")}
        if None in got.values():
            missing.append(f"{table}.{column}")
        elif (table, column) in text_columns:
            # A TEXT column has no max_length in its model: any bound up to MAX_TEXT_COLUMN will do
            # (a new table's CHECK may be tighter, as its service's limit is).
            if max(got.values()) > MAX_TEXT_COLUMN:
                wrong.append(f"{table}.{column}: TEXT bound {got} above {MAX_TEXT_COLUMN}")
        elif set(got.values()) != {limit}:
            wrong.append(f"{table}.{column}: model {limit}, database {got}")
    assert missing == [], ("string columns the database does not bound (a new table: constraints=[Check("
                           "'length(col) <= N')] in its migration and live model): " + ", ".join(missing))
    assert wrong == [], "bounds that differ from the live model: " + "; ".join(wrong)


def test_five_megabytes_written_past_the_services_are_refused_by_the_database(db, settings):
    """The attack of the issue: a multi-megabyte login written whole to the failed-login table and the
    audit log. Even a write that skips the services' checks is refused, and the file does not grow."""
    path = settings.db_path
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.stat().st_size
    for write in (
        lambda: LoginFailure.create(login=FIVE_MB, address="10.0.0.5"),
        lambda: LoginFailure.create(login="anna", address=FIVE_MB),
        lambda: AuditLog.create(action="login_failed", actor="", detail=FIVE_MB + FIVE_MB[:1]),
        lambda: database.execute_sql("INSERT INTO audit_log (at, actor, action, detail, address) "
                                     "VALUES ('2026-01-01 00:00:00', ?, 'x', '', '')", (FIVE_MB,)),
    ):
        with pytest.raises(peewee.IntegrityError, match="okey-bound"):
            with database.atomic():
                write()
    failure = LoginFailure.create(login="anna", address="10.0.0.5")
    with pytest.raises(peewee.IntegrityError, match="okey-bound: login_failure.login"):
        with database.atomic():
            LoginFailure.update(login=FIVE_MB).where(LoginFailure.id == failure.id).execute()
    assert LoginFailure.get_by_id(failure.id).login == "anna"
    assert LoginFailure.select().count() == 1
    assert AuditLog.select().where(AuditLog.action == "x").count() == 0
    # At the bound itself the value is stored whole.
    AuditLog.create(action="x", actor="a" * 64, detail="д" * MAX_TEXT_COLUMN, address="")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert path.stat().st_size - before < 2 * 1024 * 1024


def _values(conn, table):
    names = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
    row = conn.execute(f'SELECT * FROM "{table}" LIMIT 1').fetchone()  # noqa: S608
    return names, row


def test_every_bound_holds_for_insert_and_update_on_an_upgraded_release(tmp_path):
    """The newest release's database (a row in every table), upgraded by the real `okey init`: for
    every bounded column, a value one character over is refused on INSERT and on UPDATE, and a value
    at the bound passes the bound (whatever else the row's constraints say)."""
    data = tmp_path / "school"
    data.mkdir()
    shutil.copy(FIXTURES / "schema-0019.db", data / "okey.db")  # the last release before the bounds
    run_okey("init", data_dir=data)
    conn = connect(data / "okey.db", readonly=False)
    checked, failures = 0, []
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        present = set(tables(conn))
        for (table, column), limit in sorted(expected_bounds().items()):
            if table not in present:
                continue
            names, row = _values(conn, table)
            if row is None:
                continue
            checked += 1
            over, at = "ж" * (limit + 1), "ж" * limit
            key = "rowid"
            rowid = conn.execute(f'SELECT rowid FROM "{table}" LIMIT 1').fetchone()[0]  # noqa: S608
            try:
                conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE {key} = ?', (over, rowid))  # noqa: S608
                failures.append(f"{table}.{column}: UPDATE of {limit + 1} characters stored")
            except apsw.ConstraintError as exc:
                if "okey-bound" not in str(exc) and "CHECK constraint failed" not in str(exc):
                    failures.append(f"{table}.{column}: UPDATE refused for another reason: {exc}")
            values = list(row)
            values[names.index(column)] = over
            columns = ", ".join(f'"{n}"' for n in names)
            try:
                conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(names))})',  # noqa: S608
                             values)
                failures.append(f"{table}.{column}: INSERT of {limit + 1} characters stored")
            except apsw.ConstraintError as exc:
                if "okey-bound" not in str(exc) and "CHECK constraint failed" not in str(exc):
                    failures.append(f"{table}.{column}: INSERT refused for another reason: {exc}")
            conn.execute("SAVEPOINT at_bound")
            try:
                conn.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE {key} = ?', (at, rowid))  # noqa: S608
            except apsw.ConstraintError as exc:
                if "okey-bound" in str(exc):
                    failures.append(f"{table}.{column}: {limit} characters refused")
            conn.execute("ROLLBACK TO at_bound")
            conn.execute("RELEASE at_bound")
    finally:
        conn.close()
    assert failures == []
    assert checked > 150


def test_values_an_older_release_stored_too_long_are_cut_by_the_upgrade_not_a_crash(tmp_path):
    """Release 19 stored whatever it was given (SQLite does not hold VARCHAR(N)): a five-megabyte
    failed login, an over-long achievement title. The upgrade cuts them to their bounds and goes on."""
    data = tmp_path / "school"
    data.mkdir()
    shutil.copy(FIXTURES / "schema-0019.db", data / "okey.db")  # the last release before the bounds
    conn = connect(data / "okey.db", readonly=False)
    try:
        conn.execute("INSERT INTO login_failure (login, address, at, note) VALUES (?, '10.0.0.5', '2026-01-01 00:00:00', '')",
                     (FIVE_MB,))
        conn.execute("UPDATE achievement SET title = ?, description = ? WHERE rowid = (SELECT min(rowid) FROM achievement)",
                     ("Олимпиада " * 40, "д" * (MAX_TEXT_COLUMN + 10)))
    finally:
        conn.close()
    run_okey("init", data_dir=data)
    conn = connect(data / "okey.db")
    try:
        assert conn.execute("SELECT max(length(login)) FROM login_failure").fetchone()[0] == 64
        title, description = conn.execute("SELECT title, description FROM achievement "
                                          "WHERE rowid = (SELECT min(rowid) FROM achievement)").fetchone()
        assert title == ("Олимпиада " * 40)[:200] and len(description) == MAX_TEXT_COLUMN
        assert int(conn.execute("SELECT value FROM okey_meta WHERE key = 'schema_version'").fetchone()[0]) >= 20
    finally:
        conn.close()
