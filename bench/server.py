"""The server under test in its own process: the real `okey serve` (or the bare hello) on
loopback, with its start-up time and a sampler of its memory (peak RSS)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server process; `peak_rss()` is the highest resident memory seen since `reset_peak()`."""

    def __init__(self, command: list[str], url: str, health: str, env: dict[str, str] | None = None,
                 log: Path | None = None):
        self.command, self.url, self.health = command, url, health
        self.env = {**os.environ, **(env or {})}
        self.log = log
        self.process: subprocess.Popen | None = None
        self.startup_s = 0.0
        self._peak = 0
        self._stop = threading.Event()

    def start(self, timeout: float = 60) -> ServerProcess:
        out = open(self.log, "w") if self.log else subprocess.DEVNULL  # noqa: SIM115 - kept for the process's life
        started = time.monotonic()
        self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                tail = self.log.read_text()[-3000:] if self.log else ""
                raise RuntimeError(f"{' '.join(self.command)} exited with {self.process.returncode}:\n{tail}")
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
        else:
            raise RuntimeError(f"{' '.join(self.command)} did not answer within {timeout} s")
        self.startup_s = time.monotonic() - started
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def _sample(self) -> None:
        proc = psutil.Process(self.process.pid)
        while not self._stop.is_set():
            try:
                # With several worker processes (and the backup's fork server and its workers under
                # them), the memory of all of them: a sum of RSS counts shared pages once per process.
                rss = sum(p.memory_info().rss for p in (proc, *proc.children(recursive=True)))
            except psutil.Error:
                return
            self._peak = max(self._peak, rss)
            time.sleep(0.1)

    def reset_peak(self) -> None:
        self._peak = 0

    def peak_rss_mb(self) -> float:
        return self._peak / 2**20

    def memory_now_mb(self) -> tuple[float, float]:
        """Resident memory now, and PSS (each shared page counted once, split between the processes
        that share it): the honest figure when several worker processes share the program. Every
        process under the server counts, grandchildren too."""
        proc = psutil.Process(self.process.pid)
        rss = pss = 0
        for p in (proc, *proc.children(recursive=True)):
            info = p.memory_full_info()
            rss, pss = rss + info.rss, pss + getattr(info, "pss", info.rss)
        return rss / 2**20, pss / 2**20

    def stop(self) -> None:
        self._stop.set()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def okey_server(data_dir: Path, port: int, env: dict[str, str], log: Path) -> ServerProcess:
    command = [str(Path(sys.executable).parent / "okey"), "serve", "--data", str(data_dir), "--host", "127.0.0.1",
               "--port", str(port)]
    return ServerProcess(command, f"http://127.0.0.1:{port}", "/healthz", env, log)


def hello_server(port: int, threads: int, log: Path) -> ServerProcess:
    return ServerProcess([sys.executable, "-m", "bench.hello", str(port), str(threads)],
                         f"http://127.0.0.1:{port}", "/", None, log)


class Browser:
    """A minimal logged-in session (urllib with cookies) to look around before the load starts."""

    CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as answer:
                return answer.status, answer.geturl(), answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, path, exc.read().decode("utf-8", "replace")

    def login(self, login: str, password: str) -> str:
        _, _, page = self.get("/login")
        token = self.CSRF.search(page)
        data = urllib.parse.urlencode({"login": login, "password": password,
                                       "csrf_token": token.group(1) if token else ""}).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=30) as answer:
            return answer.read().decode("utf-8", "replace")
