"""Export: the rows changed since the snapshot the district acknowledged, in one signed,
encrypted bundle.

The change feed (`sync_change`, kept by triggers) is read from the acknowledged sequence
on, in sequence order, by its primary key; rows are fetched by id in batches. The work
therefore follows the number of changes, not the size of the database.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import shutil
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance import __version__
from appliance.db import database
from appliance.files import AtomicFile
from appliance.migrations import current_version
from appliance.models.base import utcnow
from appliance.models.changes import current_sequence, instance_id
from appliance.models.people import STUDENT
from appliance.services import sync_state
from appliance.services.school import get_school
from sync import bundle, keys
from sync.errors import SyncError
from sync.policy import TableSpec, row_problems, specs

BATCH = 500


@dataclass
class ExportResult:
    path: Path
    manifest: bundle.Manifest
    rows: int

    @property
    def seq_from(self) -> int:
        return self.manifest["seq_from"]

    @property
    def seq_to(self) -> int:
        return self.manifest["seq_to"]


class _Rows:
    """Reads changed rows and shapes them for one scope. Table and column names in the SQL come
    from the policy and the models, never from input; values are bound parameters."""

    def __init__(self, scope: str, secret: bytes | None):
        self.scope = scope
        self.secret = secret
        self.specs = specs()
        self.kept_back: list[dict] = []

    def hide(self, value: str | None) -> str | None:
        if value is None or self.scope == "full":
            return value
        return keys.pseudonym(self.secret, value)

    def fetch(self, spec: TableSpec, ids: list[str]) -> dict[str, dict]:
        found = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            marks = ",".join("?" * len(chunk))
            cursor = database.execute_sql(f'SELECT * FROM "{spec.table}" WHERE id IN ({marks})', chunk)  # noqa: S608  # nosec B608 - names from the policy
            names = [d[0] for d in cursor.description]
            for values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                found[str(row["id"])] = row
        return found

    def consenting(self, students: set[str]) -> set[str]:
        """The students among these whose parents have given consent."""
        found: set[str] = set()
        items = sorted(students)
        for start in range(0, len(items), BATCH):
            chunk = items[start:start + BATCH]
            marks = ",".join("?" * len(chunk))
            cursor = database.execute_sql(
                f"SELECT DISTINCT student_id FROM parent_link WHERE consent_given_at IS NOT NULL "  # noqa: S608  # nosec B608 - names from the policy
                f"AND student_id IN ({marks})", chunk)
            found.update(str(r[0]) for r in cursor.fetchall())
        return found

    def students_of(self, spec: TableSpec, rows: dict[str, dict]) -> dict[str, str | None]:
        """Row id → the student (user id) whose consent governs it; None: no student involved."""
        student = spec.policy.student
        if student is None:
            return {}
        if isinstance(student, str):
            column = spec.column(student).name
            result = {}
            for row_id, row in rows.items():
                if spec.table == "user" and row.get("role") != STUDENT:
                    result[row_id] = None
                else:
                    result[row_id] = str(row[column]) if row.get(column) is not None else None
            return result
        via_field, via_table, via_student = student
        via_column = spec.column(via_field).name
        parent_spec = self.specs[via_table]
        parents = self.fetch(parent_spec, sorted({str(r[via_column]) for r in rows.values() if r[via_column]}))
        parent_student = parent_spec.column(via_student).name
        return {row_id: (str(parents[str(row[via_column])][parent_student])
                         if str(row[via_column]) in parents else None)
                for row_id, row in rows.items()}

    def shape(self, spec: TableSpec, row: dict) -> dict:
        allowed = spec.allowed(self.scope)
        shaped = {}
        for column in spec.columns:
            if column.name not in allowed:
                continue
            value = row.get(column.name)
            if value is None:
                shaped[column.name] = None
            elif column.kind == "id":
                shaped[column.name] = self.hide(_hex(value))
            elif column.kind == "bool":
                shaped[column.name] = bool(value)
            else:
                shaped[column.name] = value
        return shaped

    def lines(self, table: str, changes: list[tuple[int, str, str]]) -> Iterator[dict]:
        """Bundle lines for the changes of one table: (seq, row id, op)."""
        spec = self.specs.get(table)
        if spec is None or not spec.in_scope(self.scope):
            return
        upserts = [row_id for _, row_id, op in changes if op == "upsert"]
        rows = self.fetch(spec, upserts) if upserts else {}
        students = self.students_of(spec, rows)
        allowed = self.consenting({s for s in students.values() if s})
        for seq, row_id, op in changes:
            row = rows.get(row_id) if op == "upsert" else None
            if op == "upsert" and row is None:
                continue  # deleted since: its tombstone comes with a later sequence
            if row is not None and spec.policy.analytics_roles and self.scope == "analytics" \
                    and row.get("role") not in spec.policy.analytics_roles:
                continue
            student = students.get(row_id)
            if row is None or (student is not None and student not in allowed):
                # A delete, or a row of a student without parents' consent: a tombstone only.
                yield {"t": table, "op": "delete", "id": self.hide(row_id), "seq": seq}
            else:
                shaped = self.shape(spec, row)
                problems = row_problems(spec, shaped)
                if problems:
                    # The hub would refuse it: kept back and shown on the admin page until it is fixed.
                    self.kept_back.append({"table": table, "id": row_id, "field": problems[0][0],
                                           "why": problems[0][1]})
                    continue
                yield {"t": table, "op": "upsert", "id": self.hide(row_id), "seq": seq, "row": shaped}

    def consent_granted(self, changes: list[tuple[int, str, str]]) -> Iterator[dict]:
        """When parents give consent, everything of that student goes out, not only what changed."""
        links = self.fetch(self.specs["parent_link"], [row_id for _, row_id, op in changes if op == "upsert"])
        students = self.consenting({str(link["student_id"]) for link in links.values()})
        if not students:
            return
        seq = max(seq for seq, _, _ in changes)
        for spec in self.specs.values():
            if not spec.in_scope(self.scope) or spec.policy.student is None or spec.table == "parent_link":
                continue
            ids = self._rows_of_students(spec, sorted(students))
            if ids:
                yield from self.lines(spec.table, [(seq, row_id, "upsert") for row_id in ids])

    def _rows_of_students(self, spec: TableSpec, students: list[str]) -> list[str]:
        student = spec.policy.student
        marks = ",".join("?" * len(students))
        if isinstance(student, str):
            sql = f'SELECT id FROM "{spec.table}" WHERE "{spec.column(student).name}" IN ({marks})'  # noqa: S608  # nosec B608 - names from the policy
        else:
            via_field, via_table, via_student = student
            parent = self.specs[via_table]
            sql = (f'SELECT t.id FROM "{spec.table}" t JOIN "{via_table}" p '  # noqa: S608  # nosec B608 - names from the policy
                   f'ON t."{spec.column(via_field).name}" = p.id '
                   f'WHERE p."{parent.column(via_student).name}" IN ({marks})')
        return [str(r[0]) for r in database.execute_sql(sql, students).fetchall()]


def _hex(value) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value)


def _record_kept_back(kept_back: list[dict], seq_from: int, seq_to: int) -> None:
    """The rows this export kept back, and those kept back before that have not changed since."""
    still = []
    for item in sync_state.problems():
        if item["where"] != "school" or seq_from == 0:
            continue
        changed = database.execute_sql("SELECT 1 FROM sync_change WHERE tbl = ? AND row_id = ? AND seq > ? AND seq <= ?",
                                       (item["table"], item["id"], seq_from, seq_to)).fetchone()
        if not changed:
            still.append(item)
    fresh = {(item["table"], item["id"]) for item in kept_back}
    sync_state.set_problems("school", kept_back + [i for i in still if (i["table"], i["id"]) not in fresh])


def iter_lines(seq_from: int, seq_to: int, scope: str, secret: bytes | None,
               kept_back: list[dict] | None = None) -> Iterator[dict]:
    """Every bundle line for the changes in (seq_from, seq_to], in batches by sequence; rows the hub
    would refuse go to `kept_back` instead."""
    shaper = _Rows(scope, secret)
    if kept_back is not None:
        shaper.kept_back = kept_back
    last = seq_from
    while last < seq_to:
        batch = database.execute_sql(
            "SELECT seq, tbl, row_id, op FROM sync_change WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
            (last, seq_to, BATCH)).fetchall()
        if not batch:
            break
        last = batch[-1][0]
        by_table: dict[str, list[tuple[int, str, str]]] = {}
        for seq, table, row_id, op in batch:
            by_table.setdefault(table, []).append((seq, str(row_id), op))
        for table, changes in by_table.items():
            yield from shaper.lines(table, changes)
        # In a complete snapshot (from 0) every row comes anyway.
        if "parent_link" in by_table and seq_from > 0:
            yield from shaper.consent_granted(by_table["parent_link"])


class _LinesReader(io.RawIOBase):
    """A readable stream of gzip-compressed JSON Lines, made as pyrage asks for it."""

    def __init__(self, lines: Iterator[dict], on_line: Callable[[], None], level: int = 6):
        self._lines = lines
        self._on_line = on_line
        self._gzip = zlib.compressobj(level, zlib.DEFLATED, 31)
        self._buffer = bytearray()
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while len(self._buffer) < len(target) and not self._done:
            batch = []
            for line in self._lines:
                batch.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
                self._on_line()
                if len(batch) >= 200:
                    break
            if batch:
                self._buffer += self._gzip.compress(b"".join(batch))
            else:
                self._buffer += self._gzip.flush()
                self._done = True
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        del self._buffer[:size]
        return size


class HashingWriter:
    """Writes through to a file while counting and hashing what passes."""

    def __init__(self, out):
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def write_bundle(out_dir: Path, signer: Ed25519PrivateKey, district: keys.DistrictKey, fields: dict,
                 lines: Iterator[dict], level: int = 6) -> ExportResult:
    """Encrypt `lines` to the district, sign the manifest made of `fields`, write the bundle."""
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0

    def counted() -> None:
        nonlocal count
        count += 1

    payload = out_dir / f".payload-{uuid.uuid4().hex}{bundle.PART_SUFFIX}"
    try:
        with open(payload, "wb") as raw:
            writer = HashingWriter(raw)
            pyrage.encrypt_io(io.BufferedReader(_LinesReader(lines, counted, level), 1 << 16), writer,
                              [district.age_recipient()])
            raw.flush()
        manifest = dict(fields, format=bundle.FORMAT, recipient=district.fingerprint,
                        signer=keys.fingerprint(keys.public_raw(signer)),
                        parts=[{"name": "payload", "sha256": writer.sha.hexdigest(), "size": writer.size,
                                "rows": count, "encoding": "jsonl+gzip+age"}])
        raw_manifest = bundle.canonical(manifest)
        made = bundle.Manifest(raw_manifest, manifest)
        name = bundle.bundle_name(manifest.get("school_code", ""), manifest["seq_from"], manifest["seq_to"],
                                  made.bundle_id)
        final = out_dir / name
        with AtomicFile(final, hashed=False, tmp_suffix=bundle.PART_SUFFIX) as out, open(payload, "rb") as source:
            bundle.write_header(out, raw_manifest, signer.sign(bundle.signed_bytes(raw_manifest)))
            shutil.copyfileobj(source, out, 1 << 20)
            out.commit()
    finally:
        payload.unlink(missing_ok=True)
    return ExportResult(final, made, count)


def export(out_dir: Path, keys_dir: Path, scope: str = "analytics",
           now: datetime.datetime | None = None) -> ExportResult:
    """Make the next bundle for the district into `out_dir` and record it as pending."""
    if scope not in bundle.SCOPES:
        raise SyncError(f"Неизвестный объём выгрузки «{scope}»: ожидается analytics или full.")
    text = sync_state.district_key()
    if not text:
        raise SyncError("Школа не подключена к району: выполните «okey sync enroll --district-key КЛЮЧ».")
    district = keys.parse_district_key(text)
    signer = keys.school_signing_key(keys_dir, create=False)
    secret = keys.pseudonym_secret(keys_dir) if scope == "analytics" else None
    with database.atomic():  # one consistent read of the change feed and the rows
        school = get_school()
        instance = instance_id()
        acked_instance, acked_seq = sync_state.acknowledged()
        # A restored or new database, or a change of scope, starts again with a complete snapshot.
        same_chain = acked_instance == instance and sync_state.acknowledged_scope() in ("", scope)
        seq_from = acked_seq if same_chain else 0
        seq_to = current_sequence()
        fields = {"school_id": school.id.hex, "school_name": school.name, "school_code": school.code,
                  "instance_id": instance, "seq_from": seq_from, "seq_to": seq_to, "base": seq_from == 0,
                  "schema_version": current_version(), "scope": scope,
                  "created_at": (now or utcnow()).isoformat(sep=" "), "software": __version__}
        kept_back: list[dict] = []
        result = write_bundle(out_dir, signer, district, fields,
                              iter_lines(seq_from, seq_to, scope, secret, kept_back))
        _record_kept_back(kept_back, seq_from, seq_to)
    record_pending(result)
    return result


def record_pending(result: ExportResult) -> None:
    """Remember the bundle until a receipt covers it."""
    item = {"name": result.path.name, "instance": result.manifest["instance_id"],
            "seq_from": result.seq_from, "seq_to": result.seq_to, "created_at": result.manifest["created_at"],
            "bundle_id": result.manifest.bundle_id}
    sync_state.set_pending([*sync_state.pending(), item])
