"""The `okey sync` and `okey hub` commands for keys: rotation endorsed by the old key, revocation,
and the refusals an administrator reads."""

from __future__ import annotations

from tests.conftest import DEMO_PASSWORD, run_okey


def test_rotate_enrol_revoke_with_the_commands(tmp_path):
    school, hub = tmp_path / "school", tmp_path / "hub"
    run_okey("init", "--demo", "--demo-password", DEMO_PASSWORD, data_dir=school)
    refused = run_okey("sync", "export", data_dir=school, check=False)
    assert refused.returncode == 1 and "Школа не подключена к району" in refused.stderr
    run_okey("hub", "init", data_dir=hub)
    key = run_okey("hub", "district-key", data_dir=hub).stdout.strip()
    typo = run_okey("sync", "enroll", "--district-key", key[:-1] + ("0" if key[-1] != "0" else "1"),
                    data_dir=school, check=False)
    assert typo.returncode == 1 and "контрольная сумма" in typo.stderr
    run_okey("sync", "enroll", "--district-key", key, "--out", str(tmp_path / "enrol.json"), data_dir=school)
    run_okey("hub", "enroll", str(tmp_path / "enrol.json"), data_dir=hub)

    rotated = run_okey("sync", "keys", "--rotate", "--out", str(tmp_path / "rotated.json"), data_dir=school)
    assert "заверен прежним ключом" in rotated.stdout
    assert "принят новый ключ" in run_okey("hub", "enroll", str(tmp_path / "rotated.json"), data_dir=hub).stdout
    run_okey("sync", "export", "--no-send", "--out", str(tmp_path / "usb"), data_dir=school)
    [bundle] = (tmp_path / "usb").glob("*.okeysync")

    assert "отозван" in run_okey("hub", "revoke", "demo-619", "--reason", "проверка", data_dir=hub).stdout
    refused = run_okey("hub", "import", str(bundle), data_dir=hub, check=False)
    assert refused.returncode == 1 and "отозван" in refused.stdout
    assert not (tmp_path / "usb" / (bundle.name + ".receipt.json")).exists()
    again = run_okey("hub", "enroll", str(tmp_path / "rotated.json"), data_dir=hub, check=False)
    assert again.returncode == 1 and "отозван" in again.stderr
    not_hub = run_okey("hub", "import", str(bundle), data_dir=school, check=False)
    assert not_hub.returncode == 1 and "Здесь нет хаба района" in not_hub.stderr


def test_hub_init_makes_the_backup_key_the_nightly_backup_needs(tmp_path):
    hub = tmp_path / "hub"
    made = run_okey("hub", "init", "--password", "district-pass-2026", data_dir=hub)
    assert (hub / "keys" / "backup.key").exists(), made.stdout
    assert "recovery-sheet" in made.stdout
    again = run_okey("hub", "init", data_dir=hub)
    assert "Создан ключ резервных копий" not in again.stdout
    backup = run_okey("backup", "run", data_dir=hub, check=False)  # no USB drive here: the local copy is made
    assert "✓ Каталог backups" in backup.stdout and "не найден" not in backup.stdout + backup.stderr
