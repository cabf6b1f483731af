"""Открытый сегмент Wi-Fi: принятые устройства и счётчики проверок связи"""

from peewee import AutoField, CharField, DateField, DateTimeField, IntegerField

from appliance.migrations.schema import FrozenModel, create_tables


class SegmentDevice(FrozenModel):
    id = AutoField()
    key = CharField(unique=True, max_length=64)
    mac = CharField(max_length=17)
    ip = CharField(index=True, max_length=45)
    os = CharField(max_length=16)
    accepted_at = DateTimeField(index=True)
    expires_at = DateTimeField(index=True)

    class Meta:
        table_name = "segment_device"


class SegmentProbeCount(FrozenModel):
    id = AutoField()
    day = DateField()
    os = CharField(max_length=16)
    answer = CharField(max_length=16)
    count = IntegerField()

    class Meta:
        table_name = "segment_probe_count"
        indexes = ((("day", "os", "answer"), True),)


def upgrade(db):
    create_tables(db, [SegmentDevice, SegmentProbeCount])
