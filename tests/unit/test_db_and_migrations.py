import pytest

from appliance import migrations
from appliance.db import database, open_sqlite, sqlite_has_wal_reset_bug, sqlite_version
from appliance.models.changes import SyncChange, current_sequence, get_meta, instance_id, new_instance_id
from appliance.models.people import School


@pytest.mark.parametrize("version, affected", [
    ((3, 6, 23), False), ((3, 7, 0), True), ((3, 40, 1), True), ((3, 44, 5), True), ((3, 44, 6), False),
    ((3, 50, 6), True), ((3, 50, 7), False), ((3, 51, 2), True), ((3, 51, 3), False), ((3, 54, 1), False),
])
def test_wal_reset_bug_versions(version, affected):
    assert sqlite_has_wal_reset_bug(version) is affected


def test_bundled_sqlite_is_safe_and_pragmas_apply(db):
    assert not sqlite_has_wal_reset_bug(sqlite_version())
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_unsafe_sqlite_is_refused_with_a_clear_message(monkeypatch, tmp_path):
    import appliance.db as dbmod

    monkeypatch.setattr(dbmod, "sqlite_version", lambda: (3, 40, 1))
    with pytest.raises(dbmod.UnsafeSQLiteError, match="allow_unsafe_sqlite"):
        open_sqlite(tmp_path / "x.db")
    open_sqlite(tmp_path / "x.db", allow_unsafe=True)


def test_migrations_record_version_and_rerun_is_noop(db):
    assert migrations.current_version() == migrations.latest_version() >= 1
    assert get_meta("schema_version") == str(migrations.latest_version())
    assert migrations.migrate() == []


def test_newer_schema_is_refused(db):
    from appliance.models.changes import set_meta

    set_meta("schema_version", "9999")
    with pytest.raises(migrations.SchemaTooNewError, match="более новой версией"):
        migrations.migrate()


def test_change_sequence_upserts_and_tombstones(db):
    start = current_sequence()
    school = School.create(name="Школа", code="s1")
    first = current_sequence()
    assert first > start
    school.name = "Школа № 1"
    school.save()
    second = current_sequence()
    assert second > first
    # Only the latest change of a row is kept, and the sequence never goes back.
    rows = list(SyncChange.select().where(SyncChange.row_id == school.id.hex))
    assert [(r.op, r.seq) for r in rows] == [("upsert", second)]
    school.delete_instance()
    rows = list(SyncChange.select().where(SyncChange.row_id == school.id.hex))
    assert [r.op for r in rows] == ["delete"] and rows[0].seq > second
    School.create(name="Другая", code="s2")
    assert current_sequence() > rows[0].seq


def test_instance_id_is_stable_until_renewed(db):
    first = instance_id()
    assert instance_id() == first
    assert new_instance_id() != first


def test_a_lower_numbered_migration_arriving_later_is_applied(db, monkeypatch):
    from types import SimpleNamespace

    from appliance.models.changes import set_meta

    ran = []
    late = SimpleNamespace(__doc__="Поздняя миграция", __name__="m_late", upgrade=lambda db: ran.append(1))
    newest = migrations.latest_version()
    # The database has every migration but number 1; a newer program brings it back.
    set_meta("migrations_applied", ",".join(str(n) for n in range(2, newest + 1)))
    real = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [(1, late)] + real[1:])
    assert migrations.migrate() == [1] and ran == [1]
    assert get_meta("schema_version") == str(newest)
    assert migrations.migrate() == []
