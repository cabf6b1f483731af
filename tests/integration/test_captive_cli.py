"""`okey captive render` and `okey captive check` as an administrator runs them."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from appliance.cli import cli

GOOD = """
[segment]
interface = "wlan0"
wifi_interface = "wlan0"
ssid = "Школа 74"
"""
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="nft -c needs CAP_NET_ADMIN")


def okey(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def rendered(tmp_path):
    config = tmp_path / "okey.toml"
    config.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "segment"
    result = okey("captive", "render", "--config", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_render_writes_the_three_files(rendered):
    assert sorted(p.name for p in rendered.iterdir()) == ["dnsmasq.conf", "hostapd.conf", "nftables.conf"]


def test_render_takes_the_global_config_option_too(tmp_path):
    config = tmp_path / "okey.toml"
    config.write_text(GOOD, encoding="utf-8")
    result = okey("--config", str(config), "captive", "render", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0 and (tmp_path / "out" / "nftables.conf").exists()


def test_render_refuses_bad_settings_and_writes_nothing(tmp_path):
    config = tmp_path / "okey.toml"
    config.write_text('[segment]\ninterface = "wlan0"\nsinkhole = "10.1.2.3"\ndhcp_start = "10.99.0.1"\n',
                      encoding="utf-8")
    out = tmp_path / "out"
    result = okey("captive", "render", "--config", str(config), "--out", str(out))
    assert result.exit_code == 2
    assert "файлы не записаны" in result.output
    assert "sinkhole: 10.1.2.3 — частный или служебный адрес" in result.output
    assert "dhcp_start: адрес 10.99.0.1 вне сети сегмента 10.77.0.0/22" in result.output
    assert not out.exists()


def test_render_reports_an_unreadable_config(tmp_path):
    result = okey("captive", "render", "--config", str(tmp_path / "missing.toml"), "--out", str(tmp_path))
    assert result.exit_code != 0 and "Файл настроек не найден" in result.output


@needs_root
def test_check_accepts_what_render_wrote(rendered):
    result = okey("captive", "check", "--dir", str(rendered))
    assert result.exit_code == 0, result.output
    assert "dnsmasq.conf: в порядке" in result.output
    assert "nftables.conf: в порядке" in result.output
    assert "hostapd.conf: в порядке" in result.output


@needs_root
def test_check_reports_a_broken_dnsmasq_conf(rendered):
    with (rendered / "dnsmasq.conf").open("a") as fh:
        fh.write("dhcp-range=not-an-address\n")
    result = okey("captive", "check", "--dir", str(rendered))
    assert result.exit_code == 1 and "dnsmasq.conf: ОШИБКА" in result.output
    assert "nftables.conf: в порядке" in result.output


@needs_root
def test_check_reports_a_broken_ruleset(rendered):
    rules = rendered / "nftables.conf"
    rules.write_text(rules.read_text().replace("reject with tcp reset", "reject with tcp rest", 1))
    result = okey("captive", "check", "--dir", str(rendered))
    assert result.exit_code == 1 and "nftables.conf: ОШИБКА — nft -c -f:" in result.output


def test_check_reports_a_hostapd_conf_without_isolation(rendered):
    conf = rendered / "hostapd.conf"
    conf.write_text(conf.read_text().replace("ap_isolate=1", "ap_isolate=0"))
    result = okey("captive", "check", "--dir", str(rendered))
    assert result.exit_code == 1 and "hostapd.conf: ОШИБКА — нет или неверны параметры: ap_isolate" in result.output


def test_check_without_rendered_files(tmp_path):
    result = okey("captive", "check", "--dir", str(tmp_path))
    assert result.exit_code == 1 and "сначала выполните okey captive render" in result.output


def test_hostapd_conf_has_an_owe_transition_network_that_hostapd_accepts(rendered):
    conf = (rendered / "hostapd.conf").read_text()
    open_part, _, owe_part = conf.partition("\nbss=")
    assert "wpa=0" in open_part and "owe_transition_ifname=wlan0-owe" in open_part
    assert "wpa_key_mgmt=OWE" in owe_part and "ieee80211w=2" in owe_part and "ignore_broadcast_ssid=1" in owe_part
    assert "owe_transition_ifname=wlan0" in owe_part and "ap_isolate=1" in owe_part
    result = CliRunner().invoke(cli, ["captive", "check", "--dir", str(rendered)])
    assert "hostapd.conf: в порядке" in result.output and "OWE" in result.output
    assert "hostapd принимает конфигурацию" in result.output, result.output


def test_check_reports_what_hostapd_refuses(rendered):
    conf = rendered / "hostapd.conf"
    conf.write_text(conf.read_text().replace("wpa_key_mgmt=OWE", "wpa_key_mgmt=OWE-BOGUS"))
    result = CliRunner().invoke(cli, ["captive", "check", "--dir", str(rendered)])
    assert result.exit_code == 1 and "hostapd не принимает" in result.output and "OWE-BOGUS" in result.output
