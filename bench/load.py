"""The load generator: locust (headless, as a library) in its own process.

`python -m bench.load PLAN.json` runs one scenario the plan describes against the server at
plan["host"] and writes the figures to plan["out"]: per request name the count, failures,
status codes, throughput and p50/p95/p99 latency; for the login storm also when the last
student got in. Everything it talks to is on 127.0.0.1.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import collections  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from locust import FastHttpUser, User, between, constant, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.stats import StatsEntry  # noqa: E402
from urllib3.filepost import encode_multipart_formdata  # noqa: E402

from bench import forms  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PLAN: dict = {}
STATUS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
RETRY_AFTER_MISSING = collections.Counter()
LOGGED_IN: list[float] = []
GAVE_UP: list[str] = []
REFUSALS: collections.Counter = collections.Counter()
NOTICE = re.compile(r'class="[^"]*(?:error|notice)[^"]*"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)')
_logins = itertools.count()


@events.request.add_listener
def _count_status(name, response, exception, **_):
    code = getattr(response, "status_code", 0) or 0
    STATUS[name][str(code) if not exception or code else type(exception).__name__] += 1
    if code == 503 and not (response.headers or {}).get("Retry-After"):
        RETRY_AFTER_MISSING[name] += 1


class Student(FastHttpUser):
    """A student who logs in once and then opens pages; 503 with Retry-After is waited out."""

    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        logins = PLAN["students"]
        self.login_name = logins[next(_logins) % len(logins)]
        self.rng = random.Random(self.login_name)
        self.log_in()

    def log_in(self) -> None:
        page = self.client.get("/login", name="login page")
        token = CSRF.search(page.text or "")
        body = urlencode({"login": self.login_name, "password": PLAN["password"],
                          "csrf_token": token.group(1) if token else ""})
        with self.client.post("/login", data=body, name="login", allow_redirects=False, catch_response=True,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")
                GAVE_UP.append(self.login_name)
                self.out = True
                return
            response.success()
        LOGGED_IN.append(time.monotonic())

    out = False  # the login failed: this student sits idle

    def browse(self) -> None:
        if self.out:
            gevent.sleep(1)
            return
        path = self.rng.choice(PLAN["pages"])
        with self.client.get(path, name=f"page {path}", catch_response=True) as response:
            self._judge(response)
            html = response.text if response.status_code == 200 else ""
        # Like a browser: the charts on the page are pictures of their own, drawn for each view.
        for src in forms.drawn_images(html or ""):
            with self.client.get(src, name="chart", catch_response=True) as picture:
                self._judge(picture)

    def _judge(self, response) -> None:
        if response.status_code == 503 and response.headers.get("Retry-After"):
            response.success()  # a busy database said so properly; the browser waits and retries
            gevent.sleep(float(response.headers["Retry-After"]))
        elif response.status_code >= 400:
            response.failure(f"status {response.status_code}")


class Browser(Student):
    @task
    def page(self) -> None:
        self.browse()


class Writer(Student):
    """Adds an achievement with a photo through the portal's own form, then looks at the list."""

    wait_time = between(0.5, 2)

    @task
    def add(self) -> None:
        write = PLAN["write"]
        page = self.client.get(write["page"], name="write form")
        found = [form for form in forms.forms(page.text or "") if form.method == "post"
                 and (form.action or write["page"]) == write["action"]]
        if not found:
            return
        values, files = forms.plausible(found[0], self.rng, PHOTO)
        fields = list(values.items()) + [(name, spec) for name, spec in files.items()]
        body, content_type = encode_multipart_formdata(fields)
        with self.client.post(write["action"], data=body, name="write", allow_redirects=False, catch_response=True,
                              headers={"Content-Type": content_type}) as response:
            if response.status_code in (302, 303):
                response.success()
            else:
                self._judge(response)
                if response.status_code < 400:
                    response.failure(f"form refused: {response.status_code}")
                if response.status_code != 503:
                    found = NOTICE.search(response.text or "")
                    REFUSALS[f"{response.status_code} {found.group(1).strip() if found else ''}"[:200]] += 1
        self.browse()


class StormStudent(Student):
    """Logs in at the start of a lesson, opens the home page once, and is done."""

    def on_start(self) -> None:
        super().on_start()
        if not self.out:
            self.client.get("/", name="home after login")

    @task
    def idle(self) -> None:
        gevent.sleep(1)


class Device(User):
    """A phone on the open Wi-Fi, with its own address in 127.0.0.0/8: it joins at some moment of
    the first 30 s, then probes every 30 s (Android or Apple kind)."""

    abstract = True
    wait_time = constant(30)
    PROBES = (("connectivitycheck.gstatic.com", "/generate_204"), ("captive.apple.com", "/hotspot-detect.html"))
    _numbers = itertools.count(1)

    def on_start(self) -> None:
        number = next(self._numbers) + self.offset
        self.address = f"127.1.{number // 250}.{number % 250 + 2}"
        self.port = int(PLAN["segment_host"].rsplit(":", 1)[1])
        gevent.sleep(self.first_probe_in())
        if number % 2 and self.accepts:
            self.call("POST", "/wifi/accept", "accept", "captive.apple.com")

    def first_probe_in(self) -> float:
        return random.uniform(0, 30)  # devices do not probe in step

    def call(self, method: str, path: str, name: str, host: str) -> None:
        started = time.perf_counter()
        request = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: okey-bench\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n").encode()
        code, exception, length = 0, None, 0
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=30,
                                          source_address=(self.address, 0)) as conn:
                conn.sendall(request)
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
            answer = b"".join(chunks)
            length = len(answer)
            code = int(answer.split(b" ", 2)[1])
            if code >= 400:
                exception = RuntimeError(f"status {code}")
        except (OSError, ValueError, IndexError) as exc:
            exception = exc
        self.environment.events.request.fire(
            request_type=method, name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=length, response=_Answer(code), exception=exception, context={})

    probe_name = "probe"
    accepts = True  # half of the phones press «Открыть портал» when they join

    @task
    def probe(self) -> None:
        host, path = random.choice(self.PROBES)
        self.call("GET", path, self.probe_name, host)


class _Answer:
    def __init__(self, status_code: int):
        self.status_code, self.headers = status_code, {}


class BurstDevice(Device):
    """Devices that join all at once (a class walking in): all probe in the same moment, then
    every 30 s like the rest."""

    probe_name = "probe, class joining"
    accepts = False
    _numbers = itertools.count(1)  # addresses after the phones' (offset), none shared with them

    def first_probe_in(self) -> float:
        return PLAN["burst_at"]


PHOTO = b""


def _classes(plan: dict) -> list[type]:
    scenario = plan["scenario"]
    if scenario == "browse":
        return [type("BrowsingStudent", (Browser,), {"fixed_count": plan["users"], "abstract": False})]
    if scenario == "browse_light":
        return [type("BrowsingStudent", (Browser,), {"fixed_count": plan["users"], "abstract": False,
                                                     "wait_time": between(0.5, 2)})]
    if scenario == "storm":
        return [type("LessonStart", (StormStudent,), {"fixed_count": plan["users"], "abstract": False})]
    if scenario == "writes":
        return [type("WritingStudent", (Writer,), {"fixed_count": plan["writers"], "abstract": False}),
                type("BrowsingStudent", (Browser,), {"fixed_count": plan["users"], "abstract": False,
                                                     "wait_time": between(0.5, 2)})]
    if scenario == "probes":
        return [type("Phone", (Device,), {"fixed_count": plan["devices"], "abstract": False,
                                          "host": plan["segment_host"], "offset": 0}),
                type("ClassWalksIn", (BurstDevice,), {"fixed_count": plan["burst"], "abstract": False,
                                                      "host": plan["segment_host"], "offset": plan["devices"]}),
                type("BrowsingStudent", (Browser,), {"fixed_count": plan["users"], "abstract": False,
                                                     "wait_time": between(0.5, 2)})]
    raise SystemExit(f"unknown scenario {scenario}")


def _figures(env: Environment, started: float) -> dict:
    """Figures per request name; "page" gathers every page of the menu."""
    pages = StatsEntry(env.stats, "page", "GET")
    entries = dict(env.stats.entries)
    for (name, _method), entry in entries.items():
        if name.startswith("page "):
            pages.extend(entry)
            STATUS["page"].update(STATUS.get(name, {}))
            RETRY_AFTER_MISSING["page"] += RETRY_AFTER_MISSING.get(name, 0)
    if pages.num_requests:
        entries[("page", "GET")] = pages
    out = {}
    for (name, _method), entry in entries.items():
        figures = out.setdefault(name, {"requests": 0, "failures": 0})
        figures["requests"] += entry.num_requests
        figures["failures"] += entry.num_failures
        if entry.num_requests:
            figures.update(
                p50_ms=entry.get_response_time_percentile(0.50), p95_ms=entry.get_response_time_percentile(0.95),
                p99_ms=entry.get_response_time_percentile(0.99), max_ms=entry.max_response_time,
                rps=entry.num_requests / max(entry.last_request_timestamp - entry.start_time, 1e-3))
    for name, figures in out.items():
        figures["status"] = dict(STATUS.get(name, {}))
        figures["503_without_retry_after"] = RETRY_AFTER_MISSING.get(name, 0)
    return {"requests": out, "logged_in": len(LOGGED_IN), "gave_up": len(GAVE_UP), "refusals": dict(REFUSALS),
            "last_login_s": (max(LOGGED_IN) - started) if LOGGED_IN else None}


def _server_cpu() -> float | None:
    """CPU seconds the server under test has used (user and system), when its pid is known."""
    if not PLAN.get("server_pid"):
        return None
    server = psutil.Process(PLAN["server_pid"])
    return sum(t.user + t.system for t in (p.cpu_times() for p in (server, *server.children())))


def _wait_for_logins(students: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while len(LOGGED_IN) + len(GAVE_UP) < students and time.monotonic() < deadline:
        gevent.sleep(0.1)


def main(path: str) -> None:
    global PHOTO
    PLAN.update(json.loads(open(path, encoding="utf-8").read()))
    if PLAN.get("photo"):
        PHOTO = open(PLAN["photo"], "rb").read()
    classes = _classes(PLAN)
    env = Environment(user_classes=classes, host=PLAN["host"], events=events)
    runner = env.create_local_runner()
    started = time.monotonic()
    total = sum(cls.fixed_count for cls in classes)
    runner.start(total, spawn_rate=PLAN.get("spawn_rate", total))
    students = sum(cls.fixed_count for cls in classes if issubclass(cls, Student))
    cpu_before = _server_cpu()
    if PLAN["scenario"] == "storm":
        gevent.spawn_later(PLAN["duration"], runner.quit)
        _wait_for_logins(students, PLAN["duration"])
        runner.quit()
    else:
        # Figures count from the moment everyone is in: the logins have a scenario of their own.
        _wait_for_logins(students, 120)
        env.stats.reset_all()
        STATUS.clear()
        RETRY_AFTER_MISSING.clear()
        started = time.monotonic()
        cpu_before = _server_cpu()
        gevent.spawn_later(PLAN["duration"], runner.quit)
    runner.greenlet.join()
    result = _figures(env, started)
    answered = sum(entry["requests"] for name, entry in result["requests"].items() if name != "page")
    if cpu_before is not None and answered:
        result["cpu_ms"] = (_server_cpu() - cpu_before) * 1000 / answered
    result["elapsed_s"] = time.monotonic() - started
    with open(PLAN["out"], "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
