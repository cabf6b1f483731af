"""What the upgrade tests compare: a database's schema as SQLite reports it, its rows by key, and
whether each syncable table still records its changes."""

from __future__ import annotations

import importlib
import pkgutil
import re
import shutil
import uuid
from pathlib import Path

import apsw

FIXTURES = Path(__file__).parent / "fixtures"
RELEASE_DATABASES = sorted(FIXTURES.glob("schema-*.db"))


def connect(path: Path, readonly: bool = True) -> apsw.Connection:
    flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE
    return apsw.Connection(str(path), flags=flags)


def tables(conn: apsw.Connection) -> list[str]:
    return [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def schema_of(path: Path) -> dict:
    """Every table's columns (type, NOT NULL, default, key), indexes, foreign keys, and the triggers."""
    conn = connect(path)
    try:
        found = {}
        for table in tables(conn):
            columns = [tuple(row[1:]) for row in conn.execute(f'PRAGMA table_info("{table}")')]
            indexes = []
            for _, name, unique, origin, partial in conn.execute(f'PRAGMA index_list("{table}")'):
                columns_of = tuple(row[2] for row in conn.execute(f'PRAGMA index_info("{name}")'))
                indexes.append((name, unique, origin, partial, columns_of))
            keys = sorted(tuple(row[2:]) for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'))
            found[table] = {"columns": columns, "indexes": sorted(indexes), "foreign_keys": keys}
        found["triggers"] = dict(conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").fetchall())
        return found
    finally:
        conn.close()


def primary_key(conn: apsw.Connection, table: str) -> list[str]:
    return [row[1] for row in sorted(conn.execute(f'PRAGMA table_info("{table}")'), key=lambda r: r[5]) if row[5]]


def row_keys(path: Path) -> dict[str, set]:
    """Every table's rows by primary key; the change feed's by the row it describes."""
    conn = connect(path)
    try:
        found = {}
        for table in tables(conn):
            key = ["tbl", "row_id"] if table == "sync_change" else primary_key(conn, table) or ["rowid"]
            columns = ", ".join(f'"{c}"' for c in key)
            found[table] = set(conn.execute(f'SELECT {columns} FROM "{table}"'))  # noqa: S608
        return found
    finally:
        conn.close()


def synced_tables(path: Path) -> set[str]:
    """The tables whose changes the triggers record."""
    conn = connect(path)
    try:
        return {name for (name,) in conn.execute("SELECT tbl_name FROM sqlite_schema WHERE type = 'trigger' "
                                                 "AND name LIKE 'sync\\_%\\_insert' ESCAPE '\\'")}
    finally:
        conn.close()


def _made_up_row(conn, table: str) -> tuple:
    """A row of `table` with a value of the declared type in every column (foreign keys are off)."""
    values = []
    for _cid, name, kind, _notnull, _default, _pk in conn.execute(f'PRAGMA table_info("{table}")'):
        kind = (kind or "").upper()
        if name == "id" or name.endswith("_id"):
            values.append(uuid.uuid4().hex)
        elif "INT" in kind or "BOOL" in kind:
            values.append(1)
        elif "REAL" in kind or "FLOAT" in kind or "NUMERIC" in kind or "DECIMAL" in kind:
            values.append(1.0)
        elif "DATETIME" in kind:
            values.append("2026-01-01 00:00:00")
        elif "DATE" in kind:
            values.append("2026-01-01")
        else:
            # Within the declared length: new tables hold it with a CHECK (length(col) <= N).
            size = re.search(r"\((\d+)\)", kind)
            values.append(f"x-{uuid.uuid4().hex[:8]}"[:int(size.group(1)) if size else None])
    return tuple(values)


def feed_problems(path: Path, table: str) -> list[str]:
    """Update, delete and re-insert one row of `table`; say what the change feed failed to record."""
    conn = connect(path, readonly=False)
    problems = []
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        names = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        row = conn.execute(f'SELECT * FROM "{table}" LIMIT 1').fetchone()  # noqa: S608
        if row is None:
            # A table the release did not have (its migration came later) is empty after the
            # upgrade: one made-up row, inserted with the feed recording it, stands in.
            row = _made_up_row(conn, table)
            conn.execute(f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '  # noqa: S608
                         f'VALUES ({", ".join("?" * len(names))})', row)
            recorded = conn.execute("SELECT op FROM sync_change WHERE tbl = ? AND row_id = ?",
                                    (table, row[names.index("id")])).fetchone()
            if recorded is None or recorded[0] != "upsert":
                return [f"{table}: insert recorded as {recorded}"]
        row_id = row[names.index("id")]

        def last_change():
            return conn.execute("SELECT seq, op FROM sync_change WHERE tbl = ? AND row_id = ?",
                                (table, row_id)).fetchone()

        def top():
            return conn.execute("SELECT coalesce(max(seq), 0) FROM sync_change").fetchone()[0]

        steps = (
            ("update", "upsert", f'UPDATE "{table}" SET updated_at = updated_at WHERE id = ?', (row_id,)),
            ("delete", "delete", f'DELETE FROM "{table}" WHERE id = ?', (row_id,)),
            ("insert", "upsert", f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
                                 f'VALUES ({", ".join("?" * len(names))})', row),
        )
        for what, op, sql, args in steps:
            before = top()
            conn.execute(sql, args)
            change = last_change()
            if change is None or change[1] != op or change[0] <= before:
                problems.append(f"{table}: {what} recorded as {change}")
    finally:
        conn.close()
    return problems


def copy_release(database: Path, data_dir: Path) -> Path:
    """A data directory holding a copy of a release's database, as a school has it."""
    data_dir.mkdir(parents=True)
    target = data_dir / "okey.db"
    shutil.copyfile(database, target)
    return target


def live_models(base: type | None = None) -> list[type]:
    """Every live model below `base` (default: every table), after importing each module of appliance.models."""
    import appliance.models as package
    from appliance.models.base import BaseModel, SyncModel

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    found, pending = [], list((base or BaseModel).__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model is not SyncModel:
            found.append(model)
    return found
