"""Runs of the appliance's background work (backups, exports, restore tests) for the admin page."""

from __future__ import annotations

from peewee import AutoField, BigIntegerField, BooleanField, CharField, DateTimeField, TextField

from appliance.models.base import BaseModel, utcnow


class JobRun(BaseModel):
    """One run of one kind of job at one target; the admin page shows the latest ones."""

    id = AutoField()
    kind = CharField(max_length=32, index=True)  # "backup", "backup-verify", "sync-export", …
    target = CharField(max_length=255, default="")
    started_at = DateTimeField(default=utcnow, index=True)
    finished_at = DateTimeField(null=True)
    ok = BooleanField(null=True)  # None while running
    size = BigIntegerField(null=True)
    path = TextField(default="")
    # What went wrong, in plain Russian for the administrator.
    error = TextField(default="")
    detail = TextField(default="")
