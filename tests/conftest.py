"""Shared fixtures: a data directory with a real SQLite database, the Flask app, a live server,
and headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from appliance import migrations
from appliance.config import load_settings
from appliance.db import database, open_database

DEMO_PASSWORD = "demo-pass-2026"


def school_today():
    """The school's day in its time zone (the demo's, Moscow), as the portal counts it: from 21:00 UTC it
    is already tomorrow there, and a form that takes no day before the school's today refuses this
    machine's."""
    from appliance.services.reminders import local_today

    return local_today(load_settings().school.timezone)
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def data_dir_settings(data_dir: Path):
    """Settings for a data directory of a test, created, with nothing from the environment."""
    settings = load_settings(data_dir=data_dir, environ={})
    settings.ensure_dirs()
    return settings


def open_migrated(settings) -> None:
    """Open the data directory's database, migrated to the newest schema, with the shipped data (as okey init)."""
    from appliance.services.shipped import install_shipped_data

    open_database(settings)
    database.connect(reuse_if_open=True)
    migrations.migrate()
    install_shipped_data()


@pytest.fixture
def settings(tmp_path):
    return data_dir_settings(tmp_path / "data")


@pytest.fixture
def db(settings):
    """An empty, migrated database in a temporary data directory."""
    open_migrated(settings)
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def demo(db):
    """The demo school, with the five named logins' password DEMO_PASSWORD."""
    from appliance.services.demo import create_demo_school

    return create_demo_school(DEMO_PASSWORD)


@pytest.fixture
def app(settings, db):
    from webui import create_app

    app = create_app(settings, testing=True)
    # The test holds its own connection open; requests reuse it instead of closing it.
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user: str, password: str = DEMO_PASSWORD):
    """Log the test client in through the real login form."""
    response = client.post("/login", data={"login": user, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def post_form(client, path: str, data: dict | None = None, page: str | None = None, **kwargs):
    """POST a form with a CSRF token taken from `page` (default: the same path)."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, page or path)
    return client.post(path, data=data, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_okey(*args: str, data_dir: Path | None = None, check: bool = True, env: dict | None = None,
             **kwargs) -> subprocess.CompletedProcess:
    """Run the real `okey` command line."""
    command = [sys.executable, "-m", "appliance.cli", *args]
    if data_dir is not None:
        command += ["--data", str(data_dir)]
    full_env = {**os.environ, "OKEY_SERVER__ANNOUNCE": "false", **(env or {})}
    result = subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=300, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"okey {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


class LiveServer:
    def __init__(self, data_dir: Path, port: int):
        self.data_dir = data_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "OKEY_SERVER__ANNOUNCE": "false"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "appliance.cli", "serve", "--data", str(self.data_dir), "--host", "127.0.0.1",
             "--port", str(self.port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"okey serve exited: {self.process.stdout.read()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("okey serve did not answer within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def demo_data_dir(tmp_path) -> Path:
    """A data directory made by `okey init --demo` (the real command)."""
    data = tmp_path / "demo"
    run_okey("init", "--demo", "--demo-password", DEMO_PASSWORD, data_dir=data)
    return data


@pytest.fixture
def live_server(demo_data_dir):
    server = LiveServer(demo_data_dir, free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium):
    """A phone-sized page (360×740, touch) in a fresh browser context."""
    context = chromium.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                   is_mobile=True, has_touch=True, locale="ru-RU")
    page = context.new_page()
    yield page
    context.close()


def browser_login(page, base_url: str, user: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form in the browser, as a person does."""
    page.goto(f"{base_url}/login")
    page.fill("#login", user)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
