"""The migrations stay frozen: they import no live model, a landed one is never edited, and the
live models describe exactly the schema the migrations build."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

from appliance import migrations
from appliance.db import database, open_sqlite
from tests.upgrade_fixtures import FIXTURES, live_models, schema_of

MIGRATIONS = Path(migrations.__file__).parent
# What a migration may import: peewee, playhouse, the migrations' own toolkit and the standard library.
ALLOWED_ROOTS = {"peewee", "playhouse", "__future__", "datetime", "json", "uuid", "re", "os", "signal", "hashlib"}


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS.glob("m[0-9][0-9][0-9][0-9]_*.py"))


@pytest.mark.parametrize("path", migration_files(), ids=lambda p: p.stem)
def test_a_migration_imports_no_live_code(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")
    foreign = [name for name in imported
               if name != "appliance.migrations.schema" and name.split(".")[0] not in ALLOWED_ROOTS]
    assert foreign == [], f"{path.name} imports {foreign}: declare the tables inside the migration instead"


def test_a_landed_migration_is_never_edited():
    landed = (FIXTURES / "landed-migrations.sha256").read_text().split("\n")
    for line in filter(None, landed):
        digest, name = line.split()
        path = MIGRATIONS / name
        assert path.exists(), f"{name} has landed in a release and may not be removed"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, \
            f"{name} has landed in a release: schools have run it. Add a new migration instead of editing it."


def test_every_migration_says_what_it_adds_in_russian():
    for number, module in migrations.available():
        assert any("а" <= ch <= "я" for ch in migrations.title(module).lower()), f"migration {number}"


def test_the_live_models_describe_the_schema_the_migrations_build(tmp_path):
    """A field added to a model without its migration (or the reverse) shows here first."""
    open_sqlite(tmp_path / "migrated.db")
    with database.connection_context():
        migrations.migrate()
    open_sqlite(tmp_path / "models.db")
    models = live_models()
    with database.connection_context():
        database.create_tables(models)
    migrated, declared = schema_of(tmp_path / "migrated.db"), schema_of(tmp_path / "models.db")
    migrated.pop("triggers"), declared.pop("triggers")
    assert sorted(declared) == sorted(migrated)
    for table in migrated:
        assert declared[table] == migrated[table], f"the model of «{table}» and its migrations differ"
