"""Surveys the school runs (satisfaction, monitoring): the questions are a data file; answers
of an anonymous survey are kept apart from who took part."""

from __future__ import annotations

import uuid

from peewee import BooleanField, CharField, DateField, ForeignKeyField, TextField, UUIDField

from appliance.models.base import BaseModel, SyncModel
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


class SurveyPending(BaseModel):
    """An anonymous answer held back until a batch of them is stored, shuffled, as SurveyResponse rows:
    it carries no time and is never synced, so nothing pairs it with its participation row."""

    id = UUIDField(primary_key=True, default=uuid.uuid4)
    survey = ForeignKeyField(Survey, backref="pending", on_delete="CASCADE")
    role = CharField(max_length=16)
    answers = TextField()
