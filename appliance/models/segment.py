"""The open Wi-Fi segment: devices that accepted the splash page and counts of OS probes.

Both tables stay on the appliance (MAC addresses are nobody else's business), so they
are plain tables, not synced ones.
"""

from __future__ import annotations

from peewee import AutoField, CharField, DateField, DateTimeField, IntegerField

from appliance.models.base import BaseModel, utcnow


class SegmentDevice(BaseModel):
    """A device that pressed «Открыть портал»; its probes get the success answer until it expires."""

    id = AutoField()
    # "mac:aa:bb:cc:dd:ee:ff" when the MAC is known, otherwise "ip:10.77.0.23".
    key = CharField(max_length=64, unique=True)
    mac = CharField(max_length=17, default="")
    ip = CharField(max_length=45, index=True)
    os = CharField(max_length=16, default="")
    accepted_at = DateTimeField(default=utcnow, index=True)
    expires_at = DateTimeField(index=True)


class SegmentProbeCount(BaseModel):
    """How many connectivity probes of one OS got one kind of answer on one day."""

    id = AutoField()
    day = DateField()
    os = CharField(max_length=16)
    answer = CharField(max_length=16)  # "splash" (before accepting) or "success"
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("day", "os", "answer"), True),)
