"""Crash safety: `okey serve` killed with SIGKILL in the middle of a storm of achievements with
photos, again and again. After every kill the database passes SQLite's integrity and foreign-key
checks, and every achievement the server acknowledged (answered with its page address) is there
with its photo on disk, intact."""

from __future__ import annotations

import hashlib
import http.client
import http.cookiejar
import io
import random
import re
import threading
import time
import urllib.parse
import uuid

import apsw
import pytest
from PIL import Image

from tests.conftest import DEMO_PASSWORD, LiveServer, free_port

ROUNDS = 6
WRITERS = 4
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Session:
    """One logged-in browser over one keep-alive connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "") -> tuple[int, dict, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if content_type:
            headers["Content-Type"] = content_type
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        text = answer.read().decode("utf-8", "replace")
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie" and value.startswith("okey_session="):
                self.cookie = value.split(";", 1)[0]
        return answer.status, dict(answer.getheaders()), text

    def login(self) -> None:
        _, _, page = self.request("GET", "/login")
        form = urllib.parse.urlencode({"login": "student1", "password": DEMO_PASSWORD,
                                       "csrf_token": CSRF.search(page).group(1)}).encode()
        status, _, _ = self.request("POST", "/login", form, "application/x-www-form-urlencoded")
        assert status == 302

    def token(self) -> str:
        _, _, page = self.request("GET", "/portfolio/new")
        return CSRF.search(page).group(1)


def _multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="diploma.jpg"\r\n'
              "Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _photo(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    image.putpixel((rng.randrange(320), rng.randrange(240)), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _writer(port: int, name: str, acknowledged: list, stop: threading.Event) -> None:
    """Add achievements until the server dies; keep those it acknowledged."""
    try:
        session = Session(port)
        session.login()
        number = 0
        while not stop.is_set():
            number += 1
            title = f"Краш-тест {name}-{number}"
            photo = _photo(hash(title))
            body, content_type = _multipart({"csrf_token": session.token(), "title": title,
                                             "date": "2026-10-01"}, photo)
            status, headers, _ = session.request("POST", "/portfolio/new", body, content_type)
            if status == 302:
                achievement = headers["Location"].rstrip("/").rsplit("/", 1)[-1]
                acknowledged.append((achievement, title))
    except (OSError, http.client.HTTPException, AttributeError):
        return  # the server was killed mid-request: that write was never acknowledged


def _check(data_dir, acknowledged: list) -> None:
    conn = apsw.Connection(str(data_dir / "okey.db"))
    try:
        assert list(conn.execute("PRAGMA integrity_check")) == [("ok",)]
        assert list(conn.execute("PRAGMA foreign_key_check")) == []
        for achievement, title in acknowledged:
            rows = list(conn.execute("SELECT a.title, e.sha256 FROM achievement a JOIN evidence e "
                                     "ON e.achievement_id = a.id WHERE a.id = ?", (achievement,)))
            assert [row[0] for row in rows] == [title], f"acknowledged {title} ({achievement}) is missing: {rows}"
            # The photo is stored (re-encoded, without its metadata) under the SHA-256 of what was kept.
            sha = rows[0][1]
            stored = data_dir / "uploads" / "evidence" / sha[:2] / sha
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_9_in_a_write_storm_loses_nothing_acknowledged(demo_data_dir):
    rng = random.Random(9)
    acknowledged: list = []
    for round_number in range(ROUNDS):
        server = LiveServer(demo_data_dir, free_port())
        server.start()
        stop = threading.Event()
        before = len(acknowledged)
        writers = [threading.Thread(target=_writer, args=(server.port, f"{round_number}.{n}", acknowledged, stop))
                   for n in range(WRITERS)]
        for thread in writers:
            thread.start()
        time.sleep(rng.uniform(1.5, 3.0))
        server.process.kill()  # SIGKILL: no clean shutdown, no checkpoint
        server.process.wait(10)
        stop.set()
        for thread in writers:
            thread.join(30)
        assert len(acknowledged) > before, f"round {round_number}: no write was acknowledged before the kill"
        _check(demo_data_dir, acknowledged)
    assert len(acknowledged) >= ROUNDS * WRITERS
