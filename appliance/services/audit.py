"""Recording security-relevant actions."""

from __future__ import annotations

import datetime

from appliance.models.audit import AuditLog
from appliance.models.base import utcnow


def record(action: str, user=None, actor: str = "", detail: str = "", address: str = "") -> None:
    AuditLog.create(action=action, user=user, actor=actor or (user.login if user else ""),
                    detail=detail, address=address or "")


def purge_older_than(days: int) -> int:
    cutoff = utcnow() - datetime.timedelta(days=days)
    return AuditLog.delete().where(AuditLog.at < cutoff).execute()


def recent(limit: int = 200, action: str | None = None) -> list[AuditLog]:
    query = AuditLog.select().order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if action:
        query = query.where(AuditLog.action == action)
    return list(query)
