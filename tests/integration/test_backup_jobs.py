"""Backups through the library: split parts, retention, busy writers, job runs and the nightly job."""

from __future__ import annotations

import datetime
import multiprocessing
import time

import apsw

from appliance.models.operations import JobRun
from appliance.services import backups as backup_status
from appliance.services.validation import parse_clock
from backup import archive
from backup.create import BackupWriter, scan_uploads
from backup.jobs import nightly, run_backups
from backup.keys import appliance_identity
from backup.retention import prune
from backup.snapshot import take_snapshot
from backup.verify import restore_files, verify_backup
from tests.backup_fixtures import add_uploads, school_fixture, tree_digest  # noqa: F401 - the fixture


def test_a_database_bigger_than_a_part_is_split_and_each_part_is_hashed(school, tmp_path):
    identity = appliance_identity(school)
    snapshot = take_snapshot(school.db_path, tmp_path / "work")
    directory = tmp_path / "t"
    directory.mkdir()
    part_size = 64 * 1024
    uploads = scan_uploads(school.uploads_dir, {})
    backup = BackupWriter(directory, [identity.to_public()], part_size).write(snapshot, school.uploads_dir, uploads)
    manifest = archive.read_manifest(backup, identity)
    parts = manifest["database"]["parts"]
    assert len(parts) == -(-sum(p["size"] for p in parts) // part_size) > 3
    assert all(p["size"] == part_size for p in parts[:-1])
    assert [p["file"] for p in parts] == sorted(p.name for p in directory.glob("*.db.*"))
    verify_backup(backup, identity)
    # A missing middle part is named.
    (directory / parts[1]["file"]).rename(tmp_path / "aside")
    try:
        verify_backup(backup, identity)
    except Exception as exc:  # noqa: BLE001
        assert f"Не хватает части копии: {parts[1]['file']}" in str(exc)
    else:
        raise AssertionError("verify passed without a part")
    (tmp_path / "aside").rename(directory / parts[1]["file"])
    restore_files(backup, identity, tmp_path / "restored")
    assert (tmp_path / "restored" / "okey.db").read_bytes() == snapshot.path.read_bytes()


def test_retention_keeps_7_daily_4_weekly_12_monthly_and_drops_unused_uploads(school, tmp_path):
    identity = appliance_identity(school)
    directory = tmp_path / "t"
    directory.mkdir()
    writer = BackupWriter(directory, [identity.to_public()], 1 << 30)
    # One database copy stands for every night; the uploads change as the nights go by.
    snapshot = take_snapshot(school.db_path, tmp_path / "work")
    start = datetime.datetime(2025, 1, 1, 2, 30, tzinfo=datetime.UTC)
    days = [start + datetime.timedelta(days=n) for n in range(400)]
    early_only = None
    backup = None
    for n, day in enumerate(days):
        if n == 0:
            early_only = add_uploads(school.uploads_dir, 1, 1000, "early")
        if n == 1:
            for rel in early_only:
                (school.uploads_dir / rel).unlink()
        snapshot.created_at = day
        backup = writer.write(snapshot, school.uploads_dir, scan_uploads(school.uploads_dir, {}))
        if n % 40 == 0 or n == len(days) - 1:
            prune(directory, backup, identity, 7, 4, 12)
    kept = sorted(archive.stamp_of(p) for p in archive.manifests(directory))
    last = days[-1]
    daily = {last - datetime.timedelta(days=n) for n in range(7)}
    assert daily <= set(kept)
    weeks = {d.isocalendar()[:2] for d in kept}
    months = {(d.year, d.month) for d in kept}
    assert len(weeks) >= 4 and len(months) == 12
    assert len(kept) <= 7 + 4 + 12 and backup in archive.manifests(directory)
    # Every kept backup still verifies; the upload only the deleted ones had is gone.
    for path in archive.manifests(directory)[:3] + archive.manifests(directory)[-2:]:
        verify_backup(path, identity)
    names = {p.name[:-4] for p in directory.glob("objects/*/*.age")}
    assert not set(early_only.values()) & names
    assert set(tree_digest(school.uploads_dir).values()) <= names
    # No database part is left without its manifest.
    owners = {archive.part_owner(p) for p in directory.glob("*.db.*")}
    assert owners == {p.name[:-len(".backup")] for p in archive.manifests(directory)}


def _writer(path: str, stop) -> None:
    """Two tables that change together in every transaction: a torn copy would show it."""
    conn = apsw.Connection(path)
    conn.set_busy_timeout(10000)
    n = 0
    while not stop.is_set():
        with conn:
            conn.execute("INSERT INTO ledger_a (n, payload) VALUES (?, randomblob(2000))", (n,))
            conn.execute("UPDATE ledger_b SET total = total + ?", (n,))
        n += 1
        time.sleep(0.001)  # busy, but leaving the portal's own writes (job runs) a turn


def _ledger_rows(path) -> int:
    conn = apsw.Connection(str(path))
    try:
        return conn.execute("SELECT count(*) FROM ledger_a").fetchall()[0][0]
    finally:
        conn.close()


def test_a_backup_taken_while_writers_are_busy_restores_consistent(school, tmp_path):
    conn = apsw.Connection(str(school.db_path))
    conn.execute("CREATE TABLE ledger_a (n INTEGER, payload BLOB); CREATE TABLE ledger_b (total INTEGER);"
                 "INSERT INTO ledger_b VALUES (0)")
    conn.close()
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    writers = [context.Process(target=_writer, args=(str(school.db_path), stop)) for _ in range(2)]
    for process in writers:
        process.start()
    try:
        deadline = time.monotonic() + 60
        while _ledger_rows(school.db_path) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        results = run_backups(school, [str(tmp_path / "t")])
        live = _ledger_rows(school.db_path)
    finally:
        stop.set()
        for process in writers:
            process.join(30)
    assert results[0].ok, results[0].error
    identity = appliance_identity(school)
    restore_files(results[0].path, identity, tmp_path / "restored")
    copy = apsw.Connection(str(tmp_path / "restored" / "okey.db"))
    count, total_a = copy.execute("SELECT count(*), coalesce(sum(n), 0) FROM ledger_a").fetchall()[0]
    (total_b,) = copy.execute("SELECT total FROM ledger_b").fetchall()[0]
    assert count >= 200 and total_a == total_b
    assert live > count  # the writers really went on during the copy


def test_runs_are_recorded_and_the_status_shows_age_errors_and_the_next_run(school, tmp_path):
    school.backup.targets = [str(tmp_path / "good"), "usb:OKEY-NO-SUCH-DRIVE"]
    school.backup.max_age_days = 2
    results = run_backups(school)
    assert [r.ok for r in results] == [True, False]
    status = backup_status.backup_status(school)
    good, usb = status.targets
    assert good.last_good.size == results[0].size > 0 and good.last_good.path == str(results[0].path)
    assert not good.too_old and good.last_error == ""
    assert usb.too_old and usb.last_error == "Флешка с меткой «OKEY-NO-SUCH-DRIVE» не подключена."
    assert str(usb.title) == "Флешка «OKEY-NO-SUCH-DRIVE»"
    assert status.warning
    later = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(days=3)
    assert backup_status.backup_status(school, now=later).targets[0].too_old
    hour, minute = parse_clock(school.backup.time)
    assert (status.next_run.hour, status.next_run.minute) == (hour, minute)
    assert status.next_run > datetime.datetime.now(status.next_run.tzinfo)


def test_nightly_job_backs_up_and_runs_the_weekly_restore_test_once(school, tmp_path):
    school.backup.targets = [str(tmp_path / "a"), str(tmp_path / "b")]
    nightly(school)
    tests = list(JobRun.select().where(JobRun.kind == backup_status.RESTORE_TEST))
    assert len(tests) == 2 and all(t.ok for t in tests)
    nightly(school)
    assert JobRun.select().where(JobRun.kind == backup_status.RESTORE_TEST).count() == 2
    assert JobRun.select().where(JobRun.kind == backup_status.BACKUP, JobRun.ok == True).count() == 4  # noqa: E712
    # Two runs on one day: retention keeps the newer one.
    assert len(archive.manifests(next((tmp_path / "a").glob("okey-*")))) == 1


def test_the_scheduler_runs_the_backup_at_the_configured_time(school):
    from appliance.scheduler import build_scheduler

    school.backup.time = "03:15"
    job = build_scheduler(school).get_job("backup")
    assert str(job.trigger) == "cron[hour='3', minute='15']"
    school.backup.enabled = False
    assert build_scheduler(school).get_job("backup") is None


def test_the_district_key_opens_the_copy_too_and_a_bad_one_is_refused(school, tmp_path):
    from pyrage import x25519

    from backup.errors import BackupError

    district = x25519.Identity.generate()
    school.backup.district_recipient = str(district.to_public())
    result = run_backups(school, [str(tmp_path / "t")])[0]
    assert result.ok, result.error
    checked = verify_backup(result.path, district)
    assert str(district.to_public()) in checked.manifest["recipients"]
    school.backup.district_recipient = "age1notakey"
    try:
        run_backups(school, [str(tmp_path / "t")])
    except BackupError as exc:
        assert "district_recipient записан с ошибкой" in str(exc)
    else:
        raise AssertionError("a malformed district key was accepted")


def test_a_second_backup_at_the_same_time_is_refused(school, tmp_path):
    from backup.errors import BackupError
    from backup.jobs import run_lock

    with run_lock(school.state_dir):
        try:
            run_backups(school, [str(tmp_path / "t")])
        except BackupError as exc:
            assert "уже идёт" in str(exc)
        else:
            raise AssertionError("two backups ran at once")
    assert run_backups(school, [str(tmp_path / "t")])[0].ok


def test_the_restore_test_catches_rows_missing_from_a_copy_that_hashes_fine(school, tmp_path):
    import json

    import pyrage

    from appliance.files import write_atomic
    from backup.errors import BackupError
    from backup.jobs import run_restore_test
    from backup.verify import restore_test

    result = run_backups(school, [str(tmp_path / "t")])[0]
    identity = appliance_identity(school)
    assert restore_test(result.path, identity, tmp_path / "scratch")["row_counts"]["user"] > 0
    assert run_restore_test(school, result.spec, result.path)
    # A manifest that promises one more account than the database holds: hashes agree, rows do not.
    manifest = json.loads(pyrage.decrypt(result.path.read_bytes(), [identity]))
    manifest["row_counts"]["user"] += 1
    write_atomic(result.path, pyrage.encrypt(json.dumps(manifest).encode(), [identity.to_public()]))
    verify_backup(result.path, identity)
    try:
        restore_test(result.path, identity, tmp_path / "scratch")
    except BackupError as exc:
        assert "Число строк в восстановленной базе не совпадает с копией: user" in str(exc)
    else:
        raise AssertionError("the restore test missed a row count")
    assert not run_restore_test(school, result.spec, result.path)
    failed = JobRun.select().where(JobRun.kind == backup_status.RESTORE_TEST).order_by(JobRun.id.desc()).get()
    assert failed.ok is False and failed.error.startswith("Пробное восстановление не удалось")
    assert backup_status.backup_status(school).last_restore_test.id == failed.id
    assert list((school.state_dir / "restore-test").iterdir()) == []


def test_a_damaged_live_database_is_not_backed_up(school, tmp_path):
    live = apsw.Connection(str(school.db_path))
    live.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    (root,) = live.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'user'").fetchall()[0]
    (page_size,) = live.execute("PRAGMA page_size").fetchall()[0]
    live.close()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(school.db_path.read_bytes())
    with open(damaged, "r+b") as fh:  # the accounts table's first page overwritten
        fh.seek(page_size * (root - 1))
        fh.write(b"\xff" * page_size)
    import shutil

    shutil.copytree(school.keys_dir, tmp_path / "keys")
    school.data_dir = tmp_path  # a data directory whose okey.db is damaged
    damaged.rename(tmp_path / "okey.db")
    results = run_backups(school, [str(tmp_path / "t")])
    assert not results[0].ok
    assert results[0].error.startswith("База данных сервера повреждена, копия не сделана")
    assert not list((tmp_path / "t").rglob("*.backup"))


def test_a_crafted_manifest_cannot_point_outside_the_backup(school, tmp_path):
    import json

    import pyrage

    from appliance.files import write_atomic
    from backup.errors import BackupError

    result = run_backups(school, [str(tmp_path / "t")])[0]
    identity = appliance_identity(school)
    manifest = json.loads(pyrage.decrypt(result.path.read_bytes(), [identity]))
    # Anyone holding the public key can encrypt a manifest; it still may not name other files.
    for field, value in (("file", "../../../etc/shadow"), ("sha256", "../" * 21 + "x")):
        crafted = json.loads(json.dumps(manifest))
        crafted["database"]["parts"][0][field] = value
        write_atomic(result.path, pyrage.encrypt(json.dumps(crafted).encode(), [identity.to_public()]))
        try:
            restore_files(result.path, identity, tmp_path / f"r-{field}")
        except BackupError as exc:
            assert "список файлов копии неполон или неверен" in str(exc)
        else:
            raise AssertionError(f"a manifest with {field}={value!r} was accepted")
        assert not (tmp_path / f"r-{field}" / "okey.db").exists()


def test_the_log_tells_each_step_in_one_line(school, tmp_path, caplog):
    import logging

    school.backup.targets = [str(tmp_path / "t"), "usb:OKEY-NOT-PLUGGED"]
    with caplog.at_level(logging.INFO, logger="okey.backup"):
        nightly(school)
    lines = [record.getMessage() for record in caplog.records if record.name == "okey.backup"]
    assert all("\n" not in line for line in lines)
    expected = ("backup: database copied", f"backup: {tmp_path / 't'}: written", f"backup: {tmp_path / 't'}: verified",
                "backup: usb:OKEY-NOT-PLUGGED: failed: Флешка с меткой «OKEY-NOT-PLUGGED» не подключена.",
                f"backup: {tmp_path / 't'}: restore test of")
    for start in expected:
        assert sum(line.startswith(start) for line in lines) == 1, (start, lines)


def test_a_missed_night_is_caught_up_during_the_day_once(school, tmp_path):
    from appliance.scheduler import build_scheduler
    from backup.jobs import catch_up

    school.backup.targets = [str(tmp_path / "t")]
    assert catch_up(school)  # never backed up: now
    assert not catch_up(school)  # one attempt in the last day is enough
    day_and_a_half = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=36)
    JobRun.update(started_at=day_and_a_half).where(JobRun.kind == backup_status.BACKUP).execute()
    assert catch_up(school)
    assert JobRun.select().where(JobRun.kind == backup_status.BACKUP, JobRun.ok == True).count() == 2  # noqa: E712
    job = build_scheduler(school).get_job("backup-catch-up")
    assert str(job.trigger) == "interval[1:00:00]"
