"""Security-relevant actions: who did what, when, from where."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from appliance.models.base import BaseModel, utcnow
from appliance.models.people import User


class AuditLog(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    # What the actor typed as login, for failed logins of unknown accounts.
    actor = CharField(max_length=64, default="")
    action = CharField(max_length=64, index=True)
    detail = TextField(default="")
    address = CharField(max_length=64, default="")
