"""Ordered schema migrations with a recorded schema version.

Each module here named `mNNNN_<what>.py` defines `upgrade(db)`; NNNN is the schema version it
brings the database to, and its docstring's first line says in Russian what it adds. Every
migration carries its own frozen schema (tables declared inside it on `schema.FrozenModel`, or
`playhouse.migrate` operations, or SQL), never imports `appliance.models`, and is never edited
once it has landed: schools have run it. docs/developing.md says how to write one.

`migrate()` applies, in order and each in its own transaction together with the record of it,
every migration this database has not had. The record lives in `okey_meta`, which m0001
creates; this module reads and writes it as a plain table, so it too is independent of the
live models.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Callable
from types import ModuleType

from peewee import Table

from appliance.db import database

_NAME = re.compile(r"^m(\d{4})_\w+$")
_META_TABLE = "okey_meta"
_META = Table(_META_TABLE, ("key", "value"))


class SchemaTooNewError(RuntimeError):
    pass


class MigrationError(RuntimeError):
    """A migration failed; its transaction was rolled back, the database is as it was before it."""


def _names() -> list[tuple[int, str]]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if match:
            found.append((int(match.group(1)), info.name))
    return sorted(found)


def available() -> list[tuple[int, ModuleType]]:
    return [(number, importlib.import_module(f"{__name__}.{name}")) for number, name in _names()]


def latest_version() -> int:
    """The newest migration this program has, read from the files' names: nothing is imported."""
    names = _names()
    return names[-1][0] if names else 0


def forget() -> None:
    """Drop the migration modules from memory once the database is up to date: their frozen models
    (about 1.4 MB) are never needed by a running server again. The next `available()` imports
    them afresh; `okey serve` calls this after the upgrade and the app are done."""
    package = sys.modules[__name__]
    for _, name in _names():
        sys.modules.pop(f"{__name__}.{name}", None)
        if name in vars(package):
            delattr(package, name)


def title(module: ModuleType) -> str:
    """What a migration adds, in Russian: the first line of its docstring."""
    return (module.__doc__ or module.__name__).strip().splitlines()[0]


def _meta(key: str) -> str | None:
    if not database.table_exists(_META_TABLE):
        return None
    row = _META.select(_META.value).where(_META.key == key).tuples().bind(database).first()
    return row[0] if row else None


def _record(key: str, value: str) -> None:
    table = _META.bind(database)
    if table.update(value=value).where(_META.key == key).execute() == 0:
        table.insert(key=key, value=value).execute()


def current_version() -> int:
    return int(_meta("schema_version") or 0)


def applied_versions() -> set[int]:
    """The migrations this database has had. Kept as a set, not only the highest number,
    so a migration numbered below one already applied is still applied later."""
    recorded = _meta("migrations_applied")
    if recorded is None:
        return set(range(1, current_version() + 1))
    return {int(n) for n in recorded.split(",") if n}


def pending() -> list[tuple[int, ModuleType]]:
    """The migrations this database has not had, in order; refuses a schema newer than the program."""
    found = available()
    version, newest = current_version(), (found[-1][0] if found else 0)
    if version > newest:
        raise SchemaTooNewError(
            f"База данных создана более новой версией программы (схема {version}, "
            f"эта программа знает схему до {newest}). Обновите программу."
        )
    done = applied_versions()
    return [(number, module) for number, module in found if number not in done]


def migrate(progress: Callable[[int, str], None] | None = None) -> list[int]:
    """Bring the schema up to date; return the versions applied.

    Each migration runs in one transaction with the record of it: killed or failed halfway, the
    database stays at the version before it, and the next run starts that migration again.
    """
    applied = []
    for number, module in pending():
        if progress:
            progress(number, title(module))
        try:
            with database.atomic():
                module.upgrade(database)
                done = applied_versions() | {number}
                _record("migrations_applied", ",".join(map(str, sorted(done))))
                _record("schema_version", str(max(done)))
        except Exception as exc:
            raise MigrationError(
                f"Обновление схемы {number:04d} «{title(module)}» не удалось и отменено целиком; "
                f"база данных осталась в версии {current_version()}. Причина: {exc}"
            ) from exc
        applied.append(number)
    return applied
