"""The open Wi-Fi segment as the admin page sees it: leases, accepted devices, probe counts.

Read-only: the captive portal records acceptances and probes, this module only reports.
The DHCP leases file is dnsmasq's: one line per lease, "expiry mac ip hostname client-id".
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from pathlib import Path

from peewee import fn

from appliance.config import Settings
from appliance.models.base import utcnow
from appliance.models.segment import SegmentDevice, SegmentProbeCount


@dataclass(frozen=True)
class Lease:
    mac: str
    ip: str
    hostname: str
    expires: int  # Unix time; 0 for an infinite lease


@dataclass
class ProbeRow:
    os: str
    splash: int = 0
    success: int = 0


@dataclass
class SegmentStatus:
    configured: bool
    interface: str
    ssid: str
    leases_now: int
    leases_readable: bool
    devices_accepted: int
    probes_today: list[ProbeRow] = field(default_factory=list)
    probes_week: list[ProbeRow] = field(default_factory=list)


def read_leases(path: str | Path, now: float | None = None) -> list[Lease] | None:
    """Current leases from a dnsmasq leases file; None when the file cannot be read."""
    now = time.time() if now is None else now
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    leases = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[0].isdigit():
            continue  # "duid …" lines and anything malformed
        expires = int(parts[0])
        if expires and expires < now:
            continue
        leases.append(Lease(mac=parts[1].lower(), ip=parts[2], hostname="" if parts[3] == "*" else parts[3],
                            expires=expires))
    return leases


def accepted_count(now: datetime.datetime | None = None) -> int:
    now = now or utcnow()
    return SegmentDevice.select().where(SegmentDevice.expires_at > now).count()


def probe_counts(since: datetime.date) -> list[ProbeRow]:
    rows: dict[str, ProbeRow] = {}
    query = (SegmentProbeCount
             .select(SegmentProbeCount.os, SegmentProbeCount.answer, fn.SUM(SegmentProbeCount.count).alias("n"))
             .where(SegmentProbeCount.day >= since)
             .group_by(SegmentProbeCount.os, SegmentProbeCount.answer))
    for item in query.dicts():
        row = rows.setdefault(item["os"], ProbeRow(os=item["os"]))
        setattr(row, item["answer"], int(item["n"] or 0))
    return sorted(rows.values(), key=lambda r: -(r.splash + r.success))


def segment_status(settings: Settings, today: datetime.date | None = None) -> SegmentStatus:
    """Everything the admin page's segment card shows."""
    today = today or utcnow().date()
    leases = read_leases(settings.segment.leases_file) if settings.segment.interface else None
    return SegmentStatus(
        configured=bool(settings.segment.interface),
        interface=settings.segment.interface,
        ssid=settings.segment.ssid,
        leases_now=len(leases or []),
        leases_readable=leases is not None,
        devices_accepted=accepted_count(),
        probes_today=probe_counts(today),
        probes_week=probe_counts(today - datetime.timedelta(days=6)),
    )
