"""A consistent copy of the live SQLite database, taken while the portal keeps writing.

SQLite's online backup API copies page by page inside one read transaction held on the
source (WAL mode lets writers go on meanwhile), so the copy is the database as of one
moment: no torn rows, and no restarts however busy the writers are. The copy is checked
with `PRAGMA integrity_check` before anything that depends on it is written: the nightly run
starts the check in a thread of its own (SQLite works without Python's lock) and encrypts
the uploads meanwhile; the database parts and the manifest wait for the check's verdict.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import apsw

from backup.errors import BackupError

PAGES_PER_STEP = 1024
DAMAGED = ("База данных сервера повреждена, копия не сделана (прежние копии целы; восстановите "
           "последнюю из них или обратитесь в поддержку)")


@dataclass
class Snapshot:
    path: Path
    size: int
    sha256: str
    created_at: datetime.datetime
    schema_version: int
    instance_id: str
    school: dict
    row_counts: dict[str, int] = field(default_factory=dict)
    _checking: threading.Thread | None = field(default=None, repr=False, compare=False)
    _problem: BaseException | None = field(default=None, repr=False, compare=False)

    def ready(self) -> None:
        """Wait for the copy's integrity check and hash; raise BackupError if the copy is damaged."""
        if self._checking is not None:
            self._checking.join()
            self._checking = None
        if self._problem is not None:
            raise self._problem


def _check_copy(copy: Path) -> str:
    """`PRAGMA integrity_check` on the copy, then its SHA-256 (after an fsync)."""
    try:
        conn = apsw.Connection(str(copy), flags=apsw.SQLITE_OPEN_READONLY)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except (apsw.CorruptError, apsw.NotADBError) as exc:
        raise BackupError(f"{DAMAGED}: {exc}") from None
    except apsw.Error as exc:
        raise BackupError(f"Не удалось проверить копию базы данных: {exc}") from None
    if problems != ["ok"]:
        raise BackupError(f"{DAMAGED}: {'; '.join(problems[:3])}")
    with open(copy, "rb") as fh:
        os.fsync(fh.fileno())
        return hashlib.file_digest(fh, "sha256").hexdigest()


def take_snapshot(db_path: Path, work_dir: Path,
                  progress: Callable[[int, int], None] | None = None, background: bool = False) -> Snapshot:
    """Copy the live database into work_dir and check the copy.

    With background=True the integrity check and the hash run in a thread and the caller calls
    `ready()` before it uses `sha256` or the copy's bytes; otherwise they are done on return."""
    if not db_path.exists():
        raise BackupError(f"База данных не найдена: {db_path}")
    shutil.rmtree(work_dir, ignore_errors=True)  # what a killed run left behind
    work_dir.mkdir(parents=True, mode=0o700)
    copy = work_dir / "okey.db"
    created = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    source = apsw.Connection(str(db_path))
    try:
        source.set_busy_timeout(30000)
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_schema").fetchall()  # starts the read transaction
        dest = apsw.Connection(str(copy))
        try:
            with dest.backup("main", source, "main") as step:
                while not step.done:
                    step.step(PAGES_PER_STEP)
                    if progress:
                        progress(step.pagecount - step.remaining, step.pagecount)
            source.execute("COMMIT")
            # The copy is one self-contained file: no WAL beside it.
            dest.execute("PRAGMA journal_mode=DELETE").fetchall()
            facts = _facts(dest)
        finally:
            dest.close()
    except (apsw.CorruptError, apsw.NotADBError) as exc:
        raise BackupError(f"{DAMAGED}: {exc}") from None
    except apsw.Error as exc:
        raise BackupError(f"Не удалось скопировать базу данных: {exc}") from None
    finally:
        source.close()
    snapshot = Snapshot(path=copy, size=copy.stat().st_size, sha256="", created_at=created, **facts)

    def check() -> None:
        try:
            snapshot.sha256 = _check_copy(copy)
        except BaseException as exc:  # handed to the caller by ready()
            snapshot._problem = exc

    if background:
        snapshot._checking = threading.Thread(target=check, name="okey-backup-check", daemon=True)
        snapshot._checking.start()
    else:
        check()
        snapshot.ready()
    return snapshot


def _facts(conn: apsw.Connection) -> dict:
    meta = dict(conn.execute("SELECT key, value FROM okey_meta"))
    school = conn.execute("SELECT id, code, name FROM school ORDER BY created_at LIMIT 1").fetchall()
    return {
        "schema_version": int(meta.get("schema_version", 0)),
        "instance_id": meta.get("instance_id", ""),
        "school": dict(zip(("id", "code", "name"), school[0], strict=True)) if school else {},
        "row_counts": row_counts(conn),
    }


def row_counts(conn: apsw.Connection) -> dict[str, int]:
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    # Table names come from the database's own schema, quoted as identifiers.
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]  # noqa: S608  # nosec B608
            for name in tables}
