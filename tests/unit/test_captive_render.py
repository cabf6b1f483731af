"""Segment settings: every bad input is refused in Russian and nothing is written; good
settings render configurations with the rules the segment depends on."""

from __future__ import annotations

import dataclasses

import pytest

from appliance.config import SegmentSettings
from captive_portal.plan import SegmentConfigError, build_plan
from captive_portal.render import render_files, write_files


def segment(**changes) -> SegmentSettings:
    return dataclasses.replace(SegmentSettings(interface="wlan0", wifi_interface="wlan0"), **changes)


def refused(seg: SegmentSettings, tmp_path) -> str:
    out = tmp_path / "out"
    with pytest.raises(SegmentConfigError) as caught:
        write_files(seg, out)
    assert not out.exists() or not any(out.iterdir())
    return "\n".join(caught.value.problems)


@pytest.mark.parametrize(("changes", "expected"), [
    ({"interface": ""}, "не указан сетевой интерфейс"),
    ({"interface": "wlan0; rm -rf /"}, "недопустимое имя интерфейса"),
    ({"address": "10.77.0.0/22"}, "адрес самой сети"),
    ({"address": "10.77.0.1"}, "нет длины префикса"),
    ({"address": "10.77.0.300/22"}, "ожидается IPv4-адрес сервера"),
    ({"dhcp_start": "10.78.0.20"}, "dhcp_start: адрес 10.78.0.20 вне сети сегмента 10.77.0.0/22"),
    ({"dhcp_end": "10.77.4.10"}, "dhcp_end: адрес 10.77.4.10 вне сети сегмента"),
    ({"dhcp_start": "10.77.0.1", "dhcp_end": "10.77.0.100"}, "включает адрес сервера 10.77.0.1"),
    ({"address": "10.77.0.50/22"}, "включает адрес сервера 10.77.0.50"),
    ({"dhcp_start": "10.77.2.0", "dhcp_end": "10.77.1.0"}, "больше конца"),
    ({"ssid": "Открытая сеть школы номер 74 г. Челябинска"}, "Wi-Fi допускает не больше 32"),
    ({"ssid": "x" * 33}, "занимает 33 байт"),
    ({"ssid": "Школа\nвзлом"}, "управляющие символы"),
    ({"ssid": "tab\there"}, "управляющие символы"),
    ({"ssid": ""}, "имя сети Wi-Fi не задано"),
    ({"sinkhole": "192.168.1.10"}, "частный или служебный адрес"),
    ({"sinkhole": "10.0.0.1"}, "частный или служебный адрес"),
    ({"sinkhole": "172.20.0.1"}, "частный или служебный адрес"),
    ({"sinkhole": "100.64.1.1"}, "частный или служебный адрес"),
    ({"sinkhole": "127.0.0.1"}, "частный или служебный адрес"),
    ({"portal_host": "okey school"}, "ожидается имя вида okey.internal"),
    ({"country": "Russia"}, "двухбуквенный код страны"),
    ({"lease_time": "four hours"}, "lease_time"),
    ({"tls_host": "portal.school74.ru"}, "нужны все три параметра"),
])
def test_bad_segment_settings_are_refused_and_nothing_written(tmp_path, changes, expected):
    assert expected in refused(segment(**changes), tmp_path)


def test_every_problem_is_listed_at_once(tmp_path):
    text = refused(segment(interface="", sinkhole="10.1.1.1", ssid="я" * 17), tmp_path)
    assert "интерфейс" in text and "sinkhole" in text and "ssid" in text


def test_refused_render_keeps_the_previous_files(tmp_path):
    out = tmp_path / "out"
    write_files(segment(), out)
    before = {p.name: p.read_text() for p in out.iterdir()}
    with pytest.raises(SegmentConfigError):
        write_files(segment(sinkhole="192.168.0.1"), out)
    assert {p.name: p.read_text() for p in out.iterdir()} == before


def test_ssid_of_exactly_32_bytes_in_cyrillic_is_accepted():
    assert len(("ш" * 16).encode()) == 32
    assert build_plan(segment(ssid="ш" * 16)).ssid == "ш" * 16


def test_dnsmasq_conf_answers_portal_with_server_and_everything_else_with_sinkhole():
    files = render_files(build_plan(segment(portal_host="Okey.Internal.", sinkhole="203.0.113.9")))
    conf = files["dnsmasq.conf"]
    assert "interface=wlan0\n" in conf
    assert "dhcp-range=10.77.0.20,10.77.3.250,255.255.252.0,4h\n" in conf
    assert "address=/okey.internal/10.77.0.1\n" in conf
    assert "address=/#/203.0.113.9\n" in conf
    assert "address=/dns.msftncsi.com/131.107.255.255\n" in conf
    assert "dhcp-option=option:router,10.77.0.1\n" in conf
    assert "114" not in conf  # no RFC 8908 API without TLS


def test_tls_advertises_the_captive_api_with_option_114():
    conf = render_files(build_plan(segment(tls_host="portal.school74.ru", tls_cert="/c.pem",
                                           tls_key="/k.pem")))["dnsmasq.conf"]
    assert 'dhcp-option=114,"https://portal.school74.ru/wifi/api"\n' in conf
    assert "address=/portal.school74.ru/10.77.0.1\n" in conf


def test_nftables_ruleset_is_inet_and_closes_the_segment():
    rules = render_files(build_plan(segment(portal_port=8088)))["nftables.conf"]
    assert "table inet okey_segment {" in rules
    assert 'iifname "wlan0" meta nfproto ipv4 tcp dport 80 dnat ip to 10.77.0.1:8088' in rules
    assert "ct status dnat tcp dport 443 counter reject with tcp reset" in rules
    assert "ip daddr 10.77.0.1 tcp dport { 53, 8088 } accept" in rules
    assert 'iifname "wlan0" counter drop' in rules and 'oifname "wlan0" counter drop' in rules


def test_hostapd_conf_only_with_a_wifi_interface(tmp_path):
    files = render_files(build_plan(segment(ssid="Школа 74", country="ru", channel=36)))
    conf = files["hostapd.conf"]
    assert "ap_isolate=1\n" in conf and "wpa=0\n" in conf and "country_code=RU\n" in conf
    assert f"ssid2={'Школа 74'.encode().hex()}\n" in conf
    assert "hw_mode=a\n" in conf and "bridge=" not in conf
    wired = segment(interface="eth0.77", wifi_interface="")
    out = tmp_path / "out"
    write_files(segment(), out)
    assert (out / "hostapd.conf").exists()
    assert set(write_files(wired, out)) == {"dnsmasq.conf", "nftables.conf"}
    assert not (out / "hostapd.conf").exists()


def test_bridged_access_point():
    conf = render_files(build_plan(segment(interface="br-wifi", wifi_interface="wlan1")))["hostapd.conf"]
    assert "interface=wlan1\n" in conf and "bridge=br-wifi\n" in conf
