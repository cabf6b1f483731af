"""`okey captive render|check|serve`: the open Wi-Fi segment's configuration and handler."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from appliance.clitools import Refusal
from appliance.config import ConfigError, Settings, load_settings
from captive_portal.plan import SegmentConfigError, build_plan

DEFAULT_DIR = "/etc/okey/segment"


def _settings(config: str | None, data: str | None = None) -> Settings:
    # A --config given to the subcommand wins over the one given to `okey`.
    config = config or click.get_current_context().find_root().params.get("config")
    try:
        return load_settings(config, data)
    except ConfigError as exc:
        raise Refusal(str(exc)) from None


def _refuse(exc: SegmentConfigError) -> None:
    click.echo("Настройки сегмента [segment] не приняты, файлы не записаны:", err=True)
    for problem in exc.problems:
        click.echo(f"  • {problem}", err=True)
    sys.exit(2)


@click.group("captive")
def captive() -> None:
    """Открытый сегмент Wi-Fi: конфигурации dnsmasq, nftables, hostapd и страница входа."""


@captive.command("render")
@click.option("--config", type=click.Path(dir_okay=False), default=None,
              help="Файл настроек TOML с разделом [segment].")
@click.option("--out", type=click.Path(file_okay=False), default=DEFAULT_DIR, show_default=True,
              help="Каталог для dnsmasq.conf, nftables.conf и hostapd.conf.")
def render(config: str | None, out: str) -> None:
    """Записать конфигурации сегмента из раздела [segment] настроек."""
    from captive_portal.render import write_files

    settings = _settings(config)
    try:
        written = write_files(settings.segment, Path(out))
    except SegmentConfigError as exc:
        _refuse(exc)
    for path in written.values():
        click.echo(f"Записан {path}")
    if "hostapd.conf" not in written:
        click.echo("hostapd.conf не нужен: wifi_interface не задан (сегмент на проводном или VLAN-интерфейсе).")
    click.echo(f"Проверка: okey captive check --dir {out}")


@captive.command("check")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=DEFAULT_DIR, show_default=True,
              help="Каталог с файлами, записанными okey captive render.")
@click.option("--config", type=click.Path(dir_okay=False), default=None,
              help="Файл настроек TOML (для проверки server.public_url).")
def check(directory: str, config: str | None) -> None:
    """Проверить записанные конфигурации: dnsmasq --test, nft -c -f, hostapd; адрес на карточках."""
    from captive_portal.check import check_dir, check_public_url

    results = check_dir(Path(directory))
    try:
        settings = _settings(config)
    except (ConfigError, click.ClickException, SystemExit):
        settings = None
    if settings is not None and settings.segment.interface.strip():
        results.append(check_public_url(settings))
    for result in results:
        mark = "предупреждение" if result.warning else "в порядке" if result.ok else "ОШИБКА"
        click.echo(f"{result.name}: {mark} — {result.message}")
    if not all(r.ok for r in results):
        sys.exit(1)


@captive.command("serve")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="Файл настроек TOML.")
@click.option("--data", type=click.Path(file_okay=False), default=None, help="Каталог данных.")
def serve(config: str | None, data: str | None) -> None:
    """Только страница входа сегмента (без портала) — для проверки сети до запуска портала."""
    from waitress import serve as waitress_serve

    from appliance import migrations
    from appliance.db import database, open_database
    from captive_portal.handler import create_captive_app

    settings = _settings(config, data)
    try:
        plan = build_plan(settings.segment)
    except SegmentConfigError as exc:
        _refuse(exc)
    settings.ensure_dirs()
    open_database(settings)
    with database.connection_context():
        migrations.migrate()
    app = create_captive_app(settings, plan)
    click.echo(f"Страница входа сегмента: http://{plan.server_ip}:{plan.portal_port}/wifi/")
    waitress_serve(app, host=str(plan.server_ip), port=plan.portal_port, threads=4, ident="okey")
