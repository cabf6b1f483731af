"""Fixtures and helpers for the district sync tests: a demo school and a hub in one process
(switching the database proxy between them), and a PostgreSQL server from Debian's package."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pyrage
import pytest

from appliance import migrations
from appliance.config import load_settings
from appliance.db import database, open_postgres, open_sqlite
from appliance.models.hub import HubLedger, HubRow, HubSchool
from sync import bundle, keys
from tests.conftest import DEMO_PASSWORD, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class World:
    """A school (SQLite, demo data) enrolled at a hub (SQLite or PostgreSQL)."""

    def __init__(self, root: Path, hub_url: str = ""):
        from appliance.services import sync_state
        from appliance.services.demo import create_demo_school
        from appliance.services.school import get_school
        from sync.hub import enroll, enrolment_document

        self.root = root
        self.school_settings = load_settings(data_dir=root / "school", environ={})
        self.school_settings.ensure_dirs()
        self.hub_settings = load_settings(data_dir=root / "hub", environ={})
        self.hub_settings.ensure_dirs()
        self.outbox = root / "out"
        self.school_db = open_sqlite(self.school_settings.db_path)
        with self.at_school():
            migrations.migrate()
            self.demo = create_demo_school(DEMO_PASSWORD)
            self.school_id = get_school().id.hex
        self.hub_db = open_postgres(hub_url) if hub_url else open_sqlite(self.hub_settings.db_path)
        self.hub_keys = keys.create_hub_keys(self.hub_settings.keys_dir)
        with self.at_hub():
            migrations.migrate()
        with self.at_school():
            sync_state.set_district_key(self.hub_keys.district_key.text)
            signer = keys.school_signing_key(self.school_settings.keys_dir)
            school = get_school()
            self.enrolment = enrolment_document(school.id.hex, school.name, school.code, signer,
                                                self.hub_keys.district_key)
        with self.at_hub():
            enroll(self.enrolment, self.hub_keys)

    @contextmanager
    def at_school(self):
        with self._using(self.school_db):
            yield

    @contextmanager
    def at_hub(self):
        with self._using(self.hub_db):
            yield

    @contextmanager
    def _using(self, db):
        database.initialize(db)
        db.connect(reuse_if_open=True)
        try:
            yield db
        finally:
            db.close()

    def export(self, scope: str = "analytics"):
        from sync.export import export

        with self.at_school():
            return export(self.outbox, self.school_settings.keys_dir, scope)

    def hub(self):
        from sync.hub import Hub

        return Hub(self.hub_keys, self.hub_settings.data_dir)

    def import_file(self, path: Path):
        with self.at_hub():
            return self.hub().import_file(path)

    def import_bytes(self, data: bytes, source: str = "test"):
        with self.at_hub():
            return self.hub().import_stream(io.BytesIO(data), source=source)

    def accept(self, outcome) -> None:
        from sync.receipts import accept_receipt

        with self.at_school():
            accept_receipt(outcome.receipt, self.school_id)

    def hub_rows(self) -> dict[tuple[str, str], dict]:
        with self.at_hub():
            return {(r.table, r.row_id): json.loads(r.data) for r in HubRow.select()}

    def ledger(self) -> list[HubLedger]:
        with self.at_hub():
            return list(HubLedger.select().order_by(HubLedger.id))

    def hub_school(self) -> HubSchool:
        with self.at_hub():
            return HubSchool.get_by_id(self.school_id)

    def close(self) -> None:
        for db in (self.school_db, self.hub_db):
            if not db.is_closed():
                db.close()


def decrypt_lines(path: Path, identities) -> tuple[dict, list[dict], bytes]:
    """The manifest, the payload lines and the plain payload text of a bundle."""
    with open(path, "rb") as stream:
        manifest = bundle.read_header(stream)
        plain = pyrage.decrypt(stream.read(), identities)
    text = gzip.decompress(plain)
    return manifest.data, [json.loads(line) for line in text.splitlines()], text


def rewrite(path: Path, out: Path, *, manifest_edit=None, payload_edit=None, sign_with=None) -> Path:
    """A copy of a bundle with its manifest or payload changed (re-signed when a key is given)."""
    with open(path, "rb") as stream:
        manifest = bundle.read_header(stream)
        payload = stream.read()
    raw, signature = manifest.raw, manifest.signature
    if manifest_edit is not None:
        data = dict(manifest.data)
        manifest_edit(data)
        raw = bundle.canonical(data)
        if sign_with is not None:
            signature = sign_with.sign(bundle.signed_bytes(raw))
    if payload_edit is not None:
        payload = payload_edit(payload)
    with open(out, "wb") as target:
        bundle.write_header(target, raw, signature)
        target.write(payload)
    return out


@pytest.fixture(name="world")
def world_fixture(tmp_path):
    made = World(tmp_path)
    yield made
    made.close()


class PostgresServer:
    """A throw-away PostgreSQL cluster: initdb into a temp dir as the postgres user, a free port,
    the unix socket in the same temp dir, no TCP listener. Always stopped and removed."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="okey-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        self.started = False

    def _as_postgres(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True,
                              text=True, timeout=120)

    def start(self) -> None:
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "okey", "-E", "UTF8",
                          "--locale=C.UTF-8", "--no-sync")
        options = f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                          str(self.dir / "server.log"), "-w", "-t", "60", "start")
        self.started = True
        self._as_postgres(str(PG_BIN / "createdb"), "-h", str(self.dir), "-p", str(self.port), "-U", "okey",
                          "okeyhub")

    @property
    def url(self) -> str:
        return f"postgresql://okey@/okeyhub?host={self.dir}&port={self.port}"

    def stop(self) -> None:
        try:
            if self.started:
                self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(name="postgres")
def postgres_fixture():
    if os.geteuid() != 0 or shutil.which("runuser") is None or not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL tests need root and Debian's postgresql package (make test installs it)")
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
