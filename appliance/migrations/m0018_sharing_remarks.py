"""Родителям — то, чем поделился ученик; разговор педагога и ученика о рефлексии и самооценке"""

# Frozen here: the columns and the table this migration adds, declared in this file only.

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, TextField, UUIDField
from playhouse.migrate import SchemaMigrator, migrate

from appliance.migrations.schema import FrozenModel, create_tables


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class Remark(FrozenModel):
    """A teacher's word on a student's reflection or self-assessment, or the student's answer to it.
    Stays at the school: free text between two people, never synced."""

    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    subject = CharField(max_length=16)  # reflection | self_assessment
    subject_id = UUIDField()
    text = TextField()

    class Meta:
        table_name = "remark"
        indexes = ((("subject", "subject_id"), False),)


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(
        # What the student chose to show: a reflection to the class teacher and to the parents,
        # a career-guidance result to the parents (its `shared` stays the class teacher's).
        migrator.add_column("reflection", "shared", BooleanField(default=False)),
        migrator.add_column("reflection", "shared_with_parents", BooleanField(default=False)),
        migrator.add_column("attempt", "shared_with_parents", BooleanField(default=False)),
    )
    create_tables(db, [Remark])
