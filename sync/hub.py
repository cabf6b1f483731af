"""The district hub: enrolment of schools, and the verified, idempotent import of bundles.

Import, in order: read the manifest → verify its signature with the school's enrolled key
(unknown or revoked: refused) → check the intended recipient is this district → check the
schema version → decide by the ledger (same range again: duplicate, answered without applying;
an older range: replay, refused; a later range than expected: held until the missing range
arrives) → decrypt the payload as a stream (age, then gzip, then JSON Lines, with bounded
buffers) → validate each row against the table's policy → apply the rows and the ledger entry
in ONE transaction. The payload's SHA-256, size and row count are checked at its end; any
failure rolls the whole bundle back and leaves a ledger entry that says why, in Russian.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import queue
import re
import shutil
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyrage

from appliance.db import database, is_sqlite
from appliance.files import AtomicFile
from appliance.migrations import latest_version
from appliance.models.base import utcnow
from appliance.models.hub import (
    APPLIED,
    DUPLICATE,
    HELD,
    REJECTED,
    HubLedger,
    HubQuarantine,
    HubReceipt,
    HubRow,
    HubSchool,
    HubSchoolKey,
)
from appliance.services.hub import recompute_indicators
from appliance.services.validation import parse_json
from sync import bundle, keys, receipts
from sync.errors import BundleRejected, SyncError
from sync.policy import TableSpec, row_problems, specs

MAX_LINE = 4 * 1024 * 1024  # the longest payload line (one row) the hub reads
APPLY_BATCH = 500  # rows per write on SQLite; fewer when they are big (APPLY_BYTES)
POSTGRES_BATCH = 5000  # rows per COPY on PostgreSQL (written in a thread while the next are read)
APPLY_BYTES = 8 * 1024 * 1024
_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_QUARANTINE = 100  # bad rows one bundle may set aside; more, and the bundle is refused whole
RECEIPT_QUARANTINE = 20  # set-aside rows a receipt names (it gives the total too)
# Uploads over HTTP whose header does not authenticate (junk, unknown keys, bad signatures): each
# address gets at most JUNK_PER_ADDRESS ledger rows per JUNK_WINDOW, then 429 with no row; the
# ledger keeps at most JUNK_KEEP such rows from all addresses together.
JUNK_PER_ADDRESS = 20
JUNK_WINDOW = datetime.timedelta(hours=1)
JUNK_KEEP = 2000
ENROLMENT_TYPE = "okey-enrolment-1"
log = logging.getLogger("okey.sync")
_NOT_SIGNED = ("Пакет повреждён или обрезан (или подделан): данные не совпадают с подписанным описанием (размер или "
               "SHA-256). Ничего не применено, состояние школы не меняется.")


# -- enrolment ------------------------------------------------------------------------------
def enrolment_document(school_id: str, name: str, code: str, signer, district: keys.DistrictKey,
                       previous=None, scope: str = "analytics") -> bytes:
    """What `okey sync enroll` writes: the school, its public key, signed by that key (and, after
    a rotation, endorsed by the previous key)."""
    body = {"type": ENROLMENT_TYPE, "school_id": school_id, "school_name": name, "school_code": code,
            "public_key": keys.b64(keys.public_raw(signer)), "district": district.fingerprint, "scope": scope,
            "created_at": utcnow().isoformat(sep=" ")}
    if previous is not None:
        body["previous_key"] = keys.b64(keys.public_raw(previous))
    raw = bundle.canonical(body)
    document = {"enrolment": body, "signature": keys.b64(signer.sign(b"okey-enrolment\0" + raw))}
    if previous is not None:
        document["endorsement"] = keys.b64(previous.sign(b"okey-enrolment\0" + raw))
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


@dataclass
class Enrolled:
    school: HubSchool
    fingerprint: str
    created: bool
    rotated: bool


def enroll(data: bytes, hub: keys.HubKeys, replace: bool = False) -> Enrolled:
    """Register a school (or its new key) from an enrolment file."""
    try:
        document = parse_json(data.decode())
        body, signature = document["enrolment"], keys.unb64(document["signature"])
        raw = bundle.canonical(body)
        public = body["public_key"]
        school_id, name = body["school_id"], body["school_name"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise SyncError("Файл подключения школы не читается: ожидается файл, который сделала «okey sync enroll».") \
            from None
    if body.get("type") != ENROLMENT_TYPE or not isinstance(school_id, str) or not _ID.match(school_id):
        raise SyncError("Файл подключения школы не читается: неизвестный формат.")
    if not keys.verify(public, signature, b"okey-enrolment\0" + raw):
        raise SyncError("Подпись файла подключения не сходится: файл изменён или повреждён.")
    if not hub.accepts_recipient(body.get("district", "")):
        raise SyncError("Файл подключения сделан для ключа другого района.")
    fp = keys.fingerprint(keys.unb64(public))
    with database.atomic():
        existing = HubSchoolKey.get_or_none(HubSchoolKey.fingerprint == fp)
        if existing is not None:
            if existing.revoked_at is not None:
                raise SyncError("Этот ключ школы отозван: подключите школу с новым ключом (okey sync keys --rotate).")
            return Enrolled(existing.school, fp, False, False)
        school = HubSchool.get_or_none(HubSchool.id == school_id)
        created = school is None
        rotated = False
        if school is None:
            school = HubSchool.create(id=school_id, name=name, code=body.get("school_code", ""))
        else:
            active = list(school.keys.where(HubSchoolKey.revoked_at.is_null()
                                            & HubSchoolKey.superseded_at.is_null()))
            endorsed = "endorsement" in document and any(
                key.public_key == body.get("previous_key")
                and keys.verify(key.public_key, keys.unb64(document["endorsement"]), b"okey-enrolment\0" + raw)
                for key in active)
            if not endorsed and not replace:
                raise SyncError(f"Школа «{school.name}» уже подключена с другим ключом, а новый ключ не заверен "
                                "прежним. Если ключ школы утерян, проверьте файл и повторите с --replace.")
            for key in active:
                key.superseded_at = utcnow()
                key.save()
            school.name = name
            school.code = body.get("school_code", school.code)
            school.save()
            rotated = True
        HubSchoolKey.create(school=school, public_key=public, fingerprint=fp)
    return Enrolled(school, fp, created, rotated)


def revoke(school_ref: str, fingerprint: str | None = None, reason: str = "") -> list[HubSchoolKey]:
    """Revoke a school's keys (all active ones, or the one named): its bundles are refused."""
    school = HubSchool.get_or_none((HubSchool.id == school_ref) | (HubSchool.code == school_ref))
    if school is None:
        raise SyncError(f"Школа «{school_ref}» не подключена к хабу.")
    query = school.keys.where(HubSchoolKey.revoked_at.is_null())
    if fingerprint:
        query = query.where(HubSchoolKey.fingerprint.startswith(fingerprint))
    revoked = list(query)
    if not revoked:
        raise SyncError("Нет действующих ключей, подходящих под условие: отзывать нечего.")
    with database.atomic():
        for key in revoked:
            key.revoked_at = utcnow()
            key.revoked_reason = reason
            key.save()
    return revoked


# -- import -----------------------------------------------------------------------------------
@dataclass
class ImportOutcome:
    status: str  # applied, duplicate, held, rejected
    message: str
    ledger: HubLedger | None  # None: junk over the address's limit, not recorded
    receipt: bytes | None
    http_status: int
    rows: int = 0


class _HashingReader(io.RawIOBase):
    """Reads the payload from the stream, hashing it, and never past the declared size + 1."""

    def __init__(self, stream: BinaryIO, limit: int):
        self.stream = stream
        self.limit = limit
        self.size = 0
        from hashlib import sha256

        self.sha = sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        want = min(len(target), self.limit + 1 - self.size)
        if want <= 0:
            return 0
        data = self.stream.read(want)
        if not data:
            return 0
        self.sha.update(data)
        self.size += len(data)
        target[:len(data)] = data
        return len(data)


class RowQuarantined(Exception):
    """A well-formed line whose values the hub cannot store: that row is set aside, not the bundle."""

    def __init__(self, table: str, row_id: str, seq: int, column: str, why: str):
        super().__init__(why)
        self.table, self.row_id, self.seq, self.column, self.why = table, row_id, seq, column, why


def validate_line(number: int, line: object, scope: str, seq_from: int, seq_to: int,
                  table_specs: dict[str, TableSpec]) -> tuple[str, str, str, int, dict | None]:
    """One payload line checked against the table's policy: (table, op, id, seq, row).

    A line that is not a row of this bundle (unknown table, operation, id or sequence; a field the
    scope must not carry) refuses the whole bundle (BundleRejected); a row whose values do not fit
    their columns raises RowQuarantined."""
    def bad(why: str) -> BundleRejected:
        return BundleRejected(f"Строка {number} данных не прошла проверку: {why}. Пакет не применён.", status=422)

    if not isinstance(line, dict):
        raise bad("ожидается объект JSON")
    table, op, row_id, seq = line.get("t"), line.get("op"), line.get("id"), line.get("seq")
    spec = table_specs.get(table) if isinstance(table, str) else None
    if spec is None:
        raise bad(f"неизвестная таблица «{table}»")
    if not spec.in_scope(scope):
        raise bad(f"таблица «{table}» не передаётся в объёме «{scope}»")
    if op not in ("upsert", "delete"):
        raise bad("неизвестная операция")
    if not isinstance(row_id, str) or not _ID.match(row_id):
        raise bad("неверный идентификатор строки")
    if not isinstance(seq, int) or isinstance(seq, bool) or not seq_from < seq <= seq_to:
        raise bad("номер изменения вне диапазона пакета")
    if op == "delete":
        return table, op, row_id, seq, None
    row = line.get("row")
    if not isinstance(row, dict) or row.get("id") != row_id:
        raise bad("нет данных строки")
    allowed = spec.allowed(scope)
    extra = set(row) - allowed
    if extra:
        raise bad(f"поля {', '.join(sorted(extra))} не допускаются в таблице «{table}» (объём «{scope}»)")
    problems = row_problems(spec, row)
    if problems:
        column, why = problems[0]
        raise RowQuarantined(table, row_id, seq, column, why)
    return table, op, row_id, seq, row


_COLUMNS = ("school_id", "tbl", "row_id", "data", "seq", "ledger", "updated_at")


def _upsert_sql(values: str) -> str:
    """INSERT … ON CONFLICT DO UPDATE, which SQLite and PostgreSQL both understand."""
    names = ", ".join(f'"{name}"' for name in _COLUMNS)
    update = ", ".join(f'"{name}" = excluded."{name}"' for name in _COLUMNS[3:])
    return (f'INSERT INTO "{HubRow._meta.table_name}" ({names}) VALUES {values} '  # nosec B608 - fixed names
            f'ON CONFLICT ("school_id", "tbl", "row_id") DO UPDATE SET {update}')


def _write_rows(rows: list[tuple]) -> None:
    """One statement for the batch (SQLite): building it through the ORM cost more than writing it."""
    database.cursor().executemany(_upsert_sql("(" + ", ".join("?" * len(_COLUMNS)) + ")"), rows)


_INCOMING = "okey_hub_incoming"
WRITE_QUEUE = 3  # batches waiting for the PostgreSQL writer; the reader waits when they pile up


def _copy_lines(rows: list[tuple]) -> list[str]:
    """Rows in COPY's text format. Only the JSON text can hold a backslash (json.dumps escapes every
    tab, newline and other control character, so none occurs raw); the school, table and row ids are
    checked hex and known table names, the numbers and the time are formatted here."""
    return [f"{school}\t{table}\t{row_id}\t{data.replace(chr(92), chr(92) * 2)}\t{seq}\t{ledger}\t{at}\n"
            for school, table, row_id, data, seq, ledger, at in rows]


class _PostgresWriter:
    """Writes the batches on PostgreSQL in a thread of its own, on the import's own connection and
    transaction, while this thread decrypts, decompresses and checks the next rows (psycopg2 waits
    for the server outside Python's lock). Rows go in by COPY into a temporary table, then one
    INSERT … ON CONFLICT per batch; deletes as plain statements, in the order they were given."""

    def __init__(self):
        self.connection = database.connection()  # the transaction the import runs in
        self.queue: queue.Queue = queue.Queue(WRITE_QUEUE)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="okey-hub-writer", daemon=True)
        self.started = False

    def _run(self) -> None:
        with self.connection.cursor() as cursor:
            while True:
                job = self.queue.get()
                if job is None:
                    return
                if self.error is not None:
                    continue  # drain: the reader learns of the failure at its next put or finish
                try:
                    job(cursor)
                except BaseException as exc:  # handed to the reader's thread
                    self.error = exc

    def _put(self, job) -> None:
        if not self.started:
            self.thread.start()
            self.started = True
        if self.error is not None:
            self.close()
        self.queue.put(job)

    def execute(self, sql: str, params) -> None:
        self._put(lambda cursor: cursor.execute(sql, params))

    def upsert(self, rows: list[tuple]) -> None:
        self._put(lambda cursor: self._copy(cursor, io.StringIO("".join(_copy_lines(rows)))))

    @staticmethod
    def _copy(cursor, text: io.StringIO) -> None:
        names = ", ".join(f'"{name}"' for name in _COLUMNS)
        cursor.execute(f'CREATE TEMP TABLE IF NOT EXISTS {_INCOMING} ON COMMIT DROP AS '  # nosec B608 - fixed names
                       f'SELECT {names} FROM "{HubRow._meta.table_name}" WITH NO DATA')
        text.seek(0)
        cursor.copy_expert(f"COPY {_INCOMING} ({names}) FROM STDIN", text)
        upsert = _upsert_sql("").replace(" VALUES ", f" SELECT {names} FROM {_INCOMING} ")  # nosec B608
        cursor.execute(upsert)  # fixed names only
        cursor.execute(f"TRUNCATE {_INCOMING}")

    def close(self) -> None:
        """Wait for every batch; raise what failed, if anything did."""
        if self.started:
            self.queue.put(None)
            self.thread.join()
            self.started = False
        if self.error is not None:
            error, self.error = self.error, None
            raise error


class _Applier:
    """pyrage's writer: gunzips, splits lines, validates and applies rows in batches."""

    def __init__(self, school: HubSchool, ledger: HubLedger, manifest: bundle.Manifest):
        self.school = school
        self.ledger = ledger
        self.scope = manifest["scope"]
        self.seq_from, self.seq_to = manifest["seq_from"], manifest["seq_to"]
        self.gunzip = zlib.decompressobj(31)
        self.buffer = bytearray()
        self.lines = 0
        self.pending: dict[tuple[str, str], tuple[str, int, dict | None]] = {}
        self.pending_bytes = 0
        self.specs = specs()
        self.now = utcnow()
        self.quarantined: list[RowQuarantined] = []
        self.writer = None if is_sqlite(database) else _PostgresWriter()
        self.batch = APPLY_BATCH if self.writer is None else POSTGRES_BATCH

    def write(self, data) -> int:
        self._feed(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def _feed(self, data: bytes) -> None:
        try:
            # Bounded output per step: a compression bomb cannot inflate into memory at once.
            chunk = self.gunzip.decompress(data, MAX_LINE)
            while True:
                self._take(chunk)
                if not self.gunzip.unconsumed_tail:
                    break
                chunk = self.gunzip.decompress(self.gunzip.unconsumed_tail, MAX_LINE)
        except zlib.error:
            raise BundleRejected("Данные пакета повреждены: сжатый поток не читается.") from None

    def _take(self, chunk: bytes) -> None:
        # Only the new bytes are searched for line ends: a long row arrives in many chunks.
        scan = len(self.buffer)
        self.buffer += chunk
        start = 0
        while True:
            end = self.buffer.find(b"\n", scan)
            if end < 0:
                break
            self._line(bytes(self.buffer[start:end]))
            start = scan = end + 1
        del self.buffer[:start]
        if len(self.buffer) > MAX_LINE:
            raise BundleRejected(f"Строка {self.lines + 1} данных длиннее {MAX_LINE // (1024 * 1024)} МБ: "
                                 "пакет не применён.", status=422)

    def _line(self, raw: bytes) -> None:
        self.lines += 1
        try:
            line = parse_json(raw)
        except ValueError:
            raise BundleRejected(f"Строка {self.lines} данных не читается как JSON: пакет не применён.",
                                 status=422) from None
        try:
            table, op, row_id, seq, row = validate_line(self.lines, line, self.scope, self.seq_from, self.seq_to,
                                                        self.specs)
        except RowQuarantined as bad:
            self.quarantined.append(bad)
            if len(self.quarantined) > MAX_QUARANTINE:
                raise BundleRejected(f"Больше {MAX_QUARANTINE} строк пакета не проходят проверку (первая: таблица "
                                     f"«{self.quarantined[0].table}», поле «{self.quarantined[0].column}»: "
                                     f"{self.quarantined[0].why}). Пакет не применён.", status=422) from None
            return
        self.pending[(table, row_id)] = (op, seq, row)
        self.pending_bytes += len(raw)
        if len(self.pending) >= self.batch or self.pending_bytes >= APPLY_BYTES:
            self.apply()

    def finish(self) -> None:
        if not self.gunzip.eof or self.gunzip.unused_data:
            raise BundleRejected("Данные пакета обрезаны: сжатый поток не закончен.")
        if self.buffer:
            raise BundleRejected("Данные пакета обрезаны: последняя строка не закончена.")
        self.apply()
        self.close()

    def close(self) -> None:
        """Wait for the writer's batches (PostgreSQL); raise what failed in them."""
        if self.writer is not None:
            self.writer.close()

    def apply(self) -> None:
        deletes: dict[str, list[str]] = {}
        upserts = []
        for (table, row_id), (op, seq, row) in self.pending.items():
            if op == "delete":
                deletes.setdefault(table, []).append(row_id)
            else:
                upserts.append((self.school.id, table, row_id, json.dumps(row, ensure_ascii=False, separators=(",", ":")),
                                seq, self.ledger.id, self.now))
        self.pending.clear()
        self.pending_bytes = 0
        for table, ids in deletes.items():
            for query in (HubRow.delete().where((HubRow.school == self.school.id) & (HubRow.table == table)
                                                & HubRow.row_id.in_(ids)),
                          HubQuarantine.delete().where((HubQuarantine.school == self.school.id)
                                                       & (HubQuarantine.table == table)
                                                       & HubQuarantine.row_id.in_(ids))):
                if self.writer is None:
                    query.execute()
                else:
                    self.writer.execute(*query.sql())
        if upserts:
            if self.writer is None:
                _write_rows(upserts)
            else:
                self.writer.upsert(upserts)

    def set_aside(self, base: bool) -> None:
        """Record the bad rows of this bundle; clear those a good version (or a complete snapshot
        without them) has replaced."""
        school = self.school.id
        if base:
            HubQuarantine.delete().where((HubQuarantine.school == school)
                                         & (HubQuarantine.ledger != self.ledger.id)).execute()
        else:
            mark = database.param
            database.execute_sql(
                f'DELETE FROM "hub_quarantine" WHERE "school_id" = {mark} AND EXISTS (SELECT 1 FROM "hub_row" r '  # nosec B608 - fixed names
                f'WHERE r."school_id" = "hub_quarantine"."school_id" AND r."tbl" = "hub_quarantine"."tbl" '
                f'AND r."row_id" = "hub_quarantine"."row_id" AND r."ledger" = {mark})', (school, self.ledger.id))
        for bad in self.quarantined:
            HubQuarantine.delete().where((HubQuarantine.school == school) & (HubQuarantine.table == bad.table)
                                         & (HubQuarantine.row_id == bad.row_id)).execute()
            HubQuarantine.create(school=school, table=bad.table, row_id=bad.row_id, seq=bad.seq,
                                 ledger=self.ledger.id, field=bad.column[:64], reason=bad.why, received_at=self.now)


class Hub:
    """One hub: its keys and its data directory (for held bundles)."""

    def __init__(self, hub_keys: keys.HubKeys, data_dir: Path):
        self.keys = hub_keys
        self.held_dir = data_dir / "sync" / "held"

    # The whole pipeline; every outcome, good or bad, leaves a ledger entry (junk from the network
    # within its limit: `remote` uploads whose header does not authenticate).
    def import_stream(self, stream: BinaryIO, source: str = "", remote: bool = False) -> ImportOutcome:
        manifest: bundle.Manifest | None = None
        school: HubSchool | None = None
        try:
            manifest = bundle.read_header(stream)
            school = self._authenticate(manifest)
            self._check(manifest, school)
            return self._decide_and_apply(stream, manifest, school, source)
        except BundleRejected as exc:
            return self._reject(exc, manifest, school, source, remote)
        except (OSError, pyrage.DecryptError) as exc:
            # A dropped upload ends the stream early (age's own refusals are handled in _apply).
            return self._reject(BundleRejected(f"Пакет не дочитан: {exc}.", changes_status=False), manifest, school,
                                source, remote)

    def refuse(self, message: str, status: int, source: str = "", remote: bool = False) -> ImportOutcome:
        """Refuse an upload before reading it (too big), with a ledger entry like any other."""
        return self._reject(BundleRejected(message, status), None, None, source, remote)

    @staticmethod
    def header_settles(head: bytes) -> bool:
        """Whether these first bytes are enough to judge the header: all of it, or a wrong start."""
        if not head.startswith(bundle.MAGIC):
            return not bundle.MAGIC.startswith(head)
        return len(head) >= (bundle.header_length(head) or len(head) + 1)

    def header_verdict(self, head: bytes) -> tuple[int, str] | None:
        """What the upload endpoint needs to know from a body's first bytes, before it reads on:
        None while the header is incomplete; (0, "") when the body should be read (an authentic
        bundle the hub will apply or hold); (status, message) when the header alone settles it —
        junk, an unknown key, a bad signature, a replay, a duplicate — and the rest is not needed."""
        if not self.header_settles(head):
            return None
        try:
            manifest = bundle.read_header(io.BytesIO(head))
        except BundleRejected as exc:
            return exc.status, exc.message
        try:
            school = self._authenticate(manifest)
            self._check(manifest, school)
            decision = self._decide(manifest, HubSchool.get_by_id(school.id))
        except BundleRejected as exc:
            return exc.status, exc.message
        return (200, "") if decision == DUPLICATE else (0, "")

    def import_file(self, path: Path) -> ImportOutcome:
        with open(path, "rb") as stream:
            return self.import_stream(stream, source=path.name)

    def _authenticate(self, manifest: bundle.Manifest) -> HubSchool:
        """The school whose enrolled key signed the manifest (revoked keys included)."""
        key = HubSchoolKey.get_or_none(HubSchoolKey.fingerprint == manifest["signer"])
        if key is None:
            raise BundleRejected("Пакет подписан неизвестным ключом: школа не подключена к хабу "
                                 "(okey hub enroll) или подписала пакет чужим ключом.", status=403)
        if not keys.verify(key.public_key, manifest.signature, bundle.signed_bytes(manifest.raw)):
            raise BundleRejected("Подпись пакета не сходится: описание пакета изменено или повреждено "
                                 "по дороге.", status=400)
        if key.school_id != manifest["school_id"]:
            raise BundleRejected("Пакет подписан ключом другой школы.", status=403)
        return key.school

    def _check(self, manifest: bundle.Manifest, school: HubSchool) -> None:
        key = HubSchoolKey.get(HubSchoolKey.fingerprint == manifest["signer"])
        if key.revoked_at is not None:
            raise BundleRejected(f"Ключ школы «{school.name}» отозван "
                                 f"{key.revoked_at:%d.%m.%Y}: пакет не принят.", status=403, changes_status=False)
        if not self.keys.accepts_recipient(manifest["recipient"]):
            raise BundleRejected("Пакет предназначен другому району: он зашифрован не нашим ключом.", status=403)
        if manifest["schema_version"] > latest_version():
            raise BundleRejected(f"Пакет сделан более новой версией программы (схема {manifest['schema_version']}, "
                                 f"хаб знает схему до {latest_version()}). Обновите программу хаба.", status=422)
        if manifest["scope"] not in bundle.SCOPES:
            raise BundleRejected(f"Неизвестный объём выгрузки «{manifest['scope']}».", status=422)
        if manifest["seq_to"] < manifest["seq_from"] or manifest["seq_from"] < 0:
            raise BundleRejected("Пакет повреждён: неверный диапазон изменений.")

    def _decide(self, manifest: bundle.Manifest, school: HubSchool) -> str:
        start, end = manifest["seq_from"], manifest["seq_to"]
        if manifest["instance_id"] == school.instance_id and manifest["scope"] != school.last_scope:
            if manifest["base"]:
                return APPLIED  # the school changed its scope: a complete snapshot replaces the rows
            raise BundleRejected(f"Школа сменила объём выгрузки на «{manifest['scope']}», а пакет не полный: "
                                 "нужен полный снимок, он придёт со следующей выгрузкой.", status=409)
        if manifest["instance_id"] == school.instance_id:
            if (start, end) == (school.last_seq_from, school.last_seq):
                return DUPLICATE
            if start == school.last_seq or start < school.last_seq < end:
                return APPLIED
            if end <= school.last_seq:
                raise BundleRejected(f"Повтор старого пакета: изменения {start}–{end} уже получены "
                                     f"(принято до {school.last_seq}). Пакет не применён.", status=409,
                                     changes_status=False)
            return HELD
        retired = HubLedger.select().where((HubLedger.school == school.id) & (HubLedger.status == APPLIED)
                                           & (HubLedger.instance_id == manifest["instance_id"])).exists()
        if retired:
            raise BundleRejected("Пакет от прежней копии базы школы (после восстановления школа работает на новой): "
                                 "он устарел и не применён.", status=409, changes_status=False)
        if manifest["base"]:
            return APPLIED
        return HELD

    def _decide_and_apply(self, stream: BinaryIO, manifest: bundle.Manifest, school: HubSchool,
                          source: str) -> ImportOutcome:
        with self._transaction():
            self._lock(school)
            school = HubSchool.get_by_id(school.id)
            decision = self._decide(manifest, school)
            if decision == DUPLICATE:
                entry = self._ledger(manifest, school, DUPLICATE, source,
                                     f"Повторная доставка: изменения {manifest['seq_from']}–{manifest['seq_to']} "
                                     "уже применены, ничего не изменилось.")
                return self._answer(entry, manifest, school, 200)
            if decision == HELD:
                path = self._hold(stream, manifest)
                entry = self._ledger(manifest, school, HELD, source,
                                     f"Пропуск: ожидались изменения с {school.last_seq}, а пакет начинается с "
                                     f"{manifest['seq_from']}. Пакет отложен до получения пропущенных.")
                entry.held_path = str(path)
                entry.save()
                school.last_status, school.last_message = HELD, entry.message
                school.last_received_at = entry.received_at
                school.save()
                return self._answer(entry, manifest, school, 202)
            entry = self._ledger(manifest, school, APPLIED, source, "")
            rows, aside = self._apply(stream, manifest, school, entry)
            entry.rows = rows - aside
            entry.message = (f"Применено строк: {rows - aside} (изменения {manifest['seq_from']}–{manifest['seq_to']}, "
                             f"объём «{manifest['scope']}»).")
            if aside:
                entry.message += (f" Отложено строк: {aside} — значения не проходят проверку (список на странице "
                                  "школы и в квитанции); школа их исправит, следующий пакет их заменит.")
            entry.save()
            school.instance_id = manifest["instance_id"]
            school.last_seq_from, school.last_seq = manifest["seq_from"], manifest["seq_to"]
            school.last_snapshot_at = entry.received_at
            school.last_received_at = entry.received_at
            school.last_scope = manifest["scope"]
            school.last_status, school.last_message = APPLIED, entry.message
            school.save()
            recompute_indicators(school)
            outcome = self._answer(entry, manifest, school, 200, rows)
        self._release_held(school.id)
        return outcome

    def _transaction(self):
        # SQLite: take the write lock at once, so two uploads queue instead of deadlocking.
        return database.atomic("IMMEDIATE") if is_sqlite(database) else database.atomic()

    def _lock(self, school: HubSchool) -> None:
        """One import per school at a time (SQLite serialises writers by itself)."""
        if not is_sqlite(database):
            HubSchool.select().where(HubSchool.id == school.id).for_update().execute()

    def _apply(self, stream: BinaryIO, manifest: bundle.Manifest, school: HubSchool, entry: HubLedger) -> int:
        part = manifest.payload
        reader = _HashingReader(stream, part["size"])
        applier = _Applier(school, entry, manifest)
        try:
            try:
                pyrage.decrypt_io(io.BufferedReader(reader, 1 << 16), applier, self.keys.identities)
                applier.finish()
            finally:
                applier.close()  # no batch is still being written when this thread goes on
        except (BundleRejected, pyrage.DecryptError, OSError) as exc:
            # Anyone can encrypt to the district's public key: a refusal of the payload's contents
            # is the school's own only if the payload is the one its signed manifest describes.
            genuine = self._drain(reader, part)
            if isinstance(exc, BundleRejected) and genuine:
                raise
            raise BundleRejected(_NOT_SIGNED, changes_status=False) from None
        if not self._drain(reader, part):
            raise BundleRejected(_NOT_SIGNED, changes_status=False)
        if applier.lines != part["rows"]:
            raise BundleRejected(f"В пакете {applier.lines} строк, а в описании {part['rows']}: пакет не применён.")
        if manifest["base"]:
            # A complete snapshot: rows the school no longer has are gone at the hub too.
            HubRow.delete().where((HubRow.school == school.id) & (HubRow.ledger != entry.id)).execute()
        applier.set_aside(manifest["base"])
        return applier.lines, len(applier.quarantined)

    @staticmethod
    def _drain(reader: _HashingReader, part: dict) -> bool:
        """Read the payload to its declared end; whether it is the one the manifest describes."""
        while reader.readinto(bytearray(1 << 16)):
            pass  # anything after the age stream counts toward the size check
        return reader.size == part["size"] and reader.sha.hexdigest() == part["sha256"]

    def _hold(self, stream: BinaryIO, manifest: bundle.Manifest) -> Path:
        self.held_dir.mkdir(parents=True, exist_ok=True)
        path = self.held_dir / f"{manifest.bundle_id}{bundle.SUFFIX}"
        reader = _HashingReader(stream, manifest.payload["size"])
        with AtomicFile(path, hashed=False, tmp_suffix=bundle.PART_SUFFIX) as out:
            bundle.write_header(out, manifest.raw, manifest.signature)
            shutil.copyfileobj(reader, out, 1 << 20)
            if reader.size != manifest.payload["size"] or reader.sha.hexdigest() != manifest.payload["sha256"]:
                raise BundleRejected("Данные пакета не совпадают с подписанным описанием (размер или SHA-256): "
                                     "пакет изменён или обрезан.", changes_status=False)
            out.commit()
        return path

    def _release_held(self, school_id: str) -> None:
        """Apply held bundles that now continue the chain, in order."""
        while True:
            school = HubSchool.get_by_id(school_id)
            waiting = (HubLedger.select()
                       .where((HubLedger.school == school_id) & (HubLedger.status == HELD)
                              & (HubLedger.held_path != "") & (HubLedger.instance_id == school.instance_id)
                              & (HubLedger.seq_from <= school.last_seq) & (HubLedger.seq_to > school.last_seq))
                       .order_by(HubLedger.seq_from).first())
            if waiting is None:
                return
            path = Path(waiting.held_path)
            waiting.held_path = ""
            waiting.save()
            if path.exists():
                self.import_file(path)
                path.unlink(missing_ok=True)

    def _ledger(self, manifest: bundle.Manifest, school: HubSchool | None, status: str, source: str,
                message: str) -> HubLedger:
        return HubLedger.create(
            school=school, bundle_id=manifest.bundle_id, instance_id=manifest["instance_id"][:32],
            seq_from=manifest["seq_from"], seq_to=manifest["seq_to"], scope=manifest["scope"][:16], status=status,
            message=message, size=manifest.payload["size"], source=source[:255])

    def _answer(self, entry: HubLedger, manifest: bundle.Manifest, school: HubSchool, http_status: int,
                rows: int = 0) -> ImportOutcome:
        fields = {"bundle_id": manifest.bundle_id, "school_id": school.id, "instance_id": manifest["instance_id"],
                  "seq_from": manifest["seq_from"], "seq_to": manifest["seq_to"], "scope": manifest["scope"],
                  "status": entry.status,
                  "message": entry.message, "rows": rows, "received_at": entry.received_at.isoformat(sep=" "),
                  "district": self.keys.district_key.fingerprint}
        if entry.status in (APPLIED, DUPLICATE):
            held = school.quarantine.order_by(HubQuarantine.id)
            fields["quarantined_total"] = held.count()
            fields["quarantined"] = [{"table": q.table, "id": q.row_id, "field": q.field, "why": q.reason, "seq": q.seq}
                                     for q in held.limit(RECEIPT_QUARANTINE)]
        body = receipts.sign_receipt(self.keys.signing, fields)
        HubReceipt.create(ledger=entry, bundle_id=manifest.bundle_id, body=body.decode(), final=entry.status != HELD)
        return ImportOutcome(entry.status, entry.message, entry, body, http_status, rows)

    def _reject(self, exc: BundleRejected, manifest: bundle.Manifest | None, school: HubSchool | None,
                source: str, remote: bool = False) -> ImportOutcome:
        if school is None and remote and self._junk_from(source) >= JUNK_PER_ADDRESS:
            # Junk past its limit leaves no row; the log line says it happened.
            log.warning("hub: upload from %s refused without a ledger entry (over %d refusals in %s): %s",
                        source, JUNK_PER_ADDRESS, JUNK_WINDOW, exc.message)
            return ImportOutcome(REJECTED, "Слишком много отклонённых пакетов с этого адреса: хаб не принимает "
                                 "их до конца часа. Проверьте, что отправляете пакет «Окей, школа» на адрес своего "
                                 "района.", None, None, 429)
        with database.atomic():
            if manifest is not None:
                entry = self._ledger(manifest, school, REJECTED, source, exc.message)
            else:
                entry = HubLedger.create(status=REJECTED, message=exc.message, source=source[:255])
            if school is not None and exc.changes_status and self._is_news(manifest, school):
                HubSchool.update(last_status=REJECTED, last_message=exc.message,
                                 last_received_at=entry.received_at).where(HubSchool.id == school.id).execute()
            if school is None and entry.id % 100 == 0:
                self._trim_junk()
        return ImportOutcome(REJECTED, exc.message, entry, None, exc.status)

    @staticmethod
    def _is_news(manifest: bundle.Manifest | None, school: HubSchool) -> bool:
        """Whether a bundle is later than what the hub holds for its school (not an old one again)."""
        if manifest is None:
            return False
        current = HubSchool.get_by_id(school.id)
        return manifest["instance_id"] != current.instance_id or manifest["seq_to"] > current.last_seq

    @staticmethod
    def _junk_from(source: str) -> int:
        since = utcnow() - JUNK_WINDOW
        return (HubLedger.select().where((HubLedger.school.is_null()) & (HubLedger.source == source[:255])
                                         & (HubLedger.received_at >= since)).count())

    @staticmethod
    def _trim_junk() -> None:
        """Keep the newest JUNK_KEEP refusals that name no school."""
        oldest_kept = (HubLedger.select(HubLedger.id).where(HubLedger.school.is_null())
                       .order_by(HubLedger.id.desc()).offset(JUNK_KEEP).limit(1).scalar())
        if oldest_kept is not None:
            HubLedger.delete().where(HubLedger.school.is_null() & (HubLedger.id <= oldest_kept)).execute()

