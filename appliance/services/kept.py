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

Whole rendered pages are kept the same way, in a store of their own bounded in bytes
(`recording()` around the first render, `keep_page()` after it, `page_probe()` and `page_fresh()` on
a repeat view; the web layer is webui/keep.py).
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
from appliance.models.changes import current_sequence, table_versions, versions_sql

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
_tracing = threading.local()  # the sets being gathered on this thread, outermost first


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
        if not getattr(_tracing, "quiet", False):
            found.update(name.lower() for name in _TABLES.findall(sql))
        return before(cursor, sql, bindings) if before else True

    gathering = _tracing.__dict__.setdefault("sets", [])
    gathering.append(found)
    connection.exec_trace = trace
    try:
        yield found
    finally:
        connection.exec_trace = before
        gathering.pop()


@contextmanager
def _unseen():
    # The checks kept.py makes itself are not reads of the build being traced.
    _tracing.quiet = True
    try:
        yield
    finally:
        _tracing.quiet = False


def _report(tables: tuple[str, ...]) -> None:
    # A kept result answered without a statement: whatever is being traced around it read its tables.
    for found in getattr(_tracing, "sets", ()):
        found.update(tables)


def value(key: Hashable, build: Callable[[], Any]) -> Any:
    """`build()`, or what it returned before for `key` if none of the tables it read has changed."""
    if not is_sqlite() or getattr(_building, "active", False):
        return build()
    with _lock:
        kept = _store.get(key)
        if kept is not None:
            _store.move_to_end(key)
    if kept is not None and _versions(kept.tables) == kept.versions:
        _report(kept.tables)
        return kept.value
    _building.active = True
    try:
        with recording() as record:
            result = build()
    finally:
        _building.active = False
    settled = _settled(record)
    if settled is None:
        return result
    tables, versions = settled
    with _lock:
        _store[key] = _Kept(tables, versions, result)
        _store.move_to_end(key)
        while len(_store) > KEEP_AT_MOST:
            _store.popitem(last=False)
    return result


@dataclass
class Recording:
    """What a build read, and where the change feed stood when it began."""

    started_at: int
    settings_before: int
    found: set[str]


@contextmanager
def recording():
    with _unseen():
        started_at = current_sequence()
    record = Recording(started_at, _meta_fingerprint(), set())
    with tables_read() as found:
        record.found = found
        yield record


def _settled(record: Recording, live: frozenset[str] = frozenset()) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """The tables a finished build read and their versions, or None when it may not be kept: it read
    something outside the change feed (except `live`: tables its user checks on every request), or
    the data changed while it was built."""
    tables = tuple(sorted(record.found - _FEED_ITSELF - live))
    if not tables or not set(tables) <= fed_tables() | {_META}:
        return None  # something it read cannot tell us when it changes
    versions = _versions(tables)
    if versions is None or max(versions[: len(_fed_only(tables))], default=0) > record.started_at:
        return None  # a write landed while building: this result may already be old
    if _META in tables and versions[-1] != record.settings_before:
        return None
    return tables, versions


# -- whole pages, bounded in bytes -------------------------------------------------------------
PAGES_BUDGET = 16 * 1024 * 1024  # bytes of kept pages per process (webui/keep.py sets it from the settings)


@dataclass
class _KeptPage:
    tables: tuple[str, ...]
    versions: tuple[int, ...]
    value: Any
    size: int
    # The change feed's newest sequence number when these versions were last found current. The
    # feed's numbers only grow (AUTOINCREMENT, never reused) and every write to a fed table adds one,
    # so while the newest number stays put none of the page's fed tables has changed.
    checked_at: int


# The newest change anywhere: one probe of the feed's rowid, whatever the page.
SEQUENCE_SQL = "(SELECT MAX(seq) FROM sync_change)"


_pages: OrderedDict[Hashable, _KeptPage] = OrderedDict()
_pages_bytes = 0


def keep_page(key: Hashable, record: Recording, value: Any, size: int, live: frozenset[str] = frozenset()) -> bool:
    """Keep a rendered page made while `record` watched; False when it may not be kept."""
    global _pages_bytes
    if not is_sqlite() or size > PAGES_BUDGET // 2:
        return False
    settled = _settled(record, live)
    if settled is None:
        return False
    with _lock:
        old = _pages.pop(key, None)
        if old is not None:
            _pages_bytes -= old.size
        _pages[key] = _KeptPage(*settled, value, size, record.started_at)
        _pages_bytes += size
        while _pages_bytes > PAGES_BUDGET:
            _, dropped = _pages.popitem(last=False)
            _pages_bytes -= dropped.size
    return True


def page_probe(key: Hashable) -> tuple[_KeptPage, str] | None:
    """The page kept for `key`, not yet checked, and the SQL columns (", (…), …") that `page_fresh`
    needs: the caller asks them in the statement it runs anyway (webui/keep.py: the session check)."""
    if not is_sqlite():
        return None
    with _lock:
        entry = _pages.get(key)
        if entry is None:
            return None
        _pages.move_to_end(key)
    return entry, ", " + SEQUENCE_SQL + (f", ({_META_SQL})" if _META in entry.tables else "")


def page_fresh(entry: _KeptPage, answers: tuple | None) -> Any | None:
    """The kept page if it still is what rendering would give, from the answers to `page_probe`'s
    columns (None: not asked): nothing to ask when no change was made anywhere since it was last checked (and the
    settings are as they were); otherwise its own tables' versions are asked (one more statement)."""
    if answers is not None:
        meta_same = _META not in entry.tables or hash(answers[1]) == entry.versions[-1]
        if (answers[0] or 0) == entry.checked_at and meta_same:
            return entry.value
        if not meta_same:
            return None
    found = _versions_and_newest(entry.tables)
    if found is None or found[0] != entry.versions:
        return None
    entry.checked_at = max(entry.checked_at, found[1])  # the versions held at that number: skip until it moves
    return entry.value


def _versions_and_newest(tables: tuple[str, ...]) -> tuple[tuple[int, ...], int] | None:
    """The tables' versions (as `_versions`) and the feed's newest number, read in one statement so
    that they describe the same moment."""
    fed = _fed_only(tables)
    columns = [versions_sql(len(fed))[7:]] if fed else []
    if _META in tables:
        columns.append(f"({_META_SQL})")
    columns.append(SEQUENCE_SQL)
    with _unseen():
        # Built from fixed text and one placeholder a table: the names are bound, never formatted in.
        row = database.execute_sql("SELECT " + ", ".join(columns), fed).fetchone()  # nosec B608
    versions = tuple(value or 0 for value in row[: len(fed)])
    if _META in tables:
        versions += (hash(row[len(fed)]),)
    return versions, row[-1] or 0


def pages_held() -> tuple[int, int]:
    """How many pages are kept and their bytes."""
    with _lock:
        return len(_pages), _pages_bytes


def _fed_only(tables: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(table for table in tables if table != _META)


# The settings table whole, as one value: asked in the same statement as the tables' versions.
_META_SQL = ("SELECT group_concat(key || char(31) || value, char(30)) "
             "FROM (SELECT key, value FROM okey_meta ORDER BY key)")


def _meta_fingerprint() -> int:
    with _unseen():
        return hash(database.execute_sql(_META_SQL).fetchone()[0])


def _versions(tables: tuple[str, ...]) -> tuple[int, ...] | None:
    fed = _fed_only(tables)
    if not is_sqlite():
        return None
    if _META not in tables:
        with _unseen():
            return table_versions(fed) if fed else ()
    with _unseen():  # one query: the tables' newest changes and the settings
        # Built from fixed text and one placeholder a table: the names are bound, never formatted in.
        row = database.execute_sql(f"SELECT {versions_sql(len(fed))[7:] + ', ' if fed else ''}({_META_SQL})",  # nosec B608
                                   fed).fetchone()
    return tuple(value or 0 for value in row[:-1]) + (hash(row[-1]),)


def forget_pages() -> None:
    """Drop the kept pages only (a test that counts what a page costs to draw)."""
    global _pages_bytes
    with _lock:
        _pages.clear()
        _pages_bytes = 0


def forget() -> None:
    """Drop everything kept (tests; a restored database)."""
    global _fed, _pages_bytes
    with _lock:
        _store.clear()
        _pages.clear()
        _pages_bytes = 0
    _fed = None
