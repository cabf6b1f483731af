"""The server's health for the administrator: one plain line per concern, and what to do about it.

Shown at the top of the admin page and printed by `okey status` (over SSH). Everything here is read
from the system (disks, /proc, the journal, network interfaces) and from the recorded job runs; it
never fails the page: what cannot be read becomes a line saying so.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess  # nosec B404 - journalctl with fixed arguments, no shell
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from appliance import __version__, targets
from appliance.config import Settings
from appliance.i18n import N_, Message
from appliance.models.base import utcnow
from appliance.services import backups as backup_service
from appliance.services import clock, operations
from appliance.targets import TargetError

# A volume this full gets a warning; writes are refused when the data disk has less than this left.
DISK_WARN_FRACTION = 0.80
DISK_FULL_BYTES = 64 * 1024 * 1024
SYNC_JOB = "sync-export"
JOURNAL_ERRORS = 5
_STARTED = time.time()

OK, WARN, ERROR = "ok", "warn", "error"


@dataclass
class HealthLine:
    key: str
    level: str
    text: Message
    action: Message | None = None


@dataclass
class Volume:
    path: Path
    total: int
    free: int

    @property
    def used_fraction(self) -> float:
        return 1 - self.free / self.total if self.total else 1.0


DiskReader = Callable[[Path], Volume | None]


def read_volume(path: Path) -> Volume | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return Volume(path, usage.total, usage.free)


def gigabytes(size: int) -> str:
    return f"{size / 1024 ** 3:.1f}".replace(".", ",")


def data_disk_full(settings: Settings, disk: DiskReader | None = None) -> bool:
    """True when the data disk has too little room left to write safely: the portal then refuses writes."""
    volume = (disk or read_volume)(settings.data_dir)
    return volume is not None and volume.free < DISK_FULL_BYTES


def backup_volumes(settings: Settings) -> list[tuple[str, Path | None]]:
    """(target spec, the directory to measure or None when the drive is missing) of every target."""
    found = []
    for spec in settings.backup.targets:
        target = targets.split_target(spec)
        if target.usb_label is not None:
            try:
                found.append((spec, targets.find_usb(target.usb_label).point))
            except TargetError:
                found.append((spec, None))
        elif target.kind in ("usb", "district"):
            found.append((spec, Path(target.value) if os.path.ismount(target.value) else None))
        else:
            path = Path(target.value)
            found.append((spec, existing_part(path if path.is_absolute() else settings.data_dir / path)))
    return found


def existing_part(path: Path) -> Path:
    """A local directory made by the first backup is measured on the volume it will be made on."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def system_uptime() -> float | None:
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def duration_text(seconds: float) -> Message:
    minutes = int(seconds // 60)
    if minutes < 60:
        return Message(N_("%(n)s мин"), n=minutes)
    if minutes < 48 * 60:
        return Message(N_("%(h)s ч %(m)s мин"), h=minutes // 60, m=minutes % 60)
    return Message(N_("%(n)s дн."), n=minutes // (24 * 60))


def journal_errors(limit: int = JOURNAL_ERRORS) -> list[str] | None:
    """The portal's error lines of the last day from the journal, newest last; None when unreadable."""
    journalctl = shutil.which("journalctl")
    if not journalctl or not Path("/run/systemd/journal").is_dir():
        return None
    try:
        result = subprocess.run([journalctl, "--no-pager", "--quiet", "-o", "short-iso", "-u", "okey.service",  # nosec B603
                                 "-p", "err", "--since", "-24h", "-n", str(limit)],
                                capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    # Without the systemd-journal group journalctl shows only the caller's own entries and says so.
    if result.returncode != 0 or "not seeing messages" in result.stderr or "insufficient permissions" in result.stderr:
        return None
    return [line[:300] for line in result.stdout.splitlines() if line.strip() and not line.startswith("--")]


def clock_line(now: datetime.datetime) -> HealthLine:
    judged = clock.check(now)
    fix = Message(N_("Проверьте дату в BIOS и синхронизацию времени (timedatectl). Пока часы неверны, сроки кодов, "
                     "сеансов и ссылок не истекают, а напоминания и ночные удаления по давности ждут."))
    if judged.state == clock.BEHIND:
        return HealthLine("clock", ERROR, Message(N_("Часы сервера отстают: сейчас по ним %(now)s, а в базе уже есть записи "
                                                     "от %(newest)s."),
                                                  now=f"{now:%d.%m.%Y %H:%M}", newest=f"{judged.newest:%d.%m.%Y %H:%M}"),
                          fix)
    if judged.state == clock.AHEAD:
        return HealthLine("clock", ERROR, Message(N_("Часы сервера, похоже, ушли вперёд на годы: сейчас по ним %(now)s."),
                                                  now=f"{now:%d.%m.%Y}"), fix)
    return HealthLine("clock", OK, Message(N_("Часы сервера: %(now)s (UTC)."), now=f"{now:%d.%m.%Y %H:%M}"))


def disk_line(key: str, title: Message, volume: Volume | None) -> HealthLine:
    if volume is None:
        return HealthLine(key, WARN, Message(N_("%(title)s: не удалось узнать свободное место."), title=title))
    percent = round(volume.used_fraction * 100)
    text = Message(N_("%(title)s: занято %(percent)s %%, свободно %(free)s ГБ."), title=title, percent=percent,
                   free=gigabytes(volume.free))
    if volume.free < DISK_FULL_BYTES:
        return HealthLine(key, ERROR, text, Message(N_("Место кончилось: портал не принимает новые записи. Удалите лишние "
                                                       "файлы или замените диск; старые резервные копии на этом диске можно "
                                                       "удалить.")))
    if volume.used_fraction >= DISK_WARN_FRACTION:
        return HealthLine(key, WARN, text, Message(N_("Диск заполнен больше чем на 80 %%: освободите место или замените диск, "
                                                      "пока он не заполнился совсем.")))
    return HealthLine(key, OK, text)


def health_lines(settings: Settings, now: datetime.datetime | None = None, disk: DiskReader | None = None,
                 journal: Callable[[], list[str] | None] = journal_errors,
                 interfaces: Path = Path("/sys/class/net")) -> list[HealthLine]:
    """Every line of the admin page's «Сервер» card, in order."""
    now = now or utcnow()
    disk = disk or read_volume
    lines = [HealthLine("version", OK, Message(N_("Версия программы: %(version)s."), version=__version__))]
    uptime = system_uptime()
    lines.append(HealthLine("uptime", OK, Message(N_("Сервер работает %(system)s, портал — %(portal)s без перезапуска."),
                                                  system=duration_text(uptime) if uptime is not None else "?",
                                                  portal=duration_text(time.time() - _STARTED))))
    clock = clock_line(now)
    lines.append(clock)
    lines.append(disk_line("disk-data", Message(N_("Диск с данными (%(path)s)"), path=str(settings.data_dir)),
                           disk(settings.data_dir)))
    for spec, path in backup_volumes(settings):
        title = backup_service.target_title(spec)
        if path is None:
            missing = Message(N_("%(title)s не подключена или не смонтирована: копии туда не делаются."), title=title)
            lines.append(HealthLine(f"disk-backup:{spec}", ERROR, missing,
                                    Message(N_("Вставьте флешку (или проверьте хранилище района) и выполните на "
                                               "сервере: sudo mount -a. Проверка: okey backup run."))))
        else:
            lines.append(disk_line(f"disk-backup:{spec}", title, disk(path)))
    backup = backup_line(settings, now)
    if clock.level == ERROR and backup.key == "backup" and backup.level == ERROR:
        # A clock years ahead makes every copy look old: say the age cannot be judged, not «устарела».
        backup = HealthLine("backup", WARN, backup.text, Message(N_("Возраст копии нельзя оценить, пока часы сервера "
                                                                     "неверны: сначала исправьте часы.")))
    lines.append(backup)
    lines.append(restore_test_line(settings, now))
    lines.append(sync_line(now))
    if settings.segment.interface:
        lines.append(segment_line(settings, interfaces))
    lines.append(journal_line(journal()))
    return lines


def backup_line(settings: Settings, now: datetime.datetime) -> HealthLine:
    if not settings.backup.enabled:
        return HealthLine("backup", WARN, Message(N_("Ночные резервные копии отключены.")),
                          Message(N_("Включите их в настройках ([backup] enabled) или плейбуком (backup_enabled).")))
    good = operations.latest(backup_service.BACKUP, ok=True)
    if good is None:
        return HealthLine("backup", WARN, Message(N_("Резервных копий ещё не было.")),
                          Message(N_("Сделайте первую копию сейчас: okey backup run.")))
    age = now - (good.finished_at or good.started_at)
    finished = good.finished_at or good.started_at
    text = Message(N_("Последняя удачная резервная копия: %(when)s (%(age)s)."), when=f"{finished:%d.%m.%Y %H:%M}",
                   age=backup_service.age_text(age))
    if age > datetime.timedelta(days=settings.backup.max_age_days):
        return HealthLine("backup", ERROR, text, Message(N_("Копия устарела: проверьте флешку и ошибку на странице «Резервные копии».")))
    return HealthLine("backup", OK, text)


def restore_test_line(settings: Settings, now: datetime.datetime) -> HealthLine:
    test = operations.latest(backup_service.RESTORE_TEST)
    if test is None:
        return HealthLine("restore-test", WARN if settings.backup.enabled else OK,
                          Message(N_("Пробного восстановления ещё не было.")),
                          Message(N_("Оно идёт само раз в неделю после ночной копии; вручную: okey backup verify ФАЙЛ --full.")))
    when = f"{test.started_at:%d.%m.%Y}"
    if not test.ok:
        return HealthLine("restore-test", ERROR, Message(N_("Пробное восстановление %(when)s не удалось."), when=when),
                          Message(N_("Посмотрите ошибку на странице «Резервные копии»; пока её не исправят, на копии полагаться нельзя.")))
    return HealthLine("restore-test", OK, Message(N_("Пробное восстановление %(when)s прошло успешно."), when=when))


def sync_line(now: datetime.datetime) -> HealthLine:
    last = operations.latest(SYNC_JOB)
    if last is None:
        return HealthLine("sync", OK, Message(N_("Выгрузок в район ещё не было.")))
    when = f"{last.started_at:%d.%m.%Y %H:%M}"
    if not last.ok:
        return HealthLine("sync", WARN, Message(N_("Последняя выгрузка в район (%(when)s) не удалась."), when=when),
                          Message(N_("Данные не потеряны: они уйдут со следующей выгрузкой. Ошибка — в разделе «Выгрузка в район».")))
    return HealthLine("sync", OK, Message(N_("Последняя выгрузка в район: %(when)s."), when=when))


def segment_line(settings: Settings, interfaces: Path) -> HealthLine:
    name = settings.segment.interface
    if not (interfaces / name).exists():
        return HealthLine("segment", ERROR, Message(N_("Интерфейса %(name)s открытой сети Wi-Fi нет: портал работает только в "
                                                       "сети школы."), name=name),
                          Message(N_("Проверьте, что Wi-Fi-адаптер или кабель точек доступа подключён (ip "
                                     "link), затем перезапустите сервер.")))
    return HealthLine("segment", OK, Message(N_("Интерфейс открытой сети Wi-Fi %(name)s на месте."), name=name))


def journal_line(errors: list[str] | None) -> HealthLine:
    if errors is None:
        return HealthLine("journal", OK, Message(N_("Журнал сервера недоступен отсюда; на сервере: journalctl -u okey -b.")))
    if not errors:
        return HealthLine("journal", OK, Message(N_("Ошибок портала за сутки в журнале нет.")))
    return HealthLine("journal", WARN, Message(N_("Ошибок портала за сутки: %(n)s; последняя: %(last)s"), n=len(errors), last=errors[-1]),
                      Message(N_("Подробности на сервере: journalctl -u okey -p err -b. Если ошибка "
                                 "повторяется, сообщите в поддержку района.")))
