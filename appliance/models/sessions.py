"""Logged-in sessions kept on the server, so that logging out really ends one."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField

from appliance.models.base import BaseModel, utcnow
from appliance.models.people import User


class WebSession(BaseModel):
    """One login on one device. The browser's signed cookie carries the token; only its
    SHA-256 is stored. Never synced."""

    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="web_sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow, index=True)
    address = CharField(max_length=64, default="")
