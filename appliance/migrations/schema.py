"""What a migration may use besides peewee and playhouse.migrate: a base class for the models a
migration declares, table creation with the change-recording triggers, and a test for SQLite.

Frozen like the migrations themselves: a landed migration calls these, so their behaviour never
changes. Something new is a new function beside them.
"""

from __future__ import annotations

from peewee import Model, SqliteDatabase


class FrozenModel(Model):
    """A table as one migration declares it: its own copy, never the live model in appliance.models."""

    class Meta:
        # Index names from the table name ("goal_event_goal_id"), as every table has had them.
        legacy_table_names = False


def is_sqlite(db) -> bool:
    target = getattr(db, "obj", db)
    return isinstance(target, SqliteDatabase)


def create_tables(db, models: list[type[FrozenModel]], synced: tuple = ()) -> None:
    """Create the tables of `models`; on SQLite the `synced` ones record their changes in sync_change.

    The change feed (AUTOINCREMENT sequence, triggers) exists on SQLite only: a PostgreSQL hub has none.
    """
    with db.bind_ctx(models):
        db.create_tables(models)
    if is_sqlite(db):
        for model in synced:
            add_change_triggers(db, model._meta.table_name)


def add_change_triggers(db, table: str) -> None:
    """SQLite triggers that record every insert, update and delete of `table` in sync_change.

    The latest change of a row replaces its older one; a delete leaves a tombstone. A table that
    joins the change feed later gets these from its own migration.
    """
    for event, ref, op in (("INSERT", "NEW", "upsert"), ("UPDATE", "NEW", "upsert"), ("DELETE", "OLD", "delete")):
        name = f"sync_{table}_{event.lower()}"
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
        # Table names come from the migrations, never from input.
        db.execute_sql(
            f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN '  # nosec B608
            f"DELETE FROM sync_change WHERE tbl = '{table}' AND row_id = {ref}.id; "
            f"INSERT INTO sync_change (tbl, row_id, op, at) "
            f"VALUES ('{table}', {ref}.id, '{op}', strftime('%Y-%m-%d %H:%M:%S', 'now')); "
            f"END"
        )
