"""The school's time zone has one source, the settings: the school row (which imported calendars read)
follows them on `okey init` and on every later command, including `okey serve`."""

from __future__ import annotations

import apsw

from tests.conftest import run_okey


def stored_timezone(data_dir) -> str:
    conn = apsw.Connection(str(data_dir / "okey.db"))
    try:
        return next(conn.execute("SELECT timezone FROM school"))[0]
    finally:
        conn.close()


def test_the_school_row_follows_the_settings_time_zone(tmp_path):
    data = tmp_path / "data"
    run_okey("init", "--demo", "--demo-password", "demo-pass-2026", data_dir=data,
             env={"OKEY_SCHOOL__TIMEZONE": "Asia/Yekaterinburg"})
    assert stored_timezone(data) == "Asia/Yekaterinburg"
    # The school moves its server's settings to its own zone after installing: the next command follows.
    run_okey("status", data_dir=data, env={"OKEY_SCHOOL__TIMEZONE": "Asia/Vladivostok"}, check=False)
    assert stored_timezone(data) == "Asia/Vladivostok"
