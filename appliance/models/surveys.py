"""Surveys the school runs (satisfaction, monitoring): the questions are a data file; answers
of an anonymous survey are kept apart from who took part."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateField, ForeignKeyField, TextField

from appliance.models.base import SyncModel
from appliance.models.people import School, User

AUDIENCES = ("students", "parents", "both")


class Survey(SyncModel):
    school = ForeignKeyField(School, backref="surveys", on_delete="CASCADE")
    questionnaire = CharField(max_length=64)  # the data file with the questions
    title = CharField(max_length=300)
    audience = CharField(max_length=16, default="both")
    anonymous = BooleanField(default=True)
    opens_on = DateField()
    closes_on = DateField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


class SurveyResponse(SyncModel):
    survey = ForeignKeyField(Survey, backref="responses", on_delete="CASCADE")
    respondent = ForeignKeyField(User, null=True, on_delete="SET NULL")  # empty when anonymous
    role = CharField(max_length=16)  # student | parent
    answers = TextField()  # {"question id": number or text}


class SurveyParticipation(SyncModel):
    """That a user has answered (so nobody answers twice), without saying what."""

    survey = ForeignKeyField(Survey, backref="participants", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        indexes = ((("survey", "user"), True),)
