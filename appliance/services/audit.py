"""Recording security-relevant actions."""

from __future__ import annotations

import datetime

from appliance.i18n import N_
from appliance.models.audit import AuditLog
from appliance.models.base import utcnow

# What the administrator reads for each action; actions not listed show as recorded.
ACTIONS = {
    "login.ok": N_("Вход"),
    "login.failed": N_("Неудачный вход"),
    "login.throttled": N_("Вход заблокирован: много неудачных попыток"),
    "login.inactive": N_("Попытка входа в отключённую учётную запись"),
    "logout": N_("Выход"),
    "activation.failed": N_("Неверный код активации"),
    "activation.throttled": N_("Ввод кода активации заблокирован: много неверных кодов"),
    "account.activate": N_("Активация по коду"),
    "account.change_password": N_("Смена пароля"),
    "account.reset_password": N_("Сброс пароля администратором"),
    "users.import": N_("Импорт списков"),
    "cards.print": N_("Печать карточек входа"),
    "export": N_("Выгрузка данных"),
    "achievement.submit": N_("Достижение отправлено на проверку"),
    "achievement.withdraw": N_("Достижение возвращено в черновик учеником"),
    "achievement.confirm": N_("Достижение подтверждено"),
    "achievement.return": N_("Достижение возвращено на доработку"),
    # Runs of background jobs: "<JobRun kind>.ok" and ".failed" (services/operations.py records them).
    "backup.ok": N_("Резервная копия сделана"),
    "backup.failed": N_("Резервная копия не сделана"),
    "backup-restore-test.ok": N_("Пробное восстановление прошло"),
    "backup-restore-test.failed": N_("Пробное восстановление не прошло"),
    "sync-export.ok": N_("Выгрузка в район сделана"),
    "sync-export.failed": N_("Выгрузка в район не сделана"),
    "backup.restore": N_("Восстановление из резервной копии"),
}


# The log is read by people: it keeps the newest rows up to this many (about 40 MB at most),
# whatever a flood of failed logins writes, besides the age bound of the nightly purge.
MAX_ROWS = 200_000
# Field lengths (SQLite does not enforce CharField's max_length): what a client typed is cut here.
_LIMITS = {"action": 64, "actor": 64, "address": 64, "detail": 2000}


def clip(text: str | None, limit: int) -> str:
    """At most `limit` characters; a cut is marked with «…»."""
    text = text or ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def record(action: str, user=None, actor: str = "", detail: str = "", address: str = "") -> None:
    row = AuditLog.create(action=clip(action, _LIMITS["action"]), user=user,
                          actor=clip(actor or (user.login if user else ""), _LIMITS["actor"]),
                          detail=clip(detail, _LIMITS["detail"]), address=clip(address, _LIMITS["address"]))
    # The size bound: one range delete on the primary key, nothing to do most of the time.
    AuditLog.delete().where(AuditLog.id <= row.id - MAX_ROWS).execute()


def purge_older_than(days: int) -> int:
    cutoff = utcnow() - datetime.timedelta(days=days)
    return AuditLog.delete().where(AuditLog.at < cutoff).execute()


# What the administrator's home lists as alarms: refusals and failures, not the everyday entries.
ALARMS = ("login.throttled", "login.inactive", "activation.throttled", "backup.failed",
          "backup-restore-test.failed", "sync-export.failed")


def alarms(limit: int = 3) -> list[AuditLog]:
    return list(AuditLog.select().where(AuditLog.action.in_(ALARMS))
                .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit))


def recent(limit: int = 200, action: str | None = None) -> list[AuditLog]:
    query = AuditLog.select().order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if action:
        query = query.where(AuditLog.action == action)
    return list(query)
