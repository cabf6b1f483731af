"""Validating rendered configuration with the real tools: `dnsmasq --test` and `nft -c -f`."""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 - runs the system's own validators with fixed arguments
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CheckResult:
    name: str
    ok: bool
    message: str
    warning: bool = False


def check_public_url(settings) -> CheckResult:
    """Warn when `server.public_url` is an address a phone on the segment cannot open: there only
    the portal's name (and the TLS name) on the segment's ports lead to the portal."""
    from urllib.parse import urlsplit

    from captive_portal.plan import SegmentConfigError, build_plan

    try:
        plan = build_plan(settings.segment)
    except SegmentConfigError:
        return CheckResult("server.public_url", False, "сначала исправьте [segment] (okey captive render)")
    url = urlsplit(settings.server.public_url)
    host = (url.hostname or "").lower().rstrip(".")
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:
        port = -1
    hosts = {plan.portal_host, str(plan.server_ip), plan.tls_host} - {""}
    reachable = host in hosts and ((url.scheme == "http" and port == plan.portal_port)
                                   or (url.scheme == "https" and plan.tls and port == plan.tls_port))
    if reachable:
        return CheckResult("server.public_url", True, f"{settings.server.public_url} открывается из сегмента")
    return CheckResult(
        "server.public_url", True, warning=True,
        message=(f"адрес {settings.server.public_url} недоступен с телефонов в открытой сети Wi-Fi (там открыт только "
                 f"{plan.portal_url}). Карточки входа и QR-коды печатаются с адресом {plan.portal_url.rstrip('/')}; "
                 f"чтобы и остальные ссылки вели туда, укажите public_url = \"{plan.portal_url.rstrip('/')}\"."))


def _run(argv: list[str]) -> tuple[int, str]:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def check_dir(directory: Path) -> list[CheckResult]:
    """Check every rendered file found in `directory`."""
    results = []
    dnsmasq_conf = directory / "dnsmasq.conf"
    nft_conf = directory / "nftables.conf"
    for path in (dnsmasq_conf, nft_conf):
        if not path.is_file():
            results.append(CheckResult(path.name, False, f"Нет файла {path}: сначала выполните okey captive render."))
    if dnsmasq_conf.is_file():
        tool = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not Path(tool).exists():
            results.append(CheckResult("dnsmasq.conf", False, "Не найден dnsmasq (пакет Debian dnsmasq-base)."))
        else:
            code, out = _run([tool, "--test", f"--conf-file={dnsmasq_conf}"])
            results.append(CheckResult("dnsmasq.conf", code == 0,
                                       "синтаксис верен" if code == 0 else f"dnsmasq --test: {out}"))
    if nft_conf.is_file():
        tool = shutil.which("nft") or "/usr/sbin/nft"
        if not Path(tool).exists():
            results.append(CheckResult("nftables.conf", False, "Не найден nft (пакет Debian nftables)."))
        else:
            code, out = _run([tool, "-c", "-f", str(nft_conf)])
            if code == 0:
                results.append(CheckResult("nftables.conf", True, "правила приняты ядром (проверка без применения)"))
            elif "Operation not permitted" in out:
                results.append(CheckResult("nftables.conf", False,
                                           "nft -c требует прав root: запустите проверку через sudo."))
            else:
                results.append(CheckResult("nftables.conf", False, f"nft -c -f: {out}"))
    hostapd_conf = directory / "hostapd.conf"
    if hostapd_conf.is_file():
        results.append(_check_hostapd(hostapd_conf))
    return results


def _check_hostapd(path: Path) -> CheckResult:
    """The keys the segment depends on, then hostapd's own parser: hostapd has no dry-run mode, so a
    copy naming interfaces that do not exist is started; it reads the whole file (reporting every
    line it refuses) and stops at the driver, touching no radio."""
    import re
    import tempfile

    text = path.read_text(encoding="utf-8")
    first = text.split("\nbss=", 1)[0]
    keys = dict(line.split("=", 1) for line in first.splitlines() if "=" in line and not line.startswith("#"))
    missing = [k for k, v in (("interface", None), ("ssid2", None), ("country_code", None),
                              ("ap_isolate", "1"), ("wpa", "0")) if k not in keys or (v and keys[k] != v)]
    if missing:
        return CheckResult("hostapd.conf", False, f"нет или неверны параметры: {', '.join(missing)}")
    owe = "wpa_key_mgmt=OWE" in text
    what = "изоляция клиентов включена (ap_isolate=1)" + ("; OWE в режиме перехода" if owe else "")
    tool = shutil.which("hostapd") or "/usr/sbin/hostapd"
    if not Path(tool).exists():
        return CheckResult("hostapd.conf", True, what + "; hostapd не установлен, синтаксис не проверен")
    names: dict[str, str] = {}

    def rename(match: re.Match) -> str:
        return f"{match.group(1)}={names.setdefault(match.group(2), f'okeychk{len(names)}')}"

    with tempfile.TemporaryDirectory(prefix="okey-hostapd-") as tmp:
        copy = re.sub(r"^(interface|bss|owe_transition_ifname)=(\S+)$", rename, text, flags=re.M)
        copy = re.sub(r"^bridge=.*$", "", copy, flags=re.M)
        copy = re.sub(r"^ctrl_interface=.*$", f"ctrl_interface={tmp}/ctrl", copy, flags=re.M)
        (Path(tmp) / "hostapd.conf").write_text(copy, encoding="utf-8")
        try:
            code, out = _run([tool, str(Path(tmp) / "hostapd.conf")])
        except subprocess.TimeoutExpired:
            return CheckResult("hostapd.conf", False, "hostapd не завершился при проверке")
    refused = [line for line in out.splitlines() if re.match(r"Line \d+:", line) or "errors found" in line]
    if refused:
        return CheckResult("hostapd.conf", False, "hostapd не принимает: " + "; ".join(refused))
    return CheckResult("hostapd.conf", True, what + "; hostapd принимает конфигурацию")
