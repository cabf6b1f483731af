"""Backups when things go wrong on real filesystems: full drives, drives that turn read-only or
vanish mid-write, a USB stick found by its filesystem label, district storage that is not mounted,
and the backup process killed with SIGKILL. Every mount and loop device is removed however
the test ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from appliance.models.operations import JobRun
from backup import archive
from backup.jobs import run_backups
from backup.keys import appliance_identity
from backup.verify import verify_backup
from tests.backup_fixtures import add_uploads, school_fixture  # noqa: F401 - the fixture
from tests.conftest import run_okey

pytestmark = [pytest.mark.system, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="mounting filesystems needs root")]


def sh(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr}"
    return result


@contextlib.contextmanager
def tmpfs(path: Path, options: str):
    path.mkdir(parents=True, exist_ok=True)
    sh("mount", "-t", "tmpfs", "-o", options, "okey-backup-test", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def _after_objects(directory: Path, count: int, action, attempts: int = 2000) -> threading.Thread:
    """Run `action` (retried until it succeeds) once `count` uploads are on the drive."""
    def watch():
        for _ in range(attempts):
            if len(list(directory.glob("okey-*/objects/*/*.age"))) >= count:
                if action():
                    return
            time.sleep(0.002)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _ok(*args: str) -> bool:
    return subprocess.run(args, capture_output=True, check=False).returncode == 0


def _manifests(target: Path) -> list[Path]:
    return [m for d in target.glob("okey-*") for m in archive.manifests(d)]


def test_a_full_drive_is_reported_and_the_other_target_still_gets_its_copy(school, tmp_path):
    add_uploads(school.uploads_dir, 4, 400_000)
    with tmpfs(tmp_path / "small", "size=1m") as small:
        results = run_backups(school, [str(small), str(tmp_path / "big")])
        assert not results[0].ok and "Недостаточно места" in results[0].error
        assert results[1].ok
        assert _manifests(small) == [] and not list(small.rglob("*.tmp"))
    row = JobRun.select().where(JobRun.target == str(tmp_path / "small")).get()
    assert row.ok is False and "Недостаточно места" in row.error


def test_a_drive_filling_up_mid_write_leaves_no_backup_and_the_next_run_succeeds(school, tmp_path):
    add_uploads(school.uploads_dir, 40, 5_000)
    # Plenty of bytes, but too few inodes: the drive fills up after a few files.
    with tmpfs(tmp_path / "usb", "size=50m,nr_inodes=20") as usb:
        failed = run_backups(school, [str(usb)])[0]
        assert not failed.ok and "носитель заполнен" in failed.error
        assert _manifests(usb) == [] and not list(usb.rglob("*.tmp"))
        sh("mount", "-o", "remount,nr_inodes=1000", str(usb))
        good = run_backups(school, [str(usb)])[0]
        assert good.ok, good.error
        verify_backup(good.path, appliance_identity(school))


def test_a_drive_turning_read_only_mid_write(school, tmp_path):
    add_uploads(school.uploads_dir, 300, 20_000)
    with tmpfs(tmp_path / "usb", "size=100m") as usb:
        earlier = run_backups(school, [str(usb)])[0]
        assert earlier.ok
        add_uploads(school.uploads_dir, 300, 20_000, "new")
        watcher = _after_objects(usb, 305, lambda: _ok("mount", "-o", "remount,ro", str(usb)))
        failed = run_backups(school, [str(usb)])[0]
        watcher.join(10)
        assert not failed.ok, "the drive did not turn read-only in time"
        assert "только для чтения" in failed.error
        sh("mount", "-o", "remount,rw", str(usb))
        # The older backup is intact and is still the only one.
        assert _manifests(usb) == [earlier.path]
        verify_backup(earlier.path, appliance_identity(school))
        again = run_backups(school, [str(usb)])[0]
        assert again.ok, again.error
        assert not list(usb.rglob("*.tmp"))


def test_a_drive_pulled_out_mid_write(school, tmp_path):
    add_uploads(school.uploads_dir, 300, 20_000)
    mount_point = tmp_path / "usb"
    with tmpfs(mount_point, "size=100m") as usb:
        watcher = _after_objects(usb, 20, lambda: _ok("umount", "-l", str(usb)))
        failed = run_backups(school, [str(usb)])[0]
        watcher.join(10)
    assert not failed.ok
    assert "Носитель отключили во время записи" in failed.error or "исчез" in failed.error, failed.error
    # Nothing on the server's own disk under the mount point looks like a backup either.
    assert _manifests(mount_point) == []


def test_a_usb_stick_is_found_by_its_filesystem_label(school, tmp_path):
    image = tmp_path / "stick.img"
    with open(image, "wb") as fh:
        fh.truncate(64 * 1024 * 1024)
    label = f"OKT{os.getpid() % 100000:05d}"
    # FAT32 is what schools' sticks carry, but this kernel may lack vfat; the label lookup is the same.
    sh("mkfs.ext4", "-q", "-L", label, str(image))
    device = sh("losetup", "--find", "--show", str(image)).stdout.strip()
    mount_point = tmp_path / "media"
    mount_point.mkdir()
    try:
        spec = f"usb:{label}"
        unmounted = run_backups(school, [spec])[0]
        assert not unmounted.ok and "вставлена, но не смонтирована" in unmounted.error
        sh("mount", "-o", "ro", device, str(mount_point))
        read_only = run_backups(school, [spec])[0]
        assert not read_only.ok and "только для чтения" in read_only.error
        sh("umount", str(mount_point))
        sh("mount", device, str(mount_point))
        good = run_backups(school, [spec])[0]
        assert good.ok, good.error
        assert good.path.parent.parent == mount_point
        verify_backup(good.path, appliance_identity(school))
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True, check=False)
        subprocess.run(["losetup", "-d", device], capture_output=True, check=False)
    gone = run_backups(school, [spec])[0]
    assert not gone.ok and gone.error == f"Флешка с меткой «{label}» не подключена."


def test_district_storage_must_be_mounted(school, tmp_path):
    share = tmp_path / "district"
    share.mkdir()
    refused = run_backups(school, [f"district:{share}"])[0]
    assert not refused.ok and "не смонтировано" in refused.error
    assert list(share.iterdir()) == []
    with tmpfs(share, "size=50m"):
        good = run_backups(school, [f"district:{share}"])[0]
        assert good.ok, good.error


def test_a_backup_killed_mid_write_leaves_older_backups_intact_and_the_next_run_succeeds(demo_data_dir, tmp_path):
    target = tmp_path / "target"
    run_okey("backup", "run", "--target", str(target), data_dir=demo_data_dir)
    (older,) = _manifests(target)
    add_uploads(demo_data_dir / "uploads", 400, 200_000)
    process = subprocess.Popen([sys.executable, "-m", "appliance.cli", "backup", "run", "--data", str(demo_data_dir),
                                "--target", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(list(target.glob("okey-*/objects/*/*.age"))) < 30 and time.monotonic() < deadline:
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    assert process.returncode == -signal.SIGKILL
    assert _manifests(target) == [older]
    listing = run_okey("backup", "list", "--target", str(target), data_dir=demo_data_dir)
    assert listing.stdout.count(".backup") == 1
    check = run_okey("backup", "verify", str(older), data_dir=demo_data_dir)
    assert "Копия в порядке" in check.stdout

    run_okey("backup", "run", "--target", str(target), data_dir=demo_data_dir)
    newest = _manifests(target)[0]
    assert newest != older
    assert not list(target.rglob("*.tmp"))
    assert "Копия в порядке" in run_okey("backup", "verify", str(newest), data_dir=demo_data_dir).stdout
