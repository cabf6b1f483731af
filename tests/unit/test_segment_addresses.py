"""Cards and their QR codes point where a phone on the open segment can go."""

from appliance.config import Settings
from appliance.documents.cards import activation_url
from captive_portal.check import check_public_url


def _segment(settings: Settings) -> Settings:
    settings.segment.interface = "wlan0"
    return settings


def test_without_the_segment_cards_use_public_url():
    assert activation_url(Settings(), "ABCD-2345") == "http://okey.local:8080/activate?code=ABCD-2345"


def test_with_the_segment_cards_use_the_portal_name():
    settings = _segment(Settings())
    assert activation_url(settings, "ABCD-2345") == "http://okey.internal/activate?code=ABCD-2345"
    settings.segment.tls_host, settings.segment.tls_cert, settings.segment.tls_key = "okey.school74.ru", "/c", "/k"
    assert activation_url(settings, "ABCD-2345") == "https://okey.school74.ru/activate?code=ABCD-2345"


def test_check_warns_about_a_public_url_the_segment_cannot_reach():
    settings = _segment(Settings())
    result = check_public_url(settings)
    assert result.warning and "http://okey.internal" in result.message
    settings.server.public_url = "http://okey.internal"
    assert not check_public_url(settings).warning
    settings.server.public_url = "http://10.77.0.1:8080"
    assert check_public_url(settings).warning
