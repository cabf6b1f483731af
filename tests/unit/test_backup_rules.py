"""Rules of the backup package that need no database: retention, targets, keys, settings."""

from __future__ import annotations

import datetime

import pytest
from pyrage import x25519

from appliance.config import load_settings
from appliance.services.validation import parse_clock
from appliance.targets import target_title
from backup.errors import BackupError
from backup.keys import parse_identity
from backup.retention import to_keep
from backup.targets import parse_target


def _days(*dates: str) -> list[datetime.datetime]:
    return [datetime.datetime.fromisoformat(d) for d in dates]


def test_retention_keeps_the_newest_of_each_day_week_and_month():
    stamps = sorted((datetime.datetime(2026, 1, 1, 2) + datetime.timedelta(days=n) for n in range(120)),
                    reverse=True)
    kept = [stamps[i] for i in sorted(to_keep(stamps, 7, 4, 12))]
    assert kept[:7] == stamps[:7]
    assert {d.isocalendar()[:2] for d in kept} >= {d.isocalendar()[:2] for d in stamps[:22]}
    assert {(d.year, d.month) for d in kept} == {(2026, 1), (2026, 2), (2026, 3), (2026, 4)}
    assert len(kept) == len(set(kept)) <= 7 + 4 + 12


def test_retention_never_drops_the_newest_even_with_zero_periods():
    stamps = _days("2026-03-02 02:30", "2026-03-01 02:30")
    assert to_keep(stamps, 0, 0, 0) == {0}
    assert to_keep([], 7, 4, 12) == set()


def test_two_backups_on_one_day_keep_only_the_newer():
    stamps = _days("2026-03-02 14:00", "2026-03-02 02:30", "2026-03-01 02:30")
    assert to_keep(stamps, 7, 0, 0) == {0, 2}


def test_targets_are_parsed_and_named_in_russian():
    assert parse_target("/srv/copies").kind == "local"
    assert parse_target("usb:OKEY-BACKUP").value == "OKEY-BACKUP"
    assert parse_target("district:/mnt/district").kind == "district"
    with pytest.raises(BackupError, match="полный путь"):
        parse_target("district:relative")
    with pytest.raises(BackupError, match="без пути или метки"):
        parse_target("usb:")
    assert str(target_title("usb:OKEY-BACKUP")) == "Флешка «OKEY-BACKUP»"
    assert str(target_title("usb:/media/okey")) == "Флешка в /media/okey"
    assert str(target_title("district:/mnt/d")) == "Хранилище района /mnt/d"
    assert str(target_title("backups")) == "Каталог backups в каталоге данных"
    assert str(target_title("/srv/okey")) == "Каталог /srv/okey"


def test_a_key_typed_from_the_sheet_with_spaces_and_lower_case_is_accepted():
    identity = x25519.Identity.generate()
    text = str(identity)
    typed = "AGE-SECRET-KEY-1 " + " ".join(text[16:][i:i + 6] for i in range(0, len(text) - 16, 6)).lower()
    assert str(parse_identity(typed)) == text
    with pytest.raises(BackupError, match="записан с ошибкой"):
        parse_identity(text[:-1] + ("Q" if text[-1] != "Q" else "P"))
    with pytest.raises(BackupError, match="нет ключа"):
        parse_identity("hello")


def test_backup_settings_from_toml_and_environment(tmp_path):
    config = tmp_path / "okey.toml"
    config.write_text('[backup]\ntargets = ["usb:OKEY-BACKUP", "district:/mnt/d"]\ntime = "01:05"\nkeep_daily = 3\n')
    settings = load_settings(config, tmp_path, environ={"OKEY_BACKUP__MAX_AGE_DAYS": "5"})
    assert settings.backup.targets == ["usb:OKEY-BACKUP", "district:/mnt/d"]
    assert (settings.backup.keep_daily, settings.backup.max_age_days) == (3, 5)
    assert parse_clock(settings.backup.time) == (1, 5)
    env = load_settings(None, tmp_path, environ={"OKEY_BACKUP__TARGETS": "/a, usb:X"})
    assert env.backup.targets == ["/a", "usb:X"]
    defaults = load_settings(None, tmp_path / "none", environ={})
    assert defaults.backup.enabled and defaults.backup.targets == ["backups", "usb:OKEY-BACKUP"]
    with pytest.raises(ValueError, match=r"^\[backup\] time: ожидается время ЧЧ:ММ"):
        parse_clock("25:00", "[backup] time")
