"""`okey backup run|verify|restore|list|recovery-sheet`."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click

from appliance.clitools import Refusal, console, data_option, open_data, progress_console, settings_for
from appliance.lazy import lazy
from backup.errors import BackupError

# rich's bars and markup load when a command prints them, not in `okey serve`.
rich_progress = lazy("rich.progress")
markup = lazy("rich.markup")

key_option = click.option("--key", "key_file", type=click.Path(dir_okay=False), default=None,
                          help="Файл с ключом с листа восстановления (по умолчанию ключ этого сервера).")


class BarReporter:
    """Shows each stage of a run (copy, write, check) as a rich progress bar."""

    def __init__(self, progress: rich_progress.Progress):
        self.progress = progress
        self.task = None

    def stage(self, description: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total)
        self.task = self.progress.add_task(description, total=max(total, 1))

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


def _school_id() -> str | None:
    from appliance.models.people import School

    school = School.select().order_by(School.created_at).first()
    return school.id.hex if school else None


def _identity(settings, key_file: str | None, fallback=None):
    from backup.keys import appliance_identity, load_identity

    if key_file:
        return load_identity(Path(key_file))
    if fallback is not None and not (settings.keys_dir / "backup.key").exists():
        return appliance_identity(fallback)
    return appliance_identity(settings)


@click.group("backup")
def backup() -> None:
    """Резервные копии: создание, проверка, восстановление, лист с ключом."""


@backup.command("run")
@data_option
@click.option("--target", "targets", multiple=True,
              help="Куда сохранить (каталог, usb:МЕТКА, district:/путь); можно несколько. "
                   "По умолчанию — цели из настроек.")
@click.pass_context
def run(ctx: click.Context, data: str | None, targets: tuple[str, ...]) -> None:
    """Сделать резервную копию сейчас (портал может продолжать работать)."""
    from backup import jobs
    from backup.targets import human_size

    settings = open_data(ctx, data)
    columns = (rich_progress.TextColumn("{task.description}"), rich_progress.BarColumn(),
               rich_progress.TaskProgressColumn(), rich_progress.TimeRemainingColumn())
    try:
        with rich_progress.Progress(*columns, console=progress_console, transient=True) as progress:
            results = jobs.run_backups(settings, list(targets) or None, BarReporter(progress))
    except BackupError as exc:
        raise Refusal(str(exc)) from None
    for result in results:
        if result.ok:
            console.print("[green]✓[/green] " + markup.escape(f"{result.title}: {result.path} "
                                                       f"({human_size(result.size)}, {result.detail})"))
        else:
            console.print("[red]✗[/red] " + markup.escape(f"{result.title}: {result.error}"))
    if not all(result.ok for result in results):
        sys.exit(1)


@backup.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@data_option
@key_option
@click.option("--full", is_flag=True, help="Ещё и пробное восстановление во временный каталог.")
@click.pass_context
def verify(ctx: click.Context, file: str, data: str | None, key_file: str | None, full: bool) -> None:
    """Проверить копию: расшифровать и сверить контрольные суммы всех файлов."""
    from backup.targets import human_size
    from backup.verify import restore_test, verify_backup

    settings = settings_for(ctx, data)
    school_id = None
    if settings.db_path.exists():
        open_data(ctx, data)
        school_id = _school_id()
    try:
        identity = _identity(settings, key_file)
        checked = verify_backup(Path(file), identity, school_id, full=True)
        if full:
            restore_test(Path(file), identity, settings.state_dir / "restore-test")
    except BackupError as exc:
        console.print(f"[red]Копия не прошла проверку.[/red] {markup.escape(str(exc))}")
        sys.exit(1)
    manifest = checked.manifest
    console.print("[green]Копия в порядке[/green]: " + markup.escape(
        f"школа {checked.school}, сделана {_local_time(manifest['created_at'], settings)}, схема "
        f"{manifest['schema_version']}, файлов: {len(manifest['uploads'])}, объём {human_size(checked.stored_bytes)}."
        + (" Пробное восстановление прошло." if full else "")))


@backup.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@data_option
@key_option
@click.option("--force", is_flag=True, help="Заменить существующую базу данных в каталоге.")
@click.pass_context
def restore(ctx: click.Context, file: str, data: str | None, key_file: str | None, force: bool) -> None:
    """Восстановить копию в каталог данных (новый сервер получает новый идентификатор)."""
    from appliance.files import PRIVATE, write_atomic
    from appliance.models.changes import new_instance_id
    from appliance.services import audit
    from backup.keys import key_path
    from backup.verify import restore_files

    settings = settings_for(ctx, data)
    try:
        identity = _identity(settings, key_file, fallback=settings_for(ctx, None))
        with progress_console.status("Восстанавливаю и проверяю…"):
            manifest = restore_files(Path(file), identity, settings.data_dir, force)
    except BackupError as exc:
        raise Refusal(str(exc)) from None
    settings.ensure_dirs()
    if not key_path(settings).exists():
        write_atomic(key_path(settings), f"{identity}\n", mode=PRIVATE)
    open_data(ctx, data)
    instance = new_instance_id()
    school = manifest.get("school", {})
    audit.record("backup.restore", actor="okey", detail=f"{file}; копия от {manifest['created_at']}")
    console.print(markup.escape(f"Восстановлена школа «{school.get('name', '')}» из копии от "
                  f"{_local_time(manifest['created_at'], settings)}: строк "
                  f"{sum(manifest['row_counts'].values())}, файлов {len(manifest['uploads'])}."))
    console.print(markup.escape(f"Новый идентификатор сервера: {instance}. Данные: {settings.data_dir}"))


@backup.command("list")
@data_option
@key_option
@click.option("--target", "targets", multiple=True, help="Где искать копии (по умолчанию цели из настроек).")
@click.pass_context
def list_backups(ctx: click.Context, data: str | None, key_file: str | None, targets: tuple[str, ...]) -> None:
    """Показать копии на каждой цели."""
    from backup import archive
    from backup.targets import human_size, locate, parse_target

    settings = settings_for(ctx, data)
    if settings.db_path.exists():
        open_data(ctx, data)
    try:
        identity = _identity(settings, key_file)
    except BackupError as exc:
        raise Refusal(str(exc)) from None
    for spec in targets or settings.backup.targets:
        target = parse_target(spec)
        try:
            base = locate(target, settings.data_dir)
        except BackupError as exc:
            console.print(f"[bold]{markup.escape(target.title)}[/bold]: [red]{markup.escape(str(exc))}[/red]")
            continue
        found = archive.manifests(base) + [m for d in sorted(base.glob("okey-*")) if d.is_dir()
                                           for m in archive.manifests(d)]
        where = "" if str(base) in target.title else f" ({base})"
        console.print(f"[bold]{markup.escape(target.title)}[/bold]{markup.escape(where)}: "
                      + (f"копий: {len(found)}" if found else "копий нет"))
        for path in found:
            try:
                manifest = archive.read_manifest(path, identity)
            except BackupError as exc:
                console.print(f"  {markup.escape(path.name)}  [red]{markup.escape(str(exc))}[/red]")
                continue
            console.print(markup.escape(f"  {path.name}  {_local_time(manifest['created_at'], settings)}  "
                                 f"«{manifest['school'].get('name', '')}», схема {manifest['schema_version']}, "
                          f"файлов {len(manifest['uploads'])}, база {human_size(manifest['database']['size'])}"))


@backup.command("recovery-sheet")
@data_option
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Куда записать PDF.")
@click.pass_context
def recovery_sheet(ctx: click.Context, data: str | None, out: str) -> None:
    """Лист восстановления: закрытый ключ копий текстом и QR-кодом, для сейфа школы."""
    from appliance.documents.recovery import render_recovery_sheet
    from appliance.files import PRIVATE, write_atomic
    from appliance.services.school import get_school
    from appliance.targets import target_title
    from backup.keys import appliance_identity

    settings = open_data(ctx, data)
    try:
        identity = appliance_identity(settings)
    except BackupError as exc:
        raise Refusal(str(exc)) from None
    school = get_school()
    pdf = render_recovery_sheet(school.name, school.code, str(identity), str(identity.to_public()),
                                [str(target_title(spec)) for spec in settings.backup.targets],
                                datetime.datetime.now(), copies_folder(settings.backup.targets, school.code))
    write_atomic(Path(out), pdf, mode=PRIVATE)
    console.print(markup.escape(f"Лист восстановления: {out}. Напечатайте его, уберите в сейф и удалите файл."))


def copies_folder(specs: list[str], school_code: str) -> str | None:
    """The folder the sheet's commands name: the school's folder on the first USB drive, where this server
    mounts it (the same path on a replacement set up by the playbook), or None when no drive is known."""
    from appliance.targets import split_target, usb_folder

    for spec in specs:
        target = split_target(spec)
        if target.usb_label is not None:
            folder = usb_folder(target.usb_label)
        elif target.kind == "usb":
            folder = Path(target.value)
        else:
            continue
        if folder is not None:
            return f"{folder}/okey-{school_code}"
    return None


def _local_time(iso: str, settings) -> str:
    from zoneinfo import ZoneInfo

    moment = datetime.datetime.fromisoformat(iso)
    return moment.astimezone(ZoneInfo(settings.school.timezone)).strftime("%d.%m.%Y %H:%M")
