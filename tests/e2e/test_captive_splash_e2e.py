"""The splash page on a phone-sized headless Chromium: readable, one big button, works without
JavaScript, and pressing it opens the portal."""

from __future__ import annotations

import threading

import pytest
from waitress.server import create_server

from captive_portal.dispatch import SegmentDispatcher
from captive_portal.handler import create_captive_app
from tests.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def segment_server(settings, app, demo, tmp_path):
    """Portal and captive handler on loopback. The portal's host name is 127.0.0.1 and
    "localhost" stands for any other site, so the browser never needs DNS."""
    seg = settings.segment
    seg.interface, seg.leases_file = "lo", str(tmp_path / "none.leases")
    seg.address, seg.dhcp_start, seg.dhcp_end = "127.0.0.1/24", "127.0.0.20", "127.0.0.200"
    apps = {}
    server = create_server(lambda env, start: apps["segment"](env, start), host="127.0.0.1", port=0, threads=2)
    seg.portal_port, seg.portal_host = int(server.effective_port), "127.0.0.1"
    apps["segment"] = SegmentDispatcher(app, create_captive_app(settings), [seg.portal_host])
    threading.Thread(target=server.run, daemon=True).start()
    yield seg.portal_port
    server.close()


def test_phone_lands_on_the_splash_accepts_and_opens_the_portal(chromium, segment_server):
    port = segment_server
    context = chromium.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                   is_mobile=True, has_touch=True, locale="ru-RU", java_script_enabled=False)
    phone = context.new_page()
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    try:
        phone.goto(f"http://localhost:{port}/generate_204")
        assert phone.url == f"http://127.0.0.1:{port}/wifi/"
        assert phone.locator("h1").inner_text() == "Это школьная сеть Wi-Fi «Окей, школа»"
        button = phone.get_by_role("button", name="Открыть портал")
        box = button.bounding_box()
        assert box["width"] >= 300 and box["height"] >= 48  # a thumb-sized target on a 360 px screen
        # Nothing on the page asks for anything outside the appliance.
        assert all(url.startswith((f"http://localhost:{port}/", f"http://127.0.0.1:{port}/")) for url in requested)
        screenshot(phone, "captive-splash-phone")
        button.click()
        phone.wait_for_load_state()
        assert phone.url.startswith(f"http://127.0.0.1:{port}/login")
        phone.goto(f"http://localhost:{port}/wifi/")
        assert "Это устройство уже подключено" in phone.content()
        screenshot(phone, "captive-splash-accepted")
    finally:
        context.close()
