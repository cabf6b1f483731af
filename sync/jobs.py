"""The school's export run (nightly and `okey sync export`): pick up receipts, make the bundle,
deliver it to every transport, and record the run for the admin page."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from appliance.config import Settings
from appliance.services import audit, operations, sync_state
from appliance.services.school import get_school
from sync import receipts
from sync.errors import SyncError
from sync.export import ExportResult, export
from sync.transport import (
    HubUnreachable,
    copy_to,
    error_message,
    outbox,
    post_bundle,
    resolve_target,
    sync_settings,
)

log = logging.getLogger("okey.sync")


@dataclass
class RunReport:
    result: ExportResult | None = None
    copies: list[Path] = field(default_factory=list)
    receipts: list[dict] = field(default_factory=list)
    hub_answer: dict | None = None
    problems: list[str] = field(default_factory=list)


def _receipt_dirs(settings: Settings, extra: list[Path]) -> list[Path]:
    dirs = [outbox(settings), *extra]
    for spec in sync_settings(settings).targets:
        try:
            dirs.append(resolve_target(spec))
        except SyncError:
            continue
    return dirs


def run_export(settings: Settings, out_dirs: list[Path] | None = None, scope: str | None = None,
               send: bool = True) -> RunReport:
    """One export run. Raises SyncError when no bundle could be made; delivery problems are
    reported (the bundle stays pending and goes again next time)."""
    config = sync_settings(settings)
    out_dirs = out_dirs or []
    report = RunReport()
    run = operations.start(sync_state.EXPORT_JOB, target=config.hub_url or "outbox")
    try:
        school_id = get_school().id.hex
        report.receipts = receipts.collect(_receipt_dirs(settings, out_dirs), school_id)
        report.result = export(outbox(settings), settings.keys_dir, scope or config.scope)
    except SyncError as exc:
        operations.finish(run, False, error=exc.message)
        raise
    path = report.result.path
    # Data leaving the building is a security event: the journal says what and how much.
    audit.record("export", actor="sync", detail=f"district scope={report.result.manifest['scope']} "
                 f"rows={report.result.rows} seq={report.result.seq_from}-{report.result.seq_to} {path.name}")
    for directory in out_dirs:
        report.copies.append(copy_to(path, directory))
    if send:
        for spec in config.targets:
            try:
                report.copies.append(copy_to(path, resolve_target(spec)))
            except SyncError as exc:
                report.problems.append(exc.message)
            except OSError as exc:
                report.problems.append(f"Не удалось записать пакет в {spec}: {exc.strerror or exc}.")
        if config.hub_url:
            _send(path, config, school_id, report)
    operations.finish(run, not report.problems, size=path.stat().st_size, path=str(path),
                      error=" ".join(report.problems),
                      detail=f"rows={report.result.rows} seq={report.result.seq_from}-{report.result.seq_to}")
    return report


def _send(path: Path, config, school_id: str, report: RunReport) -> None:
    try:
        answer = post_bundle(path, config.hub_url, config.retries, config.backoff_seconds, config.timeout_seconds)
    except HubUnreachable as exc:
        report.problems.append(exc.message)
        return
    if answer.status >= 400:
        report.problems.append(f"Хаб района не принял пакет: {error_message(answer.body)}")
        return
    try:
        fields, _ = receipts.accept_receipt(answer.body, school_id)
    except SyncError as exc:
        report.problems.append(exc.message)
        return
    report.hub_answer = fields
    report.receipts.append(fields)


def nightly(settings: Settings) -> RunReport | None:
    """The scheduled export: only at an enrolled school; failures are recorded, not raised."""
    if not sync_settings(settings).enabled or not sync_state.district_key():
        return None
    try:
        report = run_export(settings)
    except SyncError as exc:
        log.warning("sync export failed: %s", exc.message)
        return None
    for problem in report.problems:
        log.warning("sync export: %s", problem)
    return report
