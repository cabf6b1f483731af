"""Results kept between requests until the data they were made from changes.

`kept.value(key, build)` returns what `build()` returned for the same key, as long as no table that
`build` read has changed since; otherwise it builds again. Which tables a build reads is not written
down by hand (a list would go stale with the next feature): SQLite reports every statement the build
runs, and the tables named in them are the build's inputs. Their versions come from the change feed
(`appliance.models.changes.table_versions`, one index probe a table), so a write to any other table —
a pupil's goal, a notification, a calendar plan — leaves the kept result be, and a write to one of
its tables is seen by the very next request in every worker process.

Nothing is kept when a build reads a table outside the change feed (its changes could not be seen;
the small settings table `okey_meta` is compared whole instead),
on a database without a feed (a PostgreSQL hub), or when the data changed while it was being built.
The key must name everything else the result depends on: whose it is, the day, the language.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from appliance.db import database, is_sqlite
from appliance.models.changes import current_sequence, table_versions

KEEP_AT_MOST = 2000  # results, least recently used first out
_TABLES = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)
_FEED_ITSELF = {"sync_change"}
# Outside the feed but small (a few dozen settings such as the active competency framework): its
# version is a fingerprint of the whole table.
_META = "okey_meta"


@dataclass(frozen=True)
class _Kept:
    tables: tuple[str, ...]
    versions: tuple[int, ...]
    value: Any


_store: OrderedDict[Hashable, _Kept] = OrderedDict()
_lock = threading.Lock()
_building = threading.local()  # inside a build, a nested value() builds too: the outer one must see every read
_fed: set[str] | None = None


def fed_tables() -> set[str]:
    """Tables whose every insert, update and delete the change feed records (they have its triggers)."""
    global _fed
    if _fed is None:
        rows = database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        _fed = {name[len("sync_"):-len("_insert")] for (name,) in rows
                if name.startswith("sync_") and name.endswith("_insert")}
    return _fed


@contextmanager
def tables_read():
    """The tables named by the statements run on this thread's connection inside the block."""
    found: set[str] = set()
    connection = database.connection()
    before = getattr(connection, "exec_trace", None)

    def trace(cursor, sql, bindings):
        found.update(name.lower() for name in _TABLES.findall(sql))
        return before(cursor, sql, bindings) if before else True

    connection.exec_trace = trace
    try:
        yield found
    finally:
        connection.exec_trace = before


def value(key: Hashable, build: Callable[[], Any]) -> Any:
    """`build()`, or what it returned before for `key` if none of the tables it read has changed."""
    if not is_sqlite() or getattr(_building, "active", False):
        return build()
    with _lock:
        kept = _store.get(key)
        if kept is not None:
            _store.move_to_end(key)
    if kept is not None and _versions(kept.tables) == kept.versions:
        return kept.value
    started_at, settings_before = current_sequence(), _meta_fingerprint()
    _building.active = True
    try:
        with tables_read() as found:
            result = build()
    finally:
        _building.active = False
    tables = tuple(sorted(found - _FEED_ITSELF))
    if not tables or not set(tables) <= fed_tables() | {_META}:
        return result  # something it read cannot tell us when it changes
    versions = _versions(tables)
    if versions is None or max(versions[: len(_fed_only(tables))], default=0) > started_at:
        return result  # a write landed while building: this result may already be old
    if _META in tables and versions[-1] != settings_before:
        return result
    with _lock:
        _store[key] = _Kept(tables, versions, result)
        _store.move_to_end(key)
        while len(_store) > KEEP_AT_MOST:
            _store.popitem(last=False)
    return result


def _fed_only(tables: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(table for table in tables if table != _META)


def _meta_fingerprint() -> int:
    return hash(tuple(database.execute_sql("SELECT key, value FROM okey_meta ORDER BY key").fetchall()))


def _versions(tables: tuple[str, ...]) -> tuple[int, ...] | None:
    fed = _fed_only(tables)
    versions = table_versions(fed) if fed else ()
    if versions is None:
        return None
    return versions + ((_meta_fingerprint(),) if _META in tables else ())


def forget() -> None:
    """Drop everything kept (tests; a restored database)."""
    global _fed
    with _lock:
        _store.clear()
    _fed = None
