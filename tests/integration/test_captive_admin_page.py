"""The administrator sees the open segment's state: leases now, devices accepted, probes by OS."""

from __future__ import annotations

import re
import time

import pytest

from captive_portal.handler import create_captive_app
from tests.conftest import login


@pytest.fixture
def segment_on(settings, tmp_path):
    leases = tmp_path / "segment.leases"
    now = int(time.time())
    leases.write_text(f"{now + 600} aa:bb:cc:00:00:21 10.77.0.21 a *\n{now + 600} aa:bb:cc:00:00:22 10.77.0.22 b *\n"
                      f"{now - 600} aa:bb:cc:00:00:23 10.77.0.23 gone *\n")
    settings.segment.interface = "wlan0"
    settings.segment.ssid = "Школа-Wi-Fi"
    settings.segment.leases_file = str(leases)
    return settings


def stat(html: str, label: str) -> str:
    match = re.search(r'<span class="stat-value">([^<]+)</span><span class="stat-label">' + label, html)
    assert match, label
    return match.group(1)


def test_home_says_when_the_segment_is_not_configured(client, demo):
    login(client, "admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Открытый сегмент Wi-Fi не настроен" in html


def test_admin_sees_leases_devices_and_probes(segment_on, client, demo):
    captive = create_captive_app(segment_on, counter_interval=0)
    phone = captive.test_client()
    env = {"REMOTE_ADDR": "10.77.0.21"}
    phone.get("/generate_204", headers={"Host": "connectivitycheck.gstatic.com"}, environ_base=env)
    phone.get("/hotspot-detect.html", headers={"Host": "captive.apple.com"}, environ_base=env)
    phone.post("/wifi/accept", headers={"Host": "okey.internal"}, environ_base=env)
    phone.get("/generate_204", headers={"Host": "connectivitycheck.gstatic.com"}, environ_base=env)

    login(client, "admin")
    home = client.get("/admin/").get_data(as_text=True)
    assert stat(home, "устройств в сети сейчас") == "2"
    assert stat(home, "открыли портал") == "1"
    assert stat(home, "проверок связи до входа сегодня") == "2"
    assert stat(home, "проверок связи после входа сегодня") == "1"
    page = client.get("/admin/segment")
    html = page.get_data(as_text=True)
    assert "«Школа-Wi-Fi»" in home
    assert page.status_code == 200 and "<h1>Открытая сеть Wi-Fi «Школа-Wi-Fi»</h1>" in html
    rows = re.findall(r"<tr>\s*<td[^>]*>([^<]+)</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td><td[^>]*>(\d+)</td>", html)
    assert sorted(rows) == [("Android", "1", "1", "1", "1"), ("iOS, iPadOS, macOS", "1", "0", "1", "0")]


def test_unreadable_leases_file_is_said_plainly(segment_on, client, demo, tmp_path):
    segment_on.segment.leases_file = str(tmp_path / "missing.leases")
    login(client, "admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Файл аренд DHCP не читается" in html


def test_only_the_admin_sees_the_segment(segment_on, client, demo):
    login(client, "teacher1")
    assert client.get("/admin/segment").status_code == 403
