"""Backup throughput against a plain copy of the same bytes, and the cost of the next night.

`python -m bench.backup_bench` prints the figures; `make bench` runs it with the others.
A generated school (1,200 students) plus uploads of photo-like random data is backed up to a
directory on the same disk: first against `cp`-like copying with fsync of the same database
and files (ratio from the same run), then a second night with a few new uploads, where only
the database and the new files are written (and the whole backup is verified again).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

UPLOADS = 300
UPLOAD_SIZE = 700_000
NEW_UPLOADS = 5
GOAL = 0.5  # the first night at half the speed of a plain copy or better (issue 21)


def _add_uploads(uploads_dir: Path, count: int, size: int) -> int:
    import hashlib

    total = 0
    for _ in range(count):
        data = os.urandom(size)
        sha = hashlib.sha256(data).hexdigest()
        path = uploads_dir / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += size
    return total


def _plain_copy(settings, out: Path) -> int:
    """What an administrator's `cp -r` + `sync` would do with the same bytes."""
    copied = 0
    sources = [settings.db_path] + sorted(p for p in settings.uploads_dir.rglob("*") if p.is_file())
    for source in sources:
        target = out / source.relative_to(settings.data_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        copied += source.stat().st_size
    return copied


def _verdict(met: bool) -> str:
    return "достигнута" if met else "не достигнута"


def _written_since(path: Path, since: float) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and p.stat().st_mtime >= since)


def run(ctx) -> list[dict]:
    from appliance.config import load_settings
    from appliance.db import database, open_database
    from backup.jobs import run_backups
    from backup.keys import appliance_identity, ensure_key
    from backup.verify import verify_backup

    data_dir = ctx.work / "data"
    ctx.generate_school(data_dir)
    settings = load_settings(data_dir=data_dir, environ={})
    ensure_key(settings)
    uploads = _add_uploads(settings.uploads_dir, UPLOADS, UPLOAD_SIZE)
    open_database(settings)
    database.connect(reuse_if_open=True)
    mb = 1024 * 1024
    same_bytes = settings.db_path.stat().st_size + uploads

    started = time.perf_counter()
    _plain_copy(settings, ctx.work / "plain")
    plain = time.perf_counter() - started

    target = ctx.work / "target"
    started = time.perf_counter()
    first = run_backups(settings, [str(target)])[0]
    backup = time.perf_counter() - started
    assert first.ok, first.error
    started = time.perf_counter()
    verify_backup(first.path, appliance_identity(settings), full=True)
    verify = time.perf_counter() - started

    new = _add_uploads(settings.uploads_dir, NEW_UPLOADS, UPLOAD_SIZE)
    wall = time.time()
    started = time.perf_counter()
    second = run_backups(settings, [str(target)])[0]
    night = time.perf_counter() - started
    assert second.ok, second.error
    written = _written_since(target, wall - 1)
    database.close()

    plain_rate, backup_rate = same_bytes / mb / plain, same_bytes / mb / backup
    rows = [
        {"scenario": "backup: plain copy", "load": f"{same_bytes / mb:.0f} МБ",
         "note": f"{plain:.2f} с, {plain_rate:.0f} МБ/с (копирование с fsync, те же байты)"},
        {"scenario": "backup: first night", "load": f"{same_bytes / mb:.0f} МБ", "ratio": backup_rate / plain_rate,
         "note": f"{backup:.2f} с, {backup_rate:.0f} МБ/с с шифрованием и проверкой "
                 f"(отдельная полная проверка с расшифровкой ≈{verify:.2f} с); доля — от простого копирования; "
                 f"цель ≥ {GOAL:.2f}: {_verdict(backup_rate / plain_rate >= GOAL)}"},
        {"scenario": "backup: next night", "load": f"+{NEW_UPLOADS} файлов, {new / mb:.1f} МБ",
         "ratio": night / backup,
         "note": f"{night:.2f} с, записано {written / mb:.1f} МБ (база и новые файлы; проверка всей копии "
                 f"≈{verify:.2f} с); доля — от времени первой ночи"},
    ]
    return rows


def main() -> None:
    from bench.module import Context

    with tempfile.TemporaryDirectory(prefix="okey-backup-bench-") as work:
        for row in run(Context(Path(work))):
            ratio = f"  доля {row['ratio']:.0%}" if row.get("ratio") is not None else ""
            print(f"{row['scenario']:<22} {row['load']:<22}{ratio}  {row['note']}")


if __name__ == "__main__":
    main()
