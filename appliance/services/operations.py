"""Recording and reading runs of background jobs."""

from __future__ import annotations

from appliance.models.base import utcnow
from appliance.models.operations import JobRun
from appliance.services import audit, notifications


def start(kind: str, target: str = "") -> JobRun:
    return JobRun.create(kind=kind, target=target)


def finish(run: JobRun, ok: bool, *, size: int | None = None, path: str = "", error: str = "",
           detail: str = "") -> JobRun:
    run.finished_at = utcnow()
    run.ok = ok
    run.size = size
    run.path = path
    run.error = error
    run.detail = detail
    run.save()
    # Backups, restore tests and exports to the district are security-relevant: the audit log keeps them.
    audit.record(f"{run.kind}.{'ok' if ok else 'failed'}", actor="okey",
                 detail="; ".join(part for part in (run.target, path, error or detail) if part)[:1000])
    notifications.job_finished(run.kind, ok, error)
    return run


def latest(kind: str, target: str | None = None, ok: bool | None = None) -> JobRun | None:
    query = JobRun.select().where(JobRun.kind == kind)
    if target is not None:
        query = query.where(JobRun.target == target)
    if ok is not None:
        query = query.where(JobRun.ok == ok)
    return query.order_by(JobRun.started_at.desc(), JobRun.id.desc()).first()


def history(kind: str, limit: int = 20) -> list[JobRun]:
    return list(JobRun.select().where(JobRun.kind == kind)
                .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit))
