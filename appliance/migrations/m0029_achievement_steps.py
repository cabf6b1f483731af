"""Шаги проверки достижения хранятся при достижении, а не только в журнале безопасности"""

# Frozen here: the table this migration adds, and the audit entries it is first filled from. The
# review's steps used to be read from the audit log, which is purged by age and by size (a flood of
# failed logins from the open Wi-Fi could push them out); from now on they are rows of their own.

import datetime
import uuid

from peewee import CharField, Check, DateTimeField, ForeignKeyField, TextField, UUIDField

from appliance.migrations.schema import FrozenModel, create_tables

STEPS = ("achievement.submit", "achievement.withdraw", "achievement.confirm", "achievement.return")


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class Achievement(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "achievement"


class AuditLog(FrozenModel):  # created by m0001
    at = DateTimeField()
    user_id = UUIDField(null=True)
    action = CharField()
    detail = TextField()

    class Meta:
        table_name = "audit_log"


class AchievementStep(FrozenModel):
    id = UUIDField(primary_key=True, default=uuid.uuid4)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    achievement = ForeignKeyField(Achievement, backref="+", on_delete="CASCADE")
    action = CharField(max_length=32, constraints=[Check("length(action) <= 32")])
    by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    at = DateTimeField(index=True)

    class Meta:
        table_name = "achievement_step"


def _uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def upgrade(db):
    create_tables(db, [AchievementStep], synced=(AchievementStep,))
    with db.bind_ctx([AchievementStep, Achievement, User, AuditLog]):
        found = [(entry.at, entry.action, entry.user_id, entry.detail)
                 for entry in AuditLog.select().where(AuditLog.action.in_(STEPS)).order_by(AuditLog.at, AuditLog.id)]
        wanted = {_uuid(detail) for _, _, _, detail in found} - {None}
        existing = {row.id for row in Achievement.select(Achievement.id).where(Achievement.id.in_(list(wanted)))} \
            if wanted else set()
        users = {user for _, _, user, _ in found if user}
        known = {row.id for row in User.select(User.id).where(User.id.in_(list(users)))} if users else set()
        rows, last = [], {}
        for at, action, user, detail in found:
            achievement = _uuid(detail)
            if achievement not in existing:
                continue
            # The log counts whole seconds; steps of one second keep the log's order.
            if achievement in last and at <= last[achievement]:
                at = last[achievement] + datetime.timedelta(microseconds=1)
            last[achievement] = at
            rows.append({"id": uuid.uuid4(), "created_at": at, "updated_at": at, "achievement": achievement,
                         "action": action, "by": user if user in known else None, "at": at})
        for start in range(0, len(rows), 500):
            AchievementStep.insert_many(rows[start:start + 500]).execute()
