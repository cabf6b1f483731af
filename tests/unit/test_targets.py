"""The one target syntax shared by backups, sync and the admin page."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance import targets
from appliance.targets import Mount, TargetError, find_usb, parse_target, split_target


@pytest.mark.parametrize(("spec", "kind", "value", "label"), [
    ("backups", "local", "backups", None),
    ("/srv/okey", "local", "/srv/okey", None),
    ("local:/srv/okey", "local", "/srv/okey", None),
    ("usb:OKEY-BACKUP", "usb", "OKEY-BACKUP", "OKEY-BACKUP"),
    ("usb:/media/okey", "usb", "/media/okey", None),
    ("district:/mnt/district/okey", "district", "/mnt/district/okey", None),
    ("C:/odd", "local", "C:/odd", None),
])
def test_targets_are_parsed(spec, kind, value, label):
    target = parse_target(spec)
    assert (target.kind, target.value, target.usb_label) == (kind, value, label)


def test_bad_targets_are_refused_in_russian_naming_the_caller():
    with pytest.raises(TargetError, match="^Цель выгрузки «usb:» записана без пути или метки.$"):
        parse_target("usb:", "Цель выгрузки")
    with pytest.raises(TargetError, match="полный путь: «district:relative»"):
        parse_target("district:relative")
    assert split_target("usb:").kind == "usb"  # shown on a page without refusing


def test_a_usb_drive_is_found_by_label_where_it_is_mounted(monkeypatch):
    monkeypatch.setattr(targets, "device_by_label", lambda label: "/dev/sdb1" if label == "OKEY" else None)
    monkeypatch.setattr(targets, "mounts", lambda: [Mount(Path("/"), "/dev/sda1", "ext4", False),
                                                    Mount(Path("/media/okey"), "/dev/sdb1", "vfat", False)])
    assert find_usb("OKEY").point == Path("/media/okey")
    with pytest.raises(TargetError, match="^Флешка с меткой «OTHER» не подключена.$"):
        find_usb("OTHER")
    monkeypatch.setattr(targets, "mounts", lambda: [])
    with pytest.raises(TargetError, match="вставлена, но не смонтирована"):
        find_usb("OKEY")


def test_sync_settings_refuse_a_bad_target():
    from appliance.config import Settings
    from sync.errors import SyncError
    from sync.transport import sync_settings

    with pytest.raises(SyncError, match=r"^\[sync\] targets: Для хранилища района нужен полный путь"):
        sync_settings(Settings(extra={"sync": {"targets": ["district:share"]}}))


def test_the_drive_folder_is_where_it_is_mounted_or_where_fstab_would_mount_it(monkeypatch, tmp_path):
    fstab = tmp_path / "fstab"
    fstab.write_text("# /etc/fstab\nUUID=1 / ext4 defaults 0 1\n"
                     "LABEL=OKEY-BACKUP /media/okey\\040backup auto nofail,noatime 0 0\n", encoding="utf-8")
    monkeypatch.setattr(targets, "device_by_label", lambda label: None)
    assert targets.fstab_point("OKEY-BACKUP", fstab) == Path("/media/okey backup")
    assert targets.usb_folder("OKEY-BACKUP", fstab) == Path("/media/okey backup")
    assert targets.usb_folder("OTHER", fstab) is None
    assert targets.usb_folder("OKEY-BACKUP", tmp_path / "missing") is None
    monkeypatch.setattr(targets, "device_by_label", lambda label: "/dev/sdb1")
    monkeypatch.setattr(targets, "mounts", lambda: [Mount(Path("/media/admin/OKEY-BACKUP"), "/dev/sdb1", "vfat", False)])
    assert targets.usb_folder("OKEY-BACKUP", fstab) == Path("/media/admin/OKEY-BACKUP")


def test_the_recovery_sheet_names_the_drive_folder_of_this_server(monkeypatch):
    from backup.cli import copies_folder

    monkeypatch.setattr(targets, "usb_folder", lambda label: Path("/media/okey-backup") if label == "OKEY-BACKUP" else None)
    assert copies_folder(["backups", "usb:OKEY-BACKUP"], "school-17") == "/media/okey-backup/okey-school-17"
    assert copies_folder(["backups", "usb:/mnt/stick"], "school-17") == "/mnt/stick/okey-school-17"
    assert copies_folder(["backups", "usb:OTHER"], "school-17") is None
    assert copies_folder(["backups", "district:/mnt/district"], "school-17") is None
