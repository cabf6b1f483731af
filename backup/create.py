"""Writing one backup to one target: uploads, then the database parts, then the manifest."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyrage
from pyrage import x25519

from appliance import __version__
from appliance.files import TMP_SUFFIX, AtomicFile, fsync_dir, write_atomic
from backup import archive
from backup.atomic import PartWriter
from backup.errors import BackupError
from backup.snapshot import Snapshot

Progress = Callable[[int], None]


@dataclass
class Upload:
    path: str  # relative to the uploads directory
    size: int
    mtime_ns: int
    sha256: str | None = None  # known from an earlier night when the file did not change


class HashingReader:
    """Passes a file to the encryptor while hashing what was read."""

    def __init__(self, fh, on_read: Progress | None):
        self._fh = fh
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._on_read = on_read

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self.sha256.update(data)
        self.size += len(data)
        if self._on_read and data:
            self._on_read(len(data))
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def scan_uploads(uploads_dir: Path, cache: dict) -> list[Upload]:
    """Every file under the uploads directory; hashes reused for files unchanged since last time."""
    found = []
    if not uploads_dir.is_dir():
        return found
    for root, dirs, files in os.walk(uploads_dir):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # deleted meanwhile
            if not path.is_file():
                continue
            rel = path.relative_to(uploads_dir).as_posix()
            known = cache.get(rel)
            sha = known[2] if known and known[:2] == [stat.st_size, stat.st_mtime_ns] else None
            found.append(Upload(rel, stat.st_size, stat.st_mtime_ns, sha))
    return found


def load_hash_cache(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def save_hash_cache(path: Path, uploads: list[Upload]) -> None:
    data = {u.path: [u.size, u.mtime_ns, u.sha256] for u in uploads if u.sha256}
    write_atomic(path, json.dumps(data).encode())


class BackupWriter:
    """Writes the snapshot and the uploads into a school directory on a target."""

    def __init__(self, directory: Path, recipients: list[x25519.Recipient], part_size: int,
                 progress: Progress | None = None):
        self.directory = directory
        self.recipients = recipients
        self.part_size = part_size
        self.progress = progress
        self.new_objects: list[str] = []
        self._unsynced_dirs: set[Path] = set()
        self._device = directory.stat().st_dev

    def remove_leftovers(self) -> list[Path]:
        """Temporary files and database parts without a manifest, left by an interrupted run."""
        removed = []
        names = {p.name[:-len(archive.MANIFEST_SUFFIX)] for p in archive.manifests(self.directory)}
        for path in self.directory.iterdir():
            owner = archive.part_owner(path)
            if path.name.endswith(TMP_SUFFIX) or (owner is not None and owner not in names):
                path.unlink()
                removed.append(path)
        objects = self.directory / archive.OBJECTS
        if objects.is_dir():
            for path in objects.rglob("*" + TMP_SUFFIX):
                path.unlink()
                removed.append(path)
        return removed

    def bytes_to_write(self, snapshot: Snapshot, uploads: list[Upload]) -> int:
        new = sum(u.size for u in uploads
                  if not (u.sha256 and archive.object_path(self.directory, u.sha256).exists()))
        return snapshot.size + new

    def write(self, snapshot: Snapshot, uploads_dir: Path, uploads: list[Upload]) -> Path:
        name = archive.backup_name(snapshot.school.get("code", "school"), snapshot.created_at, self.directory)
        members = [self._store_upload(uploads_dir, upload) for upload in uploads]
        members = [m for m in members if m is not None]
        parts = PartWriter(self.directory, f"{name}.db", self.part_size)
        try:
            with open(snapshot.path, "rb") as fh:
                pyrage.encrypt_io(HashingReader(fh, self.progress), parts, self.recipients)
            db_parts = parts.close()
        except BaseException:
            parts.abort()
            raise
        manifest = {
            "kind": "okey-backup",
            "format": archive.FORMAT,
            "created_at": snapshot.created_at.isoformat(),
            "program_version": __version__,
            "schema_version": snapshot.schema_version,
            "instance_id": snapshot.instance_id,
            "school": snapshot.school,
            "recipients": [str(r) for r in self.recipients],
            "database": {"name": "okey.db", "size": snapshot.size, "sha256": snapshot.sha256, "parts": db_parts},
            "uploads": members,
            "row_counts": snapshot.row_counts,
        }
        for directory in sorted(self._unsynced_dirs, reverse=True):
            fsync_dir(directory)
        self._unsynced_dirs.clear()
        self._check_same_drive()
        path = self.directory / (name + archive.MANIFEST_SUFFIX)
        write_atomic(path, archive.encode_manifest(manifest, self.recipients))
        return path

    def _store_upload(self, uploads_dir: Path, upload: Upload) -> dict | None:
        if upload.sha256 and archive.object_path(self.directory, upload.sha256).exists():
            return {"path": upload.path, "size": upload.size, "sha256": upload.sha256}
        objects = self.directory / archive.OBJECTS
        objects.mkdir(exist_ok=True)
        out = AtomicFile(objects / uuid.uuid4().hex, hashed=False)
        try:
            try:
                fh = open(uploads_dir / upload.path, "rb")  # noqa: SIM115 - closed below
            except FileNotFoundError:
                out.abort()
                return None  # deleted while the backup ran; the database copy predates it
            with fh:
                reader = HashingReader(fh, self.progress)
                pyrage.encrypt_io(reader, out, self.recipients)
            upload.sha256, upload.size = reader.sha256.hexdigest(), reader.size
            final = archive.object_path(self.directory, upload.sha256)
            if final.exists():
                out.abort()
            else:
                final.parent.mkdir(exist_ok=True)
                out.commit(final, sync_dir=False)
                self._unsynced_dirs.update((final.parent, objects))
                self.new_objects.append(upload.sha256)
        except BaseException:
            out.abort()
            raise
        return {"path": upload.path, "size": upload.size, "sha256": upload.sha256}

    def _check_same_drive(self) -> None:
        try:
            device = self.directory.stat().st_dev
        except OSError:
            device = None
        if device != self._device:
            raise BackupError("Носитель отключили во время записи: каталог копий теперь на другом "
                              "устройстве или исчез.")
