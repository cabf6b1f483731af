"""Where backups go, and the checks before writing: mounted, writable, room enough.

A target is configured as text: a directory ("/srv/okey-backups", relative to the data
directory when relative), a USB drive by filesystem label ("usb:OKEY-BACKUP") or by mount
point ("usb:/media/okey"), or district storage, a mounted network path
("district:/mnt/district/okey"). A USB drive or a network share that is not mounted leaves
an empty directory on the server's own disk; writing there would look like success, so
those targets must be on a filesystem of their own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from appliance import targets
from appliance.files import write_atomic
from appliance.services.backups import human_size
from appliance.targets import Mount, Target, TargetError, find_usb, mount_of
from backup.errors import BackupError

__all__ = ["Target", "check_room", "check_writable", "describe_os_error", "human_size", "locate", "parse_target"]


def parse_target(spec: str) -> Target:
    """A backup target, checked (the syntax is `appliance.targets`)."""
    try:
        return targets.parse_target(spec, "Цель резервного копирования")
    except TargetError as exc:
        raise BackupError(str(exc)) from None


def locate(target: Target, data_dir: Path) -> Path:
    """The directory to write to, after checking the drive or share is really there."""
    if target.usb_label is not None:
        try:
            mount = find_usb(target.usb_label)
        except TargetError as exc:
            raise BackupError(str(exc)) from None
        return _check_mount(mount.point, mount, target)
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
