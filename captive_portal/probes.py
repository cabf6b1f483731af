"""The connectivity checks operating systems make, and the answer each expects when online.

Before a device accepts, every probe is redirected to the splash page: the OS sees a
captive portal and opens its sign-in sheet. After acceptance the probe gets exactly the
answer its OS expects from the internet, so the sheet closes and the device stays on the
Wi-Fi. Sources: the probe URLs configured in AOSP NetworkMonitor, Apple's CNA, Windows
NCSI, Firefox's captive-portal service and NetworkManager's connectivity configurations
of GNOME, Debian, Ubuntu, Fedora, Arch and KDE.
"""

from __future__ import annotations

from dataclasses import dataclass

APPLE_SUCCESS = b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"
FIREFOX_CANONICAL = b'<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'
NM_ONLINE = b"NetworkManager is online\n"


@dataclass(frozen=True)
class Probe:
    os: str  # android, apple, windows, firefox, linux
    status: int
    body: bytes = b""
    content_type: str = "text/plain"


ANDROID = Probe("android", 204)
APPLE = Probe("apple", 200, APPLE_SUCCESS, "text/html")
WINDOWS_CONNECTTEST = Probe("windows", 200, b"Microsoft Connect Test")
WINDOWS_NCSI = Probe("windows", 200, b"Microsoft NCSI")
FIREFOX_PAGE = Probe("firefox", 200, FIREFOX_CANONICAL, "text/html")
FIREFOX_TXT = Probe("firefox", 200, b"success\n")
NETWORK_MANAGER = Probe("linux", 200, NM_ONLINE)
LINUX_204 = Probe("linux", 204)
LINUX_OK = Probe("linux", 200, b"OK\n")

# Probes recognised by host and path.
_BY_HOST_PATH: dict[tuple[str, str], Probe] = {
    ("www.msftconnecttest.com", "/connecttest.txt"): WINDOWS_CONNECTTEST,
    ("ipv6.msftconnecttest.com", "/connecttest.txt"): WINDOWS_CONNECTTEST,
    ("www.msftncsi.com", "/ncsi.txt"): WINDOWS_NCSI,
    ("detectportal.firefox.com", "/canonical.html"): FIREFOX_PAGE,
    ("detectportal.firefox.com", "/success.txt"): FIREFOX_TXT,
    ("nmcheck.gnome.org", "/check_network_status.txt"): NETWORK_MANAGER,
    ("network-test.debian.org", "/nm"): NETWORK_MANAGER,
    ("ping.archlinux.org", "/nm-check.txt"): NETWORK_MANAGER,
    ("fedoraproject.org", "/static/hotspot.txt"): LINUX_OK,
    ("networkcheck.kde.org", "/"): LINUX_OK,
    ("connectivity-check.ubuntu.com", "/"): LINUX_204,
}
# Apple devices ask for these pages on a list of hosts of their own.
_APPLE_HOSTS = {"captive.apple.com", "www.apple.com", "gsp1.apple.com", "www.appleiphonecell.com",
                "www.itools.info", "www.ibook.com", "www.airport.us", "www.thinkdifferent.us"}
_APPLE_PATHS = {"/hotspot-detect.html", "/library/test/success.html"}
# Android and ChromeOS ask Google's hosts, vendors their own (Xiaomi, Huawei, …): any host.
_ANDROID_PATHS = {"/generate_204", "/gen_204"}


def match(host: str, path: str) -> Probe | None:
    """The probe a request is, from its normalised host and path; None for an ordinary page."""
    if path in _ANDROID_PATHS:
        return ANDROID
    if path in _APPLE_PATHS or (host in _APPLE_HOSTS and path in ("/", "")):
        return APPLE
    probe = _BY_HOST_PATH.get((host, path or "/"))
    if probe is not None:
        return probe
    if path in ("/connecttest.txt",):
        return WINDOWS_CONNECTTEST
    if path == "/ncsi.txt":
        return WINDOWS_NCSI
    return None
