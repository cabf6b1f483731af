"""The one durable-write helper: temporary name in the same directory, fsync, rename, fsync dir."""

from __future__ import annotations

import hashlib
import io
import os
import stat

import pytest

from appliance import files
from appliance.files import PRIVATE, AtomicFile, copy_atomic, write_atomic


def test_write_atomic_writes_bytes_and_text_and_returns_the_hash(tmp_path):
    target = tmp_path / "a.bin"
    assert write_atomic(target, b"okey") == hashlib.sha256(b"okey").hexdigest()
    assert target.read_bytes() == b"okey"
    write_atomic(target, "привет")
    assert target.read_text(encoding="utf-8") == "привет"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_mode_is_set_even_under_a_strict_umask(tmp_path):
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "key", "secret", mode=PRIVATE)
        write_atomic(tmp_path / "shared", "x", mode=0o644)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared").stat().st_mode) == 0o644


def test_the_directory_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(files, "fsync_dir", lambda path: synced.append(path))
    write_atomic(tmp_path / "f", b"1")
    assert synced == [tmp_path]


def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "settings.toml"
    target.write_text("old")
    with pytest.raises(RuntimeError), AtomicFile(target) as out:
        out.write(b"half")
        raise RuntimeError("disk gone")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml"]


def test_leaving_without_commit_writes_nothing(tmp_path):
    with AtomicFile(tmp_path / "x", tmp_suffix=".part") as out:
        out.write(b"data")
    assert list(tmp_path.iterdir()) == []


def test_copy_atomic_from_a_path_or_a_stream(tmp_path):
    source = tmp_path / "src"
    source.write_bytes(b"z" * 3_000_000)
    (tmp_path / "out").mkdir()
    assert copy_atomic(source, tmp_path / "out" / "copy", tmp_suffix=".part").read_bytes() == source.read_bytes()
    copy_atomic(io.BytesIO(b"stream"), tmp_path / "out" / "s")
    assert (tmp_path / "out" / "s").read_bytes() == b"stream"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["copy", "s"]
