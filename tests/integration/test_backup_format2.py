"""Backup format 2: each upload's encrypted file is recorded by size and SHA-256, the night's check
hashes the target's files instead of decrypting them, new uploads are encrypted by worker
processes, and format 1 backups (written before) still verify, restore and carry on."""

from __future__ import annotations

import json
import os

import pyrage
import pytest

from appliance.files import write_atomic
from backup import archive, create
from backup.create import BackupWriter, scan_uploads
from backup.errors import BackupError
from backup.jobs import run_backups
from backup.keys import appliance_identity
from backup.snapshot import take_snapshot
from backup.verify import restore_files, verify_backup
from tests.backup_fixtures import add_uploads, school_fixture, tree_digest  # noqa: F401 - the fixture


def _manifest(path, identity) -> dict:
    return json.loads(pyrage.decrypt(path.read_bytes(), [identity]))


def test_the_manifest_records_each_encrypted_file_and_the_night_check_catches_a_changed_byte(school, tmp_path):
    identity = appliance_identity(school)
    result = run_backups(school, [str(tmp_path / "t")])[0]
    assert result.ok, result.error
    manifest = _manifest(result.path, identity)
    assert manifest["format"] == archive.FORMAT == 2
    for member in manifest["uploads"]:
        stored = archive.object_path(result.path.parent, member["sha256"])
        assert member["stored_size"] == stored.stat().st_size
        assert member["stored_sha256"] == create.hashlib.sha256(stored.read_bytes()).hexdigest()

    obj = archive.object_path(result.path.parent, manifest["uploads"][0]["sha256"])
    content = obj.read_bytes()
    obj.write_bytes(content[:-1] + bytes([content[-1] ^ 0x01]))
    for full in (False, True):
        with pytest.raises(BackupError) as caught:
            verify_backup(result.path, identity, full=full)
        assert manifest["uploads"][0]["path"] in str(caught.value)
        assert ("контрольная сумма не совпадает" if not full else "повреждён или обрезан") in str(caught.value)
    obj.write_bytes(content[:100])
    with pytest.raises(BackupError, match="обрезан или повреждён"):
        verify_backup(result.path, identity)
    obj.unlink()
    with pytest.raises(BackupError, match="не хватает файла"):
        verify_backup(result.path, identity)


def test_uploads_encrypted_by_worker_processes_restore_byte_for_byte(school, tmp_path, monkeypatch):
    identity = appliance_identity(school)
    add_uploads(school.uploads_dir, 30, 150_000)
    twin = add_uploads(school.uploads_dir, 1, 50_000, "twin")
    # The same content under a second name: two workers may encrypt it at once.
    (rel, _), = twin.items()
    (school.uploads_dir / "zz").mkdir(exist_ok=True)
    (school.uploads_dir / "zz" / "twin-copy").write_bytes((school.uploads_dir / rel).read_bytes())
    monkeypatch.setattr(create, "POOL_MIN_BYTES", 1)
    snapshot = take_snapshot(school.db_path, tmp_path / "work", background=True)
    directory = tmp_path / "t"
    directory.mkdir()
    writer = BackupWriter(directory, [identity.to_public()], 1 << 30, identity=identity, workers=2)
    path = writer.write(snapshot, school.uploads_dir, scan_uploads(school.uploads_dir, {}))
    manifest = archive.read_manifest(path, identity)
    twins = [m for m in manifest["uploads"] if m["sha256"] == twin[rel]]
    assert len(twins) == 2 and twins[0]["stored_sha256"] == twins[1]["stored_sha256"]
    assert len(writer.new_objects) == len({m["sha256"] for m in manifest["uploads"]})
    assert not list(directory.rglob("*.tmp"))
    verify_backup(path, identity)
    verify_backup(path, identity, full=True)
    restore_files(path, identity, tmp_path / "restored")
    assert tree_digest(tmp_path / "restored" / "uploads") == tree_digest(school.uploads_dir)


def test_the_fork_server_of_the_workers_ends_with_the_night(school, tmp_path, monkeypatch):
    """The workers' fork server is not left beside the portal all day; the next night starts another."""
    identity = appliance_identity(school)
    monkeypatch.setattr(create, "POOL_MIN_BYTES", 1)
    servers, trackers = [], []
    stop = create.stop_fork_server

    def stop_seen():
        from multiprocessing import resource_tracker

        servers.append(create.fork_server_pid())
        trackers.append(resource_tracker._resource_tracker._pid)
        stop()

    monkeypatch.setattr(create, "stop_fork_server", stop_seen)
    for night in ("one", "two"):
        add_uploads(school.uploads_dir, 6, 40_000, night)
        snapshot = take_snapshot(school.db_path, tmp_path / f"work-{night}", background=True)
        directory = tmp_path / night
        directory.mkdir()
        writer = BackupWriter(directory, [identity.to_public()], 1 << 30, identity=identity, workers=2)
        path = writer.write(snapshot, school.uploads_dir, scan_uploads(school.uploads_dir, {}))
        assert create.fork_server_pid() is None
        verify_backup(path, identity, full=True)
    assert len(servers) == 2 and all(servers) and servers[0] != servers[1]
    for pid in servers + [pid for pid in trackers if pid]:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _as_format_1(path, identity) -> None:
    """The backup as the previous version wrote it: no encrypted-file hashes, format 1."""
    manifest = _manifest(path, identity)
    manifest["format"] = 1
    for member in manifest["uploads"]:
        member.pop("stored_sha256")
        member.pop("stored_size")
    write_atomic(path, pyrage.encrypt(json.dumps(manifest).encode(), [identity.to_public()]))


def test_a_format_1_backup_verifies_restores_and_the_next_night_records_its_files(school, tmp_path):
    identity = appliance_identity(school)
    target = tmp_path / "t"
    old = run_backups(school, [str(target)])[0]
    _as_format_1(old.path, identity)
    checked = verify_backup(old.path, identity)  # decrypted member by member, as before
    assert checked.manifest["format"] == 1 and "stored_sha256" not in checked.manifest["uploads"][0]
    restore_files(old.path, identity, tmp_path / "restored")
    assert tree_digest(tmp_path / "restored" / "uploads") == tree_digest(school.uploads_dir)

    # A damaged file of the old backup is found when the next night first records it.
    obj = archive.object_path(old.path.parent, checked.manifest["uploads"][0]["sha256"])
    content = obj.read_bytes()
    obj.write_bytes(content[:-1] + bytes([content[-1] ^ 0x01]))
    (school.state_dir / "backup-uploads.json").unlink(missing_ok=True)
    broken = run_backups(school, [str(target)])[0]
    assert not broken.ok and "в прежней копии" in broken.error
    obj.write_bytes(content)

    add_uploads(school.uploads_dir, 2, 30_000, "new")
    new = run_backups(school, [str(target)])[0]
    assert new.ok, new.error
    manifest = _manifest(new.path, identity)
    assert manifest["format"] == 2 and all("stored_sha256" in m for m in manifest["uploads"])
    verify_backup(new.path, identity)
    assert obj.read_bytes() == content  # the old backup's files are read, never rewritten


def test_a_manifest_with_half_a_stored_record_is_refused(school, tmp_path):
    identity = appliance_identity(school)
    result = run_backups(school, [str(tmp_path / "t")])[0]
    manifest = _manifest(result.path, identity)
    manifest["uploads"][0].pop("stored_size")
    write_atomic(result.path, pyrage.encrypt(json.dumps(manifest).encode(), [identity.to_public()]))
    with pytest.raises(BackupError, match="список файлов копии неполон или неверен"):
        verify_backup(result.path, identity)
