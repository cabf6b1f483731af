"""Профиль 10–11 классов (технологический, естественно-научный, …): с ним школа сверяет выбор профиля с пробами"""

# Frozen here: the one column this migration adds to class_group (created by m0001), with its bound.

from peewee import CharField, Check
from playhouse.migrate import SchemaMigrator, migrate


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("class_group", "profile",
                                CharField(max_length=16, default="", constraints=[Check("length(profile) <= 16")])))
