"""A backup run over every target, recorded as job runs for the admin page; the nightly job."""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyrage import x25519

from appliance.config import Settings
from appliance.models.base import utcnow
from appliance.services import operations
from appliance.services.backups import BACKUP, RESTORE_TEST
from backup import archive
from backup.create import BackupWriter, load_hash_cache, save_hash_cache, scan_uploads
from backup.errors import BackupError
from backup.keys import appliance_identity, recipients
from backup.retention import prune
from backup.snapshot import Snapshot, take_snapshot
from backup.targets import check_room, check_writable, describe_os_error, human_size, locate, parse_target
from backup.verify import Checked, restore_test, total_bytes, verify_backup

log = logging.getLogger("okey.backup")
# The server's logging setup shows these lines; the command line prints its own summary.
log.addHandler(logging.NullHandler())

# Encryption adds a little (16 bytes per 64 KiB and a header per file); room is checked with a margin.
_ROOM_MARGIN = 1.01
_ROOM_EXTRA = 1 << 20


class Reporter:
    """Progress of a run; the CLI shows it as a bar, the nightly job ignores it."""

    def stage(self, description: str, total: int) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass
class TargetResult:
    spec: str
    title: str
    ok: bool
    path: Path | None = None
    size: int = 0
    error: str = ""
    detail: str = ""


@contextlib.contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """One backup at a time. flock is released by the kernel when a process dies: no stale locks."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "backup.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError("Резервное копирование уже идёт в другом процессе.") from None
        yield


def run_backups(settings: Settings, specs: list[str] | None = None,
                reporter: Reporter | None = None) -> list[TargetResult]:
    """Back up to every target; a failing target is recorded and the others still get their copy."""
    reporter = reporter or Reporter()
    specs = list(specs or settings.backup.targets)
    if not specs:
        raise BackupError("Не задано, куда сохранять копии: укажите --target или [backup] targets в настройках.")
    if settings.database.url:
        raise BackupError("Эта команда копирует базу SQLite; базу PostgreSQL копируйте средствами PostgreSQL.")
    identity = appliance_identity(settings)
    recips = recipients(settings, identity)
    work_dir = settings.state_dir / "backup-work"
    with run_lock(settings.state_dir):
        try:
            snapshot = take_snapshot(settings.db_path, work_dir, _pages(reporter), background=True)
        except (BackupError, OSError) as exc:
            error = str(exc) if isinstance(exc, BackupError) else \
                f"Не удалось скопировать базу данных: {describe_os_error(exc)}."
            log.error("backup: database copy failed: %s", error)
            return [_record_failure(spec, error) for spec in specs]
        log.info("backup: database copied, %s, schema %s", human_size(snapshot.size), snapshot.schema_version)
        cache_path = settings.state_dir / "backup-uploads.json"
        uploads = scan_uploads(settings.uploads_dir, load_hash_cache(cache_path))
        try:
            results = [_to_target(settings, spec, snapshot, uploads, identity, recips, reporter) for spec in specs]
            save_hash_cache(cache_path, uploads)
        finally:
            with contextlib.suppress(BackupError, OSError):
                snapshot.ready()  # the check's thread is done with the copy before it is removed
            shutil.rmtree(work_dir, ignore_errors=True)
    return results


def _pages(reporter: Reporter):
    """Progress of the database copy, reported in pages."""
    copied = [0]

    def update(done: int, total: int) -> None:
        if copied[0] == 0:
            reporter.stage("Копирую базу данных", total)
        reporter.advance(done - copied[0])
        copied[0] = done
    return update


def _record_failure(spec: str, error: str) -> TargetResult:
    operations.finish(operations.start(BACKUP, spec), False, error=error)
    return TargetResult(spec, str(parse_target(spec).title), False, error=error)


def _to_target(settings: Settings, spec: str, snapshot: Snapshot, uploads: list, identity: x25519.Identity,
               recips: list[x25519.Recipient], reporter: Reporter) -> TargetResult:
    run = operations.start(BACKUP, spec)
    title = spec
    path = None
    try:
        target = parse_target(spec)
        title = target.title
        base = locate(target, settings.data_dir)
        check_writable(base)
        directory = archive.school_dir(base, snapshot.school.get("code", "school"))
        directory.mkdir(exist_ok=True)
        writer = BackupWriter(directory, recips, settings.backup.part_size_mb * 1024 * 1024, reporter.advance,
                              identity=identity)
        for leftover in writer.remove_leftovers():
            log.info("backup: %s: removed leftover of an interrupted run: %s", spec, leftover.name)
        needed = writer.bytes_to_write(snapshot, uploads)
        check_room(directory, int(needed * _ROOM_MARGIN) + _ROOM_EXTRA)
        reporter.stage(f"{title}: запись", needed)
        path = writer.write(snapshot, settings.uploads_dir, uploads)
        log.info("backup: %s: written %s (%d new files)", spec, path, len(writer.new_objects))
        unique = {u.sha256: u.size for u in uploads if u.sha256}
        reporter.stage(f"{title}: проверка", snapshot.size + sum(unique.values()))
        checked = _verify_new(path, identity, snapshot.school.get("id"), reporter)
        detail = f"файлов: {len(checked.manifest['uploads'])}, новых: {len(writer.new_objects)}, "
        try:
            pruned = prune(directory, path, identity, settings.backup.keep_daily, settings.backup.keep_weekly,
                           settings.backup.keep_monthly)
            detail += f"удалено старых копий: {len(pruned.backups)}"
            if pruned.backups or pruned.objects:
                log.info("backup: %s: retention removed %d backups and %d files", spec, len(pruned.backups),
                         pruned.objects)
        except (BackupError, OSError) as exc:
            # The new backup is written and verified; only the clean-up failed.
            reason = str(exc) if isinstance(exc, BackupError) else describe_os_error(exc)
            detail += f"старые копии не удалены: {reason}"
            log.warning("backup: %s: retention failed: %s", spec, reason)
        operations.finish(run, True, size=checked.stored_bytes, path=str(path), detail=detail)
        log.info("backup: %s: verified, %s", spec, human_size(checked.stored_bytes))
        return TargetResult(spec, title, True, path, checked.stored_bytes, detail=detail)
    except BackupError as exc:
        error = str(exc)
    except OSError as exc:
        error = f"{title}: копия не записана — {describe_os_error(exc)}."
    except Exception as exc:  # recorded and logged: the other targets still get their copy
        log.exception("backup: %s: unexpected failure", spec)
        error = f"{title}: непредвиденная ошибка ({type(exc).__name__}: {exc}). Подробности в журнале сервера."
    operations.finish(run, False, path=str(path or ""), error=error)
    log.error("backup: %s: failed: %s", spec, error)
    return TargetResult(spec, title, False, path, error=error)


def _verify_new(path: Path, identity: x25519.Identity, school_id: str | None, reporter: Reporter) -> Checked:
    """Check the new backup; a backup that fails its check is removed, never left looking good."""
    try:
        return verify_backup(path, identity, school_id, reporter.advance)
    except (BackupError, OSError) as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        message = exc if isinstance(exc, BackupError) else describe_os_error(exc)
        raise BackupError(f"Новая копия не прошла проверку и удалена: {message}") from None


def restore_test_due(settings: Settings, spec: str) -> bool:
    last = operations.latest(RESTORE_TEST, spec, ok=True)
    limit = datetime.timedelta(days=settings.backup.restore_test_days)
    return last is None or last.finished_at is None or utcnow() - last.finished_at >= limit


def run_restore_test(settings: Settings, spec: str, path: Path) -> bool:
    """Restore a backup into a temporary directory and compare; recorded for the admin page."""
    run = operations.start(RESTORE_TEST, spec)
    try:
        manifest = restore_test(path, appliance_identity(settings), settings.state_dir / "restore-test")
    except (BackupError, OSError) as exc:
        error = str(exc) if isinstance(exc, BackupError) else describe_os_error(exc)
        operations.finish(run, False, path=str(path), error=f"Пробное восстановление не удалось: {error}")
        log.error("backup: %s: restore test of %s failed: %s", spec, path.name, error)
        return False
    operations.finish(run, True, size=total_bytes(manifest), path=str(path),
                      detail=f"строк: {sum(manifest['row_counts'].values())}, файлов: {len(manifest['uploads'])}")
    log.info("backup: %s: restore test of %s passed", spec, path.name)
    return True


def nightly(settings: Settings) -> None:
    """The scheduled job: back up everywhere, and once a week prove a backup restores."""
    try:
        results = run_backups(settings)
    except BackupError as exc:
        log.error("backup: not started: %s", exc)
        for spec in settings.backup.targets:
            _record_failure(spec, str(exc))
        return
    for result in results:
        if result.ok and restore_test_due(settings, result.spec):
            run_restore_test(settings, result.spec, result.path)


# A server switched off at night misses the nightly run; a copy is then made during the day.
CATCH_UP_AFTER = datetime.timedelta(hours=26)


def catch_up(settings: Settings) -> bool:
    """Run the nightly job now if no backup has been attempted for more than a day; True if it ran."""
    last = operations.latest(BACKUP)
    if last is not None and utcnow() - last.started_at < CATCH_UP_AFTER:
        return False
    log.info("backup: no backup for more than a day, catching up now")
    nightly(settings)
    return True
