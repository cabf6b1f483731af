"""`python -m bench` (`make bench`): the load scenarios against the real server, then every
`bench/*_bench.py` module, and one table of figures at the end.

Scenarios (all traffic on 127.0.0.1; the load generators run in their own processes: hey for the
ceiling and the pages, locust for the rest):
  ceiling  a bare WSGI hello on the same waitress settings: the machine's limit in this run
  pages    10 people over 50 connections opening one page without pauses (student home, portfolio,
           «Активности», calendar, a teacher's class page), each as a share of the ceiling against
           its goal
  browse   200 logged-in students opening the pages of their menu, no pauses
  storm    300 students logging in within one minute
  writes   50 students adding achievements with photos while 150 browse
  probes   1,000 phones probing the captive portal every 30 s, a class of 300 joining at once,
           while 50 students use the portal (compared with the same 50 alone)
Start-up time and peak RSS of the server are measured throughout.

Options: --quick (short runs, for trying the machinery), --only browse,storm (a subset),
--skip-modules (only the load scenarios), --keep (keep the generated school's directory).
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import pkgutil
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from appliance.config import ServerSettings
from bench import forms, hey
from bench.report import RESULTS, Row, print_table, write_json
from bench.school import BENCH_PASSWORD, generate
from bench.server import Browser, free_port, hello_server, okey_server

SCENARIOS = ("ceiling", "pages", "browse", "storm", "writes", "probes")
# The pages of issue 21, each opened without pauses over 50 connections by PEOPLE logged-in people, as
# a share of the bare hello's ceiling (both one process, both measured with hey: bench/hey.py):
# (name, page, who, link to follow on it, goal).
PAGES = (("student home", "/student/", "students", "", 0.40),
         ("portfolio", "/portfolio/", "students", "", 0.25),
         ("«Активности»", "/activities/", "students", "", 0.25),
         ("calendar", "/calendar/", "students", "", 0.25),
         ("teacher's class page", "/teacher/", "class_teachers", "/teacher/class/", 0.25))
PEOPLE = 10
THREADS = ServerSettings().threads  # waitress threads of `okey serve`, for the hello ceiling


def _photo() -> bytes:
    """A phone-camera-sized JPEG (about 1 MB): a diploma photographed on a desk."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(7)
    image = Image.new("RGB", (2000, 1500), (236, 228, 210))
    draw = ImageDraw.Draw(image)
    for _ in range(3000):
        x, y = rng.randrange(2000), rng.randrange(1500)
        draw.line((x, y, x + rng.randint(-60, 60), y + rng.randint(-8, 8)),
                  fill=(rng.randint(20, 120), rng.randint(20, 120), rng.randint(60, 160)), width=2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _load(plan: dict, work: Path, timeout: float, server=None) -> dict:
    """Run one scenario in the locust process and read its figures (with the server's CPU time
    per answered request when the server is given)."""
    if server is not None:
        plan["server_pid"] = server.process.pid
    plan_path = work / f"plan-{plan['scenario']}.json"
    plan["out"] = str(work / f"load-{plan['scenario']}.json")
    plan_path.write_text(json.dumps(plan, ensure_ascii=False))
    subprocess.run([sys.executable, "-m", "bench.load", str(plan_path)], check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL, stderr=open(work / f"load-{plan['scenario']}.log", "w"))
    return json.loads(Path(plan["out"]).read_text())


def _discover(base: str, login: str) -> tuple[list[str], dict | None]:
    """The student's menu pages, and the form that takes a photo (else any other form of theirs
    that writes), found by looking around as the student would."""
    browser = Browser(base)
    home = browser.login(login, BENCH_PASSWORD)
    pages = [link for link in dict.fromkeys(forms.nav_links(home)) if link.startswith("/") and link != "/"]
    seen: set[str] = set()
    queue, upload, other = list(pages), None, None
    while queue and len(seen) < 60 and upload is None:
        path = queue.pop(0).split("#")[0]
        if path in seen or path.startswith(("/static", "/logout")) or path.endswith((".pdf", ".json", ".svg", ".ics")):
            continue
        seen.add(path)
        status, _, text = browser.get(path)
        if status != 200:
            continue
        for form in forms.forms(text):
            action = form.action or path
            if form.method != "post" or action in ("/logout", "/password", "/language"):
                continue
            if any(f.kind == "file" for f in form.fields) and len(form.fields) > 3:
                upload = {"page": path, "action": action}
            other = other or {"page": path, "action": action}
        queue += [link for link in forms.parse(text).links if link.startswith("/") and link not in seen]
    return pages, upload or other


def _row(name: str, figures: dict, key: str, load: str, ceiling: float | None, rss: float, note: str = "") -> Row:
    entry = figures["requests"].get(key, {})
    status = entry.get("status", {})
    busy = int(status.get("503", 0))
    return Row(scenario=name, load=load, rps=entry.get("rps"),
               ratio=(entry["rps"] / ceiling) if ceiling and entry.get("rps") else None,
               p50=entry.get("p50_ms"), p95=entry.get("p95_ms"), p99=entry.get("p99_ms"),
               errors=entry.get("failures", 0), busy=busy,
               server_errors=sum(n for code, n in status.items() if code.startswith("5") and code != "503"),
               rss_mb=rss, cpu_ms=figures.get("cpu_ms"), note=note, raw=figures)


def run_scenarios(selected: set[str], quick: bool, work: Path) -> list[Row]:
    rows: list[Row] = []
    seconds = 8 if quick else 30
    made = generate(_settings(work / "school"))
    rows.append(Row(scenario="school generated", load=", ".join(f"{v} {k}" for k, v in made.counts.items()),
                    note=f"{made.seconds:.1f} s"))
    students = made.students
    ceiling = None
    if "ceiling" in selected:
        server = hello_server(free_port(), THREADS, work / "hello.log").start()
        try:
            figures = hey.run(server.url, [("", "/")], 50, seconds // 2, server.process.pid)
        finally:
            server.stop()
        rows.append(_row("1 ceiling: WSGI hello", figures, "one page", "50 connections (hey)", None,
                         server.peak_rss_mb()))
        ceiling = rows[-1].rps

    port, segment_port = free_port(), free_port()
    # One process, like the hello it is compared with (the default is one per core).
    env = {"OKEY_SERVER__ANNOUNCE": "false", "OKEY_BACKUP__ENABLED": "false", "OKEY_SERVER__WORKERS": "1",
           # The captive portal's listener on loopback: phones come from 127.1.x.y.
           "OKEY_SEGMENT__INTERFACE": "lo", "OKEY_SEGMENT__ADDRESS": "127.0.0.1/8",
           "OKEY_SEGMENT__DHCP_START": "127.0.0.20", "OKEY_SEGMENT__DHCP_END": "127.0.3.250",
           "OKEY_SEGMENT__PORTAL_PORT": str(segment_port),
           "OKEY_SEGMENT__LEASES_FILE": str(work / "leases")}
    (work / "leases").write_text("")
    server = okey_server(work / "school", port, env, work / "okey-serve.log").start()
    try:
        rss_start, pss_start = server.memory_now_mb()
        rows.append(Row(scenario="6 start-up to first answer", load="okey serve, 1 process",
                        note=f"{server.startup_s:.2f} s; after start resident {rss_start:.0f} MB, "
                             f"PSS {pss_start:.0f} MB (goal ≤ 60 MB)",
                        rss_mb=server.peak_rss_mb()))
        pages, write = _discover(server.url, students[0])
        base = {"host": server.url, "students": students, "password": BENCH_PASSWORD, "pages": pages}
        if "pages" in selected:
            # Each class's class teacher: the generator gives class i to teacher i % teachers.
            people = {"students": students, "class_teachers": made.teachers[:made.counts["classes"]]}
            for name, path, who, find, goal in PAGES:
                visits = hey.visits_of(server.url, people[who][:PEOPLE], BENCH_PASSWORD, path, find)
                figures = hey.run(server.url, visits, 50, seconds // 2, server.process.pid)
                row = _row(f"7 {name}", figures, "one page", f"{len(visits)} people, 50 connections (hey)",
                           ceiling, server.peak_rss_mb(), path + ("…" if find else ""))
                row.goal = goal
                rows.append(row)
        if "browse" in selected:
            server.reset_peak()
            figures = _load({**base, "scenario": "browse", "users": 200, "spawn_rate": 50,
                             "duration": seconds}, work, 300, server)
            rows.append(_row("2 browsing", figures, "page", "200 students", None, server.peak_rss_mb(),
                             f"{len(pages)} pages: {' '.join(pages)}"))
            if "chart" in figures["requests"]:
                rows.append(_row("2 … charts on those pages", figures, "chart", "SVG pictures", None,
                                 server.peak_rss_mb()))
        if "storm" in selected:
            server.reset_peak()
            users, rate = (60, 10) if quick else (300, 5)
            figures = _load({**base, "scenario": "storm", "users": users, "spawn_rate": rate, "duration": 240,
                             "students": students[200:]}, work, 300, server)
            last = figures.get("last_login_s")
            rows.append(_row("3 login storm", figures, "login", f"{users} in {users // rate} s", None,
                             server.peak_rss_mb(), f"{figures['logged_in']}/{users} in, the last after "
                             f"{last:.1f} s" if last else "nobody got in"))
        if "writes" in selected:
            server.reset_peak()
            photo = work / "photo.jpg"
            photo.write_bytes(_photo())
            plan = {**base, "scenario": "writes", "writers": 50, "users": 150, "spawn_rate": 50,
                    "duration": seconds, "write": write, "photo": str(photo)}
            figures = _load(plan, work, 300, server) if write else {"requests": {}}
            what = f"{write['action']} with a {photo.stat().st_size // 1024} KB photo" if write else "no form found"
            rows.append(_row("4 writes", figures, "write", "50 writing", None, server.peak_rss_mb(), what))
            rows.append(_row("4 … browsing meanwhile", figures, "page", "150 browsing", None, server.peak_rss_mb()))
        if "probes" in selected:
            server.reset_peak()
            quiet = _load({**base, "scenario": "browse_light", "users": 50, "spawn_rate": 50, "duration": seconds},
                          work, 300, server)
            rows.append(_row("5 portal alone", quiet, "page", "50 students, pauses 0.5–2 s", None,
                             server.peak_rss_mb()))
            server.reset_peak()
            figures = _load({**base, "scenario": "probes", "devices": 1000 if not quick else 200,
                             "burst": 300 if not quick else 50, "burst_at": seconds // 2, "users": 50,
                             "segment_host": f"http://127.0.0.1:{segment_port}",
                             "duration": seconds + 15}, work, 300, server)
            rows.append(_row("5 captive probes", figures, "probe", "1,000 phones, each every 30 s", None,
                             server.peak_rss_mb()))
            rows.append(_row("5 … a class joining", figures, "probe, class joining", "300 phones at once, then / 30 s",
                             None, server.peak_rss_mb()))
            rows.append(_row("5 … portal meanwhile", figures, "page", "50 students", None, server.peak_rss_mb()))
        rows.append(Row(scenario="6 server memory after all", load="okey serve, 1 process", rss_mb=server.peak_rss_mb(),
                        note="resident {:.0f} MB, PSS {:.0f} MB now (goal ≤ 60 MB)".format(*server.memory_now_mb())))
    finally:
        server.stop()
    if "browse" in selected:
        rows += _browse_with_workers(work, env, base, seconds)
    return rows


def _browse_with_workers(work: Path, env: dict, base: dict, seconds: int) -> list[Row]:
    """Browsing again on the default settings: one worker process per core (server.workers = 0)."""
    port = free_port()
    env = {key: value for key, value in env.items() if key != "OKEY_SERVER__WORKERS"}
    env["OKEY_SEGMENT__INTERFACE"] = ""
    server = okey_server(work / "school", port, env, work / "okey-serve-2.log").start()
    try:
        _, pss_start = server.memory_now_mb()
        figures = _load({**base, "host": server.url, "scenario": "browse", "users": 200, "spawn_rate": 50,
                         "duration": seconds}, work, 300, server)
        rss, pss = server.memory_now_mb()
        processes = 1 + len(psutil.Process(server.process.pid).children(recursive=True))
        return [_row(f"2 browsing, {processes} processes", figures, "page", "200 students", None,
                     server.peak_rss_mb(), f"default settings; PSS {pss_start:.0f} MB after start, "
                     f"{pss:.0f} MB after browsing (RSS {rss:.0f} MB)")]
    finally:
        server.stop()


def _settings(data_dir: Path):
    from appliance.config import load_settings

    return load_settings(data_dir=data_dir, environ={})


def run_modules(work: Path, timeout: float) -> list[Row]:
    """Every bench/*_bench.py, each in its own process (see bench/module.py for the contract)."""
    rows = []
    import bench

    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if not info.name.endswith("_bench"):
            continue
        out = work / f"{info.name}.json"
        started = time.monotonic()
        try:
            subprocess.run([sys.executable, "-m", "bench.module", info.name, str(out)], check=True, timeout=timeout)
            found = json.loads(out.read_text())
            rows.extend(Row(**{"scenario": info.name, **row}) for row in found)
        except (subprocess.SubprocessError, OSError, ValueError, TypeError) as exc:
            rows.append(Row(scenario=info.name, note=f"failed after {time.monotonic() - started:.0f} s: {exc}",
                            errors=1))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--skip-modules", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    selected = {name.strip() for name in args.only.split(",") if name.strip()}
    work = Path(tempfile.mkdtemp(prefix="okey-bench-"))
    started = time.monotonic()
    try:
        rows = run_scenarios(selected, args.quick, work)
        if not args.skip_modules:
            rows += run_modules(work, 240 if not args.quick else 120)
    finally:
        if args.keep:
            print(f"Данные нагрузочного теста: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    write_json(rows, quick=args.quick, seconds=time.monotonic() - started)
    print_table(rows)
    print(f"Результаты: {RESULTS}/ ({time.monotonic() - started:.0f} s)")
    return 1 if any(row.server_errors for row in rows) else 0


if __name__ == "__main__":
    importlib.invalidate_caches()
    sys.exit(main())
