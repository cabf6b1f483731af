"""Backups of a demo school through the real `okey backup` commands: run, verify, list, restore."""

from __future__ import annotations

import os
import stat

import apsw

from tests.backup_fixtures import add_uploads, table_rows, tree_digest
from tests.conftest import run_okey


def _backup_file(target):
    found = sorted(target.glob("okey-*/*.backup"))
    assert found, f"no backup in {target}"
    return found[-1]


def test_round_trip_gives_the_same_rows_and_files_and_a_new_identity(demo_data_dir, tmp_path):
    uploads = demo_data_dir / "uploads"
    add_uploads(uploads, 12, 50_000)
    (uploads / "nested" / "deeper").mkdir(parents=True)
    (uploads / "nested" / "deeper" / "имя файла.pdf").write_bytes(b"%PDF-1.4 portfolio")
    target = tmp_path / "target"
    # `okey init` made the backup key, readable by the service user only.
    assert stat.S_IMODE((demo_data_dir / "keys" / "backup.key").stat().st_mode) == 0o600
    conn = apsw.Connection(str(demo_data_dir / "okey.db"))
    conn.execute("INSERT OR REPLACE INTO okey_meta (key, value) VALUES ('instance_id', 'aaaa1111')")
    conn.close()

    result = run_okey("backup", "run", "--target", str(target), data_dir=demo_data_dir)
    backup = _backup_file(target)
    assert str(backup) in result.stdout.replace("\n", "")
    # Nothing readable on the drive: names of uploads are hashes, contents are age files.
    for path in target.rglob("*"):
        if path.is_file():
            assert path.read_bytes().startswith(b"age-encryption.org/v1"), path
            assert b"demo" not in path.read_bytes()

    verified = run_okey("backup", "verify", str(backup), data_dir=demo_data_dir)
    assert "Копия в порядке" in verified.stdout

    restored = tmp_path / "restored"
    out = run_okey("backup", "restore", str(backup), "--key", str(demo_data_dir / "keys" / "backup.key"),
                   data_dir=restored)
    assert "Новый идентификатор сервера" in out.stdout
    assert tree_digest(restored / "uploads") == tree_digest(uploads)
    # Rows written after the copy was taken: the run itself, its audit entry, the new identity.
    skip = ("okey_meta", "job_run", "sync_change", "audit_log")
    assert table_rows(restored / "okey.db", skip) == table_rows(demo_data_dir / "okey.db", skip)
    old_meta = dict(row for row in _meta(demo_data_dir))
    new_meta = dict(row for row in _meta(restored))
    assert old_meta["instance_id"] == "aaaa1111"
    assert len(new_meta["instance_id"]) == 32 and new_meta["instance_id"] != "aaaa1111"
    assert new_meta["schema_version"] == old_meta["schema_version"]
    # The restored server keeps the key, so the recovery sheet stays valid and it can back up again.
    assert (restored / "keys" / "backup.key").read_text().strip().endswith(
        (demo_data_dir / "keys" / "backup.key").read_text().strip().splitlines()[-1])
    assert stat.S_IMODE((restored / "keys" / "backup.key").stat().st_mode) == 0o600
    run_okey("backup", "run", "--target", str(tmp_path / "after"), data_dir=restored)


def _meta(data_dir):
    conn = apsw.Connection(str(data_dir / "okey.db"))
    try:
        return list(conn.execute("SELECT key, value FROM okey_meta"))
    finally:
        conn.close()


def test_restore_refuses_an_existing_database_without_force(demo_data_dir, tmp_path):
    target = tmp_path / "t"
    run_okey("backup", "run", "--target", str(target), data_dir=demo_data_dir)
    backup = _backup_file(target)
    other = tmp_path / "other"
    run_okey("init", "--school-name", "Другая школа", "--school-code", "other", data_dir=other)
    before = (other / "okey.db").read_bytes()

    refused = run_okey("backup", "restore", str(backup), "--key", str(demo_data_dir / "keys" / "backup.key"),
                       data_dir=other, check=False)
    assert refused.returncode != 0
    assert "уже есть база данных" in refused.stderr and "--force" in refused.stderr
    assert (other / "okey.db").read_bytes() == before

    run_okey("backup", "restore", str(backup), "--key", str(demo_data_dir / "keys" / "backup.key"), "--force",
             data_dir=other)
    assert not (other / "okey.db-wal").exists() or (other / "okey.db-wal").stat().st_size >= 0
    names = table_rows(other / "okey.db")["school"]
    assert any("демонстрация" in row for row in names) and not any("Другая школа" in row for row in names)


def test_verify_fails_clearly_on_a_flipped_bit_a_truncated_file_and_another_schools_copy(demo_data_dir, tmp_path):
    target = tmp_path / "t"
    add_uploads(demo_data_dir / "uploads", 2, 100_000)
    run_okey("backup", "run", "--target", str(target), data_dir=demo_data_dir)
    backup = _backup_file(target)
    part = backup.with_name(backup.name.replace(".backup", ".db.001"))

    def verify():
        result = run_okey("backup", "verify", str(backup), data_dir=demo_data_dir, check=False)
        assert result.returncode == 1
        return " ".join(result.stdout.split())

    original = part.read_bytes()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    part.write_bytes(bytes(flipped))
    assert "повреждена: контрольная сумма не совпадает" in verify()
    part.write_bytes(original[:-100])
    assert "обрезана или повреждена" in verify()
    part.write_bytes(original)

    obj = sorted(target.glob("okey-*/objects/*/*.age"))[0]
    content = obj.read_bytes()
    obj.write_bytes(content[:-1] + bytes([content[-1] ^ 0x80]))
    assert "повреждён или обрезан" in verify()
    obj.write_bytes(content)

    manifest = backup.read_bytes()
    backup.write_bytes(manifest[: len(manifest) - 20])
    assert "повреждён или обрезан" in verify()
    backup.write_bytes(manifest)
    assert run_okey("backup", "verify", str(backup), data_dir=demo_data_dir).returncode == 0

    # Another school's server: its own key cannot open the copy at all.
    other = tmp_path / "other"
    run_okey("init", "--school-name", "Гимназия № 2", "--school-code", "gym2", data_dir=other)
    result = run_okey("backup", "verify", str(backup), data_dir=other, check=False)
    assert result.returncode == 1 and "зашифрован другим ключом" in " ".join(result.stdout.split())
    # Another school that holds the same key (a district key, a copied key file): the school differs.
    (other / "keys" / "backup.key").write_bytes((demo_data_dir / "keys" / "backup.key").read_bytes())
    result = run_okey("backup", "verify", str(backup), data_dir=other, check=False)
    assert result.returncode == 1 and "сделана в другой школе" in " ".join(result.stdout.split())


def test_restore_of_a_newer_schema_is_refused(demo_data_dir, tmp_path):
    conn = apsw.Connection(str(demo_data_dir / "okey.db"))
    conn.execute("UPDATE okey_meta SET value = '999' WHERE key = 'schema_version'")
    conn.close()
    from backup.keys import load_identity
    from backup.snapshot import take_snapshot

    # The program refuses to open such a database, so the copy is made with the library directly.
    snapshot = take_snapshot(demo_data_dir / "okey.db", tmp_path / "work")
    assert snapshot.schema_version == 999
    from backup.create import BackupWriter

    identity = load_identity(demo_data_dir / "keys" / "backup.key")
    directory = tmp_path / "t"
    directory.mkdir()
    backup = BackupWriter(directory, [identity.to_public()], 1 << 30).write(snapshot, demo_data_dir / "uploads", [])
    result = run_okey("backup", "restore", str(backup), "--key", str(demo_data_dir / "keys" / "backup.key"),
                      data_dir=tmp_path / "new", check=False)
    assert result.returncode != 0
    assert "более новой версией программы (схема 999" in result.stderr
    assert not (tmp_path / "new" / "okey.db").exists()


def test_recovery_sheet_carries_the_key_as_text_and_qr(demo_data_dir, tmp_path):
    import subprocess

    out = tmp_path / "sheet.pdf"
    run_okey("backup", "recovery-sheet", "--out", str(out), data_dir=demo_data_dir)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    key = (demo_data_dir / "keys" / "backup.key").read_text().strip().splitlines()[-1]
    assert "Лист восстановления резервных копий" in text and "okey backup restore" in text
    compact = "".join(text.split())
    assert key in compact
    artifacts = os.path.join(os.path.dirname(__file__), "..", "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out),
                    os.path.join(artifacts, "backup-recovery-sheet")], check=True)
