"""`okey sync …` (the school's side) and `okey hub …` (the district hub's side)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from appliance.clitools import Refusal, console, data_option, open_data, settings_for
from appliance.files import write_atomic
from sync.errors import SyncError


def _fail(exc: SyncError):
    raise Refusal(exc.message) from None


# -- the school ---------------------------------------------------------------------------------
@click.group("sync")
def sync_group():
    """Выгрузка снимков в район: подключение, выгрузка, ключи."""


@sync_group.command("enroll")
@data_option
@click.option("--district-key", "district_key", required=True, help="Ключ района (okey hub district-key).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Куда записать файл подключения (по умолчанию <данные>/sync/enrolment-<код>.json).")
@click.pass_context
def sync_enroll(ctx, data, district_key, out):
    """Сохранить ключ района и сделать файл подключения школы для хаба."""
    from appliance.services import sync_state
    from appliance.services.school import get_school
    from sync import keys
    from sync.hub import enrolment_document
    from sync.transport import sync_settings

    settings = open_data(ctx, data)
    try:
        district = keys.parse_district_key(district_key)
        signer = keys.school_signing_key(settings.keys_dir)
        keys.pseudonym_secret(settings.keys_dir)
        scope = sync_settings(settings).scope
    except SyncError as exc:
        _fail(exc)
    school = get_school()
    sync_state.set_district_key(district.text)
    document = enrolment_document(school.id.hex, school.name, school.code, signer, district, scope=scope)
    path = Path(out) if out else settings.data_dir / "sync" / f"enrolment-{school.code}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, document)
    console.print(f"Ключ района сохранён (отпечаток {district.fingerprint[:16]}).")
    console.print(f"Файл подключения: {path}")
    console.print("Передайте его в район: там выполнят «okey hub enroll ФАЙЛ».")


@sync_group.command("export")
@data_option
@click.option("--out", "out", type=click.Path(file_okay=False), multiple=True,
              help="Папка, куда положить копию пакета (можно несколько раз).")
@click.option("--scope", type=click.Choice(["analytics", "full"]), default=None,
              help="Объём: analytics (обезличенно, по умолчанию) или full.")
@click.option("--no-send", is_flag=True, help="Не отправлять на хаб и в папки из настроек.")
@click.pass_context
def sync_export(ctx, data, out, scope, no_send):
    """Выгрузить изменения с последнего подтверждённого районом снимка."""
    from sync.jobs import run_export

    settings = open_data(ctx, data)
    try:
        report = run_export(settings, [Path(o) for o in out], scope, send=not no_send)
    except SyncError as exc:
        _fail(exc)
    result = report.result
    for fields in report.receipts:
        console.print(f"Квитанция района: изменения {fields['seq_from']}–{fields['seq_to']} — {fields['message']}")
    console.print(f"Пакет: {result.path} (строк: {result.rows}, изменения {result.seq_from}–{result.seq_to}, "
                  f"объём «{result.manifest['scope']}»).")
    for copy in report.copies:
        console.print(f"Копия: {copy}")
    for problem in report.problems:
        console.print(f"[yellow]{problem}[/yellow]")
    if report.problems:
        sys.exit(2)


@sync_group.command("receipt")
@data_option
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def sync_receipt(ctx, data, files):
    """Принять квитанции района (файлы *.receipt.json с флешки или из хранилища)."""
    from appliance.services.school import get_school
    from sync.receipts import accept_receipt

    open_data(ctx, data)
    school_id = get_school().id.hex
    for name in files:
        try:
            fields, moved = accept_receipt(Path(name).read_bytes(), school_id)
        except SyncError as exc:
            _fail(exc)
        note = "подтверждение учтено" if moved else "уже было учтено"
        console.print(f"{name}: {fields['message']} ({note}).")


@sync_group.command("keys")
@data_option
@click.option("--rotate", is_flag=True, help="Сменить ключ подписи школы (новый заверяется прежним).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Куда записать файл подключения.")
@click.pass_context
def sync_keys(ctx, data, rotate, out):
    """Показать ключи выгрузки; с --rotate — сменить ключ подписи школы."""
    from appliance.services import sync_state
    from appliance.services.school import get_school
    from sync import keys
    from sync.hub import enrolment_document
    from sync.transport import sync_settings

    settings = open_data(ctx, data)
    text = sync_state.district_key()
    if not text:
        raise Refusal("Школа не подключена к району: выполните «okey sync enroll --district-key КЛЮЧ».")
    district = keys.parse_district_key(text)
    try:
        signer = keys.school_signing_key(settings.keys_dir, create=False)
    except SyncError as exc:
        _fail(exc)
    if rotate:
        school = get_school()
        old, signer = keys.rotate_school_key(settings.keys_dir)
        document = enrolment_document(school.id.hex, school.name, school.code, signer, district, previous=old,
                                      scope=sync_settings(settings).scope)
        path = Path(out) if out else settings.data_dir / "sync" / f"enrolment-{school.code}-rotated.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, document)
        console.print(f"Новый ключ подписи создан. Файл для района (заверен прежним ключом): {path}")
    console.print(f"Ключ подписи школы: {keys.fingerprint(keys.public_raw(signer))}")
    console.print(f"Ключ района: {district.fingerprint}")
    _, acked = sync_state.acknowledged()
    console.print(f"Подтверждено районом: изменения до {acked}; пакетов в очереди: {len(sync_state.pending())}.")


# -- the hub ------------------------------------------------------------------------------------
@click.group("hub")
def hub():
    """Хаб района: ключ района, подключение школ, приём пакетов, отзыв ключей."""


def _open_hub(ctx: click.Context, data: str | None):
    from sync import keys

    settings = settings_for(ctx, data)
    try:
        hub_keys = keys.load_hub_keys(settings.keys_dir)
    except SyncError as exc:
        _fail(exc)
    return open_data(ctx, data, create=True), hub_keys


@hub.command("init")
@data_option
@click.option("--database-url", default="", help="PostgreSQL: postgresql://пользователь@сервер/база "
                                                 "(по умолчанию SQLite в каталоге данных).")
@click.option("--name", default="Районный отдел образования", show_default=True, help="Название хаба.")
@click.option("--login", default="district", show_default=True, help="Логин сотрудника района.")
@click.option("--password", default=None, help="Пароль сотрудника района (иначе выдаётся код активации).")
@click.pass_context
def hub_init(ctx, data, database_url, name, login, password):
    """Создать хаб района: ключи, база, учётная запись сотрудника района."""
    from appliance.config import ensure_private_dir
    from appliance.models.people import DISTRICT, User
    from appliance.services import accounts
    from sync import keys

    settings = settings_for(ctx, data)
    ensure_private_dir(settings.data_dir)
    config = settings.data_dir / "okey.toml"
    if not config.exists():
        lines = ["# The district hub («okey hub init»).", "[server]", "announce = false",
                 "max_upload_mb = 2048", ""]
        if database_url:
            lines += ["[database]", f'url = "{database_url}"', ""]
        write_atomic(config, "\n".join(lines))
    elif database_url and database_url not in config.read_text(encoding="utf-8"):
        raise Refusal(f"В {config} уже есть настройки хаба: адрес базы меняют там, в разделе [database].")
    hub_keys = keys.create_hub_keys(settings.keys_dir)
    settings = open_data(ctx, data, create=True)
    settings.secret_key()
    user = User.get_or_none(User.login == login)
    if user is None:
        user = User.create(role=DISTRICT, login=login, full_name=name, last_name=name)
        if password:
            accounts.set_password(user, password)
            console.print(f"Вход в хаб: {login}, пароль задан.")
        else:
            code = accounts.issue_activation_code(user, settings.security.activation_days)
            console.print(f"Вход в хаб: {login}, код активации {code} (страница /activate).")
    console.print(f"Хаб района: {settings.data_dir}")
    console.print(f"Ключ района (передайте школам): {hub_keys.district_key.text}")


@hub.command("district-key")
@data_option
@click.option("--qr", type=click.Path(dir_okay=False), default=None, help="Записать QR-код ключа в SVG-файл.")
@click.option("--rotate", is_flag=True, help="Сменить ключ шифрования района (старые пакеты по-прежнему читаются).")
@click.pass_context
def hub_district_key(ctx, data, qr, rotate):
    """Напечатать открытый ключ района (текстом и QR-кодом)."""
    import io

    import qrcode

    from sync import keys

    settings = settings_for(ctx, data)
    try:
        hub_keys = keys.rotate_hub_key(settings.keys_dir) if rotate else keys.load_hub_keys(settings.keys_dir)
    except SyncError as exc:
        _fail(exc)
    text = hub_keys.district_key.text
    click.echo(text)
    if rotate:
        console.print("Ключ района сменён: школам нужно заново выполнить «okey sync enroll» с новым ключом.",
                      style="yellow")
    if qr:
        from appliance.documents.qr import qr_svg

        write_atomic(Path(qr), qr_svg(text))
        console.print(f"QR-код: {qr}")
    elif sys.stdout.isatty():
        code = qrcode.QRCode(border=1)
        code.add_data(text)
        buffer = io.StringIO()
        code.print_ascii(out=buffer, invert=True)
        click.echo(buffer.getvalue())


@hub.command("enroll")
@data_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Заменить ключ школы, даже если новый не заверен прежним.")
@click.pass_context
def hub_enroll(ctx, data, file, replace):
    """Подключить школу по её файлу подключения (или принять её новый ключ)."""
    from sync.hub import enroll

    _, hub_keys = _open_hub(ctx, data)
    try:
        done = enroll(Path(file).read_bytes(), hub_keys, replace)
    except SyncError as exc:
        _fail(exc)
    if done.created:
        console.print(f"Школа «{done.school.name}» подключена (ключ {done.fingerprint[:16]}).")
    elif done.rotated:
        console.print(f"Школа «{done.school.name}»: принят новый ключ {done.fingerprint[:16]}.")
    else:
        console.print(f"Школа «{done.school.name}» уже подключена с этим ключом.")


@hub.command("import")
@data_option
@click.argument("bundles", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--receipts", "receipts_dir", type=click.Path(file_okay=False), default=None,
              help="Куда класть квитанции (по умолчанию рядом с пакетом).")
@click.pass_context
def hub_import(ctx, data, bundles, receipts_dir):
    """Принять пакеты школ: проверить подпись, адресата и порядок, применить."""
    from sync.hub import Hub
    from sync.receipts import SUFFIX

    settings, hub_keys = _open_hub(ctx, data)
    importer = Hub(hub_keys, settings.data_dir)
    failed = 0
    for name in bundles:
        path = Path(name)
        outcome = importer.import_file(path)
        if outcome.receipt is not None:
            target = Path(receipts_dir) if receipts_dir else path.parent
            target.mkdir(parents=True, exist_ok=True)
            write_atomic(target / (path.name + SUFFIX), outcome.receipt)
            colour = "green" if outcome.status == "applied" else "yellow"
            console.print(f"[{colour}]{path.name}: {outcome.message}[/{colour}]")
        else:
            failed += 1
            console.print(f"[red]{path.name}: отклонён. {outcome.message}[/red]")
    if failed:
        sys.exit(1)


@hub.command("revoke")
@data_option
@click.argument("school")
@click.option("--key", "fingerprint", default=None, help="Отпечаток ключа (по умолчанию все действующие ключи).")
@click.option("--reason", default="", help="Причина (для журнала).")
@click.pass_context
def hub_revoke(ctx, data, school, fingerprint, reason):
    """Отозвать ключ школы (по id или коду школы): её пакеты больше не принимаются."""
    from sync.hub import revoke

    _open_hub(ctx, data)
    try:
        revoked = revoke(school, fingerprint, reason)
    except SyncError as exc:
        _fail(exc)
    for key in revoked:
        console.print(f"Ключ {key.fingerprint[:16]} школы «{key.school.name}» отозван.")


@hub.command("schools")
@data_option
@click.pass_context
def hub_schools(ctx, data):
    """Школы хаба: последний снимок и состояние."""
    from appliance.services import hub as hub_service

    _open_hub(ctx, data)
    for row in hub_service.schools():
        when = f"{row.school.last_snapshot_at:%d.%m.%Y %H:%M}" if row.school.last_snapshot_at else "—"
        console.print(f"{row.school.code or row.school.id}\t{row.school.name}\t{when}\t{row.status_text}")
