"""Durable writes: a file appears under its name only when it is complete and on disk.

Every file is written under a temporary name in the same directory (`<name>.tmp` unless the
caller asks for another suffix), flushed and fsynced, renamed over its name with `os.replace`,
and the directory is fsynced, so a crash or a pulled drive leaves at most the temporary file
behind and never a half-written one under the real name.

Used by backups, sync bundles, uploads, keys and settings, rendered configuration and PDFs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import BinaryIO

TMP_SUFFIX = ".tmp"
PRIVATE = 0o600  # keys and secrets: the owner only


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A file written under a temporary name and put in place by `commit()`.

    `mode` sets the permission bits of the file from the moment it exists (e.g. PRIVATE for
    keys); None keeps the process default. `tmp_suffix` names the temporary file
    (`<name><tmp_suffix>`); make it unique when several threads may write the same name.
    """

    def __init__(self, path: Path, *, hashed: bool = True, mode: int | None = None,
                 tmp_suffix: str = TMP_SUFFIX):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + tmp_suffix)
        self.size = 0
        self.sha256 = hashlib.sha256() if hashed else None
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
        if mode is not None:
            os.fchmod(fd, mode)  # the umask may have taken bits the caller asked for
        self._fh = os.fdopen(fd, "wb")

    def write(self, data: bytes | memoryview) -> int:
        self._fh.write(data)
        if self.sha256 is not None:
            self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._fh.flush()

    def commit(self, path: Path | None = None, sync_dir: bool = True) -> None:
        """Put the finished file in place: under its name, or under `path` on the same filesystem.

        With sync_dir=False the caller fsyncs the directories itself, once for many files,
        before anything that depends on them (a manifest) is written.
        """
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        final = path or self.path
        os.replace(self.tmp, final)
        if sync_dir:
            fsync_dir(final.parent)
            if final.parent != self.tmp.parent:
                fsync_dir(self.tmp.parent)

    def abort(self) -> None:
        """Forget the file: close and remove the temporary name (quietly, the drive may be gone)."""
        try:
            self._fh.close()
        except OSError:
            pass
        try:
            self.tmp.unlink(missing_ok=True)
        except OSError:
            pass

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._fh.closed:
            self.abort()  # left without commit(): nothing appears under the name


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None,
                 tmp_suffix: str = TMP_SUFFIX) -> str:
    """Write bytes (or UTF-8 text) durably under `path`; return their SHA-256."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with AtomicFile(path, mode=mode, tmp_suffix=tmp_suffix) as out:
        out.write(raw)
        out.commit()
    return out.sha256.hexdigest()


def copy_atomic(source: BinaryIO | Path, path: Path, *, tmp_suffix: str = TMP_SUFFIX) -> Path:
    """Copy a file (or the rest of an open binary stream) durably to `path`."""
    with AtomicFile(path, hashed=False, tmp_suffix=tmp_suffix) as out:
        if isinstance(source, Path):
            with open(source, "rb") as stream:
                shutil.copyfileobj(stream, out, 1 << 20)
        else:
            shutil.copyfileobj(source, out, 1 << 20)
        out.commit()
    return path
