"""Backup files split into parts and read back as one stream.

Each part is written durably by `appliance.files.AtomicFile`: a crash or a pulled drive leaves at most a `.tmp` file behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from appliance.files import AtomicFile


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


class HashSink:
    """A writer that only hashes what it is given."""

    def __init__(self):
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass
