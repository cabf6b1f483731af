"""A 2-GB bundle: the hub reads, hashes, decrypts, inflates, validates and applies it as a
stream, so its memory stays bounded. The bundle is made as a stream too (only its file is
stored), and the import runs as the real `okey hub import` in a child process that reports
its own peak memory."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys

import pytest

from appliance.models.changes import instance_id
from appliance.models.hub import HubRow
from sync import keys
from sync.export import write_bundle
from tests.sync_fixtures import world_fixture  # noqa: F401 - the fixture

pytestmark = [pytest.mark.system, pytest.mark.slow]

TARGET = 2 * 1024 ** 3
ROW_TEXT = 200_000  # characters of free text per row (the hub allows 256 KB per value)
DISTINCT = 64  # rows written over and over: the hub's table stays small, the stream is 2 GB

# VmHWM, the peak resident memory of this process image (ru_maxrss would carry the parent's
# peak over the fork).
CHILD = """
import atexit, re, sys
atexit.register(lambda: sys.stderr.write(
    "PEAK_KB=" + re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1) + "\\n"))
from appliance.cli import main
sys.argv[0] = "okey"
main()
"""


def _lines(student_hex: str, count: int):
    ids = [secrets.token_hex(16) for _ in range(DISTINCT)]
    text = "Рефлексия: что получилось, что нет, что дальше. " * (ROW_TEXT // 48)
    for number in range(count):
        row_id = ids[number % DISTINCT]
        yield {"t": "reflection", "op": "upsert", "id": row_id, "seq": number + 1,
               "row": {"id": row_id, "student_id": student_hex, "prompt_set": "after", "answers": text,
                       "next_step": f"шаг {number}", "in_document": False}}


def test_two_gigabyte_bundle_is_imported_with_bounded_memory(world, tmp_path):
    with world.at_school():
        from appliance.models.people import User

        student = User.get(User.login == "student1").id.hex
        signer = keys.school_signing_key(world.school_settings.keys_dir, create=False)
        instance = instance_id()
    sample = next(_lines(student, 1))
    line_size = len(json.dumps(sample, ensure_ascii=False, separators=(",", ":")).encode()) + 1
    count = TARGET // line_size + 100
    fields = {"school_id": world.school_id, "school_name": "Школа", "school_code": "big", "instance_id": instance,
              "seq_from": 0, "seq_to": count, "base": True, "schema_version": 1, "scope": "full",
              "created_at": "2026-11-23 03:30:00"}
    # Stored (gzip level 0), so 2 GB of rows make a 2-GB bundle.
    made = write_bundle(tmp_path / "big", signer, world.hub_keys.district_key, fields, _lines(student, count), level=0)
    size = made.path.stat().st_size
    assert size >= TARGET
    world.close()

    env = {**os.environ, "OKEY_SERVER__ANNOUNCE": "false"}
    done = subprocess.run([sys.executable, "-c", CHILD, "hub", "import", "--data", str(world.hub_settings.data_dir),
                           "--receipts", str(tmp_path / "receipts"), str(made.path)],
                          capture_output=True, text=True, env=env, timeout=1200)
    made.path.unlink()
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Применено строк: {count}" in done.stdout
    peak_mb = int(re.search(r"PEAK_KB=(\d+)", done.stderr).group(1)) / 1024
    print(f"bundle {size / 1024 ** 3:.2f} GiB, {count} rows, hub import peak memory {peak_mb:.0f} MB")
    assert peak_mb < 250, f"the import held {peak_mb:.0f} MB"
    with world.at_hub():
        assert HubRow.select().where(HubRow.table == "reflection").count() == DISTINCT
