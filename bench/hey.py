"""The ceiling and the pages of issue 21, measured with `hey` (Debian's package, written in Go).

Both sides of each ratio go through the same generator: a bare hello, and a page opened by logged-in
people again and again without pauses. locust, which runs the other scenarios, is one Python process:
against the bare hello it, not the server, is the limit, and it spends more of its own time on a
14 KB page than on a 6-byte hello, so a ratio taken with it says more about the generator than about
the page. hey uses every core and reads a page as cheaply as a hello.

Each person opens the page once before the clock starts, as they would have before opening it again
and again; the first view, drawn by Flask, is measured by the browsing scenario.
hey sends one set of headers on all its connections, so each person gets their own hey process with
their own session cookie; hey appends "hey/0.0.1" to the user agent, so the people log in with that
agent (a session is bound to the device it was made on). All traffic is on 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import statistics
import subprocess
import time
from collections import Counter

import psutil

from bench import forms
from bench.server import Browser

AGENT = "hey/0.0.1"  # what hey sends as the user agent when given none


def _cpu_seconds(pid: int) -> float:
    server = psutil.Process(pid)
    return sum(t.user + t.system for t in (p.cpu_times() for p in (server, *server.children(recursive=True))))


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(base: str, visits: list[tuple[str, str]], connections: int, seconds: int, server_pid: int) -> dict:
    """`connections` connections without pauses for `seconds`, split evenly over one hey process per
    visit: (session cookie or "", path). Figures in the shape `bench.load` writes:
    {"requests": {"one page": {...}}, "cpu_ms": server CPU per answered request}."""
    each = max(1, connections // len(visits))
    before = _cpu_seconds(server_pid)
    started = time.monotonic()
    runs = [subprocess.Popen(["hey", "-z", f"{seconds}s", "-c", str(each), "-o", "csv", "-disable-compression",
                              *(["-H", f"Cookie: {cookie}"] if cookie else []), base + path],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for cookie, path in visits]
    outputs = [process.communicate(timeout=seconds + 120)[0] for process in runs]
    elapsed = time.monotonic() - started
    cpu = _cpu_seconds(server_pid) - before
    latencies, status = [], Counter()
    for output in outputs:
        for row in csv.DictReader(io.StringIO(output)):
            latencies.append(float(row["response-time"]) * 1000)
            status[row["status-code"]] += 1
    latencies.sort()
    answered = len(latencies)
    figures = {"requests": answered, "failures": sum(n for code, n in status.items() if not code.startswith("2")),
               "status": dict(status)}
    if answered:
        figures.update(rps=answered / seconds, p50_ms=statistics.median(latencies),
                       p95_ms=_percentile(latencies, 0.95), p99_ms=_percentile(latencies, 0.99),
                       max_ms=latencies[-1])
    return {"requests": {"one page": figures}, "cpu_ms": cpu * 1000 / answered if answered else None,
            "elapsed_s": elapsed, "processes": len(visits)}


def visits_of(base: str, logins: list[str], password: str, path: str, find: str = "") -> list[tuple[str, str]]:
    """For each person, their session cookie as hey will present it and the page to open: `path`, or
    for a per-person page (a teacher's class) the first link under `find` on `path` as they see it."""
    visits = []
    for login in logins:
        browser = Browser(base)
        browser.opener.addheaders = [("User-Agent", AGENT)]
        browser.login(login, password)
        target = path
        if find:
            _, _, page = browser.get(path)
            found = [link for link in forms.parse(page).links if link.startswith(find)]
            if not found:
                raise RuntimeError(f"{login}: no link under {find} on {path}")
            target = found[0]
        browser.get(target)  # each person has seen the page once: the load is of repeat views
        jar = next(handler.cookiejar for handler in browser.opener.handlers if hasattr(handler, "cookiejar"))
        visits.append(("; ".join(f"{cookie.name}={cookie.value}" for cookie in jar), target))
    return visits
