"""Хаб района: школы и их ключи, журнал полученных пакетов, полученные строки"""

from appliance.models.hub import HUB_MODELS


def upgrade(db):
    # Hub-side facts are never synced: plain tables, no change triggers.
    db.create_tables(HUB_MODELS)
