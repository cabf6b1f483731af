"""Settings of one appliance: a TOML file plus OKEY_* environment overrides.

Lookup order for the file: the --config option, $OKEY_CONFIG, /etc/okey/okey.toml,
then <data dir>/okey.toml. Environment variables override single keys:
OKEY_DATA_DIR for the data directory and OKEY_<SECTION>__<KEY> for the rest,
e.g. OKEY_SERVER__PORT=8081.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.files import PRIVATE, write_atomic

SYSTEM_CONFIG = Path("/etc/okey/okey.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message says why, in Russian."""


@dataclass
class SchoolSettings:
    name: str = "Школа"
    code: str = "school"
    timezone: str = "Europe/Moscow"
    # The school's last grade: its classes graduate at the year's rollover (9 for a basic school).
    last_grade: int = 11
    # Days a graduate keeps a read-only account after graduation; then it closes.
    graduate_access_days: int = 365
    # Days a leaver's data is kept after they left; then it is deleted (the audit log keeps that it was).
    leaver_keep_days: int = 365


@dataclass
class ServerSettings:
    host: str = "0.0.0.0"  # noqa: S104  # nosec B104 - the portal serves the school LAN and the segment
    port: int = 8080
    # Threads answering requests in each process. Each keeps its own SQLite connection (its schema
    # and up to 4 MB of page cache) once it has answered: 6 instead of 8 is about 8 MB less per
    # process after browsing at the same pages per second; 4 saved 15 MB but answered a fifth fewer
    # pages with two processes, as requests waiting on the database held the few threads.
    threads: int = 6
    # Open connections waitress keeps (phones hold theirs open between pages); beyond this,
    # new ones wait unanswered. Idle ones are cheap: they cost no thread. The process's limit on
    # open files is raised to hold these and the segment's `max_connections`; where the system
    # allows fewer, both are lowered to fit.
    connection_limit: int = 1000
    # Connections one client address may hold on the LAN listener (0: no cap).
    connections_per_address: int = 200
    # Seconds a request's headers may take to arrive.
    request_timeout: int = 30
    # Processes answering requests. Python runs one process on one core at a time, so 0 (the
    # default) starts one per core the server may use; a number sets it. Background jobs, the
    # Wi-Fi segment and the announcement stay in the first process.
    workers: int = 0
    # Megabytes of rendered pages each process keeps for repeat views (webui/keep.py); 0 keeps none.
    kept_pages_mb: float = 16
    # The address printed on login cards and in QR codes.
    public_url: str = "http://okey.local:8080"
    announce: bool = True
    hostname: str = "okey"
    # Set the Secure flag on cookies (only when the portal is served over HTTPS).
    secure_cookies: bool = False
    max_upload_mb: int = 20

    def worker_count(self) -> int:
        """How many processes answer: `workers`, or one per core this process may run on."""
        if self.workers > 0:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except (AttributeError, OSError):
            return max(1, os.cpu_count() or 1)


@dataclass
class SecuritySettings:
    # Failed logins allowed within the window: for one account from one address (then the pair
    # waits 30 s, 1 min, 2 min … — a classmate's phone cannot lock the owner out), from one
    # address for all accounts, and for one account from all addresses together.
    max_failed_per_login: int = 5
    max_failed_per_address: int = 30
    failed_window_minutes: int = 15
    max_failed_per_account: int = 100
    activation_days: int = 30
    # Debian 12's SQLite has the WAL-reset bug; the appliance uses the fixed
    # library bundled with apsw and refuses an affected one unless this is set.
    allow_unsafe_sqlite: bool = False
    audit_keep_days: int = 365
    # A login not used for this long ends by itself (the session is kept on the server).
    session_idle_hours: int = 12


@dataclass
class SegmentSettings:
    """The open Wi-Fi segment (rendered by captive_portal)."""

    interface: str = ""
    address: str = "10.77.0.1/22"
    dhcp_start: str = "10.77.0.20"
    dhcp_end: str = "10.77.3.250"
    lease_time: str = "4h"
    # ".internal" is reserved for private networks, so the name never collides with a real site.
    portal_host: str = "okey.internal"
    sinkhole: str = "198.51.100.1"
    ssid: str = "Okey-School"
    country: str = "RU"
    channel: int = 6
    wifi_interface: str = ""
    portal_port: int = 80
    accept_hours: int = 12
    max_devices: int = 5000
    tls_host: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    # Where dnsmasq keeps the segment's DHCP leases (the portal reads MAC addresses from it).
    leases_file: str = "/var/lib/misc/okey-segment.leases"
    # Port of the HTTPS listener for the RFC 8908 API and the portal (with tls_* set).
    tls_port: int = 443
    # Anyone in radio range reaches the segment's listener: the connections one device (address)
    # may hold at once (a browser opens about six), all devices together, and the seconds a
    # request's headers may take to arrive (a body must then come at 4 KB/s at least).
    # Wi-Fi Enhanced Open: beside the open network, a hidden encrypted one (no password) that
    # modern phones join by themselves (hostapd's OWE transition mode).
    owe: bool = True
    connections_per_device: int = 24
    max_connections: int = 3000
    request_timeout: int = 20


@dataclass
class DatabaseSettings:
    # Empty: SQLite in the data directory. "postgresql://user:pw@host:port/db" for a hub.
    url: str = ""


@dataclass
class BackupSettings:
    """Nightly encrypted backups (run by the backup package)."""

    enabled: bool = True
    # Local time (the school's time zone) of the nightly run, HH:MM.
    time: str = "02:30"
    # Where copies go: a directory ("/srv/okey-backups"; relative paths are inside the data
    # directory), a USB drive by label or mount point ("usb:OKEY-BACKUP", "usb:/media/okey")
    # and district storage, a mounted network path ("district:/mnt/district/okey").
    targets: list[str] = field(default_factory=lambda: ["backups", "usb:OKEY-BACKUP"])
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    # The admin page warns when the last good backup is older than this.
    max_age_days: int = 2
    # Copies are also encrypted to the district's age key when it is set ("age1…").
    district_recipient: str = ""
    # Files bigger than this are split into parts (FAT32 holds files below 4 GiB).
    part_size_mb: int = 4095
    restore_test_days: int = 7


@dataclass
class RecommendationSettings:
    """Weights of the transparent rules that suggest events and competencies to work on."""

    interest: int = 3  # the event's direction matches the student's career-guidance interests
    achievement: int = 2  # the student already has achievements in that direction
    gap: int = 2  # the event develops a competency the student rates low
    deadline: int = 1  # registration closes soon
    class_event: int = 1  # the event is published for the student's class
    soon_days: int = 14  # "soon" for the deadline rule, in days
    low_self_score: int = 2  # self-assessment at or below this counts as a gap
    limit: int = 8  # suggestions shown at most


@dataclass
class HubSettings:
    """The district hub's pages."""

    # A school with no snapshot for longer than this is listed as silent.
    silent_days: int = 3


@dataclass
class Settings:
    data_dir: Path = Path("/var/lib/okey")
    school: SchoolSettings = field(default_factory=SchoolSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    segment: SegmentSettings = field(default_factory=SegmentSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    recommendations: RecommendationSettings = field(default_factory=RecommendationSettings)
    hub: HubSettings = field(default_factory=HubSettings)
    extra: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    # -- paths inside the data directory -------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.data_dir / "okey.db"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def portal_url(self) -> str:
        """The address printed on login cards and in their QR codes. With the open Wi-Fi segment
        configured, the one a phone on it can reach (`https://<tls_host>/` with a certificate,
        else `http://<portal_host>/`); `server.public_url` otherwise."""
        seg = self.segment
        if seg.interface.strip():
            if seg.tls_host.strip() and seg.tls_cert.strip() and seg.tls_key.strip():
                port = "" if seg.tls_port == 443 else f":{seg.tls_port}"
                return f"https://{seg.tls_host.strip().lower()}{port}"
            port = "" if seg.portal_port == 80 else f":{seg.portal_port}"
            return f"http://{seg.portal_host.strip().lower().rstrip('.')}{port}"
        return self.server.public_url.rstrip("/")

    def secret_key(self) -> str:
        """The key that signs cookies and activation codes, created once per data dir."""
        path = self.keys_dir / "secret_key"
        if not path.exists():
            ensure_private_dir(self.keys_dir)
            write_atomic(path, secrets.token_hex(32), mode=PRIVATE)
        return path.read_text().strip()

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.uploads_dir, self.keys_dir, self.state_dir):
            ensure_private_dir(path)


def ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o750)
    os.chmod(path, 0o750 if path.name != "keys" else 0o700)


_SECTIONS = {
    "school": SchoolSettings,
    "server": ServerSettings,
    "security": SecuritySettings,
    "segment": SegmentSettings,
    "database": DatabaseSettings,
    "backup": BackupSettings,
    "recommendations": RecommendationSettings,
    "hub": HubSettings,
}


def _coerce(value: Any, target: Any, where: str) -> Any:
    """Convert a TOML or environment value to the dataclass field's type."""
    kind = type(target)
    if isinstance(target, bool):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on", "да"):
            return True
        if str(value).lower() in ("0", "false", "no", "off", "нет", ""):
            return False
        raise ConfigError(f"{where}: ожидается true или false, получено «{value}»")
    if isinstance(target, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: ожидается целое число, получено «{value}»") from None
    if isinstance(target, Path):
        return Path(value)
    if isinstance(target, list):
        # Lists come from TOML arrays or, in the environment, as comma-separated text.
        items = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ConfigError(f"{where}: ожидается список строк, получено «{value}»")
        return [item for item in items if item]
    if kind is str and not isinstance(value, str):
        raise ConfigError(f"{where}: ожидается строка, получено «{value}»")
    return value


def _apply_section(obj: Any, values: dict[str, Any], section: str) -> None:
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in values.items():
        if key not in names:
            raise ConfigError(f"Неизвестный параметр [{section}] {key} в файле настроек")
        setattr(obj, key, _coerce(value, getattr(obj, key), f"[{section}] {key}"))


def load_settings(config: str | Path | None = None, data_dir: str | Path | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Build the settings from a file, the environment and an explicit data dir."""
    env = os.environ if environ is None else environ
    settings = Settings()
    path = _find_config(config, data_dir, env)
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Не удалось прочитать файл настроек {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Ошибка в файле настроек {path}: {exc}") from None
        settings.source = path
        for key, value in raw.items():
            if key == "data_dir":
                settings.data_dir = Path(value)
            elif key in _SECTIONS and isinstance(value, dict):
                _apply_section(getattr(settings, key), value, key)
            elif isinstance(value, dict):
                # Sections owned by feature packages (backup, sync, …) read them from here.
                settings.extra[key] = value
            else:
                raise ConfigError(f"Неизвестный параметр {key} в файле настроек {path}")
    for name, value in env.items():
        if not name.startswith("OKEY_") or name in ("OKEY_CONFIG", "OKEY_DATA_DIR"):
            continue
        section, _, key = name[5:].lower().partition("__")
        if not key:
            continue
        if section in _SECTIONS:
            _apply_section(getattr(settings, section), {key: value}, section)
        else:
            settings.extra.setdefault(section, {})[key] = value
    if env.get("OKEY_DATA_DIR"):
        settings.data_dir = Path(env["OKEY_DATA_DIR"])
    if data_dir is not None:
        settings.data_dir = Path(data_dir)
    settings.data_dir = settings.data_dir.expanduser().resolve()
    return settings


def _find_config(config: str | Path | None, data_dir: str | Path | None,
                 env: dict[str, str] | os._Environ) -> Path | None:
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"Файл настроек не найден: {path}")
        return path
    if env.get("OKEY_CONFIG"):
        return _find_config(env["OKEY_CONFIG"], data_dir, {})
    candidates = []
    if data_dir is not None:
        candidates.append(Path(data_dir) / "okey.toml")
    elif env.get("OKEY_DATA_DIR"):
        candidates.append(Path(env["OKEY_DATA_DIR"]) / "okey.toml")
    candidates.append(SYSTEM_CONFIG)
    return next((p for p in candidates if p.is_file()), None)
