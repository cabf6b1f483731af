"""Fixtures and helpers for the backup tests: a demo school with uploads and a backup key."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import apsw
import pytest

from backup.keys import ensure_key


def add_uploads(uploads_dir: Path, count: int, size: int, tag: str = "") -> dict[str, str]:
    """Random files stored the way the portal stores them (by SHA-256); returns path → SHA-256."""
    made = {}
    for _ in range(count):
        data = os.urandom(size) + tag.encode()
        sha = hashlib.sha256(data).hexdigest()
        path = uploads_dir / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        made[path.relative_to(uploads_dir).as_posix()] = sha
    return made


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def table_rows(db_path: Path, skip: tuple[str, ...] = ()) -> dict[str, list]:
    """Every row of every table, sorted, read straight from the file."""
    conn = apsw.Connection(str(db_path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        tables = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables if t not in skip}  # noqa: S608
    finally:
        conn.close()


@pytest.fixture(name="school")
def school_fixture(settings, demo):
    """The demo school in a temporary data directory, with a backup key and a few uploads."""
    ensure_key(settings)
    add_uploads(settings.uploads_dir, 5, 20_000)
    return settings
