"""The captive handler: OS probes, the splash page, acceptance and the RFC 8908 API.

Everything a phone on the open segment asks for that is not the portal lands here. Until
the device accepts, every request is redirected to the splash page; afterwards its OS's
connectivity probes get their expected "online" answer.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, Response, redirect, render_template, request

from appliance.config import Settings
from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.segment import SegmentDevice
from appliance.services.errors import NotFound
from appliance.services.school import get_school
from captive_portal import probes
from captive_portal.devices import (
    NEIGHBOURS,
    ProbeCounter,
    RateLimiter,
    accept,
    accepted_device,
    mac_for,
)
from captive_portal.plan import SegmentPlan, build_plan

_HOST_CHARS = re.compile(r"^[a-z0-9.-]{1,253}$")


def normalise_host(raw: str) -> str:
    """The host a request names, lower-cased, without port or final dot; "" if malformed."""
    host = raw.strip().lower()
    if host.startswith("["):  # an IPv6 literal, never a probe host nor the portal
        return ""
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    host = host.rstrip(".")
    return host if _HOST_CHARS.match(host) else ""


def guess_os(user_agent: str) -> str:
    ua = user_agent.lower()
    for needle, name in (("android", "android"), ("iphone", "apple"), ("ipad", "apple"),
                         ("macintosh", "apple"), ("cros", "chromeos"), ("windows", "windows"),
                         ("linux", "linux")):
        if needle in ua:
            return name
    return ""


def create_captive_app(settings: Settings, plan: SegmentPlan | None = None, *, counter_interval: float = 30.0,
                       rate_limit: int = 120, neighbours: Path = NEIGHBOURS) -> Flask:
    plan = plan or build_plan(settings.segment)
    seg = settings.segment
    app = Flask(__name__, static_folder=None)
    # Nothing here takes a body larger than the accept form.
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    counter = ProbeCounter(counter_interval)
    limiter = RateLimiter(rate_limit)
    app.extensions["okey_probe_counter"] = counter

    def client() -> tuple[str, str]:
        ip = request.remote_addr or ""
        return ip, mac_for(ip, seg.leases_file, neighbours)

    def device() -> SegmentDevice | None:
        return accepted_device(*client())

    @app.before_request
    def limit_and_connect():
        if not limiter.allow(request.remote_addr or ""):
            return Response("Слишком много запросов с этого устройства. Подождите несколько секунд.\n",
                            429, {"Retry-After": "10"}, content_type="text/plain; charset=utf-8")
        if (request.content_length or 0) > app.config["MAX_CONTENT_LENGTH"]:
            return too_large(None)
        database.connect(reuse_if_open=True)
        return None

    @app.teardown_request
    def end_request(exc):
        # The listener's threads keep their connections: opening SQLite costs more than a probe.
        if not database.is_closed() and database.in_transaction():
            database.rollback()

    # The splash has no script and no file of its own: its styles are inline, its one form posts here
    # and is then sent on to the portal. Nothing may frame it.
    portal_origin = "/".join(plan.portal_url.split("/")[:3])
    policy = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
              f"form-action 'self' {portal_origin}; frame-ancestors 'none'")

    @app.after_request
    def no_cache(response: Response) -> Response:
        # A cached probe answer would keep a phone on the wrong side of acceptance.
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.route("/wifi/", methods=["GET", "HEAD"])
    def splash():
        try:
            school = get_school().name
        except NotFound:
            school = settings.school.name
        return render_template("splash.html", school=school, accepted=device() is not None,
                               portal_url=plan.portal_url, portal_host=plan.portal_host,
                               hours=seg.accept_hours)

    @app.route("/wifi/accept", methods=["POST"])
    def accept_view():
        ip, mac = client()
        accept(ip, mac, guess_os(request.headers.get("User-Agent", "")), seg.accept_hours, seg.max_devices)
        counter.flush()
        return redirect(plan.portal_url, 303)

    @app.route("/wifi/api", methods=["GET"])
    def captive_api():
        """RFC 8908: is this device still held by the portal, and where to go."""
        found = device()
        body = {"captive": found is None, "user-portal-url": plan.splash_url, "venue-info-url": plan.portal_url}
        if found is not None:
            body["seconds-remaining"] = max(0, int((found.expires_at - utcnow()).total_seconds()))
        response = app.json.response(body)
        response.content_type = "application/captive+json"
        return response

    @app.route("/", defaults={"path": ""}, methods=["GET", "HEAD", "POST"])
    @app.route("/<path:path>", methods=["GET", "HEAD", "POST"])
    def everything_else(path: str):
        probe = probes.match(normalise_host(request.headers.get("Host", "")), request.path)
        if probe is not None:
            accepted = device() is not None
            counter.add(probe.os, "success" if accepted else "splash")
            if accepted:
                return Response(probe.body, probe.status, content_type=probe.content_type)
        return redirect(plan.splash_url, 302)

    @app.errorhandler(400)  # e.g. a Host header werkzeug finds malformed
    @app.errorhandler(404)
    @app.errorhandler(405)
    def elsewhere(exc):
        return redirect(plan.splash_url, 302)

    @app.errorhandler(413)
    def too_large(exc):
        return Response("Слишком большой запрос.\n", 413, content_type="text/plain; charset=utf-8")

    return app
