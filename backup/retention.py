"""Keeping 7 daily, 4 weekly and 12 monthly backups, and dropping uploads no backup needs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from pyrage import x25519

from appliance.files import fsync_dir
from backup import archive
from backup.errors import BackupError


def to_keep(stamps: list[datetime.datetime], daily: int, weekly: int, monthly: int) -> set[int]:
    """Positions (in `stamps`, newest first) of the newest backup of each of the last `daily` days,
    `weekly` weeks and `monthly` months that have backups; the newest one always."""
    keep = {0} if stamps else set()
    periods = ((daily, lambda t: t.date()), (weekly, lambda t: t.isocalendar()[:2]),
               (monthly, lambda t: (t.year, t.month)))
    for count, period in periods:
        seen: list = []
        for position, stamp in enumerate(stamps):
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(position)
    return keep


@dataclass
class Pruned:
    backups: list[str] = field(default_factory=list)
    objects: int = 0


def prune(directory: Path, newest_good: Path, identity: x25519.Identity, daily: int, weekly: int,
          monthly: int) -> Pruned:
    """Delete backups outside the retention plan. Call only after `newest_good` has been verified."""
    found = archive.manifests(directory)
    if newest_good not in found:
        raise BackupError("Удаление старых копий отменено: новая копия не найдена.")
    keep = to_keep([archive.stamp_of(path) for path in found], daily, weekly, monthly)
    result = Pruned()
    for position, path in enumerate(found):
        if position in keep or path == newest_good:
            continue
        parts = sorted(directory.glob(path.name[:-len(archive.MANIFEST_SUFFIX)] + ".db.[0-9][0-9][0-9]"))
        path.unlink()  # the manifest first: without it the parts are leftovers, never a backup
        fsync_dir(directory)
        for part in parts:
            part.unlink()
        result.backups.append(path.name)
    result.objects = _drop_unreferenced(directory, identity)
    return result


def _drop_unreferenced(directory: Path, identity: x25519.Identity) -> int:
    needed = set()
    for path in archive.manifests(directory):
        try:
            manifest = archive.read_manifest(path, identity)
        except BackupError:
            return 0  # a backup we cannot read may need any file: keep them all
        needed.update(member["sha256"] for member in manifest["uploads"])
    objects = directory / archive.OBJECTS
    dropped = 0
    if objects.is_dir():
        for path in objects.glob("??/*.age"):
            if path.name[:-4] not in needed:
                path.unlink()
                dropped += 1
    return dropped
