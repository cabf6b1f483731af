"""Base classes for every model: the database proxy and UUID identity."""

from __future__ import annotations

import datetime
import uuid

from peewee import DateTimeField, Model, UUIDField

from appliance.db import database

# The longest value a TEXT column holds, in characters: the database refuses more (migration m0020;
# a new table's CHECK constraints), the hub refuses more in a row (sync.policy). Services keep their
# own, much smaller limits (appliance.services.validation.text) and say so in Russian first.
MAX_TEXT_COLUMN = 256 * 1024


def utcnow() -> datetime.datetime:
    """Naive UTC: what the database stores; pages convert to the school's time zone."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class SyncModel(BaseModel):
    """A row the district may receive: UUID key, change sequence kept by triggers."""

    id = UUIDField(primary_key=True, default=uuid.uuid4)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    def save(self, *args, **kwargs):
        if self._pk is not None and not kwargs.get("force_insert"):
            self.updated_at = utcnow()
        return super().save(*args, **kwargs)
