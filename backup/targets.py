"""Where backups go, and the checks before writing: mounted, writable, room enough.

A target is configured as text: a directory ("/srv/okey-backups", relative to the data
directory when relative), a USB drive by filesystem label ("usb:OKEY-BACKUP") or by mount
point ("usb:/media/okey"), or district storage, a mounted network path
("district:/mnt/district/okey"). A USB drive or a network share that is not mounted leaves
an empty directory on the server's own disk; writing there would look like success, so
those targets must be on a filesystem of their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404 - blkid finds a drive by its label when udev links are missing
from dataclasses import dataclass
from pathlib import Path

from appliance.files import write_atomic
from appliance.services.backups import human_size, target_title
from backup.errors import BackupError

LABEL_DIR = Path("/dev/disk/by-label")


@dataclass
class Mount:
    point: Path
    device: str
    fstype: str
    read_only: bool


@dataclass
class Target:
    spec: str
    kind: str  # "local", "usb" or "district"
    value: str

    @property
    def title(self) -> str:
        return str(target_title(self.spec))


def parse_target(spec: str) -> Target:
    kind, sep, value = spec.partition(":")
    if sep and kind in ("usb", "district", "local"):
        if not value:
            raise BackupError(f"Цель резервного копирования «{spec}» записана без пути или метки.")
        if kind == "district" and not value.startswith("/"):
            raise BackupError(f"Для хранилища района нужен полный путь: «{spec}».")
        return Target(spec, kind, value)
    return Target(spec, "local", spec)


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


def mount_of(path: Path) -> Mount:
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


def locate(target: Target, data_dir: Path) -> Path:
    """The directory to write to, after checking the drive or share is really there."""
    if target.kind == "usb" and not target.value.startswith("/"):
        device = device_by_label(target.value)
        if device is None:
            raise BackupError(f"Флешка с меткой «{target.value}» не подключена.")
        for mount in mounts():
            if os.path.realpath(mount.device) == device:
                return _check_mount(mount.point, mount, target)
        raise BackupError(f"Флешка «{target.value}» вставлена, но не смонтирована ({device}).")
    path = Path(target.value)
    if target.kind == "local" and not path.is_absolute():
        path = data_dir / path
    if target.kind == "local":
        path.mkdir(parents=True, exist_ok=True)
        return path
    if not path.is_dir():
        what = "Флешка" if target.kind == "usb" else "Хранилище района"
        raise BackupError(f"{what} не подключена: каталога {path} нет." if target.kind == "usb"
                          else f"{what} не подключено: каталога {path} нет.")
    return _check_mount(path, mount_of(path), target)


def _check_mount(path: Path, mount: Mount | None, target: Target) -> Path:
    if mount is None or mount.point == Path("/"):
        if target.kind == "usb":
            raise BackupError(f"Флешка не смонтирована в {path}: там лежит обычный каталог "
                              "на диске сервера.")
        raise BackupError(f"Хранилище района не смонтировано в {path}: там обычный каталог на диске "
                          "сервера. Проверьте подключение к сети района.")
    if mount.read_only:
        raise BackupError(f"{target.title} подключена только для чтения." if target.kind == "usb"
                          else f"{target.title}: доступно только для чтения.")
    return path


def check_writable(directory: Path) -> None:
    probe = directory / ".okey-write-test"
    try:
        write_atomic(probe, b"okey")
        probe.unlink()
    except OSError as exc:
        raise BackupError(f"Не удаётся записать в {directory}: {describe_os_error(exc)}") from None


def check_room(directory: Path, needed: int) -> None:
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise BackupError(f"Недостаточно места в {directory}: нужно около {human_size(needed)}, "
                          f"свободно {human_size(free)}. Освободите место или подключите другой носитель.")


def describe_os_error(exc: OSError) -> str:
    import errno

    messages = {
        errno.ENOSPC: "носитель заполнен",
        errno.EDQUOT: "превышена квота на носителе",
        errno.EROFS: "носитель стал доступен только для чтения (извлечён или неисправен)",
        errno.ENOENT: "каталог исчез (носитель извлечён?)",
        errno.EIO: "ошибка ввода-вывода (носитель извлечён или неисправен)",
        errno.ENODEV: "устройство отключено",
        errno.EACCES: "нет прав на запись",
        errno.EPERM: "нет прав на запись",
        errno.ESTALE: "сетевое хранилище отключилось",
        errno.ENOTCONN: "сетевое хранилище отключилось",
    }
    return messages.get(exc.errno, exc.strerror or str(exc))
