"""Открытый сегмент Wi-Fi: принятые устройства и счётчики проверок связи"""

from appliance.migrations import create_synced_tables
from appliance.models.segment import SegmentDevice, SegmentProbeCount


def upgrade(db):
    create_synced_tables(db, [SegmentDevice, SegmentProbeCount])
