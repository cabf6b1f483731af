"""Durable writes: a file appears under its name only when it is complete and on disk.

Every file goes to `<name>.tmp`, is flushed and fsynced, renamed to its name, and the
directory is fsynced, so a crash or a pulled drive leaves at most a `.tmp` file behind.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

TMP_SUFFIX = ".tmp"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicFile:
    """A file written under a temporary name and renamed into place by `commit()`."""

    def __init__(self, path: Path, hashed: bool = True):
        self.path = path
        self.tmp = path.with_name(path.name + TMP_SUFFIX)
        self.size = 0
        self.sha256 = hashlib.sha256() if hashed else None
        self._fh = open(self.tmp, "wb")  # noqa: SIM115 - closed by commit() or abort()

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
        before anything that depends on them (the manifest) is written.
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
        try:
            self._fh.close()
        except OSError:
            pass  # the drive is gone; nothing more to lose
        try:
            self.tmp.unlink(missing_ok=True)
        except OSError:
            pass

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def write_atomic(path: Path, data: bytes) -> str:
    """Write bytes durably; return their SHA-256."""
    with AtomicFile(path) as out:
        out.write(data)
        out.commit()
    return out.sha256.hexdigest()


class PartWriter:
    """One stream written as `<base>.001`, `<base>.002`, … of at most `part_size` bytes each."""

    def __init__(self, directory: Path, base: str, part_size: int,
                 on_part: Callable[[Path], None] | None = None):
        self.directory = directory
        self.base = base
        self.part_size = part_size
        self.parts: list[dict] = []
        self._current: AtomicFile | None = None
        self._on_part = on_part

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while len(view):
            if self._current is None:
                self._current = AtomicFile(self.directory / f"{self.base}.{len(self.parts) + 1:03d}")
            room = self.part_size - self._current.size
            self._current.write(view[:room])
            view = view[room:]
            if self._current.size >= self.part_size:
                self._close_part()
        return len(data)

    def flush(self) -> None:
        pass

    def _close_part(self) -> None:
        part = self._current
        part.commit()
        self._current = None
        self.parts.append({"file": part.path.name, "size": part.size, "sha256": part.sha256.hexdigest()})
        if self._on_part:
            self._on_part(part.path)

    def close(self) -> list[dict]:
        if self._current is not None:
            self._close_part()
        return self.parts

    def abort(self) -> None:
        if self._current is not None:
            self._current.abort()
            self._current = None
        for part in self.parts:
            try:
                (self.directory / part["file"]).unlink(missing_ok=True)
            except OSError:
                pass


class ConcatReader:
    """Reads several files one after another as one stream (the parts of a split file)."""

    def __init__(self, paths: list[Path], on_read: Callable[[int], None] | None = None):
        self._paths = list(paths)
        self._fh = None
        self._on_read = on_read

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        while True:
            if self._fh is None:
                if not self._paths:
                    return b""
                self._fh = open(self._paths.pop(0), "rb")  # noqa: SIM115 - closed at its end
            data = self._fh.read(n)
            if data:
                if self._on_read:
                    self._on_read(len(data))
                return data
            self._fh.close()
            self._fh = None

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
