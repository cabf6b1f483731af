import os
from pathlib import Path

import pytest

from appliance.config import ConfigError, load_settings


def test_defaults_and_data_dir(tmp_path):
    settings = load_settings(data_dir=tmp_path, environ={})
    assert settings.data_dir == tmp_path
    assert settings.db_path == tmp_path / "okey.db"
    assert settings.school.timezone == "Europe/Moscow"
    assert settings.server.port == 8080


def test_file_then_environment(tmp_path):
    config = tmp_path / "okey.toml"
    config.write_text('data_dir = "/srv/okey"\n[school]\nname = "Школа № 5"\n[server]\nport = 9000\n'
                      '[reports]\nformat = "pdf"\n', encoding="utf-8")
    settings = load_settings(config, environ={"OKEY_SERVER__PORT": "9100", "OKEY_SECURITY__ALLOW_UNSAFE_SQLITE": "yes"})
    assert settings.school.name == "Школа № 5"
    assert settings.server.port == 9100
    assert settings.security.allow_unsafe_sqlite is True
    assert settings.data_dir == Path("/srv/okey")
    assert settings.extra["reports"] == {"format": "pdf"}


def test_data_dir_config_is_found(tmp_path):
    (tmp_path / "okey.toml").write_text("[school]\ncode = \"s42\"\n")
    assert load_settings(data_dir=tmp_path, environ={}).school.code == "s42"


@pytest.mark.parametrize("text, words", [
    ("[server]\nport = \"много\"\n", "целое число"),
    ("[server]\nnope = 1\n", "Неизвестный параметр"),
    ("[server\n", "Ошибка в файле настроек"),
])
def test_bad_config_is_explained_in_russian(tmp_path, text, words):
    config = tmp_path / "okey.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_settings(config, environ={})


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="не найден"):
        load_settings(tmp_path / "none.toml", environ={})


def test_secret_key_is_private_and_stable(tmp_path):
    settings = load_settings(data_dir=tmp_path, environ={})
    key = settings.secret_key()
    assert key == settings.secret_key()
    assert (settings.keys_dir / "secret_key").stat().st_mode & 0o077 == 0


def test_workers_default_to_one_process_per_core_and_a_number_sets_them(tmp_path, monkeypatch):
    settings = load_settings(data_dir=tmp_path, environ={})
    assert settings.server.workers == 0
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    assert settings.server.worker_count() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert settings.server.worker_count() == 1
    pinned = load_settings(data_dir=tmp_path, environ={"OKEY_SERVER__WORKERS": "2"})
    assert pinned.server.worker_count() == 2
