"""A school upgrades in place: every shipped release's database reaches the newest schema, the very
schema a fresh install gets, with no row lost and the change feed still recording on every table.

The databases are in tests/fixtures/schema-NNNN.db, one for every schema version a release shipped
(tests/fixtures/make_release_db.py makes them).
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import apsw
import pytest
from click.testing import CliRunner

from appliance import migrations
from appliance.db import database, open_sqlite
from appliance.models.base import SyncModel
from tests.conftest import run_okey
from tests.upgrade_fixtures import (
    RELEASE_DATABASES,
    connect,
    copy_release,
    feed_problems,
    live_models,
    row_keys,
    schema_of,
    synced_tables,
)

pytestmark = pytest.mark.skipif(not RELEASE_DATABASES, reason="no release database in tests/fixtures")


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("fresh") / "data"
    run_okey("init", data_dir=data)
    return data / "okey.db"


@pytest.fixture(params=RELEASE_DATABASES, ids=lambda path: path.stem)
def release(request, tmp_path) -> Path:
    """A release's database in a school's data directory, not yet upgraded."""
    return copy_release(request.param, tmp_path / "school")


def schema_version(path: Path) -> int:
    conn = connect(path)
    try:
        return int(conn.execute("SELECT value FROM okey_meta WHERE key = 'schema_version'").fetchone()[0])
    finally:
        conn.close()


def test_every_release_upgrades_to_the_schema_of_a_fresh_install(release, fresh_db):
    shipped_version = schema_version(release)
    before = row_keys(release)
    shipped_schema = schema_of(release)

    result = run_okey("init", data_dir=release.parent)

    assert schema_of(release) == schema_of(fresh_db)
    assert schema_version(release) == migrations.latest_version()
    after = row_keys(release)
    for table, keys in before.items():
        assert keys <= after[table], f"rows lost from {table}: {sorted(keys - after[table])[:5]}"
    copies = sorted((release.parent / "state" / "before-upgrade").glob("okey-schema-*.db"))
    if shipped_version < migrations.latest_version():
        # The school's database as it was is kept beside it, whole.
        assert "сохранена" in result.stdout and len(copies) == 1
        assert schema_of(copies[0]) == shipped_schema and row_keys(copies[0]) == before
    else:
        assert copies == []


def test_the_change_feed_records_every_syncable_table_after_an_upgrade(release, fresh_db):
    run_okey("init", data_dir=release.parent)
    live = {model._meta.table_name for model in live_models(SyncModel)}
    # Every syncable model has its triggers, on a fresh database and on an upgraded one alike.
    assert synced_tables(fresh_db) == live
    assert synced_tables(release) == live
    problems = [problem for table in sorted(live) for problem in feed_problems(release, table)]
    assert problems == []


# -- the recipe: a new migration that adds a column ---------------------------------------------
RECIPE = '''
"""Хобби: заметка ученика"""

from peewee import TextField
from playhouse.migrate import SchemaMigrator, migrate


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("hobby", "note", TextField(default="")))
'''


def load_migration(folder: Path, number: int, source: str, name: str = "recipe"):
    path = folder / f"m{number:04d}_{name}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def migrate_at(path: Path) -> list[int]:
    open_sqlite(path)
    try:
        database.connect(reuse_if_open=True)
        return migrations.migrate()
    finally:
        database.close()


def test_a_new_migration_adding_a_column_gives_upgraded_and_fresh_databases_one_schema(release, fresh_db,
                                                                                     tmp_path, monkeypatch):
    number = migrations.latest_version() + 1
    recipe = load_migration(tmp_path, number, RECIPE)
    real = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [*real, (number, recipe)])
    fresh = tmp_path / "fresh.db"
    assert migrate_at(fresh)[-1] == number
    assert migrate_at(release)[-1] == number

    assert schema_of(release) == schema_of(fresh)
    hobby_columns = [column[0] for column in schema_of(release)["hobby"]["columns"]]
    assert hobby_columns[-1] == "note"
    assert feed_problems(release, "hobby") == []
    conn = connect(release)
    assert {note for (note,) in conn.execute("SELECT note FROM hobby")} == {""}
    conn.close()


# -- faults --------------------------------------------------------------------------------------
def test_a_database_newer_than_the_program_is_refused_and_left_as_it_was(release):
    conn = connect(release, readonly=False)
    conn.execute("UPDATE okey_meta SET value = '9999' WHERE key = 'schema_version'")
    conn.close()
    before_schema, before_rows = schema_of(release), row_keys(release)

    result = run_okey("init", data_dir=release.parent, check=False)

    assert result.returncode != 0
    assert "создана более новой версией программы (схема 9999" in result.stderr
    assert "Traceback" not in result.stderr
    assert schema_of(release) == before_schema and row_keys(release) == before_rows
    assert not (release.parent / "state" / "before-upgrade").exists()


FAILING = '''
"""Журнал кружков"""


def upgrade(db):
    db.execute_sql("CREATE TABLE club_log (id INTEGER PRIMARY KEY, note TEXT)")
    db.execute_sql("INSERT INTO club_log (note) VALUES ('половина работы')")
    db.execute_sql("ALTER TABLE hobby ADD COLUMN club TEXT")
    raise ValueError("в списке кружков нет столбца «руководитель»")
'''


def test_a_failing_migration_is_rolled_back_whole_and_named(release, tmp_path, monkeypatch):
    from appliance.cli import cli

    number = migrations.latest_version() + 1
    failing = load_migration(tmp_path, number, FAILING, "clubs")
    real = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [*real, (number, failing)])
    version = schema_version(release)
    before_rows = row_keys(release)

    result = CliRunner().invoke(cli, ["init", "--data", str(release.parent)])

    assert result.exit_code == 1, result.output
    assert f"Обновление схемы {number:04d} «Журнал кружков» не удалось и отменено целиком" in result.output
    assert "нет столбца «руководитель»" in result.output
    assert schema_version(release) == max(version, number - 1)
    schema = schema_of(release)
    assert "club_log" not in schema and "club" not in [c[0] for c in schema["hobby"]["columns"]]
    after_rows = row_keys(release)
    assert all(keys <= after_rows[table] for table, keys in before_rows.items())


KILLED = '''
"""Журнал кружков"""

import os
import signal


def upgrade(db):
    db.execute_sql("CREATE TABLE club_log (id INTEGER PRIMARY KEY, note TEXT)")
    for n in range(2000):
        db.execute_sql("INSERT INTO club_log (note) VALUES (?)", (f"запись {n}",))
    db.execute_sql("ALTER TABLE hobby ADD COLUMN club TEXT")
    if os.environ.get("KILL_MID_MIGRATION"):
        os.kill(os.getpid(), signal.SIGKILL)
'''

# Runs `okey init` with one more migration than the program ships.
RUNNER = '''
import importlib.util, sys
from appliance import migrations
from appliance.cli import main

number, path = int(sys.argv[1]), sys.argv[2]
spec = importlib.util.spec_from_file_location("m_extra", path)
extra = importlib.util.module_from_spec(spec)
spec.loader.exec_module(extra)
real = migrations.available()
migrations.available = lambda: [*real, (number, extra)]
sys.argv = ["okey", "init", "--data", sys.argv[3]]
main()
'''


def test_an_upgrade_killed_midway_leaves_the_old_version_and_a_rerun_finishes_it(release, tmp_path):
    number = migrations.latest_version() + 1
    (tmp_path / f"m{number:04d}_clubs.py").write_text(KILLED, encoding="utf-8")
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    command = [sys.executable, str(tmp_path / "runner.py"), str(number), str(tmp_path / f"m{number:04d}_clubs.py"),
               str(release.parent)]
    env = {**os.environ, "OKEY_SERVER__ANNOUNCE": "false", "PYTHONPATH": str(Path(__file__).parents[2])}
    before_rows = row_keys(release)

    killed = subprocess.run(command, env={**env, "KILL_MID_MIGRATION": "1"}, capture_output=True, text=True,
                            timeout=120)

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    conn = connect(release)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    assert schema_version(release) == number - 1
    schema = schema_of(release)
    assert "club_log" not in schema and "club" not in [c[0] for c in schema["hobby"]["columns"]]

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert finished.returncode == 0, finished.stderr
    assert schema_version(release) == number
    conn = connect(release)
    assert conn.execute("SELECT count(*) FROM club_log").fetchone()[0] == 2000
    conn.close()
    after_rows = row_keys(release)
    assert all(keys <= after_rows[table] for table, keys in before_rows.items())


def test_the_database_copied_aside_opens_as_the_release_it_was(release, tmp_path, monkeypatch):
    number = migrations.latest_version() + 1
    recipe = load_migration(tmp_path, number, RECIPE)
    real = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: [*real, (number, recipe)])
    from appliance.cli import cli

    for _ in range(5):  # five upgrades in a row keep the three newest copies
        conn = connect(release, readonly=False)
        conn.execute("UPDATE okey_meta SET value = ? WHERE key = 'migrations_applied'",
                     (",".join(str(n) for n, _ in real),))
        conn.execute("UPDATE okey_meta SET value = ? WHERE key = 'schema_version'", (str(real[-1][0]),))
        conn.execute("ALTER TABLE hobby DROP COLUMN note") if "note" in _columns(conn, "hobby") else None
        conn.close()
        result = CliRunner().invoke(cli, ["init", "--data", str(release.parent)])
        assert result.exit_code == 0, result.output
    copies = sorted((release.parent / "state" / "before-upgrade").glob("okey-schema-*.db"))
    assert len(copies) == 3
    copy = apsw.Connection(str(copies[-1]), flags=apsw.SQLITE_OPEN_READONLY)
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert "note" not in _columns(copy, "hobby")
    assert oct(copies[-1].stat().st_mode & 0o777) == "0o640"


def _columns(conn, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
