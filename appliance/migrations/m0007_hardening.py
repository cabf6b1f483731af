"""Сессии входа на сервере: выход из портала действительно завершает сессию"""

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, UUIDField

from appliance.migrations.schema import FrozenModel, create_tables


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class WebSession(FrozenModel):
    id = AutoField()
    token_hash = CharField(unique=True, max_length=64)
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    created_at = DateTimeField()
    last_seen_at = DateTimeField(index=True)
    address = CharField(max_length=64)

    class Meta:
        table_name = "web_session"


def upgrade(db):
    create_tables(db, [WebSession])
