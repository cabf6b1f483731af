"""`server.workers = 2`: two processes answer on one port, a login made in one holds in the
other, and stopping (or killing) the first process ends them all."""

from __future__ import annotations

import http.client
import re
import signal
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import DEMO_PASSWORD, LiveServer, free_port


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(part) for part in text.split()]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _start(demo_data_dir, monkeypatch) -> LiveServer:
    monkeypatch.setenv("OKEY_SERVER__WORKERS", "2")
    server = LiveServer(demo_data_dir, free_port())
    server.start()
    return server


def test_two_processes_share_the_port_and_the_sessions(demo_data_dir, monkeypatch):
    server = _start(demo_data_dir, monkeypatch)
    try:
        workers = _children(server.process.pid)
        assert len(workers) == 1 and _alive(workers[0])
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/login")
        answer = conn.getresponse()
        cookie = answer.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', answer.read().decode()).group(1)
        body = urllib.parse.urlencode({"login": "student1", "password": DEMO_PASSWORD, "csrf_token": token})
        conn.request("POST", "/login", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 302
        cookie = answer.getheader("Set-Cookie").split(";", 1)[0]
        # New connections land on either process; every one of them knows the session.
        for _ in range(30):
            fresh = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            fresh.request("GET", "/student/", headers={"Cookie": cookie})
            assert fresh.getresponse().status == 200
            fresh.close()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(15)
        deadline = time.monotonic() + 10
        while _alive(workers[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(workers[0])
    finally:
        server.stop()


def test_a_worker_does_not_outlive_a_killed_first_process(demo_data_dir, monkeypatch):
    server = _start(demo_data_dir, monkeypatch)
    try:
        worker = _children(server.process.pid)[0]
        server.process.kill()
        server.process.wait(10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker)
    finally:
        server.stop()


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def _thread_counts(demo_data_dir, monkeypatch, threads: int) -> tuple[int, int]:
    """The number of threads of the first process and of the forked worker, once both answer."""
    monkeypatch.setenv("OKEY_SERVER__THREADS", str(threads))
    server = _start(demo_data_dir, monkeypatch)
    try:
        for _ in range(6):  # a few pages, so that every thread that starts on demand has started
            with urllib.request.urlopen(server.url + "/login", timeout=10) as answer:
                assert answer.status == 200
        time.sleep(0.5)
        worker = _children(server.process.pid)[0]
        return _threads(server.process.pid), _threads(worker)
    finally:
        server.stop()


def test_each_process_answers_with_the_configured_number_of_threads(demo_data_dir, monkeypatch):
    # `server.threads` is per process: three more answering threads in each of the two processes,
    # and nothing else changes with it.
    first_three, worker_three = _thread_counts(demo_data_dir, monkeypatch, 3)
    first_six, worker_six = _thread_counts(demo_data_dir, monkeypatch, 6)
    assert first_six - first_three == 3
    assert worker_six - worker_three == 3
