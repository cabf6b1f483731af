"""A server process starts without the heavy libraries: they load where first used (appliance/lazy.py).
Each of these costs megabytes in every worker process that never needs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("weasyprint", "pygal", "icalendar", "qrcode", "zxcvbn", "zeroconf", "pikepdf",
         # the cryptography of keys, backups and exports; photos; the command line's colours; a hub's
         # PostgreSQL driver; the night's backup and export
         "cryptography", "pyrage", "PIL", "rich", "psycopg2", "backup.jobs", "backup.create", "sync.jobs",
         "sync.export", "sync.hub")

PROBE = """
import json, sys
from pathlib import Path
import appliance.cli  # what `okey serve` imports, its command groups with it
from tests.conftest import data_dir_settings, open_migrated
settings = data_dir_settings(Path(sys.argv[1]))
open_migrated(settings)
from appliance.scheduler import build_scheduler
from appliance.server import build_wsgi_app, upload_check
app = build_wsgi_app(settings)
upload_check(settings)
build_scheduler(settings)
client = app.test_client()
client.get("/login")
client.get("/healthz")
before = sorted(name for name in {heavy} if name in sys.modules)
from appliance.documents import charts, qr
qr.qr_svg("http://okey.local:8080/")
from appliance.services import uploads
uploads.prepare("photo.png", {png!r})
from sync import keys
keys.new_signing_key()
import peewee
try:
    peewee.PostgresqlDatabase("okey", host="127.0.0.1", port=9, connect_timeout=2).connect()
except peewee.OperationalError:
    pass  # nobody listens: the driver was loaded to try
from appliance.clitools import console
console.print("ok")
after = sorted(name for name in {heavy} if name in sys.modules)
print(json.dumps([before, after]))
"""


def _png() -> bytes:
    """A 2×2 PNG, made without Pillow so that this process's imports do not matter."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_the_portal_starts_without_heavy_libraries_and_loads_them_when_used(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=repr(set(HEAVY)), png=_png()), str(tmp_path / "data")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    assert before == []
    assert {"qrcode", "PIL", "cryptography", "psycopg2", "rich"} <= set(after)


FORGET = """
import json, sys
from appliance import migrations
newest = migrations.latest_version()
loaded = lambda: sorted(name for name in sys.modules if name.startswith("appliance.migrations.m"))
before = loaded()
migrations.available()
during = len(loaded())
migrations.forget()
after = loaded()
again = [number for number, _ in migrations.available()]
print(json.dumps([before, during, after, newest, again[-1], len(again)]))
"""


def test_a_running_server_holds_no_migration_modules_and_still_knows_the_newest():
    """`okey serve` drops the frozen models after the upgrade; /healthz reads the files' names."""
    out = subprocess.run([sys.executable, "-c", FORGET], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    before, during, after, newest, again_newest, count = json.loads(out.stdout.strip().splitlines()[-1])
    assert before == [] and during == count > 20 and after == []
    assert newest == again_newest
