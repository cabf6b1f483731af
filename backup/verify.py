"""Checking a backup member by member, and restoring it into a data directory."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import apsw
import pyrage
from pyrage import x25519

from appliance.files import AtomicFile
from appliance.migrations import latest_version
from backup import archive
from backup.atomic import ConcatReader, HashSink
from backup.errors import BackupError
from backup.snapshot import row_counts

Progress = Callable[[int], None]


@dataclass
class Checked:
    path: Path
    manifest: dict
    stored_bytes: int  # what the backup occupies on the target, shared uploads included

    @property
    def school(self) -> str:
        school = self.manifest.get("school", {})
        return f"«{school.get('name', '')}» ({school.get('code', '')})"


def _hash_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _reraise_io(exc: Exception) -> None:
    """Streaming decryption reports a failed authentication as an OSError without errno;
    a real one (a pulled drive) has an errno and is passed on."""
    if isinstance(exc, OSError) and exc.errno is not None:
        raise exc


def _database(path: Path, manifest: dict, identity: x25519.Identity, out, progress: Progress | None) -> None:
    """Decrypt the database parts into `out`, checking every part and the whole."""
    database = manifest["database"]
    paths = []
    for part in database["parts"]:
        part_path = path.parent / part["file"]
        try:
            size = part_path.stat().st_size
        except FileNotFoundError:
            raise BackupError(f"Не хватает части копии: {part['file']}.") from None
        if size != part["size"]:
            raise BackupError(f"Часть копии {part['file']} обрезана или повреждена "
                              f"(размер {size} вместо {part['size']}).")
        paths.append(part_path)
    reader = ConcatReader(paths, progress)
    try:
        pyrage.decrypt_io(reader, out, [identity])
    except (pyrage.DecryptError, OSError) as exc:
        _reraise_io(exc)
        for part, part_path in zip(database["parts"], paths, strict=True):
            if _hash_file(part_path) != part["sha256"]:
                raise BackupError(f"Часть копии {part['file']} повреждена: контрольная сумма не совпадает.") from None
        raise BackupError(archive.describe_decrypt_error(exc, "База данных в копии")) from None
    finally:
        reader.close()
    if out.sha256.hexdigest() != database["sha256"]:
        raise BackupError("База данных в копии не совпадает с записанной контрольной суммой.")


def _upload(directory: Path, member: dict, identity: x25519.Identity, out, progress: Progress | None) -> None:
    source = archive.object_path(directory, member["sha256"])
    try:
        fh = open(source, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise BackupError(f"В копии не хватает файла {member['path']} ({source.name}).") from None
    try:
        pyrage.decrypt_io(fh, out, [identity])
    except (pyrage.DecryptError, OSError) as exc:
        _reraise_io(exc)
        raise BackupError(archive.describe_decrypt_error(exc, f"Файл {member['path']} в копии")) from None
    finally:
        fh.close()
    if out.sha256.hexdigest() != member["sha256"]:
        raise BackupError(f"Файл {member['path']} в копии не совпадает с контрольной суммой.")
    if progress:
        progress(member["size"])


def check_school(manifest: dict, school_id: str | None, path: Path) -> None:
    if school_id is None:
        return
    school = manifest.get("school", {})
    if school.get("id") != school_id:
        raise BackupError(f"Копия {path.name} сделана в другой школе: «{school.get('name', '?')}» "
                          f"(код {school.get('code', '?')}). Для этого сервера она не подходит.")


def total_bytes(manifest: dict) -> int:
    unique = {m["sha256"]: m["size"] for m in manifest["uploads"]}
    return manifest["database"]["size"] + sum(unique.values())


def _stored(directory: Path, member: dict) -> int:
    """An upload checked by its encrypted file: the size and SHA-256 the manifest recorded when it
    was written. Returns the size."""
    source = archive.object_path(directory, member["sha256"])
    try:
        with open(source, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size != member["stored_size"]:
                raise BackupError(f"Файл {member['path']} в копии обрезан или повреждён "
                                  f"(размер {size} вместо {member['stored_size']}).")
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        raise BackupError(f"В копии не хватает файла {member['path']} ({source.name}).") from None
    if digest != member["stored_sha256"]:
        raise BackupError(f"Файл {member['path']} в копии повреждён: контрольная сумма не совпадает.")
    return size


VERIFY_THREADS = 2  # hashing works outside Python's lock: two files read and hashed at once


def verify_backup(path: Path, identity: x25519.Identity, school_id: str | None = None,
                  progress: Progress | None = None, full: bool = False) -> Checked:
    """Check every member and every hash; raise BackupError saying what is wrong.

    The manifest and the database are always decrypted and checked. Uploads whose encrypted
    file's hash the manifest records (format 2) are checked by that hash, unless `full`; the
    others (and all with `full`) are decrypted and their content's hash compared."""
    manifest = archive.read_manifest(path, identity)
    check_school(manifest, school_id, path)
    unique = {member["sha256"]: member for member in manifest["uploads"]}
    by_hash = [m for m in unique.values() if "stored_sha256" in m and not full]
    decrypted = [m for m in unique.values() if "stored_sha256" not in m or full]
    stored = path.stat().st_size
    with ThreadPoolExecutor(VERIFY_THREADS) as pool:
        # The encrypted files are hashed in threads while the database and the rest decrypt here.
        checks = [(member, pool.submit(_stored, path.parent, member)) for member in by_hash]
        try:
            sink = HashSink()
            _database(path, manifest, identity, sink, lambda n: None)
            if progress:
                progress(manifest["database"]["size"])
            stored += sum(part["size"] for part in manifest["database"]["parts"])
            for member in decrypted:
                _upload(path.parent, member, identity, HashSink(), progress)
                stored += archive.object_path(path.parent, member["sha256"]).stat().st_size
            for member, check in checks:
                stored += check.result()
                if progress:
                    progress(member["size"])
        except BaseException:
            for _, check in checks:
                check.cancel()
            raise
    return Checked(path, manifest, stored)


def restore_files(path: Path, identity: x25519.Identity, data_dir: Path, force: bool = False,
                  progress: Progress | None = None) -> dict:
    """Write the backup's database and uploads into data_dir; return the manifest.

    Nothing is replaced until the whole backup has decrypted and checked out: uploads go in
    first (new files only, each checked), the database last, so a data directory with a
    database in it always holds a complete restore.
    """
    db_path = data_dir / "okey.db"
    if db_path.exists() and not force:
        raise BackupError(f"В каталоге {data_dir} уже есть база данных. Восстановление заменит её — "
                          "если это и нужно, повторите команду с --force (сначала остановите портал).")
    manifest = archive.read_manifest(path, identity)
    newest = latest_version()
    if manifest.get("schema_version", 0) > newest:
        raise BackupError(f"Копия сделана более новой версией программы (схема {manifest['schema_version']}, "
                          f"эта программа знает схему до {newest}). Обновите программу и повторите "
                          "восстановление.")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o750)
    uploads_dir = data_dir / "uploads"
    for member in manifest["uploads"]:
        target = uploads_dir / member["path"]
        if uploads_dir.resolve() not in target.resolve().parents:
            raise BackupError(f"Недопустимое имя файла в копии: {member['path']}")
        target.parent.mkdir(parents=True, exist_ok=True)
        out = AtomicFile(target)
        try:
            _upload(path.parent, member, identity, out, progress)
            out.commit()
        except BaseException:
            out.abort()
            raise
    out = AtomicFile(db_path)
    try:
        _database(path, manifest, identity, out, progress)
        out.flush()
        _check_database(out.tmp, manifest)
        for stale in (data_dir / "okey.db-wal", data_dir / "okey.db-shm", data_dir / "okey.db-journal"):
            stale.unlink(missing_ok=True)  # a WAL left from the replaced database would corrupt this one
        out.commit()
    except BaseException:
        out.abort()
        raise
    return manifest


def _check_database(path: Path, manifest: dict) -> None:
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"База данных из копии не прошла проверку целостности: {'; '.join(problems[:3])}")
        counts = row_counts(conn)
    finally:
        conn.close()
    expected = manifest.get("row_counts", {})
    differ = [name for name in set(counts) | set(expected) if counts.get(name) != expected.get(name)]
    if differ:
        raise BackupError(f"Число строк в восстановленной базе не совпадает с копией: {', '.join(sorted(differ))}.")


def restore_test(path: Path, identity: x25519.Identity, work_dir: Path) -> dict:
    """A full restore into a temporary directory: integrity check, row counts, every file."""
    work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="restore-test-", dir=work_dir))
    try:
        return restore_files(path, identity, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
