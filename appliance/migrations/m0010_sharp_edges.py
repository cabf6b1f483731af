"""Анонимные ответы опросов ждут своей партии: их нельзя сопоставить с тем, кто ответил"""

from peewee import CharField, ForeignKeyField, TextField, UUIDField

from appliance.migrations.schema import FrozenModel, create_tables


class Survey(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "survey"


class SurveyPending(FrozenModel):
    """An anonymous answer held back until a batch is stored in shuffled order: no time, never synced."""

    id = UUIDField(primary_key=True)
    survey = ForeignKeyField(Survey, backref="+", on_delete="CASCADE")
    role = CharField(max_length=16)
    answers = TextField()

    class Meta:
        table_name = "survey_pending"


def upgrade(db):
    create_tables(db, [SurveyPending])
