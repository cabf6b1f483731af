"""Writing one backup to one target: uploads, then the database parts, then the manifest.

New uploads are encrypted by a few worker processes at once when there is enough to do (the
encryption holds Python's lock, so threads would not help): each worker reads, hashes,
encrypts and durably writes whole objects; this process renames nothing it has not been told
about and writes the manifest last, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import pyrage
from pyrage import x25519

from appliance import __version__
from appliance.files import TMP_SUFFIX, AtomicFile, fsync_dir, write_atomic
from backup import archive
from backup.atomic import HashSink, PartWriter
from backup.errors import BackupError
from backup.snapshot import Snapshot

Progress = Callable[[int], None]


@dataclass
class Upload:
    path: str  # relative to the uploads directory
    size: int
    mtime_ns: int
    sha256: str | None = None  # known from an earlier night when the file did not change

# Below this many new bytes (or with one core) the uploads are encrypted in this process: starting
# workers would cost more than it saves.
POOL_MIN_BYTES = 32 * 1024 * 1024
# Files up to this size are read whole (one read, one hash update) before encryption.
READ_WHOLE = 16 * 1024 * 1024


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


_CONTEXT = None


def _context():
    """Worker processes forked from a small server process started once (never from the portal's
    own threads) that has imported only this module."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["backup.create"])
    return _CONTEXT


_POOLS = 0  # runs now using the fork server
_POOLS_LOCK = threading.Lock()


@contextlib.contextmanager
def _fork_server() -> Iterator[multiprocessing.context.BaseContext]:
    """The fork server for a run's workers, ended when the last run using it is done: it holds
    ~14 MB beside the portal all day for work that happens once a night. The next night starts
    a new one (a few tenths of a second)."""
    global _POOLS
    with _POOLS_LOCK:
        _POOLS += 1
    try:
        yield _context()
    finally:
        with _POOLS_LOCK:
            _POOLS -= 1
            if _POOLS == 0:
                stop_fork_server()


def stop_fork_server() -> None:
    """End the fork server and multiprocessing's resource tracker (~7 MB, started with the pool; its
    semaphores are gone with the pool) if they run, the standard library's own way, which its tests
    use. Either starts again when the next night needs it."""
    from multiprocessing import forkserver, resource_tracker

    for server in (getattr(forkserver, "_forkserver", None), getattr(resource_tracker, "_resource_tracker", None)):
        stop = getattr(server, "_stop", None)
        if stop is not None:
            stop()


def fork_server_pid() -> int | None:
    from multiprocessing import forkserver

    return getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)


def encrypt_object(source: str, objects_dir: str, recipient_texts: list[str]) -> dict | None:
    """Read one upload, hash it, encrypt it and put it durably under objects/ by its SHA-256.

    Runs in a worker process or in this one. Returns the plaintext's and the encrypted file's
    size and SHA-256 and whether a file of that content was already there (then it is left as
    it was and the new encryption dropped); None if the upload was deleted meanwhile."""
    recipients = [x25519.Recipient.from_str(text) for text in recipient_texts]
    objects = Path(objects_dir)
    out = AtomicFile(objects / uuid.uuid4().hex)
    try:
        try:
            fh = open(source, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            out.abort()
            return None  # deleted while the backup ran; the database copy predates it
        with fh:
            size = os.fstat(fh.fileno()).st_size
            if size <= READ_WHOLE:
                data = fh.read()
                sha256 = hashlib.sha256(data).hexdigest()
                pyrage.encrypt_io(io.BytesIO(data), out, recipients)
                size = len(data)
                del data
            else:
                reader = HashingReader(io.BufferedReader(fh, 1 << 20), None)
                pyrage.encrypt_io(reader, out, recipients)
                sha256, size = reader.sha256.hexdigest(), reader.size
        final = archive.object_path(objects.parent, sha256)
        found = {"sha256": sha256, "size": size, "stored_sha256": out.sha256.hexdigest(), "stored_size": out.size}
        if final.exists():
            out.abort()
            return {**found, "existed": True}
        final.parent.mkdir(exist_ok=True)
        out.commit(final, sync_dir=False)
        return {**found, "existed": False}
    except BaseException:
        out.abort()
        raise


def stored_digest(path: Path, sha256: str, identity: x25519.Identity) -> tuple[str, int]:
    """An object written by an older version (no recorded hash of its encrypted bytes): decrypt it
    once, check its content, and return the SHA-256 and size of the encrypted file."""
    with open(path, "rb") as fh:
        reader = HashingReader(io.BufferedReader(fh, 1 << 20), None)  # the encrypted bytes, as read
        plain = HashSink()
        try:
            pyrage.decrypt_io(reader, plain, [identity])
        except (pyrage.DecryptError, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise
            raise BackupError(archive.describe_decrypt_error(exc, f"Файл {path.name} в прежней копии")) from None
    if plain.sha256.hexdigest() != sha256:
        raise BackupError(f"Файл {path.name} в прежней копии не совпадает с контрольной суммой.")
    return reader.sha256.hexdigest(), reader.size


def known_stored(directory: Path, identity: x25519.Identity | None) -> dict[str, tuple[str, int]]:
    """The encrypted files' hashes recorded by the newest readable backup in this directory."""
    if identity is None:
        return {}
    for path in archive.manifests(directory):
        try:
            manifest = archive.read_manifest(path, identity)
        except BackupError:
            continue
        return {m["sha256"]: (m["stored_sha256"], m["stored_size"]) for m in manifest["uploads"]
                if "stored_sha256" in m}
    return {}


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
    """Writes the snapshot and the uploads into a school directory on a target.

    `identity` (the appliance's key) lets the writer carry the encrypted files' hashes of
    uploads already on the target over from the newest backup there; without it, or for files an
    older version wrote, they are decrypted and checked once. `workers` encrypt new uploads in
    parallel (1: all in this process)."""

    def __init__(self, directory: Path, recipients: list[x25519.Recipient], part_size: int,
                 progress: Progress | None = None, identity: x25519.Identity | None = None,
                 workers: int | None = None):
        self.directory = directory
        self.recipients = recipients
        self.part_size = part_size
        self.progress = progress
        self.identity = identity
        self.workers = default_workers() if workers is None else max(1, workers)
        self.new_objects: list[str] = []
        self._unsynced_dirs: set[Path] = set()
        self._device = directory.stat().st_dev
        self._stored: dict[str, tuple[str, int]] | None = None

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
        members = self._store_uploads(uploads_dir, uploads)
        snapshot.ready()  # the database copy's integrity check, run meanwhile
        parts = PartWriter(self.directory, f"{name}.db", self.part_size)
        try:
            with open(snapshot.path, "rb") as fh:
                pyrage.encrypt_io(HashingReader(io.BufferedReader(fh, 1 << 20), self.progress), parts,
                                  self.recipients)
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

    def _stored_hashes(self) -> dict[str, tuple[str, int]]:
        if self._stored is None:
            self._stored = known_stored(self.directory, self.identity)
        return self._stored

    def _store_uploads(self, uploads_dir: Path, uploads: list[Upload]) -> list[dict]:
        """Every upload as a manifest member, in the order given; new ones encrypted and written."""
        members: dict[int, dict | None] = {}
        todo: list[int] = []
        for index, upload in enumerate(uploads):
            if upload.sha256 and archive.object_path(self.directory, upload.sha256).exists():
                members[index] = self._existing(upload.sha256, upload.path, upload.size)
            else:
                todo.append(index)
        if todo:
            objects = self.directory / archive.OBJECTS
            objects.mkdir(exist_ok=True)
            self._unsynced_dirs.add(objects)
            recipients = [str(r) for r in self.recipients]
            new_bytes = sum(uploads[i].size for i in todo)
            if self.workers > 1 and len(todo) > 1 and new_bytes >= POOL_MIN_BYTES:
                found = self._encrypt_in_workers(uploads_dir, uploads, todo, objects, recipients)
            else:
                found = {}
                for i in todo:
                    found[i] = encrypt_object(str(uploads_dir / uploads[i].path), str(objects), recipients)
                    self._advance(found[i])
            self._settle_twins(found.values())
            for index in todo:
                members[index] = self._record(uploads[index], found[index])
        return [members[i] for i in range(len(uploads)) if members[i] is not None]

    def _settle_twins(self, results) -> None:
        """Two uploads with the same content encrypted at once: both were renamed into place and the
        later one won; the file on disk is hashed so both members name what is really there."""
        fresh = [r for r in results if r and not r["existed"]]
        counts: dict[str, int] = {}
        for result in fresh:
            counts[result["sha256"]] = counts.get(result["sha256"], 0) + 1
        for sha256 in (sha for sha, n in counts.items() if n > 1):
            path = archive.object_path(self.directory, sha256)
            with open(path, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
            for result in fresh:
                if result["sha256"] == sha256:
                    result["stored_sha256"], result["stored_size"] = digest, path.stat().st_size

    def _advance(self, result: dict | None) -> None:
        if self.progress and result:
            self.progress(result["size"])

    def _encrypt_in_workers(self, uploads_dir: Path, uploads: list[Upload], todo: list[int], objects: Path,
                            recipients: list[str]) -> dict[int, dict | None]:
        found: dict[int, dict | None] = {}
        with _fork_server() as context, ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
            futures = {pool.submit(encrypt_object, str(uploads_dir / uploads[i].path), str(objects), recipients): i
                       for i in todo}
            try:
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    for future in done:
                        found[futures[future]] = future.result()  # a worker's error is raised here
                        self._advance(found[futures[future]])
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return found

    def _existing(self, sha256: str, path: str, size: int) -> dict:
        """A member whose content is already on the target, with its encrypted file's hash."""
        stored = self._stored_hashes().get(sha256)
        if stored is None and self.identity is None:
            return {"path": path, "size": size, "sha256": sha256}  # checked by decrypting, as format 1
        if stored is None:
            stored = stored_digest(archive.object_path(self.directory, sha256), sha256, self.identity)
            self._stored_hashes()[sha256] = stored
        return {"path": path, "size": size, "sha256": sha256, "stored_sha256": stored[0], "stored_size": stored[1]}

    def _record(self, upload: Upload, result: dict | None) -> dict | None:
        if result is None:
            return None
        upload.sha256, upload.size = result["sha256"], result["size"]
        if result["existed"]:
            return self._existing(result["sha256"], upload.path, result["size"])
        final = archive.object_path(self.directory, result["sha256"])
        self._unsynced_dirs.add(final.parent)
        if result["sha256"] not in self.new_objects:
            self.new_objects.append(result["sha256"])
        self._stored_hashes()[result["sha256"]] = (result["stored_sha256"], result["stored_size"])
        return {"path": upload.path, "size": result["size"], "sha256": result["sha256"],
                "stored_sha256": result["stored_sha256"], "stored_size": result["stored_size"]}

    def _check_same_drive(self) -> None:
        try:
            device = self.directory.stat().st_dev
        except OSError:
            device = None
        if device != self._device:
            raise BackupError("Носитель отключили во время записи: каталог копий теперь на другом "
                              "устройстве или исчез.")
