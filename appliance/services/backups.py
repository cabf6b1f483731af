"""Backup status for the admin page, read from the recorded job runs (no backup code here)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from appliance.config import Settings
from appliance.i18n import N_, Message
from appliance.models.base import utcnow
from appliance.models.operations import JobRun
from appliance.services import operations
from appliance.services.validation import parse_clock
from appliance.targets import target_title

BACKUP = "backup"
RESTORE_TEST = "backup-restore-test"


def human_size(size: int) -> str:
    """Bytes as people say them: «512 байт», «3,4 МБ», «1,2 ГБ»."""
    if size < 1024:
        return f"{size} байт"
    value = size / 1024
    for unit in ("КБ", "МБ", "ГБ"):
        if value < 1024 or unit == "ГБ":
            break
        value /= 1024
    return f"{value:.1f} {unit}".replace(".", ",")


def age_text(age: datetime.timedelta) -> Message:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return Message(N_("%(n)s мин назад"), n=max(minutes, 0))
    if minutes < 48 * 60:
        return Message(N_("%(n)s ч назад"), n=minutes // 60)
    return Message(N_("%(n)s дн. назад"), n=minutes // (24 * 60))


@dataclass
class TargetStatus:
    spec: str
    title: Message
    last_good: JobRun | None
    last_run: JobRun | None
    age: datetime.timedelta | None
    too_old: bool

    @property
    def last_error(self) -> str:
        """The error of the latest run, when it failed."""
        return self.last_run.error if self.last_run and self.last_run.ok is False else ""


@dataclass
class BackupStatus:
    enabled: bool
    next_run: datetime.datetime | None
    max_age_days: int
    targets: list[TargetStatus]
    last_restore_test: JobRun | None

    @property
    def warning(self) -> bool:
        return any(target.too_old for target in self.targets)

    @property
    def stale(self) -> list[TargetStatus]:
        """The configured places whose last good copy is too old or missing."""
        return [target for target in self.targets if target.too_old]

    @property
    def freshest(self) -> TargetStatus | None:
        """The place with the newest good copy: the one line on the page names it, as the table does."""
        good = [target for target in self.targets if target.last_good and target.age is not None and not target.too_old]
        return min(good, key=lambda target: target.age) if good else None


def history(limit: int = 50) -> list[JobRun]:
    """Recent backups and restore tests, newest first."""
    return list(JobRun.select().where(JobRun.kind.in_((BACKUP, RESTORE_TEST)))
                .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit))


def next_run(settings: Settings, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the nightly backup runs next, in the school's time zone."""
    if not settings.backup.enabled:
        return None
    zone = ZoneInfo(settings.school.timezone)
    now = now or datetime.datetime.now(zone)
    hour, minute = parse_clock(settings.backup.time, "[backup] time")
    candidate = now.astimezone(zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= now:
        candidate += datetime.timedelta(days=1)
    return candidate


def backup_status(settings: Settings, now: datetime.datetime | None = None) -> BackupStatus:
    current = now or utcnow()
    limit = datetime.timedelta(days=settings.backup.max_age_days)
    specs = list(settings.backup.targets)
    # Targets given on the command line also appear, so every recorded run is visible.
    for (spec,) in JobRun.select(JobRun.target).where(JobRun.kind == BACKUP).distinct().tuples():
        if spec not in specs:
            specs.append(spec)
    targets = []
    for spec in specs:
        good = operations.latest(BACKUP, spec, ok=True)
        last = operations.latest(BACKUP, spec)
        age = current - good.finished_at if good and good.finished_at else None
        configured = spec in settings.backup.targets
        targets.append(TargetStatus(spec=spec, title=target_title(spec), last_good=good, last_run=last, age=age,
                                    too_old=configured and (age is None or age > limit)))
    return BackupStatus(enabled=settings.backup.enabled, next_run=next_run(settings),
                        max_age_days=settings.backup.max_age_days, targets=targets,
                        last_restore_test=operations.latest(RESTORE_TEST))
