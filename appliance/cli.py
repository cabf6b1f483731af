"""The `okey` command: the one entry point for administrators, Ansible and tests."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from appliance import __version__
from appliance.clitools import AppContext, Refusal, console, data_option, open_data, progress_console
from appliance.config import Settings
from appliance.db import database
from appliance.files import write_atomic
from appliance.lazy import lazy
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER

rich_progress = lazy("rich.progress")  # the bar loads with the command that shows it, not in `okey serve`


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
@click.option("--demo-password", default=None, help="Пароль для admin, teacher1, student1, parent1, mentor1, alumnus1.")
@click.pass_context
def init(ctx, data, school_name, school_code, demo, demo_password):
    """Создать каталог данных и базу или обновить существующую (данные не стираются)."""
    from appliance.models.people import School
    from appliance.services import school as school_service
    from appliance.services.stored_files import clean_stored_pdfs

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
    school_service.follow_timezone(settings.school.timezone)
    cleaned = clean_stored_pdfs(settings)
    if cleaned.rewritten:
        console.print(f"PDF-файлы подтверждений очищены от активного содержимого: {cleaned.rewritten} "
                      f"из {cleaned.checked}.")
    click.echo(f"Данные: {settings.data_dir}")


def _create_demo(settings: Settings, password: str | None) -> None:
    from appliance.services import demo

    with console.status("Создаю демонстрационную школу…"):
        made = demo.create_demo_school(password, settings=settings)
    console.print(f"Создана демонстрационная школа «{made.school.name}».")
    if password:
        console.print(f"Вход: admin, teacher1, student1, parent1, mentor1, alumnus1 — пароль {password}")
    else:
        console.print("Пароли (показываются один раз, запишите их):")
        for login, pw in made.passwords.items():
            click.echo(f"  {login}: {pw}")


@cli.command()
@data_option
@click.option("--demo-password", default=None, help="Пароль для admin, teacher1, student1, parent1, mentor1, alumnus1.")
@click.pass_context
def demo(ctx, data, demo_password):
    """Заполнить пустую базу демонстрационной школой."""
    from appliance.models.people import School

    settings = open_data(ctx, data, create=True)
    if School.select().exists():
        raise Refusal("В базе уже есть школа: демонстрационные данные добавляются только в пустую базу.")
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
@click.option("--role", type=click.Choice([STUDENT, TEACHER, PARENT, ADMIN]), default=None,
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
        raise Refusal(str(exc.message)) from None
    console.print(f"Создано учётных записей: {len(result.created)}; уже были: {result.existing}; "
                  f"переведены в другой класс: {result.moved}; вернулись: {result.returned}; "
                  f"связей «родитель — ребёнок»: {result.links}.")
    if result.classes_created:
        console.print(f"Новые классы: {', '.join(result.classes_created)}.")
    if result.created:
        console.print("Напечатайте карточки со входом: okey cards --class КЛАСС --out cards.pdf")


@users.command("export")
@data_option
@click.option("--class", "class_name", default=None, help="Класс, например 8Б (по умолчанию все классы).")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Куда записать CSV.")
@click.pass_context
def users_export(ctx, data, class_name, out):
    """Списки классов в формате импорта (ученики и родители с логинами): после правки — обратно в import."""
    from appliance.services import roster
    from appliance.services import school as school_service
    from appliance.services.errors import ServiceError

    open_data(ctx, data)
    try:
        content = roster.export_roster(school_service.get_school(), class_name)
    except ServiceError as exc:
        raise Refusal(str(exc.message)) from None
    write_atomic(Path(out), content)
    console.print(f"Строк: {content.decode('utf-8-sig').count(chr(10)) - 1}. Файл: {out}")


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
        raise Refusal(f"Пользователь «{login}» не найден.")
    code = accounts.reset_password(user, days=settings.security.activation_days)
    click.echo(f"Новый код активации для {user.full_name} ({user.login}): {code}")
    click.echo(f"Активация: {settings.portal_url}/activate")


@cli.command()
@data_option
@click.option("--class", "class_name", default=None, help="Класс, например 7Б (по умолчанию все классы).")
@click.option("--role", type=click.Choice([STUDENT, PARENT, TEACHER]), default=STUDENT,
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
        raise Refusal(str(exc.message)) from None
    if not issued.cards:
        raise Refusal("Нет учётных записей без входа: все уже активированы (добавьте --reissue).")
    with rich_progress.Progress(console=progress_console, transient=True) as progress:
        task = progress.add_task("Готовлю карточки", total=len(issued.cards))
        pdf = cards_doc.render_cards(issued, settings, on_card=lambda: progress.advance(task))
    write_atomic(Path(out), pdf)
    console.print(f"Карточек: {len(issued.cards)}. Файл: {out}")


@cli.group()
def year():
    """Учебный год: переход на следующий (перевод классов, выпуск)."""


@year.command("rollover")
@data_option
@click.option("--to", "to_year", default=None, help="Какой год открыть, например 2027/28 (по умолчанию — "
              "тот, что начинается этим сентябрём; с июня — следующий).")
@click.option("--dry-run", is_flag=True, help="Только показать, что изменится; ничего не записывать.")
@click.option("--yes", is_flag=True, help="Не спрашивать подтверждения.")
@click.pass_context
def year_rollover(ctx, data, to_year, dry_run, yes):
    """Закрыть учебный год и открыть следующий: 5А → 6А, последний класс выпускается. Одна транзакция."""
    import datetime

    from appliance.services import school as school_service
    from appliance.services import years
    from appliance.services.errors import ServiceError

    settings = open_data(ctx, data)
    school = school_service.get_school()
    try:
        target = years.SchoolYear.parse(to_year).start if to_year else years.rollover_target(datetime.date.today())
        plan = years.plan_rollover(school, settings.school.last_grade, target)
    except ServiceError as exc:
        raise Refusal(str(exc.message)) from None
    if plan.done:
        console.print(f"Учебный год {years.label(target)} уже открыт (сейчас {plan.from_label}): ничего не изменено.")
        return
    console.print(f"Переход {plan.from_label} → {plan.to_label} (последний класс школы: {plan.last_grade}).")
    for change in plan.changes:
        leads = ", ".join(t.short_name for t in change.class_teachers) or "нет классного руководителя"
        if change.graduates:
            console.print(f"  {change.old_name}: выпуск, учеников {len(change.students)}")
        else:
            console.print(f"  {change.old_name} → {change.new_name}: учеников {len(change.students)} ({leads})")
    if not any(change.graduates for change in plan.changes):
        console.print(f"  Выпускников нет: в школе нет {plan.last_grade}-х классов.")
    console.print(f"Переводятся: {plan.promoted}; выпускаются: {plan.graduating}.")
    if dry_run:
        console.print("Проверка (--dry-run): ничего не записано.")
        return
    if not yes and not click.confirm("Выполнить переход?", default=False):
        raise Refusal("Отменено: ничего не изменено.")
    try:
        years.rollover(school, settings.school.last_grade, plan.to_year, plan.from_year, actor="cli")
    except ServiceError as exc:
        raise Refusal(str(exc.message)) from None
    console.print(f"Готово: открыт {plan.to_label} учебный год.")


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


def _with_backup_key(command: click.Command) -> None:
    """`okey hub init` also makes the backup key, as `okey init` does: the hub's nightly backup needs it
    (sync may not import backup; the wiring puts them together)."""
    made = command.callback

    @functools.wraps(made)
    def run(*args, **kwargs):
        made(*args, **kwargs)
        from appliance.clitools import settings_for
        from backup.keys import ensure_key as ensure_backup_key

        if ensure_backup_key(settings_for(click.get_current_context(), kwargs.get("data"))):
            console.print("Создан ключ резервных копий. Напечатайте лист восстановления: okey backup recovery-sheet")

    command.callback = run


_with_backup_key(hub.commands["init"])


def main() -> None:
    cli(prog_name="okey")


if __name__ == "__main__":
    main()
