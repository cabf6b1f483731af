"""Where copies go (backups and sync bundles): the target syntax, and finding a USB drive.

A target is configured as text: a directory ("/srv/okey-backups"; relative to the data
directory for backups), a USB drive by filesystem label ("usb:OKEY-BACKUP") or by mount
point ("usb:/media/okey"), or district storage, a mounted network path
("district:/mnt/district/okey"). `local:PATH` is the same as PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404 - blkid finds a drive by its label when udev links are missing
from dataclasses import dataclass
from pathlib import Path

from appliance.i18n import N_, Message

LABEL_DIR = Path("/dev/disk/by-label")
FSTAB = Path("/etc/fstab")
KINDS = ("local", "usb", "district")


class TargetError(ValueError):
    """A target written wrongly or a drive not there; the message says why, in Russian."""


@dataclass(frozen=True)
class Target:
    spec: str
    kind: str  # "local", "usb" or "district"
    value: str  # the path, or the USB label

    @property
    def usb_label(self) -> str | None:
        """The filesystem label when the target is a USB drive named by label."""
        return self.value if self.kind == "usb" and not self.value.startswith("/") else None

    @property
    def title(self) -> str:
        return str(target_title(self.spec))


def split_target(spec: str) -> Target:
    """Kind and value of a target without checking them (for showing any recorded spec)."""
    kind, sep, value = spec.partition(":")
    if sep and kind in KINDS:
        return Target(spec, kind, value)
    return Target(spec, "local", spec)


def parse_target(spec: str, what: str = "Цель") -> Target:
    """A configured target, checked; TargetError says what is wrong (`what` names the target)."""
    target = split_target(spec)
    if target.spec != target.value and not target.value:
        raise TargetError(f"{what} «{spec}» записана без пути или метки.")
    if target.kind == "district" and not target.value.startswith("/"):
        raise TargetError(f"Для хранилища района нужен полный путь: «{spec}».")
    return target


def target_title(spec: str) -> Message:
    """How a target is called on a page: «флешка OKEY-BACKUP», «хранилище района …»."""
    target = split_target(spec)
    if target.kind == "usb" and target.usb_label is None:
        return Message(N_("Флешка в %(path)s"), path=target.value)
    if target.kind == "usb":
        return Message(N_("Флешка «%(label)s»"), label=target.value)
    if target.kind == "district":
        return Message(N_("Хранилище района %(path)s"), path=target.value)
    if not target.value.startswith("/"):
        return Message(N_("Каталог %(path)s в каталоге данных"), path=target.value)
    return Message(N_("Каталог %(path)s"), path=target.value)


# -- mounted filesystems and USB drives ------------------------------------------------------

@dataclass
class Mount:
    point: Path
    device: str
    fstype: str
    read_only: bool


def _unescape(field: str) -> str:
    # mountinfo writes spaces and the like as octal escapes (\040).
    return field.encode().decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def mounts() -> list[Mount]:
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            options = fields[5].split(",")
            found.append(Mount(Path(_unescape(fields[4])), tail[1] if len(tail) > 1 else "", tail[0],
                               "ro" in options))
    return found


def mount_of(path: Path) -> Mount | None:
    """The filesystem a path lives on (the longest mount point above it; the last mount wins)."""
    path = path.resolve()
    best = None
    for mount in mounts():
        if path == mount.point or mount.point in path.parents:
            if best is None or len(mount.point.parts) >= len(best.point.parts):
                best = mount
    return best


def device_by_label(label: str) -> str | None:
    link = LABEL_DIR / label
    if link.exists():
        return os.path.realpath(link)
    device = _blkid("-c", "/dev/null", "-l", "-o", "device", "-t", f"LABEL={label}")
    # blkid may still name a device that was just removed; probing it again tells.
    if device and _blkid("-p", "-o", "value", "-s", "LABEL", device) == label:
        return os.path.realpath(device)
    return None


def _blkid(*args: str) -> str:
    blkid = shutil.which("blkid") or "/usr/sbin/blkid"
    try:
        found = subprocess.run([blkid, *args], capture_output=True, text=True, timeout=20, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return found.stdout.strip()


def find_usb(label: str) -> Mount:
    """Where the USB drive with this filesystem label is mounted; TargetError when it is not."""
    device = device_by_label(label)
    if device is None:
        raise TargetError(f"Флешка с меткой «{label}» не подключена.")
    for mount in mounts():
        if os.path.realpath(mount.device) == device:
            return mount
    raise TargetError(f"Флешка «{label}» вставлена, но не смонтирована ({device}).")


def fstab_point(label: str, fstab: Path = FSTAB) -> Path | None:
    """Where /etc/fstab mounts the drive with this label (the playbook writes such a line), if anywhere."""
    try:
        lines = fstab.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == f"LABEL={label}":
            return Path(_unescape(fields[1]))
    return None


def usb_folder(label: str, fstab: Path = FSTAB) -> Path | None:
    """Where the drive's files are on this server: mounted now, or where fstab mounts it when plugged in."""
    try:
        return find_usb(label).point
    except TargetError:
        return fstab_point(label, fstab)
