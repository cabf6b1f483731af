"""Sync identity: the instance id, the change sequence and tombstones.

Every insert and update of a syncable table writes one row into `sync_change` (the
latest change of that row replaces older ones), and every delete leaves a tombstone
there. SQLite triggers do it, so no write path can forget it; the migration that creates
a syncable table creates its triggers (appliance/migrations/schema.py). The sequence is
the row id of `sync_change`, which only grows.
"""

from __future__ import annotations

import functools
import uuid

from peewee import CharField, DateTimeField, TextField
from playhouse.sqlite_ext import AutoIncrementField

from appliance.db import database, is_sqlite
from appliance.models.base import BaseModel, utcnow


class Meta(BaseModel):
    """Key/value facts about this database: schema version, instance id, school id."""

    key = CharField(primary_key=True, max_length=64)
    value = TextField()

    class Meta:
        table_name = "okey_meta"


class SyncChange(BaseModel):
    # AUTOINCREMENT: a sequence number is never reused, even after its row is replaced.
    seq = AutoIncrementField()
    table = CharField(max_length=64, column_name="tbl")
    row_id = CharField(max_length=36)
    op = CharField(max_length=8)  # "upsert" or "delete"
    at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "sync_change"
        # (table, seq): the newest change of a table in one probe (table_versions).
        indexes = ((("table", "row_id"), False), (("table", "seq"), False))


def get_meta(key: str, default: str | None = None) -> str | None:
    row = Meta.get_or_none(Meta.key == key)
    return row.value if row else default


def set_meta(key: str, value: str) -> None:
    # An upsert both SQLite and PostgreSQL (the hub) understand.
    Meta.insert(key=key, value=value).on_conflict(conflict_target=[Meta.key], update={Meta.value: value}).execute()


def instance_id() -> str:
    """This database's identity; a restored copy gets a new one (see new_instance_id)."""
    value = get_meta("instance_id")
    if value is None:
        value = new_instance_id()
    return value


def new_instance_id() -> str:
    value = uuid.uuid4().hex
    set_meta("instance_id", value)
    return value


def current_sequence() -> int:
    last = SyncChange.select(SyncChange.seq).order_by(SyncChange.seq.desc()).first()
    return last.seq if last else 0


def table_versions(tables: tuple[str, ...]) -> tuple[int, ...] | None:
    """The sequence number of the newest change of each table (0: none yet), one index probe a
    table. Whatever is built from those tables alone can be kept until one of the numbers moves:
    writes to other tables leave it be. None where there is no change feed (a PostgreSQL hub has
    no triggers): there nothing may be kept."""
    if not is_sqlite():
        return None
    cursor = database.execute_sql(versions_sql(len(tables)), tables)
    return tuple(value or 0 for value in cursor.fetchone())


@functools.cache
def versions_sql(count: int) -> str:
    # Built once per number of tables; the table names are parameters.
    probe = "(SELECT MAX(seq) FROM sync_change WHERE tbl = ?)"
    return "SELECT " + ", ".join([probe] * count)
