"""Announcing the portal on the school LAN with zeroconf (mDNS/DNS-SD)."""

from __future__ import annotations

import logging
import socket

from zeroconf import EventLoopBlocked, IPVersion, ServiceInfo, Zeroconf

from appliance import __version__

log = logging.getLogger("okey.discovery")
SERVICE_TYPE = "_http._tcp.local."


def instance_name(school_name: str) -> str:
    # DNS-SD instance names are UTF-8 up to 63 bytes.
    name = f"Окей, школа — {school_name}"
    if len(name.encode()) <= 63:
        return name
    while len((name + "…").encode()) > 63:
        name = name[:-1]
    # Cut at a word boundary where one is near, so the name does not end mid-word.
    head, _, _ = name.rpartition(" ")
    return (head if len(head) > 20 else name).rstrip(" ,—") + "…"


def local_addresses() -> list[str]:
    """The host's IPv4 addresses other than loopback, best effort."""
    addresses = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addresses.add(info[4][0])
    except OSError:
        pass
    return sorted(a for a in addresses if not a.startswith("127.")) or ["127.0.0.1"]


def build_service_info(school_name: str, port: int, hostname: str = "okey",
                       addresses: list[str] | None = None) -> ServiceInfo:
    return ServiceInfo(
        SERVICE_TYPE,
        f"{instance_name(school_name)}.{SERVICE_TYPE}",
        port=port,
        properties={"path": "/", "version": __version__, "product": "okey"},
        server=f"{hostname}.local.",
        parsed_addresses=addresses or local_addresses(),
    )


class Announcer:
    """Registers the portal while the server runs; unregisters on stop."""

    def __init__(self, info: ServiceInfo, interfaces=None):
        self.info = info
        self.interfaces = interfaces
        self.zeroconf: Zeroconf | None = None

    def start(self) -> None:
        kwargs = {"ip_version": IPVersion.V4Only}
        if self.interfaces:
            kwargs["interfaces"] = self.interfaces
        self.zeroconf = Zeroconf(**kwargs)
        try:
            # allow_name_change: a second appliance with the same school name gets "… (2)".
            self.zeroconf.register_service(self.info, allow_name_change=True)
        except EventLoopBlocked:
            # A busy machine: the announcement goes on in zeroconf's own thread.
            log.warning("zeroconf is slow to confirm the announcement; it continues in the background")
        log.info("announced %s on %s port %s", self.info.name, self.info.server, self.info.port)

    def stop(self) -> None:
        if self.zeroconf is not None:
            self.zeroconf.unregister_service(self.info)
            self.zeroconf.close()
            self.zeroconf = None
            log.info("stopped announcing %s", self.info.name)
