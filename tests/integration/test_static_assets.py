"""The portal's static files: fingerprinted names kept a year, precompressed copies for clients that
take them, the plain names still answering, and every page's links resolving (webui/assets.py)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import Client

from captive_portal.dispatch import SegmentDispatcher
from captive_portal.handler import create_captive_app
from tests.conftest import login
from webui import assets

STATIC = Path(assets.__file__).parent / "static"
LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')
YEAR = "public, max-age=31536000, immutable"


def static_links(html: str) -> list[str]:
    return list(dict.fromkeys(LINK.findall(html)))


def test_the_fingerprint_follows_the_content(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text("body { color: black; }\n" * 40)
    first = assets.build(tmp_path)["css/site.css"].fingerprinted
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", first)
    assert assets.build(tmp_path)["css/site.css"].fingerprinted == first  # the same file, the same name
    sheet.write_text("body { color: navy; }\n" * 40)
    rebuilt = assets.build(tmp_path)
    second = rebuilt["css/site.css"].fingerprinted
    assert second != first and first not in rebuilt


def _app_with(static_dir: Path) -> Flask:
    app = Flask("fingerprint_test", static_folder=str(static_dir))
    assets.register(app)
    return app


def test_a_changed_file_is_served_under_its_new_name_only(tmp_path):
    (tmp_path / "a.css").write_text("p { margin: 0; }\n" * 30)
    with _app_with(tmp_path).test_request_context():
        from flask import url_for

        old = url_for("static", filename="a.css")
    (tmp_path / "a.css").write_text("p { margin: 1em; }\n" * 30)
    app = _app_with(tmp_path)  # the next start
    with app.test_request_context():
        from flask import url_for

        new = url_for("static", filename="a.css")
    client = app.test_client()
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).get_data(as_text=True) == (tmp_path / "a.css").read_text()


def test_pages_link_fingerprinted_files_that_all_resolve(app, client, demo):
    visits = [(None, ["/login"]),
              ("student1", ["/student/", "/portfolio/", "/activities/", "/calendar/", "/trials/"]),
              ("teacher1", ["/teacher/"]), ("parent1", ["/parent/"]), ("admin", ["/admin/"])]
    seen: set[str] = set()
    for user, paths in visits:
        person = app.test_client()
        if user:
            login(person, user)
        for path in paths:
            page = person.get(path, follow_redirects=True)
            assert page.status_code == 200, path
            links = static_links(page.get_data(as_text=True))
            assert links, f"{path} links no stylesheet"
            for link in links:
                assert re.search(r"\.[0-9a-f]{12}\.[a-z0-9]+$", link), f"{path}: {link} is not fingerprinted"
                seen.add(link)
    for link in sorted(seen):
        answer = client.get(link, headers={"Accept-Encoding": "identity"})
        assert answer.status_code == 200, link
        assert answer.headers["Cache-Control"] == YEAR
        name = assets.FINGERPRINT.match(link.removeprefix("/static/"))
        assert answer.data == (STATIC / (name["stem"] + name["suffix"])).read_bytes()
    assert any(link.endswith(".css") for link in seen) and any(link.endswith(".svg") for link in seen)


def test_no_template_writes_a_static_path_by_hand():
    """Only url_for('static', …) gives the fingerprinted name; a literal /static/… would miss it."""
    templates = Path(assets.__file__).parent / "templates"
    written = [str(path) for path in templates.rglob("*.html") if re.search(r"[\"'(]/static/", path.read_text())]
    assert written == []


def _okey_css(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return next(link for link in static_links(page) if "/css/okey." in link)


def test_a_gzip_client_gets_the_gzip_copy_with_its_length(client, demo):
    link = _okey_css(client)
    plain = (STATIC / "css" / "okey.css").read_bytes()
    answer = client.get(link, headers={"Accept-Encoding": "gzip, deflate"})
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Vary"].split(",")[0].strip() == "Accept-Encoding"
    assert int(answer.headers["Content-Length"]) == len(answer.data) < len(plain) // 2
    assert gzip.decompress(answer.data) == plain
    assert answer.content_type.startswith("text/css")


def test_brotli_when_accepted_and_plain_bytes_when_nothing_is(client, demo):
    link = _okey_css(client)
    plain = (STATIC / "css" / "okey.css").read_bytes()
    if assets.brotli is not None:
        answer = client.get(link, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert answer.headers["Content-Encoding"] == "br"
        assert assets.brotli.decompress(answer.data) == plain
        assert int(answer.headers["Content-Length"]) == len(answer.data)
    for header in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0, br;q=0"}):
        answer = client.get(link, headers=header)
        assert "Content-Encoding" not in answer.headers and answer.data == plain, header
        assert int(answer.headers["Content-Length"]) == len(plain)


def test_a_repeat_with_the_etag_is_answered_without_a_body(client, demo):
    link = _okey_css(client)
    first = client.get(link, headers={"Accept-Encoding": "gzip"})
    again = client.get(link, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # Another encoding has another ETag: a gzip copy never answers a client that asked for none.
    other = client.get(link, headers={"Accept-Encoding": "identity", "If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and other.data == (STATIC / "css" / "okey.css").read_bytes()


def test_the_plain_names_still_answer_with_a_short_cache(client, demo):
    answer = client.get("/static/css/okey.css", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == assets.SHORT_CACHE
    assert gzip.decompress(answer.data) == (STATIC / "css" / "okey.css").read_bytes()


@pytest.mark.parametrize("path", ["/static/nothing.css", "/static/css/okey.0123456789ab.css", "/static/../app.py",
                                  "/static/css/", "/static/%2e%2e/__init__.py"])
def test_unknown_static_names_are_404(client, path):
    assert client.get(path).status_code == 404


def test_a_phone_in_the_wifi_segment_gets_the_stylesheet_through_the_portal_host(settings, app, db, tmp_path):
    leases = tmp_path / "leases"
    leases.write_text("")
    settings.segment.interface = "wlan0"
    settings.segment.leases_file = str(leases)
    neighbours = tmp_path / "arp"
    neighbours.write_text("IP address       HW type     Flags       HW address            Mask     Device\n")
    captive = create_captive_app(settings, counter_interval=0, neighbours=neighbours)
    phone = Client(SegmentDispatcher(app, captive, ["okey.internal"]))
    env = {"REMOTE_ADDR": "10.77.0.40"}
    page = phone.get("/login", headers={"Host": "okey.internal"}, environ_base=env)
    links = static_links(page.get_data(as_text=True))
    assert links
    for link in links:
        answer = phone.get(link, headers={"Host": "okey.internal", "Accept-Encoding": "gzip"}, environ_base=env)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == YEAR, link
    # The splash the segment shows before «Открыть портал» carries its style in the page itself.
    splash = phone.get("/wifi/", headers={"Host": "okey.internal"}, environ_base=env).get_data(as_text=True)
    assert "<style>" in splash and not static_links(splash)


def test_a_fingerprinted_file_is_answered_before_the_session_and_as_the_view_would(app, client, demo):
    """A logged-in phone's stylesheet: no session opened or checked (no `Vary: Cookie`, no cookie set,
    Flask never reached), and the very headers and bytes the `static` view gives."""
    from flask import request_started

    link = _okey_css(client)
    login(client, "student1")
    reached: list[str] = []

    def seen(sender, **extra):
        reached.append("flask")

    request_started.connect(seen, app)
    behind = Client(app.wsgi_app.app)  # the layers behind: Flask's own static view
    try:
        for header in ({"Accept-Encoding": "gzip, br"}, {"Accept-Encoding": "gzip"}, {}):
            answer = client.get(link, headers=header)
            assert reached == [], header
            view = behind.get(link, headers=header)
            assert reached, header
            reached.clear()
            assert answer.status_code == view.status_code == 200 and answer.data == view.data
            ignore = {"Vary", "Set-Cookie"}
            assert {(k, v) for k, v in answer.headers.items() if k not in ignore} == \
                {(k, v) for k, v in view.headers.items() if k not in ignore}, header
            assert answer.headers["Vary"] == "Accept-Encoding" and "Set-Cookie" not in answer.headers
            again = client.get(link, headers={**header, "If-None-Match": answer.headers["ETag"]})
            assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == answer.headers["ETag"]
        head = client.head(link, headers={"Accept-Encoding": "gzip"})
        assert head.status_code == 200 and head.data == b"" and int(head.headers["Content-Length"]) > 0
        # The plain name and an unknown fingerprint still go to Flask.
        assert client.get("/static/css/okey.css").headers["Cache-Control"] == assets.SHORT_CACHE and reached
        assert client.get("/static/css/okey.0123456789ab.css").status_code == 404
    finally:
        request_started.disconnect(seen, app)
