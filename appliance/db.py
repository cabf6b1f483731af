"""The peewee database: SQLite (through apsw) on the appliance, PostgreSQL on a big hub.

The stdlib sqlite3 module links the system library, and Debian 12 ships SQLite 3.40.1,
which has the WAL-reset corruption bug (3.7.0–3.51.2; fixed in 3.51.3, 3.50.7, 3.44.6).
apsw bundles a current SQLite, so the appliance uses it and checks the version at start.
"""

from __future__ import annotations

import datetime
import decimal
import os
import uuid
from pathlib import Path

import apsw
from peewee import DatabaseProxy, OperationalError, PostgresqlDatabase, SqliteDatabase
from playhouse.apsw_ext import APSWDatabase

from appliance.files import TMP_SUFFIX, fsync_dir

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "NORMAL",
    "busy_timeout": 5000,
    # 4 MB page cache per connection: every waitress thread keeps one, and the OS caches the file
    # for all of them; 16 MB each held a worker at ~140 MB after load.
    "cache_size": -4000,
    "temp_store": "MEMORY",
}

# Versions with the fix: 3.51.3 and later, and the backports 3.50.7 and 3.44.6.
_FIXED_BACKPORTS = ((3, 50, 7), (3, 44, 6))


class UnsafeSQLiteError(RuntimeError):
    pass


def sqlite_has_wal_reset_bug(version: tuple[int, ...]) -> bool:
    """True for SQLite versions affected by the WAL-reset database corruption bug."""
    version = tuple(version[:3])
    if version < (3, 7, 0) or version >= (3, 51, 3):
        return False
    for fixed in _FIXED_BACKPORTS:
        if version[:2] == fixed[:2] and version >= fixed:
            return False
    return True


def sqlite_version() -> tuple[int, ...]:
    return tuple(int(part) for part in apsw.sqlite_lib_version().split("."))


def _bind_python_values(cursor, num, value):
    """Let apsw bind the Python types peewee hands over (the sqlite3 module does this itself)."""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    raise TypeError(f"cannot bind {type(value).__name__} to SQLite")


class ApplianceSQLite(APSWDatabase):
    def _connect(self):
        conn = super()._connect()
        conn.convert_binding = _bind_python_values
        return conn


def open_sqlite(path: Path | str, allow_unsafe: bool = False) -> ApplianceSQLite:
    """Point the proxy at the SQLite file, refusing a library with the WAL-reset bug."""
    version = sqlite_version()
    if sqlite_has_wal_reset_bug(version) and not allow_unsafe:
        found = ".".join(map(str, version))
        raise UnsafeSQLiteError(
            f"SQLite {found} содержит ошибку сброса WAL, которая может повредить базу данных. "
            "Установите apsw с SQLite 3.51.3 или новее (pip install -U apsw) "
            "или, понимая риск, задайте [security] allow_unsafe_sqlite = true."
        )
    # BEGIN IMMEDIATE: a transaction takes the write lock at its start and waits its turn (busy
    # timeout). A deferred one that read first and writes later fails at once with "database is
    # locked" when another writer committed in between: SQLite cannot upgrade its old snapshot.
    db = ApplianceSQLite(str(path), pragmas=SQLITE_PRAGMAS, timeout=5, lock_type="IMMEDIATE")
    database.initialize(db)
    return db


def open_postgres(url: str) -> PostgresqlDatabase:
    """Point the proxy at PostgreSQL (the district hub of a large city)."""
    from playhouse.db_url import connect

    db = connect(url, autorollback=True)
    database.initialize(db)
    return db


def open_database(settings) -> object:
    """Open the database the settings name: PostgreSQL URL, or SQLite in the data dir."""
    if settings.database.url.startswith(("postgres://", "postgresql://")):
        return open_postgres(settings.database.url)
    return open_sqlite(settings.db_path, settings.security.allow_unsafe_sqlite)


def copy_sqlite(source: Path, dest: Path) -> None:
    """A consistent copy of an SQLite database into one self-contained file, flushed to disk.

    The online backup API copies inside one read transaction, so writers may go on meanwhile.
    """
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    partial = dest.with_name(dest.name + TMP_SUFFIX)
    partial.unlink(missing_ok=True)
    reader, writer = apsw.Connection(str(source), flags=apsw.SQLITE_OPEN_READONLY), apsw.Connection(str(partial))
    try:
        with writer.backup("main", reader, "main") as step:
            step.step(-1)
        writer.execute("PRAGMA journal_mode=DELETE").fetchall()
    finally:
        writer.close()
        reader.close()
    os.chmod(partial, 0o640)
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    fsync_dir(dest.parent)


def is_sqlite(db=database) -> bool:
    """True on the appliance's SQLite, False on a hub's PostgreSQL."""
    return isinstance(getattr(db, "obj", db), SqliteDatabase)


def is_busy_error(exc: BaseException) -> bool:
    """An SQLite lock that outlasted the busy timeout: the request may be retried."""
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)
