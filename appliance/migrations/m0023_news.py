"""Новости школы: заметки сотрудников и медиацентра с фото, согласие ученика на рассказ о достижении"""

# Frozen here: the table this migration adds, declared in this file only, and one column of
# `achievement`: when the pupil agreed that the school's news may tell of it (null: not agreed).

from peewee import CharField, Check, DateTimeField, ForeignKeyField, IntegerField, TextField, UUIDField
from playhouse.migrate import SchemaMigrator, migrate

from appliance.migrations.schema import FrozenModel, create_tables


class School(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "school"


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class Event(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "event"


class Idea(FrozenModel):  # created by m0019
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "idea"


class Achievement(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "achievement"


class News(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    title = CharField(max_length=200, constraints=[Check("length(title) <= 200")])
    text = TextField(default="", constraints=[Check("length(text) <= 3000")])
    photo_sha256 = CharField(max_length=64, default="", constraints=[Check("length(photo_sha256) <= 64")])
    photo_mime = CharField(max_length=32, default="", constraints=[Check("length(photo_mime) <= 32")])
    photo_width = IntegerField(null=True)
    photo_height = IntegerField(null=True)
    photo_alt = CharField(max_length=200, default="", constraints=[Check("length(photo_alt) <= 200")])
    status = CharField(max_length=16, default="pending", index=True, constraints=[Check("length(status) <= 16")])
    review_comment = TextField(default="", constraints=[Check("length(review_comment) <= 1000")])
    reviewed_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    published_at = DateTimeField(null=True, index=True)
    event = ForeignKeyField(Event, backref="+", null=True, on_delete="SET NULL")
    idea = ForeignKeyField(Idea, backref="+", null=True, on_delete="SET NULL")
    achievement = ForeignKeyField(Achievement, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "news"


def upgrade(db):
    create_tables(db, [News], synced=(News,))
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("achievement", "news_consent_at", DateTimeField(null=True)))
