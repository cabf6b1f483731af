"""The `okey` command: the one entry point for administrators, Ansible and tests."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import Progress

from appliance import __version__
from appliance.clitools import AppContext, console, data_option, open_data, progress_console
from appliance.config import Settings
from appliance.db import database


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="okey", message="%(prog)s %(version)s")
@click.option("--config", type=click.Path(dir_okay=False), default=None, envvar="OKEY_CONFIG",
              help="Файл настроек TOML (по умолчанию /etc/okey/okey.toml).")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """«Окей, школа» — школьный сервер: портфолио и траектория ученика."""
    ctx.obj = AppContext(config)


@cli.command()
@data_option
@click.option("--school-name", default=None, help="Название школы (для новой базы).")
@click.option("--school-code", default=None, help="Код школы латиницей (для новой базы).")
@click.option("--demo", is_flag=True, help="Заполнить демонстрационной школой.")
@click.option("--demo-password", default=None, help="Пароль для admin, teacher1, student1, parent1.")
@click.pass_context
def init(ctx, data, school_name, school_code, demo, demo_password):
    """Создать каталог данных и базу или обновить существующую (данные не стираются)."""
    from appliance.models.people import School
    from appliance.services import school as school_service

    settings = open_data(ctx, data, create=True)
    settings.secret_key()
    from backup.keys import ensure_key as ensure_backup_key

    if ensure_backup_key(settings):
        console.print("Создан ключ резервных копий. Напечатайте лист восстановления: okey backup recovery-sheet")
    if demo and not School.select().exists():
        _create_demo(settings, demo_password)
    elif not School.select().exists():
        school_service.ensure_school(school_name or settings.school.name, school_code or settings.school.code,
                                     settings.school.timezone)
        console.print(f"Создана школа «{school_name or settings.school.name}».")
    elif demo:
        console.print("В базе уже есть школа: демонстрационные данные не добавлены.")
    click.echo(f"Данные: {settings.data_dir}")


def _create_demo(settings: Settings, password: str | None) -> None:
    from appliance.services import demo

    with console.status("Создаю демонстрационную школу…"):
        made = demo.create_demo_school(password)
    console.print(f"Создана демонстрационная школа «{made.school.name}».")
    if password:
        console.print(f"Вход: admin, teacher1, student1, parent1 — пароль {password}")
    else:
        console.print("Пароли (показываются один раз, запишите их):")
        for login, pw in made.passwords.items():
            click.echo(f"  {login}: {pw}")


@cli.command()
@data_option
@click.option("--demo-password", default=None, help="Пароль для admin, teacher1, student1, parent1.")
@click.pass_context
def demo(ctx, data, demo_password):
    """Заполнить пустую базу демонстрационной школой."""
    from appliance.models.people import School

    settings = open_data(ctx, data, create=True)
    if School.select().exists():
        raise click.ClickException("В базе уже есть школа: демонстрационные данные добавляются только в пустую базу.")
    _create_demo(settings, demo_password)


@cli.command()
@data_option
@click.option("--host", default=None, help="Адрес, на котором слушать (по умолчанию 0.0.0.0).")
@click.option("--port", type=int, default=None, help="Порт (по умолчанию 8080).")
@click.option("--no-announce", is_flag=True, help="Не объявлять портал в сети (zeroconf).")
@click.pass_context
def serve(ctx, data, host, port, no_announce):
    """Запустить портал (waitress), планировщик и объявление в сети."""
    from appliance import server

    settings = open_data(ctx, data)
    database.close()
    if host:
        settings.server.host = host
    if port:
        settings.server.port = port
    if no_announce:
        settings.server.announce = False
    server.run(settings)


@cli.group()
def users():
    """Учётные записи: импорт списков классов, сброс паролей."""


@users.command("import")
@data_option
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--role", type=click.Choice(["student", "teacher", "parent", "admin"]), default=None,
              help="Роль для всех строк, если в файле нет колонки «Роль».")
@click.pass_context
def users_import(ctx, data, csv_file, role):
    """Создать учётные записи из CSV (Excel: UTF-8 или Windows-1251, «;» или «,»)."""
    from appliance.services import roster
    from appliance.services import school as school_service
    from appliance.services.errors import ImportRejected, ServiceError

    open_data(ctx, data)
    try:
        result = roster.import_roster(Path(csv_file).read_bytes(), school_service.get_school(), role)
    except ImportRejected as exc:
        console.print(f"[red]{exc.message}[/red]")
        for row in exc.rows:
            console.print(f"  {row}")
        sys.exit(1)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from None
    console.print(f"Создано учётных записей: {len(result.created)}; уже были: {result.existing}; "
                  f"связей «родитель — ребёнок»: {result.links}.")
    if result.classes_created:
        console.print(f"Новые классы: {', '.join(result.classes_created)}.")
    if result.created:
        console.print("Напечатайте карточки со входом: okey cards --class КЛАСС --out cards.pdf")


@users.command("reset-password")
@data_option
@click.argument("login")
@click.pass_context
def users_reset_password(ctx, data, login):
    """Сбросить пароль: выдать новый одноразовый код активации."""
    from appliance.models.people import User
    from appliance.services import accounts

    settings = open_data(ctx, data)
    user = User.get_or_none(User.login == login.lower())
    if user is None:
        raise click.ClickException(f"Пользователь «{login}» не найден.")
    code = accounts.reset_password(user, days=settings.security.activation_days)
    click.echo(f"Новый код активации для {user.full_name} ({user.login}): {code}")
    click.echo(f"Активация: {settings.server.public_url.rstrip('/')}/activate")


@cli.command()
@data_option
@click.option("--class", "class_name", default=None, help="Класс, например 7Б (по умолчанию все классы).")
@click.option("--role", type=click.Choice(["student", "parent", "teacher"]), default="student",
              show_default=True, help="Для кого карточки.")
@click.option("--reissue", is_flag=True, help="Выдать новые коды и тем, кто уже активировал вход.")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Куда записать PDF.")
@click.pass_context
def cards(ctx, data, class_name, role, reissue, out):
    """Карточки со входом для печати (A4): логин, одноразовый код, QR-коды входа и Wi-Fi."""
    from appliance.documents import cards as cards_doc
    from appliance.services import cards as cards_service
    from appliance.services.errors import ServiceError

    settings = open_data(ctx, data)
    try:
        issued = cards_service.issue_cards(class_name, role, reissue, settings.security.activation_days)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from None
    if not issued.cards:
        raise click.ClickException("Нет учётных записей без входа: все уже активированы (добавьте --reissue).")
    with Progress(console=progress_console, transient=True) as progress:
        task = progress.add_task("Готовлю карточки", total=len(issued.cards))
        pdf = cards_doc.render_cards(issued, settings, on_card=lambda: progress.advance(task))
    Path(out).write_bytes(pdf)
    console.print(f"Карточек: {len(issued.cards)}. Файл: {out}")


@cli.command()
@data_option
@click.pass_context
def status(ctx, data):
    """Состояние сервера: версия, время работы, диски, копии, выгрузка, журнал — и что делать."""
    from appliance.services import health

    settings = open_data(ctx, data)
    marks = {health.OK: "[в порядке]", health.WARN: "[внимание]", health.ERROR: "[ошибка]"}
    worst = 0
    for line in health.health_lines(settings):
        click.echo(f"{marks[line.level]} {line.text}" + (f" Что делать: {line.action}" if line.action else ""))
        worst = max(worst, (health.OK, health.WARN, health.ERROR).index(line.level))
    ctx.exit(1 if worst == 2 else 0)


from captive_portal.cli import captive  # noqa: E402 - feature commands register after the core ones

cli.add_command(captive)

from backup.cli import backup  # noqa: E402

cli.add_command(backup)

from appliance.cli_portfolio import portfolio  # noqa: E402

cli.add_command(portfolio)

from sync.cli import hub, sync_group  # noqa: E402

cli.add_command(sync_group)
cli.add_command(hub)


def main() -> None:
    cli(prog_name="okey")


if __name__ == "__main__":
    main()
