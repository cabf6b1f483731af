"""Согласие родителя: отказ записывается со временем и тем, кто отказался"""

# Frozen here: the one column this migration adds to parent_link (created by m0001).

from peewee import DateTimeField
from playhouse.migrate import SchemaMigrator, migrate


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("parent_link", "consent_refused_at", DateTimeField(null=True)))
