"""Starting the segment's listener: `okey captive serve` alone, and `okey serve`'s wiring when
the segment cannot be served (bad settings, address not on this host)."""

from __future__ import annotations

import http.client
import logging
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from appliance.models.segment import SegmentProbeCount
from appliance.server import build_segment_server
from captive_portal.wsgi import SegmentListeners
from tests.conftest import free_port

OKEY = str(Path(sys.executable).parent / "okey")


def test_okey_captive_serve_answers_on_the_segment_address(tmp_path):
    port = free_port()
    config = tmp_path / "okey.toml"
    config.write_text(f'[segment]\ninterface = "lo"\naddress = "127.0.0.1/24"\ndhcp_start = "127.0.0.20"\n'
                      f'dhcp_end = "127.0.0.200"\nportal_port = {port}\nleases_file = "{tmp_path}/none"\n',
                      encoding="utf-8")
    subprocess.run([OKEY, "init", "--data", str(tmp_path / "data")], check=True, capture_output=True)
    proc = subprocess.Popen([OKEY, "captive", "serve", "--config", str(config), "--data", str(tmp_path / "data")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/wifi/", headers={"Host": "okey.internal"})
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as answer:
                    page = answer.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
                time.sleep(0.2)
        assert "Открыть портал" in page
    finally:
        proc.terminate()
        proc.wait(10)


def test_okey_captive_serve_refuses_bad_settings(tmp_path):
    config = tmp_path / "okey.toml"
    config.write_text('[segment]\ninterface = ""\n', encoding="utf-8")
    result = subprocess.run([OKEY, "captive", "serve", "--config", str(config), "--data", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "не указан сетевой интерфейс сегмента" in result.stderr


def test_okey_serve_goes_on_without_the_segment_when_its_address_is_missing(settings, app, caplog):
    settings.segment.interface = "wlan0"  # 10.77.0.1 is not an address of this host
    with caplog.at_level(logging.ERROR, logger="okey.server"):
        assert build_segment_server(settings, app) is None
    assert "сегмент Wi-Fi не запущен" in caplog.text


def test_okey_serve_names_every_bad_segment_setting(settings, app, caplog):
    settings.segment.interface, settings.segment.sinkhole = "wlan0", "192.168.0.1"
    with caplog.at_level(logging.ERROR, logger="okey.server"):
        assert build_segment_server(settings, app) is None
    assert "ошибки в [segment]" in caplog.text and "sinkhole: 192.168.0.1" in caplog.text


def test_probe_counts_held_in_memory_are_stored_at_shutdown(settings, app, tmp_path):
    seg = settings.segment
    seg.interface, seg.address, seg.dhcp_start, seg.dhcp_end = "lo", "127.0.0.1/24", "127.0.0.20", "127.0.0.200"
    seg.portal_port, seg.leases_file = free_port(), str(tmp_path / "none.leases")
    listeners = SegmentListeners(settings, app)
    listeners.start()
    connection = http.client.HTTPConnection("127.0.0.1", seg.portal_port, timeout=10)
    connection.request("GET", "/hotspot-detect.html", headers={"Host": "captive.apple.com"})
    assert connection.getresponse().status == 302
    connection.close()
    assert SegmentProbeCount.select().count() == 0  # still in memory
    listeners.close()
    assert [(row.os, row.answer, row.count) for row in SegmentProbeCount.select()] == [("apple", "splash", 1)]


def test_phones_on_the_segment_can_send_portal_sized_uploads(settings, app, tmp_path):
    seg = settings.segment
    seg.interface, seg.address, seg.dhcp_start, seg.dhcp_end = "lo", "127.0.0.1/24", "127.0.0.20", "127.0.0.200"
    seg.portal_port, seg.leases_file = free_port(), str(tmp_path / "none.leases")
    listeners = SegmentListeners(settings, app)
    listeners.start()
    try:
        def post(host: str, size: int, path: str = "/portfolio/new") -> int:
            connection = http.client.HTTPConnection("127.0.0.1", seg.portal_port, timeout=30)
            connection.request("POST", path, body=b"x" * size,
                               headers={"Host": host, "Content-Type": "application/octet-stream"})
            status = connection.getresponse().status
            connection.close()
            return status

        # A 5 MB photo reaches the portal (which then asks for its form token) …
        assert post("okey.internal", 5 * 1024 * 1024) == 400
        # … while the captive handler takes nothing bigger than its accept form.
        assert post("example.org", 1024 * 1024) == 413
        # … and the anonymous forms nothing bigger than a login and a password.
        assert post("okey.internal", 64 * 1024, "/login") == 413
    finally:
        listeners.close()
