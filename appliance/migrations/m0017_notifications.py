"""Уведомления: вид, группировка, счётчик, быстрый подсчёт непрочитанных и отключение видов"""

# Frozen here: the columns, indexes and the table this migration adds, declared in this file only.

from peewee import CharField, ForeignKeyField, IntegerField, UUIDField
from playhouse.migrate import SchemaMigrator, migrate

from appliance.migrations.schema import FrozenModel, create_tables


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class NotificationMute(FrozenModel):
    """A kind of notification one person chose not to receive: their own setting, never synced."""

    id = UUIDField(primary_key=True)
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=32)

    class Meta:
        table_name = "notification_mute"
        indexes = ((("user", "kind"), True),)


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(
        migrator.add_column("notification", "kind", CharField(max_length=32, default="reminder")),
        migrator.add_column("notification", "group_key", CharField(max_length=120, default="")),
        migrator.add_column("notification", "count", IntegerField(default=1)),
        # The bell counts a person's unread ones on every page; the list pages through them by time.
        migrator.add_index("notification", ("user_id", "read_at"), False),
        migrator.add_index("notification", ("user_id", "created_at"), False),
        migrator.add_index("notification", ("user_id", "group_key"), False),
    )
    create_tables(db, [NotificationMute])
