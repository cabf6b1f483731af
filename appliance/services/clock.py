"""Whether the server's clock can be believed, and deadlines judged with that in mind.

A school server's clock can come back from a long holiday, a flat board battery or a replaced
motherboard years off. A clock years ahead would make every activation code, session and one-time link
look expired at once, and would let the night's age-based deletions (leavers' data, old audit entries,
read notifications, idle sessions) remove what must still be kept. A clock behind the newest record
stamps new rows before old ones. Until the administrator sets the clock right (the «Сервер» card and
`okey status` say so), deadlines are not judged passed and nothing is deleted by age.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from appliance.models.audit import AuditLog
from appliance.models.base import utcnow
from appliance.models.operations import JobRun

# The program cannot have been installed before its release, nor still run unchanged this long after it.
RELEASED = datetime.datetime(2026, 1, 1)
AHEAD_DAYS = 5 * 366
# Records from another server's clock (a restored backup) may be a little ahead of this one's.
BEHIND_SLACK = datetime.timedelta(hours=1)

OK, AHEAD, BEHIND = "ok", "ahead", "behind"


@dataclass(frozen=True)
class ClockCheck:
    state: str
    now: datetime.datetime
    newest: datetime.datetime | None  # the newest time the database has recorded


def ahead_by_years(now: datetime.datetime) -> bool:
    return now > RELEASED + datetime.timedelta(days=AHEAD_DAYS)


def newest_record() -> datetime.datetime | None:
    """The newest time the database has seen (audit log, job runs): a right clock is not before it."""
    audit = AuditLog.select(AuditLog.at).order_by(AuditLog.at.desc()).first()
    job = JobRun.select(JobRun.started_at).order_by(JobRun.started_at.desc()).first()
    found = []
    if audit is not None:
        found.append(audit.at)
    if job is not None:
        found.append(job.started_at)
    return max(found) if found else None


def check(now: datetime.datetime | None = None) -> ClockCheck:
    now = now or utcnow()
    newest = newest_record()
    if ahead_by_years(now):
        return ClockCheck(AHEAD, now, newest)
    if newest is not None and now < newest - BEHIND_SLACK:
        return ClockCheck(BEHIND, now, newest)
    return ClockCheck(OK, now, newest)


def trusted(now: datetime.datetime | None = None) -> bool:
    """May the night's work delete by age? Only when the clock is neither years ahead nor behind the records."""
    return check(now).state == OK


def has_passed(moment: datetime.datetime, now: datetime.datetime | None = None) -> bool:
    """Is this deadline over? Never while the clock is years ahead: that would expire everything at once."""
    now = now or utcnow()
    return now > moment and not ahead_by_years(now)
