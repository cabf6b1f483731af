"""Журнал изменений: быстрый поиск последнего изменения каждой таблицы"""

# The newest change of one table is one index probe: pages kept ready between changes (the
# administration's indicators, a pupil's charts) ask for it on every view.

from playhouse.migrate import SchemaMigrator, migrate


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_index("sync_change", ("tbl", "seq"), False))
