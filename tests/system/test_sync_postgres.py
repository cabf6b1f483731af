"""The district hub on PostgreSQL (Debian's server, started by the test): round trips in both
scopes, a duplicate, a refusal, and the `okey hub` commands against it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from appliance.models.hub import HubRow
from appliance.models.people import User
from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, run_okey
from tests.sync_fixtures import World, postgres_fixture  # noqa: F401 - the fixture

pytestmark = pytest.mark.system


def test_round_trips_in_both_scopes_on_postgres(postgres, tmp_path):
    world = World(tmp_path, hub_url=postgres.url)
    try:
        with world.at_hub():
            assert type(world.hub_db).__name__.startswith("Postgres")
            tables = set(world.hub_db.get_tables())
        assert "hub_row" in tables and "sync_change" not in tables

        analytics = world.export("analytics")
        outcome = world.import_file(analytics.path)
        assert outcome.status == "applied" and outcome.rows == analytics.rows
        world.accept(outcome)
        assert json.loads(world.hub_school().indicators)["achievements"] > 0

        full = world.export("full")  # the scope changes: a new range on the same chain
        outcome = world.import_file(full.path)
        assert outcome.status == "applied", outcome.message
        rows = world.hub_rows()
        assert any(row.get("full_name") for (table, _), row in rows.items() if table == "user")

        again = world.import_file(full.path)
        assert again.status == "duplicate"
        assert world.hub_rows() == rows

        world.accept(again)
        with world.at_school():
            student = User.get(User.login == "student1")
            student.active = False
            student.save()
        increment = world.export("full")
        assert increment.rows == 1
        damaged = tmp_path / "damaged.okeysync"
        data = bytearray(increment.path.read_bytes())
        data[-50] ^= 0x10
        damaged.write_bytes(bytes(data))
        refused = world.import_file(damaged)
        assert refused.status == "rejected" and "повреждён" in refused.message
        assert world.hub_rows() == rows
        with world.at_hub():
            assert HubRow.select().count() == len(rows)
        assert world.import_file(increment.path).status == "applied"
        assert world.hub_rows()[("user", student.id.hex)]["active"] is False
    finally:
        world.close()


def test_hub_commands_on_postgres(postgres, tmp_path):
    school, hub = tmp_path / "school", tmp_path / "hub"
    run_okey("init", "--demo", "--demo-password", DEMO_PASSWORD, data_dir=school)
    run_okey("hub", "init", "--database-url", postgres.url, "--password", "district-pass-2026", data_dir=hub)
    assert postgres.url in (hub / "okey.toml").read_text()
    assert not (hub / "okey.db").exists()
    key = run_okey("hub", "district-key", data_dir=hub).stdout.strip()
    enrolled = run_okey("sync", "enroll", "--district-key", key, "--out", str(tmp_path / "enrol.json"),
                        data_dir=school)
    assert "Файл подключения" in enrolled.stdout
    assert "подключена" in run_okey("hub", "enroll", str(tmp_path / "enrol.json"), data_dir=hub).stdout
    run_okey("sync", "export", "--out", str(tmp_path / "usb"), data_dir=school)
    [bundle] = (tmp_path / "usb").glob("*.okeysync")
    first = run_okey("hub", "import", str(bundle), data_dir=hub)
    assert "Применено строк" in first.stdout
    second = run_okey("hub", "import", str(bundle), data_dir=hub)
    assert "уже применены" in second.stdout
    # The receipt next to the bundle moves the school on: the next export is an empty increment.
    run_okey("sync", "export", "--out", str(tmp_path / "usb"), data_dir=school)
    newest = max((tmp_path / "usb").glob("*.okeysync"), key=lambda p: p.stat().st_mtime)
    assert "строк: 0" not in first.stdout
    assert "Применено строк: 0" in run_okey("hub", "import", str(newest), data_dir=hub).stdout
    listing = run_okey("hub", "schools", data_dir=hub).stdout
    assert "Снимок принят" in listing

    # `okey serve` of a hub on PostgreSQL: the upload endpoint answers with a signed receipt.
    server = LiveServer(hub, free_port())
    server.start()
    try:
        request = urllib.request.Request(server.url + "/sync/bundle", data=newest.read_bytes(), method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        assert answer["receipt"]["status"] == "duplicate"
        # The first bundle is older than what the hub holds now: a replay, refused.
        request = urllib.request.Request(server.url + "/sync/bundle", data=bundle.read_bytes(), method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310 - the test's own loopback server
        assert refused.value.code == 409 and "Повтор старого пакета" in json.loads(refused.value.read())["error"]
    finally:
        server.stop()


def test_the_hub_database_refuses_five_megabytes_on_postgres(postgres, tmp_path):
    """Migration m0020 on PostgreSQL: a TEXT column has its CHECK (length(col) <= N), a CHAR column
    is VARCHAR(N); five megabytes written past every service are refused by the database."""
    import peewee

    from appliance.migrations import m0020_length_bounds as m0020
    from appliance.models.audit import AuditLog
    from appliance.models.people import LoginFailure

    five_mb = "я" * (5 * 1024 * 1024 // 2)
    world = World(tmp_path, hub_url=postgres.url)
    try:
        with world.at_hub():
            db = world.hub_db
            checks = db.execute_sql("SELECT count(*) FROM pg_constraint WHERE contype = 'c' "
                                    "AND substr(conname, 1, 6) = 'bound_'").fetchone()[0]
            assert checks == sum(limit == m0020.TEXT for columns in m0020.BOUNDS.values() for limit in columns.values())
            AuditLog.create(action="x", actor="", detail="д" * m0020.TEXT)  # at the bound: stored
            for write in (lambda: AuditLog.create(action="x", actor="", detail=five_mb),
                          lambda: LoginFailure.create(login=five_mb, address="10.0.0.5"),
                          lambda: db.execute_sql("UPDATE audit_log SET detail = %s", (five_mb,))):
                with pytest.raises((peewee.IntegrityError, peewee.DataError)):
                    with db.atomic():
                        write()
            assert AuditLog.select().where(AuditLog.action == "x").count() == 1
    finally:
        world.close()


def test_rows_that_need_escaping_over_many_batches_arrive_intact_on_postgres(postgres, tmp_path):
    """The hub writes PostgreSQL rows by COPY in batches from a second thread: backslashes, quotes,
    tabs, line ends and non-Latin text come through exactly, every batch lands, deletes too."""
    import uuid

    from appliance.models.people import ParentLink
    from appliance.models.portfolio import Achievement
    from sync.hub import POSTGRES_BATCH

    world = World(tmp_path, hub_url=postgres.url)
    try:
        tricky = {"title": 'Диплом «Кенгуру» \\ C:\\школа\\N "в кавычках"\t(таб)',
                  "description": "строка 1\nстрока 2\r\n\\. \\N конец\t😀 \u2028 ₽"}
        with world.at_school():
            consenting = ParentLink.select(ParentLink.student).where(ParentLink.consent_given_at.is_null(False))
            sample = Achievement.select().where((Achievement.status == "confirmed")
                                                & Achievement.student.in_(consenting)).first()
            Achievement.update(**tricky).where(Achievement.id == sample.id).execute()
            copies = [{**{f.name: getattr(sample, f.name) for f in Achievement._meta.sorted_fields},
                       "id": uuid.uuid4(), "title": f"Олимпиада \\{n}"} for n in range(POSTGRES_BATCH + 700)]
            for start in range(0, len(copies), 200):
                Achievement.insert_many(copies[start:start + 200]).execute()
            expected = Achievement.select().where(Achievement.student.in_(consenting)).count()
        full = world.export("full")
        outcome = world.import_file(full.path)
        assert outcome.status == "applied", outcome.message
        rows = world.hub_rows()
        achievements = {row_id: row for (table, row_id), row in rows.items() if table == "achievement"}
        assert len(achievements) == expected > POSTGRES_BATCH
        assert {k: achievements[sample.id.hex][k] for k in tricky} == tricky
        assert sorted(row["title"] for row in achievements.values() if row["title"].startswith("Олимпиада \\")) == \
            sorted(f"Олимпиада \\{n}" for n in range(POSTGRES_BATCH + 700))

        world.accept(outcome)
        gone = [c["id"] for c in copies[:40]]
        with world.at_school():
            Achievement.delete().where(Achievement.id.in_(gone)).execute()
        outcome = world.import_file(world.export("full").path)
        assert outcome.status == "applied", outcome.message
        left = {row_id for (table, row_id) in world.hub_rows() if table == "achievement"}
        assert not left & {g.hex for g in gone} and len(left) == expected - 40
    finally:
        world.close()
