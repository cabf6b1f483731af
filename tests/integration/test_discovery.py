"""The appliance announces itself with zeroconf and stops announcing when it stops."""

import time
from concurrent.futures import ThreadPoolExecutor

from zeroconf import IPVersion, Zeroconf

from appliance.discovery import SERVICE_TYPE, Announcer, build_service_info, instance_name


def test_instance_name_fits_dns_sd():
    assert instance_name("Школа № 619") == "Окей, школа — Школа № 619"
    long = instance_name("Государственное бюджетное общеобразовательное учреждение средняя школа № 619")
    assert len(long.encode()) <= 63 and long.startswith("Окей, школа — Гос")


def test_announced_on_the_lan_then_withdrawn():
    # Zeroconf's blocking calls refuse to run where an asyncio loop is running (the session's
    # Playwright keeps one in the main thread), so the scenario runs in a thread of its own, as
    # the server's announcer does.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_announce_and_withdraw).result()


def _announce_and_withdraw():
    info = build_service_info("Школа № 619", 8080, "okey", ["127.0.0.1"])
    announcer = Announcer(info, interfaces=["127.0.0.1"])
    listener = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    try:
        announcer.start()
        found = listener.get_service_info(SERVICE_TYPE, info.name, timeout=10000)
        assert found is not None
        assert found.server == "okey.local."
        assert found.port == 8080
        assert found.parsed_addresses() == ["127.0.0.1"]
        assert found.properties[b"product"] == b"okey"
        announcer.stop()
        # The goodbye packet (TTL 0) removes the service from listeners' caches.
        time.sleep(1.5)
        assert listener.get_service_info(SERVICE_TYPE, info.name, timeout=1500) is None
    finally:
        announcer.stop()
        listener.close()
