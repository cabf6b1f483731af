"""Where a page's time goes: `python -m bench.profile_pages [--pages /student/,/portfolio/] [--top 25]`.

Makes the demo school in a scratch directory, logs in through the real login form with Flask's
test client (no network, no waitress), opens each page a number of times under cProfile and prints
the milliseconds a request and the functions that take them. Figures are for comparing one change
with the next on the same machine, not for tests.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import tempfile
import time
from pathlib import Path

PAGES = {"student1": ("/student/", "/portfolio/", "/activities/", "/calendar/"),
         "teacher1": ("/teacher/", "/activities/class/")}
PASSWORD = "profile-pass-2026"


def _app(data_dir: Path, fresh: bool = True):
    from appliance import migrations
    from appliance.config import load_settings
    from appliance.db import database, open_database
    from appliance.services.demo import create_demo_school
    from appliance.services.shipped import install_shipped_data
    from webui import create_app

    settings = load_settings(data_dir=data_dir, environ={})
    settings.ensure_dirs()
    open_database(settings)
    database.connect(reuse_if_open=True)
    migrations.migrate()
    install_shipped_data()
    if fresh:
        create_demo_school(PASSWORD)
    return create_app(settings, testing=True)


def _login(client, login: str, password: str = PASSWORD) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code


def _teacher_class(client) -> str:
    page = client.get("/teacher/").get_data(as_text=True)
    found = re.search(r'href="(/teacher/class/[0-9a-f]+)"', page)
    return found.group(1) if found else "/teacher/"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="", help="only these paths, comma-separated")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--school", default="", help="a school made by `python -m bench.school DIR` instead of the demo")
    args = parser.parse_args(argv)
    only = {p for p in args.pages.split(",") if p}
    with tempfile.TemporaryDirectory(prefix="okey-profile-") as work:
        app = _app(Path(args.school or work), fresh=not args.school)
        people = PAGES
        if args.school:
            from bench.school import BENCH_PASSWORD

            people = {"s0001": PAGES["student1"], "t001": PAGES["teacher1"]}
        for login, pages in people.items():
            client = app.test_client()
            _login(client, login, BENCH_PASSWORD if args.school else PASSWORD)
            if login in ("teacher1", "t001"):
                pages = (*pages, _teacher_class(client))
            for path in pages:
                if only and path not in only:
                    continue
                assert client.get(path).status_code == 200, path  # the first view builds what is kept
                started = time.perf_counter()
                for _ in range(args.repeat):
                    client.get(path)
                plain = (time.perf_counter() - started) * 1000 / args.repeat
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.repeat):
                    client.get(path)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
                print(f"\n=== {login} {path}: {plain:.2f} ms a request (without the profiler) ===")
                print("\n".join(out.getvalue().splitlines()[6:]))


if __name__ == "__main__":
    main()
