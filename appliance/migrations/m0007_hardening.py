"""Сессии входа на сервере: выход из портала действительно завершает сессию"""

from appliance.models.sessions import WebSession


def upgrade(db):
    db.create_tables([WebSession])
