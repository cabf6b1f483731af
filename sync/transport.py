"""Getting a bundle to the district: a folder, a USB drive, district storage, or HTTP.

Settings come from the ``[sync]`` section of okey.toml::

    [sync]
    scope = "analytics"                  # or "full", as agreed with the district
    hub_url = "https://okey-hub.district.example"   # empty: no HTTP
    targets = ["usb:OKEY-SYNC", "district:/mnt/district/okey-sync"]
    time = "03:30"                       # the nightly export, school time
    retries = 5                          # HTTP attempts before the bundle waits for the next night

Every bundle is first written to the outbox (<data>/sync/outbox); targets get copies.
Receipts come back over HTTP at once, or as ``*.receipt.json`` files in the target folders.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from appliance.config import Settings
from appliance.files import copy_atomic
from appliance.services.validation import parse_clock
from appliance.targets import TargetError, find_usb, parse_target
from sync.bundle import PART_SUFFIX
from sync.errors import SyncError

log = logging.getLogger("okey.sync")

UPLOAD_PATH = "/sync/bundle"


@dataclass
class SyncSettings:
    scope: str = "analytics"
    hub_url: str = ""
    targets: list[str] = field(default_factory=list)
    time: str = "03:30"
    retries: int = 5
    backoff_seconds: float = 2.0
    timeout_seconds: float = 60.0
    enabled: bool = True


def sync_settings(settings: Settings) -> SyncSettings:
    raw = dict(settings.extra.get("sync", {}))
    result = SyncSettings()
    for key, value in raw.items():
        if not hasattr(result, key):
            raise SyncError(f"Неизвестный параметр [sync] {key} в файле настроек.")
        current = getattr(result, key)
        if isinstance(current, list) and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(current, bool) and isinstance(value, str):
            value = value.lower() in ("1", "true", "yes", "on", "да")
        elif isinstance(current, int | float) and not isinstance(current, bool) and isinstance(value, str):
            value = type(current)(value)
        setattr(result, key, value)
    try:
        parse_clock(result.time, "[sync] time")
    except ValueError as exc:
        raise SyncError(str(exc)) from None
    if result.scope not in ("analytics", "full"):
        raise SyncError(f"[sync] scope = «{result.scope}»: ожидается analytics или full.")
    for spec in result.targets:
        try:
            parse_target(spec, "Цель выгрузки")
        except TargetError as exc:
            raise SyncError(f"[sync] targets: {exc}") from None
    return result


def outbox(settings: Settings) -> Path:
    return settings.data_dir / "sync" / "outbox"


def resolve_target(spec: str) -> Path:
    """The folder a target names: "usb:LABEL", "usb:/media/okey", "district:/mnt/…", or a path."""
    try:
        target = parse_target(spec, "Цель выгрузки")
    except TargetError as exc:
        raise SyncError(str(exc)) from None
    if target.kind == "usb":
        if target.usb_label is None:
            mount = Path(target.value)
        else:
            try:
                mount = find_usb(target.usb_label).point
            except TargetError:
                mount = None
        if mount is None or not os.path.ismount(mount):
            raise SyncError(f"Флешка «{target.value}» не подключена: вставьте её и повторите выгрузку.")
        return mount / "okey-sync"
    if target.kind == "district":
        path = Path(target.value)
        if not path.is_dir():
            raise SyncError(f"Хранилище района {target.value} недоступно: проверьте, что сетевая папка подключена.")
        return path
    return Path(target.value)


def copy_to(path: Path, directory: Path) -> Path:
    """Copy atomically: a half-copied bundle never carries the final name."""
    directory.mkdir(parents=True, exist_ok=True)
    return copy_atomic(path, directory / path.name, tmp_suffix=PART_SUFFIX)


@dataclass
class PostResult:
    status: int
    body: bytes
    attempts: int


class HubUnreachable(SyncError):
    pass


def post_bundle(path: Path, hub_url: str, retries: int = 5, backoff: float = 2.0, timeout: float = 60.0,
                sleep: Callable[[float], None] = time.sleep) -> PostResult:
    """POST the bundle to the hub; retry with doubling pauses while the hub cannot be reached
    or answers 5xx. A 4xx answer is final (the hub refused the bundle and said why)."""
    if not hub_url.startswith(("http://", "https://")):
        raise SyncError(f"[sync] hub_url = «{hub_url}»: ожидается адрес http:// или https://.")
    url = hub_url.rstrip("/") + UPLOAD_PATH
    last_error = ""
    size = path.stat().st_size
    for attempt in range(1, retries + 1):
        try:
            with open(path, "rb") as body:
                request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
                    "Content-Type": "application/octet-stream", "Content-Length": str(size),
                    "Accept": "application/json"})
                # The scheme was checked above: http or https only.
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
                    return PostResult(response.status, response.read(), attempt)
        except urllib.error.HTTPError as exc:
            body = exc.read()
            if exc.code < 500:
                return PostResult(exc.code, body, attempt)
            last_error = f"ответ {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(getattr(exc, "reason", exc))
        if attempt < retries:
            pause = backoff * 2 ** (attempt - 1)
            log.info("hub %s unreachable (%s), retry %d in %.0f s", url, last_error, attempt + 1, pause)
            sleep(pause)
    raise HubUnreachable(f"Хаб района {hub_url} недоступен ({last_error}); попыток: {retries}. "
                         "Пакет остался в очереди и уйдёт со следующей выгрузкой.")


def error_message(body: bytes) -> str:
    try:
        return str(json.loads(body.decode())["error"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return body.decode(errors="replace")[:300]
