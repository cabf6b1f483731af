"""Acceptance kept per device: MAC (from the DHCP leases or the neighbour table) plus IP.

A phone that changes its address keeps its acceptance while its MAC stays the same; a
device whose MAC is unknown is remembered by address. The table is bounded: expired rows
go first, then the oldest acceptances.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections import Counter
from pathlib import Path

from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.segment import SegmentDevice, SegmentProbeCount
from appliance.services.segment import read_leases

NEIGHBOURS = Path("/proc/net/arp")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def mac_for(ip: str, leases_file: str | Path, neighbours: Path = NEIGHBOURS) -> str:
    """The MAC of the device at `ip`, or "" when neither dnsmasq nor the kernel knows it."""
    for lease in read_leases(leases_file) or []:
        if lease.ip == ip and _MAC.match(lease.mac):
            return lease.mac
    try:
        lines = neighbours.read_text().splitlines()[1:]
    except OSError:
        return ""
    for line in lines:
        # IP address, HW type, Flags, HW address, Mask, Device; flag 0x2 = entry complete.
        parts = line.split()
        if len(parts) >= 4 and parts[0] == ip and int(parts[2], 16) & 0x2 and _MAC.match(parts[3].lower()):
            mac = parts[3].lower()
            return "" if mac == "00:00:00:00:00:00" else mac
    return ""


def device_key(ip: str, mac: str) -> str:
    return f"mac:{mac}" if mac else f"ip:{ip}"


def accepted_device(ip: str, mac: str) -> SegmentDevice | None:
    """The device's acceptance while it lasts."""
    return (SegmentDevice.select()
            .where(SegmentDevice.key == device_key(ip, mac), SegmentDevice.expires_at > utcnow())
            .first())


def accept(ip: str, mac: str, os_name: str, hours: int, max_devices: int) -> SegmentDevice:
    """Remember that the device accepted, for `hours`; keep at most `max_devices` rows."""
    now = utcnow()
    expires = now + datetime.timedelta(hours=hours)
    key = device_key(ip, mac)
    with database.atomic():
        SegmentDevice.delete().where(SegmentDevice.expires_at <= now).execute()
        (SegmentDevice.insert(key=key, mac=mac, ip=ip, os=os_name, accepted_at=now, expires_at=expires)
         .on_conflict(conflict_target=[SegmentDevice.key],
                      update={SegmentDevice.ip: ip, SegmentDevice.os: os_name,
                              SegmentDevice.accepted_at: now, SegmentDevice.expires_at: expires})
         .execute())
        excess = SegmentDevice.select().count() - max_devices
        if excess > 0:
            oldest = (SegmentDevice.select(SegmentDevice.id)
                      .order_by(SegmentDevice.accepted_at, SegmentDevice.id).limit(excess))
            SegmentDevice.delete().where(SegmentDevice.id.in_([row.id for row in oldest])).execute()
        return SegmentDevice.get(SegmentDevice.key == key)


class ProbeCounter:
    """Probe counts kept in memory and added to the database at most every `interval` seconds,
    so a flood of probes costs no database writes."""

    def __init__(self, interval: float = 30.0):
        self.interval = interval
        self._pending: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._flushed = time.monotonic()

    def add(self, os_name: str, answer: str) -> None:
        with self._lock:
            self._pending[(os_name, answer)] += 1
            due = time.monotonic() - self._flushed >= self.interval
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._flushed = time.monotonic()
        if not pending:
            return
        day = utcnow().date()
        with database.atomic():
            for (os_name, answer), n in pending.items():
                (SegmentProbeCount.insert(day=day, os=os_name, answer=answer, count=n)
                 .on_conflict(conflict_target=[SegmentProbeCount.day, SegmentProbeCount.os,
                                               SegmentProbeCount.answer],
                              update={SegmentProbeCount.count: SegmentProbeCount.count + n})
                 .execute())


class RateLimiter:
    """At most `limit` requests per `window` seconds from one address; bounded memory."""

    def __init__(self, limit: int = 120, window: float = 10.0, max_addresses: int = 8192):
        self.limit, self.window, self.max_addresses = limit, window, max_addresses
        self._seen: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            started, count = self._seen.get(address, (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            self._seen[address] = (started, count + 1)
            if len(self._seen) > self.max_addresses:
                # Dicts keep insertion order: forget the addresses seen longest ago.
                for stale in list(self._seen)[: len(self._seen) // 4]:
                    del self._seen[stale]
            return count < self.limit
