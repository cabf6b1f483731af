"""Transports at the school: district storage and a USB mount point as folders, receipts coming
back through them, a missing drive reported, and the nightly job."""

from __future__ import annotations

from appliance.models.operations import JobRun
from appliance.services import sync_state
from sync.jobs import nightly, run_export
from sync.receipts import SUFFIX
from tests.sync_fixtures import world_fixture  # noqa: F401 - the fixture


def test_district_storage_carries_bundles_there_and_receipts_back(world, tmp_path):
    storage = tmp_path / "district-share"
    storage.mkdir()
    world.school_settings.extra["sync"] = {"targets": [f"district:{storage}", "usb:/nonexistent-okey-drive"]}
    with world.at_school():
        report = run_export(world.school_settings)
        [copy] = [p for p in report.copies if p.parent == storage]
        assert any("Флешка «/nonexistent-okey-drive» не подключена" in p for p in report.problems)
        from appliance.models.audit import AuditLog

        entry = AuditLog.select().where(AuditLog.action == "export").get()
        assert "district scope=analytics" in entry.detail and copy.name in entry.detail
        run = JobRun.select().order_by(JobRun.id.desc()).first()
        assert run.kind == sync_state.EXPORT_JOB and run.ok is False and "Флешка" in run.error
        assert len(sync_state.pending()) == 1

    # The district imports from its share and leaves the receipt beside the bundle.
    outcome = world.import_file(copy)
    assert outcome.status == "applied"
    (storage / (copy.name + SUFFIX)).write_bytes(outcome.receipt)

    world.school_settings.extra["sync"] = {"targets": [f"district:{storage}"]}
    with world.at_school():
        report = run_export(world.school_settings)
        assert [r["seq_to"] for r in report.receipts] == [outcome.ledger.seq_to]
        assert report.result.seq_from == outcome.ledger.seq_to and report.problems == []
        assert [p["seq_from"] for p in sync_state.pending()] == [outcome.ledger.seq_to]


def test_missing_district_storage_is_reported_and_the_bundle_waits(world, tmp_path):
    world.school_settings.extra["sync"] = {"targets": [f"district:{tmp_path / 'not-mounted'}"]}
    with world.at_school():
        report = run_export(world.school_settings)
        assert report.problems == [f"Хранилище района {tmp_path / 'not-mounted'} недоступно: проверьте, что "
                                   "сетевая папка подключена."]
        assert report.result.path.exists() and len(sync_state.pending()) == 1


def test_nightly_job_exports_only_at_an_enrolled_school(world):
    from appliance.scheduler import build_scheduler

    scheduler = build_scheduler(world.school_settings)
    job = scheduler.get_job("sync-export")
    assert job is not None and "hour='3'" in str(job.trigger) and "minute='30'" in str(job.trigger)

    with world.at_school():
        report = nightly(world.school_settings)
        assert report is not None and report.result.rows > 0
        sync_state.set_district_key("")
        assert nightly(world.school_settings) is None
        assert JobRun.select().where(JobRun.kind == sync_state.EXPORT_JOB).count() == 1
