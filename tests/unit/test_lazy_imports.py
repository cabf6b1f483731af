"""A server process starts without the heavy libraries: they load where first used (appliance/lazy.py).
Each of these costs megabytes in every worker process that never needs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("weasyprint", "pygal", "icalendar", "qrcode", "zxcvbn", "zeroconf", "pikepdf")

PROBE = """
import json, sys
from pathlib import Path
from tests.conftest import data_dir_settings, open_migrated
settings = data_dir_settings(Path(sys.argv[1]))
open_migrated(settings)
from appliance.server import build_wsgi_app
app = build_wsgi_app(settings)
before = sorted(name for name in {heavy} if name in sys.modules)
client = app.test_client()
client.get("/login")
from appliance.documents import charts, qr
qr.qr_svg("http://okey.local:8080/")
after = sorted(name for name in {heavy} if name in sys.modules)
print(json.dumps([before, after]))
"""


def test_the_portal_starts_without_heavy_libraries_and_loads_them_when_used(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=repr(set(HEAVY))), str(tmp_path / "data")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    before, after = json.loads(out.stdout.strip().splitlines()[-1])
    assert before == []
    assert "qrcode" in after
