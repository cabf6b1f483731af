"""Repeat views of a person's read-only pages answered from a kept copy, without Flask's slow paths.

A WSGI layer in front of the Flask app. The first GET of a page declared in `KEEPABLE` is rendered
by Flask as always while `kept.recording()` notes the tables its statements named; if the answer is
an ordinary page (200, HTML, no cookie set — so no flash was shown or added and the session did not
change) it is kept under (user, path with query, language, the school's date and hour), with the
page's CSRF token replaced by a placeholder. A repeat view checks the login cookie's signature and
the session kept on the server with the same rule as Flask (`sessions.viewer_of`, as
`sessions.user_of`: idle limit, password epoch, account active), read as a plain row in one statement
with the change feed's newest sequence number; while that number has not moved since the kept page was
last checked (the feed's numbers only grow, and every write to a fed table adds one) and the settings
are as they were, nothing else is asked; otherwise a second statement compares the page's table
versions. It answers the kept body with the requester's own CSRF token and the headers Flask sent.

Whatever changes what a page shows changes one of the tables it read, so the very next request
renders again: a new achievement, a goal, a notification, a renamed teacher, a changed role (the
`user` table is read by every page). Logout, a disabled account or a changed password fail the
session check, and Flask answers (the login page). The sessions table is checked live on every
request and so is not a version. Pages kept per process are bounded in bytes
(`[server] kept_pages_mb`), least recently used first out, and gone at restart.
"""

from __future__ import annotations

import datetime
import hashlib
import threading
from collections import OrderedDict
from zoneinfo import ZoneInfo

from flask import Flask, g, request, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

from appliance.services import kept, sessions

# Pages whose body depends only on the viewer, the URL, the language, the time of day and the
# database (docs/developing.md: a new read-only person page is added here, or says why not).
# Not here: guidance.index and surveys.index (they read questionnaires and survey definitions from
# files in the data directory, which the change feed cannot see); portfolio.competencies_page and
# portfolio.reflections (they read teachers' remarks, a table outside the feed: kept.py would refuse
# them anyway); pages that only redirect (portfolio.my_overview, parent.calendar: their targets are
# here); the administrator's pages (live figures: disk, devices in the network, jobs).
KEEPABLE = frozenset({
    # pupils
    "student.home", "portfolio.achievements", "portfolio.hobbies", "portfolio.overview", "trajectory.index",
    "trials.catalogue", "programmes.index", "mentoring.index", "volunteering.mine", "ideas.board", "news.index",
    "alumni.index", "calendar.month",
    # teachers
    "teacher.home", "teacher.class_page", "review.queue", "review.classes", "review.contribution",
    "trajectory.class_overview",
    # parents
    "parent.home", "portfolio.family", "trials.family", "parent.child_month", "calendar.events",
})
# Checked on every request by the session check itself: not a version of the page.
LIVE = frozenset({"web_session"})
PLACEHOLDER = b"\x00okey-csrf\x00"
_INFO = "okey.keep"
REMEMBERED = 4096  # checked cookies, devices and signed CSRF tokens each process remembers (a few hundred bytes each)
REMEMBERED_LENGTH = 1024  # longer Cookie headers and user agents are checked every time, never remembered


class KeptPages:
    """The WSGI app to serve: kept pages for repeat views, the Flask app for everything else."""

    def __init__(self, app: Flask):
        self.app = app
        self.flask = app.wsgi_app
        settings = app.config["OKEY_SETTINGS"]
        self.idle_hours = settings.security.session_idle_hours
        self.zone = ZoneInfo(settings.school.timezone)
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.sessions = app.session_interface.get_signing_serializer(app)
        self.csrf = URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                           salt="wtf-csrf-token")
        self.paths: set[str] = set()  # paths that have had a page kept: only these try the fast path
        self.signed: OrderedDict[str, bytes] = OrderedDict()  # a session's raw CSRF token -> its form token
        self.cookies: OrderedDict[str, tuple] = OrderedDict()  # a Cookie header -> its session and language
        self.devices: OrderedDict[str, str] = OrderedDict()  # address and user agent -> flask-login's mark
        self.viewers: OrderedDict[str, tuple] = OrderedDict()  # a session id -> the viewer it was last found to be
        self.lock = threading.Lock()
        kept.PAGES_BUDGET = int(settings.server.kept_pages_mb * 1024 * 1024)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" not in environ:
            return self.flask(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path in self.paths:
            answer = self.repeat(environ, path)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.first(environ, start_response, path)

    # -- a repeat view -------------------------------------------------------------------------
    def repeat(self, environ, path: str):
        opened = self.opened(environ["HTTP_COOKIE"])
        if opened is None:
            return None
        data, chosen = opened
        session_id, raw_token = data.get("_user_id"), data.get("csrf_token")
        if not isinstance(session_id, str) or not isinstance(raw_token, str) or data.get("_flashes") \
                or data.get("_id") != self.identifier(environ):
            return None  # Flask would change the session (a flash shown, a new token, another device)
        from appliance.db import database

        query = environ.get("QUERY_STRING", "")
        guess = self.recall(self.viewers, session_id)  # whose pages this session showed last time
        probe = kept.page_probe(self.key(guess, path, query, chosen)) if guess is not None else None
        if guess is not None and probe is None:
            return None  # nothing kept for this page: Flask renders it (and checks the session)
        database.connect(reuse_if_open=True)
        try:
            # One statement: the session, and whether anything at all changed since the page was checked.
            found = sessions.viewer_of(session_id, self.idle_hours, *((probe[1],) if probe else ()))
            if found is None:
                return None  # logged out, disabled, password changed, idle: Flask sends to the login
            viewer, answers = found
            if viewer != guess:
                self.remember(self.viewers, session_id, viewer)
                if guess is not None:
                    return None  # a new login or language of the account: the page is drawn again
                probe = kept.page_probe(self.key(viewer, path, query, chosen))
                stored = kept.page_fresh(probe[0], None) if probe else None
            else:
                stored = kept.page_fresh(probe[0], answers)
        finally:
            if not database.is_closed() and database.in_transaction():
                database.rollback()
        if stored is None:
            return None
        status, headers, body = stored
        body = body.replace(PLACEHOLDER, self.token_for(raw_token))
        return status, [*headers, ("Content-Length", str(len(body)))], body

    def opened(self, header: str) -> tuple[dict, str | None] | None:
        """The session a Cookie header's signed session cookie carries and the language cookie, or
        None. A header whose signature checked out once is remembered as it was (the same text always
        carries the same session): parsing and checking cost more than the rest of a repeat view."""
        found = self.recall(self.cookies, header)
        if found is None:
            cookies = parse_cookie(header)  # as Flask reads them
            signed = cookies.get(self.cookie_name)
            if not signed or self.sessions is None:
                return None
            try:
                data = self.sessions.loads(signed)
            except BadSignature:
                return None
            if not isinstance(data, dict):
                return None
            found = (data, cookies.get("lang"))
            if len(header) <= REMEMBERED_LENGTH:
                self.remember(self.cookies, header, found)
        return found

    def identifier(self, environ) -> str:
        """flask-login's mark of the device (`_identifier`), remembered per address and user agent."""
        device = f"{environ.get('HTTP_X_FORWARDED_FOR', environ.get('REMOTE_ADDR'))}|{environ.get('HTTP_USER_AGENT')}"
        mark = self.recall(self.devices, device)
        if mark is None:
            mark = _identifier(environ)
            if len(device) <= REMEMBERED_LENGTH:
                self.remember(self.devices, device, mark)
        return mark

    def key(self, viewer: tuple, path: str, query: str, chosen: str | None) -> tuple:
        # viewer: (user id as hex, last login as text, the account's language), as
        # `sessions.viewer_of` reads it. The viewer's own login time is in the key: a login is not a
        # change of the `user` table (m0028), and the pupil's home shows it.
        from webui import locale_of

        now = datetime.datetime.now(self.zone)
        user_hex, last_login, own_locale = viewer
        return (user_hex, last_login, path, query, locale_of(chosen, own_locale), now.date().toordinal(), now.hour)

    def token_for(self, raw: str) -> bytes:
        # The form token flask-wtf would put in a page of this session (it never expires here:
        # WTF_CSRF_TIME_LIMIT is None); signing costs more than the rest of a repeat view.
        token = self.recall(self.signed, raw)
        if token is None:
            token = self.csrf.dumps(raw).encode()
            self.remember(self.signed, raw, token)
        return token

    def recall(self, memory: OrderedDict, key: str):
        with self.lock:
            found = memory.get(key)
            if found is not None:
                memory.move_to_end(key)
            return found

    def remember(self, memory: OrderedDict, key: str, value) -> None:
        with self.lock:
            memory[key] = value
            memory.move_to_end(key)
            while len(memory) > REMEMBERED:
                memory.popitem(last=False)

    # -- the first view: Flask renders, and the page is kept if it may be ------------------------
    def first(self, environ, start_response, path: str):
        from appliance.db import database

        adapter = self.app.url_map.bind_to_environ(environ)
        try:
            endpoint, _ = adapter.match(path, "GET")
        except Exception:  # noqa: BLE001 - not found, redirects: Flask answers them
            return self.flask(environ, start_response)
        if endpoint not in KEEPABLE:
            return self.flask(environ, start_response)
        answered: list = []

        def capture(status, headers, exc_info=None):
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        database.connect(reuse_if_open=True)
        with kept.recording() as record:
            chunks = self.flask(environ, capture)
            try:
                body = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        info = environ.get(_INFO)
        if info is not None and answered:
            self.keep(record, path, environ, answered[0], answered[1], body, info)
        return [body]

    def keep(self, record, path: str, environ, status: str, headers: list, body: bytes, info: dict) -> None:
        names = {name.lower() for name, _ in headers}
        content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
        if not status.startswith("200 ") or "set-cookie" in names or not content_type.startswith("text/html") \
                or not info["token"] or PLACEHOLDER in body:
            return
        token = info["token"].encode()
        kept_headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
        user = info["user"]
        viewer = (user.id.hex, str(user.last_login_at), user.locale)
        key = self.key(viewer, path, environ.get("QUERY_STRING", ""), info["locale"])
        if kept.keep_page(key, record, (status, kept_headers, body.replace(token, PLACEHOLDER)), len(body),
                          live=LIVE):
            self.remember(self.signed, info["raw"], token)
            if isinstance(info["session"], str):
                self.remember(self.viewers, info["session"], viewer)
            self.paths.add(path)


def _identifier(environ) -> str:
    """flask-login's mark of the device a session was made on (flask_login.utils._create_identifier)."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return hashlib.sha512(f"{address}|{agent}".encode()).hexdigest()


def register(app: Flask) -> None:
    @app.after_request
    def note_whose(response):
        # What the kept copy's key needs from this render: whose page, in which language, with which token.
        if request.endpoint in KEEPABLE and request.method == "GET" and current_user.is_authenticated:
            from flask_babel import get_locale

            request.environ[_INFO] = {"user": current_user.model, "locale": str(get_locale()),
                                      "raw": session.get("csrf_token"), "token": g.get("csrf_token"),
                                      "session": session.get("_user_id")}
        return response

    app.wsgi_app = KeptPages(app)
