"""The captive handler through Flask's test client, on a real migrated SQLite database:
every OS probe before and after acceptance, the dispatcher by Host header, identity by
MAC, expiry, bounds, the RFC 8908 API, hostile requests and the admin page's figures."""

from __future__ import annotations

import datetime
import time

import pytest
from werkzeug.test import Client

from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.segment import SegmentDevice, SegmentProbeCount
from appliance.services.segment import read_leases, segment_status
from captive_portal.dispatch import SegmentDispatcher
from captive_portal.handler import create_captive_app
from captive_portal.probes import APPLE_SUCCESS, FIREFOX_CANONICAL

SPLASH = "http://okey.internal/wifi/"
PHONE = "10.77.0.23"
PHONE_MAC = "aa:bb:cc:00:00:23"

# (host, path, status, body) a device expects when it is online.
PROBES = [
    ("connectivitycheck.gstatic.com", "/generate_204", 204, b""),
    ("www.google.com", "/gen_204", 204, b""),
    ("clients3.google.com", "/generate_204", 204, b""),
    ("connectivitycheck.android.com", "/generate_204", 204, b""),
    ("connectivitycheck.platform.hicloud.com", "/generate_204", 204, b""),
    ("captive.apple.com", "/hotspot-detect.html", 200, APPLE_SUCCESS),
    ("captive.apple.com", "/", 200, APPLE_SUCCESS),
    ("www.apple.com", "/library/test/success.html", 200, APPLE_SUCCESS),
    ("www.msftconnecttest.com", "/connecttest.txt", 200, b"Microsoft Connect Test"),
    ("ipv6.msftconnecttest.com", "/connecttest.txt", 200, b"Microsoft Connect Test"),
    ("www.msftncsi.com", "/ncsi.txt", 200, b"Microsoft NCSI"),
    ("detectportal.firefox.com", "/canonical.html", 200, FIREFOX_CANONICAL),
    ("detectportal.firefox.com", "/success.txt", 200, b"success\n"),
    ("nmcheck.gnome.org", "/check_network_status.txt", 200, b"NetworkManager is online\n"),
    ("network-test.debian.org", "/nm", 200, b"NetworkManager is online\n"),
    ("ping.archlinux.org", "/nm-check.txt", 200, b"NetworkManager is online\n"),
    ("fedoraproject.org", "/static/hotspot.txt", 200, b"OK\n"),
    ("connectivity-check.ubuntu.com", "/", 204, b""),
    ("networkcheck.kde.org", "/", 200, b"OK\n"),
]


@pytest.fixture
def leases(tmp_path):
    path = tmp_path / "segment.leases"
    path.write_text(f"{int(time.time()) + 3600} {PHONE_MAC} {PHONE} phone 01:{PHONE_MAC}\n")
    return path


@pytest.fixture
def neighbours(tmp_path):
    path = tmp_path / "arp"
    path.write_text("IP address       HW type     Flags       HW address            Mask     Device\n"
                    "10.77.0.40       0x1         0x2         AA:BB:CC:00:00:40     *        wlan0\n"
                    "10.77.0.41       0x1         0x0         00:00:00:00:00:00     *        wlan0\n")
    return path


@pytest.fixture
def segment_settings(settings, leases):
    settings.segment.interface = "wlan0"
    settings.segment.leases_file = str(leases)
    return settings


@pytest.fixture
def captive(segment_settings, db, neighbours):
    return create_captive_app(segment_settings, counter_interval=0, neighbours=neighbours)


def get(app, host, path, ip=PHONE, **kwargs):
    return app.test_client().get(path, headers={"Host": host, **kwargs.pop("headers", {})},
                                 environ_base={"REMOTE_ADDR": ip}, **kwargs)


def press_accept(app, ip=PHONE, ua="Mozilla/5.0 (Linux; Android 14; Pixel 7)"):
    return app.test_client().post("/wifi/accept", headers={"Host": "okey.internal", "User-Agent": ua},
                                  environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize(("host", "path", "status", "body"), PROBES)
def test_probe_redirects_to_splash_before_and_answers_success_after(captive, host, path, status, body):
    before = get(captive, host, path)
    assert before.status_code == 302 and before.headers["Location"] == SPLASH
    assert before.headers["Cache-Control"] == "no-store"
    assert press_accept(captive).status_code == 303
    after = get(captive, host, path)
    assert (after.status_code, after.data) == (status, body)
    assert after.headers["Cache-Control"] == "no-store"
    # Another phone on the segment is still held by the portal.
    assert get(captive, host, path, ip="10.77.0.99").status_code == 302


def test_splash_is_plain_russian_with_one_button_and_no_external_assets(captive, demo):
    page = get(captive, "captive.apple.com", "/wifi/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    assert "Выхода в интернет здесь нет" in html and "Родителям и гостям" in html
    assert demo.school.name in html
    assert html.count("<button") == 1 and 'action="/wifi/accept"' in html
    assert "<script" not in html and "http://" not in html.replace("http://okey.internal", "")
    assert 'name="viewport"' in html


def test_accept_opens_the_portal_and_remembers_the_device_by_mac(captive):
    answer = press_accept(captive)
    assert answer.headers["Location"] == "http://okey.internal/"
    database.connect(reuse_if_open=True)
    row = SegmentDevice.get()
    assert (row.key, row.mac, row.ip, row.os) == (f"mac:{PHONE_MAC}", PHONE_MAC, PHONE, "android")
    assert row.expires_at - row.accepted_at == datetime.timedelta(hours=12)
    page = get(captive, "okey.internal", "/wifi/").get_data(as_text=True)
    assert "уже подключено" in page and 'href="http://okey.internal/"' in page


def test_a_new_address_for_the_same_mac_stays_accepted(captive, leases):
    press_accept(captive)
    leases.write_text(f"{int(time.time()) + 3600} {PHONE_MAC} 10.77.0.24 phone *\n")
    assert get(captive, "captive.apple.com", "/hotspot-detect.html", ip="10.77.0.24").status_code == 200
    # The old address, now without a lease, is a different device.
    assert get(captive, "captive.apple.com", "/hotspot-detect.html", ip=PHONE).status_code == 302


def test_mac_from_the_neighbour_table_and_by_address_when_unknown(captive):
    press_accept(captive, ip="10.77.0.40")
    press_accept(captive, ip="10.77.0.41")  # incomplete neighbour entry: no MAC
    database.connect(reuse_if_open=True)
    keys = {row.key for row in SegmentDevice.select()}
    assert keys == {"mac:aa:bb:cc:00:00:40", "ip:10.77.0.41"}
    assert get(captive, "x.org", "/generate_204", ip="10.77.0.41").status_code == 204


def test_acceptance_expires(captive):
    press_accept(captive)
    database.connect(reuse_if_open=True)
    SegmentDevice.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).execute()
    assert get(captive, "connectivitycheck.gstatic.com", "/generate_204").status_code == 302


def test_acceptance_survives_a_restart(segment_settings, captive, neighbours):
    press_accept(captive)
    restarted = create_captive_app(segment_settings, neighbours=neighbours)
    assert get(restarted, "www.msftconnecttest.com", "/connecttest.txt").data == b"Microsoft Connect Test"


def test_accepted_devices_are_bounded_oldest_go_first(segment_settings, db, neighbours):
    segment_settings.segment.max_devices = 3
    app = create_captive_app(segment_settings, neighbours=neighbours)
    for n in range(50, 56):
        press_accept(app, ip=f"10.77.0.{n}")
        # Acceptances a minute apart, oldest first.
        SegmentDevice.update(accepted_at=utcnow() - datetime.timedelta(minutes=60 - n)).where(
            SegmentDevice.ip == f"10.77.0.{n}").execute()
    database.connect(reuse_if_open=True)
    assert sorted(row.ip for row in SegmentDevice.select()) == ["10.77.0.53", "10.77.0.54", "10.77.0.55"]


def test_rfc8908_api(captive):
    before = get(captive, "okey.internal", "/wifi/api")
    assert before.content_type == "application/captive+json"
    assert before.json == {"captive": True, "user-portal-url": SPLASH, "venue-info-url": "http://okey.internal/"}
    press_accept(captive)
    after = get(captive, "okey.internal", "/wifi/api").json
    assert after["captive"] is False and 12 * 3600 - 60 < after["seconds-remaining"] <= 12 * 3600


def test_dispatcher_sends_the_portal_host_to_the_portal_and_the_rest_to_the_handler(segment_settings, app,
                                                                                    captive):
    client = Client(SegmentDispatcher(app, captive, ["okey.internal"]))
    env = {"REMOTE_ADDR": PHONE}
    for host in ("okey.internal", "OKEY.Internal.", "okey.internal:80"):
        portal = client.get("/login", headers={"Host": host}, environ_base=env)
        assert portal.status_code == 200 and 'name="csrf_token"' in portal.get_data(as_text=True), host
    # Without the portal host name: the captive handler, even for the portal's own paths.
    assert client.get("/login", headers={"Host": "example.com"}, environ_base=env).headers["Location"] == SPLASH
    assert client.get("/login", headers={"Host": "10.77.0.1"}, environ_base=env).headers["Location"] == SPLASH
    # The probe on the portal host is the portal's (not a probe there); elsewhere it is a probe.
    assert client.get("/generate_204", headers={"Host": "okey.internal"}, environ_base=env).status_code == 404
    assert client.get("/generate_204", headers={"Host": "www.google.com"},
                      environ_base=env).headers["Location"] == SPLASH
    # /wifi/ is the handler's on the portal host too.
    splash = client.get("/wifi/", headers={"Host": "okey.internal"}, environ_base=env)
    assert "Открыть портал" in splash.get_data(as_text=True)


@pytest.mark.parametrize("host", ["", "a b", "../../etc/passwd", "x" * 400, "[::1]:80", "okey.internal:abc:80",
                                  "окей.школа", "okey.internal/../x", "%00"])
def test_malformed_host_headers_get_the_splash(captive, host):
    answer = captive.test_client().get("/generate_204", headers={"Host": host},
                                       environ_base={"REMOTE_ADDR": PHONE})
    assert answer.status_code == 302 and answer.headers["Location"] == SPLASH


@pytest.mark.parametrize("path", ["/wifi/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/../generate_204",
                                  "/static/../../appliance/config.py", "/" + "a/" * 2000])
def test_paths_with_dot_dot_get_the_splash(captive, path):
    answer = get(captive, "example.com", path)
    assert answer.status_code == 302 and answer.headers["Location"] == SPLASH
    assert b"root:" not in answer.data


def test_huge_headers_and_bodies_are_answered_sanely(captive):
    answer = get(captive, "captive.apple.com", "/hotspot-detect.html", headers={"X-Big": "a" * 64 * 1024,
                                                                                  "Cookie": "c=" + "b" * 8000})
    assert answer.status_code == 302
    big = captive.test_client().post("/wifi/accept", data="x" * 100_000, headers={"Host": "okey.internal"},
                                     environ_base={"REMOTE_ADDR": PHONE}, content_type="text/plain")
    assert big.status_code == 413


def test_a_probe_flood_from_one_address_is_throttled_and_others_still_served(captive):
    codes = [get(captive, "connectivitycheck.gstatic.com", "/generate_204").status_code for _ in range(300)]
    assert codes[:120] == [302] * 120
    assert set(codes[120:]) == {429}
    throttled = get(captive, "captive.apple.com", "/hotspot-detect.html")
    assert throttled.headers["Retry-After"] == "10" and "Подождите" in throttled.get_data(as_text=True)
    assert get(captive, "captive.apple.com", "/hotspot-detect.html", ip="10.77.0.77").status_code == 302
    database.connect(reuse_if_open=True)
    assert sum(row.count for row in SegmentProbeCount.select()) == 121


def test_admin_status_counts_leases_devices_and_probes(segment_settings, captive, leases):
    for host, path, *_ in PROBES[:3]:
        get(captive, host, path)
    press_accept(captive)
    get(captive, "captive.apple.com", "/hotspot-detect.html")
    with leases.open("a") as fh:
        fh.write(f"{int(time.time()) + 600} aa:bb:cc:00:00:30 10.77.0.30 * *\n")
        fh.write(f"{int(time.time()) - 600} aa:bb:cc:00:00:31 10.77.0.31 old *\n")  # expired
        fh.write("duid 00:01:00:01:2c:aa\n")
    database.connect(reuse_if_open=True)
    status = segment_status(segment_settings)
    assert status.configured and status.leases_readable
    assert (status.leases_now, status.devices_accepted) == (2, 1)
    rows = {row.os: (row.splash, row.success) for row in status.probes_today}
    assert rows == {"android": (3, 0), "apple": (0, 1)}
    assert [lease.ip for lease in read_leases(leases)] == [PHONE, "10.77.0.30"]


def test_admin_status_without_a_segment(settings, db):
    status = segment_status(settings)
    assert not status.configured and status.leases_now == 0 and status.probes_today == []


@pytest.mark.parametrize("host, path", [("captive.apple.com", "/wifi/"), ("okey.internal", "/wifi/api"),
                                        ("connectivitycheck.gstatic.com", "/generate_204")])
def test_the_splash_and_the_api_carry_the_portals_security_headers(captive, host, path):
    answer = get(captive, host, path)
    policy = answer.headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    press = press_accept(captive)
    assert "frame-ancestors 'none'" in press.headers.get("Content-Security-Policy", "")
