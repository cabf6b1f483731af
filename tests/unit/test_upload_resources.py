"""An image small on disk but huge when decoded must not take the box's memory."""

import json
import subprocess
import sys
import threading
import time

import pytest

from appliance.services import uploads

MEASURE = """
import io, json, resource, sys
from PIL import Image
from appliance.services import uploads
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    prepared = uploads.prepare(sys.argv[2], data)
    outcome = "accepted %sx%s" % (prepared.width, prepared.height)
except uploads.UploadRefused as exc:
    outcome = "refused"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "peak_mb": round((after - before) / 1024, 1), "file_kb": len(data) // 1024}))
"""

MAKE = """
import sys
from PIL import Image
side = int(sys.argv[2])
image = Image.new("RGB", (side, side), (200, 30, 30))
image.save(sys.argv[1], sys.argv[3], **({"quality": 30} if sys.argv[3] == "JPEG" else {}))
"""


def _measure(tmp_path, name: str, side: int, kind: str) -> dict:
    path = tmp_path / name
    subprocess.run([sys.executable, "-c", MAKE, str(path), str(side), kind], check=True)
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path), name], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_a_decompression_bomb_png_is_refused_before_decoding(tmp_path):
    figures = _measure(tmp_path, "bomb.png", 7700, "PNG")
    print("7700x7700 PNG:", figures)
    assert figures["file_kb"] < 400
    assert figures["outcome"] == "refused" and figures["peak_mb"] < 40, figures


def test_a_large_jpeg_is_decoded_at_reduced_size(tmp_path):
    figures = _measure(tmp_path, "big.jpg", 7700, "JPEG")
    print("7700x7700 JPEG:", figures)
    assert figures["outcome"].startswith("accepted") and figures["peak_mb"] < 120, figures


def test_image_work_is_bounded_in_concurrency(monkeypatch):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (10, 120, 200)).save(buf, "PNG")
    data = buf.getvalue()
    running, peak, lock = [0], [0], threading.Lock()
    original = uploads._decode_image

    def counting(*args, **kwargs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)
            return original(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(uploads, "_decode_image", counting)
    threads = [threading.Thread(target=uploads.prepare, args=(f"p{n}.png", data)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak[0] <= uploads.IMAGE_WORKERS


@pytest.mark.parametrize("side", [3000])
def test_an_ordinary_photo_still_passes(side):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (side, side * 3 // 4), (10, 120, 200)).save(buf, "JPEG")
    assert uploads.prepare("photo.jpg", buf.getvalue()).width == side
