"""Career guidance: a student's attempts at the questionnaires (which are data files)."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from appliance.models.base import SyncModel, utcnow
from appliance.models.people import User


class Attempt(SyncModel):
    """One completed questionnaire: the answers as given and the scores they produced (JSON)."""

    student = ForeignKeyField(User, backref="guidance_attempts", on_delete="CASCADE")
    questionnaire = CharField(max_length=64, index=True)
    version = CharField(max_length=32, default="1")
    answers = TextField()  # {"item id": value}
    scores = TextField()  # {"scale code": score}
    code = CharField(max_length=16, default="")  # e.g. "ISA" for RIASEC
    taken_at = DateTimeField(default=utcnow)
    shared = BooleanField(default=False)  # the student showed it to the class teacher
    shared_at = DateTimeField(null=True)
    shared_with_parents = BooleanField(default=False)  # the student showed it to their parents


class AttemptComment(SyncModel):
    attempt = ForeignKeyField(Attempt, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, on_delete="CASCADE")
    text = TextField()
