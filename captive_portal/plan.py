"""Checking `[segment]` settings and turning them into the values the configurations need.

Every problem found is reported at once, in Russian, so the administrator fixes the file
in one go; nothing is rendered while any problem remains.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from appliance.config import SegmentSettings

# Addresses a client would take for its own network (RFC 1918, shared CGNAT space,
# loopback, link-local): a DNS answer pointing there looks like DNS rebinding.
_PRIVATE_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4")]
_IFNAME = re.compile(r"^[A-Za-z0-9_.:@-]{1,15}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LEASE_TIME = re.compile(r"^(infinite|\d+[smhdw]?)$")


class SegmentConfigError(Exception):
    """The segment settings cannot be rendered; `problems` lists every reason in Russian."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class SegmentPlan:
    interface: str
    wifi_interface: str
    server_ip: ipaddress.IPv4Address
    network: ipaddress.IPv4Network
    dhcp_start: ipaddress.IPv4Address
    dhcp_end: ipaddress.IPv4Address
    lease_time: str
    leases_file: str
    portal_host: str
    sinkhole: ipaddress.IPv4Address
    portal_port: int
    ssid: str
    country: str
    channel: int
    tls_host: str
    tls_port: int
    owe: bool = True

    @property
    def netmask(self) -> str:
        return str(self.network.netmask)

    @property
    def tls(self) -> bool:
        return bool(self.tls_host)

    @property
    def splash_url(self) -> str:
        return f"{self.portal_url.rstrip('/')}/wifi/"

    @property
    def portal_url(self) -> str:
        if self.tls:
            port = "" if self.tls_port == 443 else f":{self.tls_port}"
            return f"https://{self.tls_host}{port}/"
        port = "" if self.portal_port == 80 else f":{self.portal_port}"
        return f"http://{self.portal_host}{port}/"

    @property
    def api_url(self) -> str:
        """The RFC 8908 API, advertised by DHCP option 114 (HTTPS only, by the RFC)."""
        return f"{self.portal_url.rstrip('/')}/wifi/api"


def is_hostname(name: str) -> bool:
    name = name.rstrip(".")
    return 0 < len(name) <= 253 and "." in name and all(_LABEL.match(label) for label in name.split("."))


def _ip(value: str, what: str, problems: list[str]) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(value.strip())
    except ValueError:
        problems.append(f"{what}: «{value}» — это не IPv4-адрес.")
        return None


def check_ssid(ssid: str) -> list[str]:
    problems = []
    if not ssid:
        problems.append("[segment] ssid: имя сети Wi-Fi не задано.")
    elif len(ssid.encode("utf-8")) > 32:
        problems.append(f"[segment] ssid: имя сети «{ssid}» занимает {len(ssid.encode('utf-8'))} байт "
                        "в UTF-8, а Wi-Fi допускает не больше 32 (кириллическая буква — 2 байта).")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in ssid):
        problems.append("[segment] ssid: в имени сети есть управляющие символы (перевод строки, табуляция "
                        "и т. п.) — уберите их.")
    return problems


def build_plan(seg: SegmentSettings) -> SegmentPlan:
    """Check the settings; raise SegmentConfigError listing every problem."""
    problems: list[str] = []
    interface = seg.interface.strip()
    if not interface:
        problems.append("[segment] interface: не указан сетевой интерфейс сегмента (например, wlan0 "
                        "или VLAN-интерфейс eth0.77).")
    elif not _IFNAME.match(interface):
        problems.append(f"[segment] interface: «{interface}» — недопустимое имя интерфейса "
                        "(до 15 латинских букв, цифр и знаков . _ -).")
    wifi = seg.wifi_interface.strip()
    if wifi and not _IFNAME.match(wifi):
        problems.append(f"[segment] wifi_interface: «{wifi}» — недопустимое имя интерфейса.")

    server_ip = network = None
    try:
        iface = ipaddress.IPv4Interface(seg.address.strip())
    except ValueError:
        problems.append(f"[segment] address: «{seg.address}» — ожидается IPv4-адрес сервера с длиной "
                        "префикса, например 10.77.0.1/22.")
    else:
        if "/" not in seg.address:
            problems.append(f"[segment] address: у адреса «{seg.address}» нет длины префикса "
                            "(например, /22).")
        elif iface.network.prefixlen > 29:
            problems.append(f"[segment] address: сеть {iface.network} слишком мала для сегмента "
                            "(нужен префикс /29 или короче).")
        elif iface.ip in (iface.network.network_address, iface.network.broadcast_address):
            problems.append(f"[segment] address: {iface.ip} — адрес самой сети или широковещательный "
                            f"адрес {iface.network}, серверу нужен адрес внутри сети.")
        else:
            server_ip, network = iface.ip, iface.network

    start = _ip(seg.dhcp_start, "[segment] dhcp_start", problems)
    end = _ip(seg.dhcp_end, "[segment] dhcp_end", problems)
    if network is not None:
        hosts = (network.network_address, network.broadcast_address)
        for name, addr in (("dhcp_start", start), ("dhcp_end", end)):
            if addr is None:
                continue
            if addr not in network:
                problems.append(f"[segment] {name}: адрес {addr} вне сети сегмента {network}.")
            elif addr in hosts:
                problems.append(f"[segment] {name}: {addr} — адрес самой сети или широковещательный.")
        if start is not None and end is not None and start in network and end in network:
            if start > end:
                problems.append(f"[segment] dhcp_start/dhcp_end: начало диапазона {start} больше конца {end}.")
            elif start <= server_ip <= end:
                problems.append(f"[segment] dhcp_start/dhcp_end: диапазон {start}–{end} включает адрес "
                                f"сервера {server_ip}; сдвиньте диапазон.")

    sinkhole = _ip(seg.sinkhole, "[segment] sinkhole", problems)
    if sinkhole is not None:
        if any(sinkhole in net for net in _PRIVATE_V4):
            problems.append(f"[segment] sinkhole: {sinkhole} — частный или служебный адрес. Телефоны "
                            "считают такой ответ DNS подменой и не показывают страницу входа; укажите "
                            "публичный на вид адрес, например 198.51.100.1.")
        elif network is not None and sinkhole in network:
            problems.append(f"[segment] sinkhole: {sinkhole} внутри сети сегмента {network}.")

    portal_host = seg.portal_host.strip().lower().rstrip(".")
    if not is_hostname(portal_host):
        problems.append(f"[segment] portal_host: «{seg.portal_host}» — ожидается имя вида okey.internal "
                        "(латиница, цифры, дефис, хотя бы одна точка).")
    problems += check_ssid(seg.ssid)
    country = seg.country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        problems.append(f"[segment] country: «{seg.country}» — нужен двухбуквенный код страны, например RU.")
    if not (1 <= seg.channel <= 14 or 32 <= seg.channel <= 177):
        problems.append(f"[segment] channel: канала Wi-Fi {seg.channel} не бывает.")
    for name in ("portal_port", "tls_port"):
        if not 1 <= getattr(seg, name) <= 65535:
            problems.append(f"[segment] {name}: порт {getattr(seg, name)} вне 1–65535.")
    if not _LEASE_TIME.match(seg.lease_time.strip()):
        problems.append(f"[segment] lease_time: «{seg.lease_time}» — ожидается, например, 4h, 30m или 1d.")
    if seg.accept_hours < 1:
        problems.append("[segment] accept_hours: срок действия согласия — не меньше 1 часа.")
    if seg.max_devices < 1:
        problems.append("[segment] max_devices: нужно хотя бы одно устройство.")
    if not seg.leases_file.startswith("/") or "\n" in seg.leases_file:
        problems.append(f"[segment] leases_file: «{seg.leases_file}» — нужен абсолютный путь.")
    tls = [seg.tls_host.strip(), seg.tls_cert.strip(), seg.tls_key.strip()]
    if any(tls) and not all(tls):
        problems.append("[segment] tls_host, tls_cert, tls_key: для HTTPS нужны все три параметра сразу.")
    elif tls[0] and not is_hostname(tls[0].lower()):
        problems.append(f"[segment] tls_host: «{tls[0]}» — ожидается имя, на которое выписан сертификат.")

    if problems:
        raise SegmentConfigError(problems)
    return SegmentPlan(
        interface=interface, wifi_interface=wifi, server_ip=server_ip, network=network,
        dhcp_start=start, dhcp_end=end, lease_time=seg.lease_time.strip(), leases_file=seg.leases_file,
        portal_host=portal_host, sinkhole=sinkhole, portal_port=seg.portal_port, ssid=seg.ssid,
        country=country, channel=seg.channel, tls_host=tls[0].lower(), tls_port=seg.tls_port, owe=seg.owe,
    )
