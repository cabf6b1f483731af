"""The district set-up as the README tells it, with real commands and a real hub server:
enrol a demo school, export over HTTP (with the signed receipt coming back), send the same
bundle again, send a tampered one, and look at the hub's pages in Chromium."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, run_okey, screenshot

pytestmark = pytest.mark.e2e

HUB_PASSWORD = "district-pass-2026"


def _post(url: str, data: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url + "/sync/bundle", data=data, method="POST",
                                     headers={"Content-Type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_district_setup_over_http_and_the_hub_pages(tmp_path, chromium):
    school, hub = tmp_path / "school", tmp_path / "hub"
    run_okey("init", "--demo", "--demo-password", DEMO_PASSWORD, data_dir=school)
    run_okey("hub", "init", "--password", HUB_PASSWORD, data_dir=hub)
    key = run_okey("hub", "district-key", "--qr", str(tmp_path / "key.svg"), data_dir=hub).stdout.splitlines()[0]
    assert key.startswith("okey-district-1:") and "<svg" in (tmp_path / "key.svg").read_text()
    run_okey("sync", "enroll", "--district-key", key, "--out", str(tmp_path / "enrol.json"), data_dir=school)
    run_okey("hub", "enroll", str(tmp_path / "enrol.json"), data_dir=hub)

    server = LiveServer(hub, free_port())
    server.start()
    try:
        (school / "okey.toml").write_text(f'[sync]\nhub_url = "{server.url}"\nretries = 2\n', encoding="utf-8")
        first = run_okey("sync", "export", data_dir=school)
        assert "Квитанция района" in first.stdout and "Применено строк" in first.stdout, first.stdout
        [bundle] = (school / "sync" / "outbox").glob("*.okeysync")
        keys_out = run_okey("sync", "keys", data_dir=school).stdout
        assert "пакетов в очереди: 0" in keys_out

        # The same bundle again: accepted, nothing applied twice.
        status, answer = _post(server.url, bundle.read_bytes())
        assert status == 200 and answer["receipt"]["status"] == "duplicate"
        # A tampered bundle: refused with a reason, in Russian.
        data = bytearray(bundle.read_bytes())
        data[-100] ^= 0x04
        status, answer = _post(server.url, bytes(data))
        assert status == 200 and answer["receipt"]["status"] == "duplicate"  # same manifest: already applied
        run_okey("users", "reset-password", "student1", data_dir=school)  # a change, so a new range
        run_okey("sync", "export", "--no-send", "--out", str(tmp_path / "usb"), data_dir=school)
        [fresh] = (tmp_path / "usb").glob("*.okeysync")
        data = bytearray(fresh.read_bytes())
        data[-100] ^= 0x04
        status, answer = _post(server.url, bytes(data))
        assert status == 400 and "повреждён" in answer["error"]
        status, answer = _post(server.url, b"\x00garbage")
        assert status == 400 and "не пакет" in answer["error"]
        # The same good bundle twice at once (a retry racing the first try): applied exactly once.
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: _post(server.url, fresh.read_bytes()), range(2)))
        assert sorted((status, a["receipt"]["status"]) for status, a in answers) == [(200, "applied"),
                                                                                     (200, "duplicate")]

        page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        page.goto(server.url + "/login")
        page.fill("input[name=login]", "district")
        page.fill("input[name=password]", HUB_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/district/")
        assert "Школа № 619 (демонстрация)" in page.inner_text("#schools")
        assert "Снимок принят" in page.inner_text("#schools")
        screenshot(page, "sync-district-schools")
        page.goto(server.url + "/district/indicators")
        assert "Показатели района" in page.inner_text("h1")
        page.wait_for_function("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        screenshot(page, "sync-district-indicators")
        page.goto(server.url + "/district/ledger")
        ledger = page.inner_text("#ledger")
        assert "применён" in ledger and "повтор" in ledger and "отклонён" in ledger
        screenshot(page, "sync-district-ledger")
        page.close()
    finally:
        server.stop()
