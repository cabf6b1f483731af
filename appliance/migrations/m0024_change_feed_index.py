"""Журнал изменений: быстрый поиск последнего изменения каждой таблицы"""

# The newest change of one table is one index probe: pages kept ready between changes (the
# administration's indicators, a pupil's charts) ask for it on every view. The change feed exists on
# SQLite only (a PostgreSQL hub has none), so there is nothing to index there.

from playhouse.migrate import SchemaMigrator, migrate

from appliance.migrations.schema import is_sqlite


def upgrade(db):
    if not is_sqlite(db):
        return
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_index("sync_change", ("tbl", "seq"), False))
