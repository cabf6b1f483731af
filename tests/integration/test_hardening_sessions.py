"""Headers and sessions: the browser is told to run only the appliance's own scripts, never to
frame the portal, to guess types or to leak addresses; a login starts a new session and a
logout, a password change or a reset really ends it, even for a copied cookie."""

from __future__ import annotations

import datetime
import re
import urllib.request
from pathlib import Path

from appliance.models.people import User
from appliance.models.sessions import WebSession
from tests.conftest import DEMO_PASSWORD, csrf_token, login, post_form

TEMPLATE_DIRS = [Path("webui/templates"), Path("captive_portal/templates"), Path("appliance/documents/templates")]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def _check_headers(response) -> None:
    csp = _csp(response)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["default-src"] == "default-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_kind_of_answer_carries_the_headers(client, demo):
    for path in ("/login", "/healthz", "/static/css/okey.css", "/no-such-page", "/activate?code=XXXX-XXXX"):
        _check_headers(client.get(path))
    login(client, "student1")
    for path in ("/student/", "/portfolio/", "/calendar/", "/teacher/"):  # the last one is a 403 page
        response = client.get(path)
        _check_headers(response)
        if response.mimetype == "text/html":
            assert response.headers["Cache-Control"] == "no-store"


def test_the_real_server_sends_them_too(live_server):
    with urllib.request.urlopen(live_server.url + "/login", timeout=10) as answer:
        _check_headers(answer)
        assert "HttpOnly" in answer.headers["Set-Cookie"]


def test_no_template_has_inline_script_or_handlers():
    """The policy forbids inline script; a template that had some would silently break."""
    found = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"<script\b([^>]*)>", text, re.I):
                if "src=" not in match.group(1):
                    found.append(f"{path}: inline <script>")
            if re.search(r"\son[a-z]+\s*=", text, re.I):
                found.append(f"{path}: on…= handler")
            if "javascript:" in text.lower():
                found.append(f"{path}: javascript: URL")
    assert not found, "\n".join(found)


def test_cookie_flags(client, demo, settings):
    response = login(client, "student1")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("okey_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP on the school LAN by default


def test_secure_cookies_when_served_over_https(settings, db, demo):
    from webui import create_app

    settings.server.secure_cookies = True
    client = create_app(settings, testing=True).test_client()
    assert "Secure" in login(client, "student1").headers["Set-Cookie"]


def test_login_starts_a_new_session(client, demo):
    before_token = csrf_token(client, "/login")
    before_cookie = client.get_cookie("okey_session").value
    login(client, "student1")
    assert client.get_cookie("okey_session").value != before_cookie
    # Nothing from before the login carries over: the old form token is gone with the old session.
    assert client.post("/logout", data={"csrf_token": before_token}).status_code == 400
    assert client.get("/student/").status_code == 200


def _copy_of(client, app):
    thief = app.test_client()
    thief.set_cookie("okey_session", client.get_cookie("okey_session").value)
    return thief


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client, demo):
    login(client, "student1")
    thief = _copy_of(client, app)
    assert thief.get("/student/").status_code == 200
    assert post_form(client, "/logout", page="/student/").status_code == 302
    assert client.get("/student/").status_code == 302
    stolen = thief.get("/student/")
    assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]
    assert WebSession.select().join(User).where(User.login == "student1").count() == 0


def test_logging_out_on_one_device_keeps_the_others(app, demo):
    phone, computer = app.test_client(), app.test_client()
    login(phone, "student1")
    login(computer, "student1")
    post_form(computer, "/logout", page="/student/")
    assert phone.get("/student/").status_code == 200


def test_password_change_ends_the_other_devices(app, demo):
    phone, computer = app.test_client(), app.test_client()
    login(phone, "student1")
    login(computer, "student1")
    new = "another-pass-2026"
    response = post_form(computer, "/password", {"current": DEMO_PASSWORD, "password": new, "repeat": new})
    assert response.status_code == 302
    assert computer.get("/student/").status_code == 200
    assert phone.get("/student/").status_code == 302


def test_reset_by_the_administrator_ends_every_session(app, demo):
    student, admin = app.test_client(), app.test_client()
    login(student, "student1")
    login(admin, "admin")
    user = User.get(User.login == "student1")
    assert post_form(admin, f"/admin/users/{user.id.hex}/reset", page="/admin/users").status_code == 200
    assert student.get("/student/").status_code == 302


def test_a_session_idle_too_long_ends(client, demo, settings):
    login(client, "student1")
    stale = datetime.datetime.now() - datetime.timedelta(hours=settings.security.session_idle_hours + 1)
    WebSession.update(last_seen_at=stale).execute()
    assert client.get("/student/").status_code == 302
    assert WebSession.select().count() == 0


def test_a_disabled_account_is_out_at_once(client, demo):
    login(client, "student1")
    User.update(active=False).where(User.login == "student1").execute()
    assert client.get("/student/").status_code == 302


def test_forged_session_ids_are_refused(app, demo):
    """Session ids the server never issued (the cookie is signed, but the id is checked too)."""
    user = User.get(User.login == "student1")
    for token in ("", "0" * 43, "x" * 500):
        with app.test_request_context("/"):
            assert app.login_manager._user_callback(f"{user.id.hex}:{user.session_epoch}:{token}") is None
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id.hex}:{user.session_epoch}:made-up"
        session["_fresh"] = True
    assert client.get("/student/").status_code == 302
