"""What every `okey` command shares: the settings, the --data option, opening the database.

Feature packages (backup, sync, captive_portal) build their command groups on these; the
wiring in appliance/cli.py puts the groups together. Kept apart from appliance/cli.py so that
`python -m appliance.cli`, which runs that module as __main__, never loads it twice.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

from appliance import migrations
from appliance.config import ConfigError, Settings, load_settings
from appliance.db import UnsafeSQLiteError, copy_sqlite, database, is_sqlite, open_database
from appliance.services.school import follow_timezone
from appliance.services.shipped import install_shipped_data


class LazyConsole:
    """A rich `Console` made when a command first prints: `okey serve` prints two plain lines and
    need not hold rich (about 2 MB in every worker)."""

    def __init__(self, **options):
        self._options, self._console = options, None

    def _made(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str):
        return getattr(self._made(), name)

    # rich enters the console it draws on (`with console:`), which looks past __getattr__.
    def __enter__(self):
        return self._made().__enter__()

    def __exit__(self, *exc):
        return self._made().__exit__(*exc)


console = LazyConsole(soft_wrap=True)  # long paths and messages stay on one line for grep
# Progress bars go to stderr, so output can be piped.
progress_console = LazyConsole(stderr=True)
# Copies of the database taken before schema upgrades, kept in state/before-upgrade/.
KEEP_BEFORE_UPGRADE = 3


class Refusal(click.ClickException):
    """A command refuses: the message, in Russian, after «Ошибка:» (click's own prefix is English)."""

    def show(self, file=None) -> None:
        click.echo(f"Ошибка: {self.format_message()}", file=file or sys.stderr)


class AppContext:
    """Settings resolved lazily, so `--data` given after a subcommand is honoured."""

    def __init__(self, config: str | None):
        self.config = config

    def settings(self, data: str | None) -> Settings:
        try:
            return load_settings(self.config, data)
        except ConfigError as exc:
            raise Refusal(str(exc)) from None


def data_option(func):
    return click.option("--data", "data", type=click.Path(file_okay=False), default=None,
                        help="Каталог данных (по умолчанию из настроек, /var/lib/okey).")(func)


def settings_for(ctx: click.Context, data: str | None) -> Settings:
    """The settings of this run of `okey` (its --config), with the command's --data."""
    return ctx.find_object(AppContext).settings(data)


def open_data(ctx: click.Context, data: str | None, create: bool = False) -> Settings:
    """Settings for the command, with the database (SQLite or a hub's PostgreSQL) open and up to date."""
    settings = settings_for(ctx, data)
    if not create and not settings.database.url and not settings.db_path.exists():
        raise Refusal(
            f"В каталоге {settings.data_dir} нет базы данных. Сначала выполните: okey init --data {settings.data_dir}")
    settings.ensure_dirs()
    try:
        open_database(settings)
    except UnsafeSQLiteError as exc:
        raise Refusal(str(exc)) from None
    database.connect(reuse_if_open=True)
    try:
        applied = upgrade_schema(settings)
    except (migrations.SchemaTooNewError, migrations.MigrationError) as exc:
        raise Refusal(str(exc)) from None
    if applied or create:
        install_shipped_data()
    follow_timezone(settings.school.timezone)
    if applied:
        console.print(f"Схема базы данных обновлена до версии {applied[-1]}.")
    ctx.call_on_close(database.close)
    return settings


def upgrade_schema(settings: Settings) -> list[int]:
    """Apply the pending migrations; an existing SQLite database is first copied aside, whole."""
    pending = migrations.pending()
    if pending and migrations.current_version() > 0 and is_sqlite():
        copy = before_upgrade_copy(settings, migrations.current_version())
        console.print(f"Перед обновлением схемы база данных сохранена: {copy}")
    return migrations.migrate()


def before_upgrade_copy(settings: Settings, version: int) -> Path:
    """Copy the database aside before an upgrade; keep the newest KEEP_BEFORE_UPGRADE copies."""
    folder = settings.state_dir / "before-upgrade"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    copy = folder / f"okey-schema-{version:04d}-{stamp}.db"
    copy_sqlite(settings.db_path, copy)
    for old in sorted(folder.glob("okey-schema-*.db"))[:-KEEP_BEFORE_UPGRADE]:
        old.unlink()
    return copy
