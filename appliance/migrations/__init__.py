"""Ordered schema migrations with a recorded schema version.

Each module here named `mNNNN_<what>.py` defines `upgrade(db)`; NNNN is the schema
version it brings the database to. `migrate()` applies, in order and each in its own
transaction, every migration newer than the version recorded in `okey_meta`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from types import ModuleType

from peewee import SqliteDatabase

from appliance.db import database
from appliance.models.base import SyncModel
from appliance.models.changes import Meta, SyncChange, change_trigger_sql, get_meta, set_meta

_NAME = re.compile(r"^m(\d{4})_\w+$")


class SchemaTooNewError(RuntimeError):
    pass


def available() -> list[tuple[int, ModuleType]]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if match:
            found.append((int(match.group(1)), importlib.import_module(f"{__name__}.{info.name}")))
    return sorted(found, key=lambda pair: pair[0])


def latest_version() -> int:
    migrations = available()
    return migrations[-1][0] if migrations else 0


def current_version() -> int:
    if not database.table_exists(Meta._meta.table_name):
        return 0
    return int(get_meta("schema_version", "0"))


def applied_versions() -> set[int]:
    """The migrations this database has had. Kept as a set, not only the highest number,
    so a migration numbered below one already applied is still applied later."""
    recorded = get_meta("migrations_applied")
    if recorded is None:
        return set(range(1, current_version() + 1))
    return {int(n) for n in recorded.split(",") if n}


def migrate(progress: Callable[[int, str], None] | None = None) -> list[int]:
    """Bring the schema up to date; return the versions applied."""
    if not database.table_exists(Meta._meta.table_name):
        # The change feed (AUTOINCREMENT, triggers) exists on SQLite only: a PostgreSQL hub has none.
        database.create_tables([Meta, SyncChange] if is_sqlite(database) else [Meta])
    version = current_version()
    newest = latest_version()
    if version > newest:
        raise SchemaTooNewError(
            f"База данных создана более новой версией программы (схема {version}, "
            f"эта программа знает схему до {newest}). Обновите программу."
        )
    done = applied_versions()
    applied = []
    for number, module in available():
        if number in done:
            continue
        if progress:
            progress(number, (module.__doc__ or module.__name__).strip().splitlines()[0])
        with database.atomic():
            module.upgrade(database)
            done.add(number)
            set_meta("migrations_applied", ",".join(map(str, sorted(done))))
            set_meta("schema_version", str(max(done)))
        applied.append(number)
    return applied


def create_synced_tables(db, models: list) -> None:
    """Create tables, and on SQLite the change-recording triggers of the syncable ones."""
    db.create_tables(models)
    if is_sqlite(db):
        for model in models:
            if issubclass(model, SyncModel):
                for statement in change_trigger_sql(model._meta.table_name):
                    db.execute_sql(statement)


def is_sqlite(db) -> bool:
    target = getattr(db, "obj", db)
    return isinstance(target, SqliteDatabase)
