"""Which app answers a request on the segment's port: the portal or the captive handler.

Requests naming the portal's host go to the portal; `/wifi/…` (the splash page, acceptance
and the RFC 8908 API) is the captive handler's on every host; everything else — any other
name a phone asks for, a bare address, a malformed Host — is the captive handler's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from captive_portal.handler import normalise_host

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


HSTS = "max-age=31536000"


class SegmentDispatcher:
    """With `https_url` (a certificate is set), the portal is HTTPS-only on the segment: plain
    HTTP to the portal's own names is redirected there before any form or cookie travels, and
    HTTPS answers carry HSTS and mark every cookie Secure. The captive handler stays on HTTP:
    the systems' probes are plain HTTP by design."""

    def __init__(self, portal: WSGIApp, captive: WSGIApp, portal_hosts: Iterable[str], https_url: str = ""):
        self.portal = portal
        self.captive = captive
        self.portal_hosts = {h.lower().rstrip(".") for h in portal_hosts if h}
        self.https_url = https_url.rstrip("/")

    def choose(self, environ: dict) -> WSGIApp:
        path = environ.get("PATH_INFO", "")
        if path == "/wifi" or path.startswith("/wifi/"):
            return self.captive
        host = normalise_host(environ.get("HTTP_HOST", ""))
        return self.portal if host in self.portal_hosts else self.captive

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        app = self.choose(environ)
        if not self.https_url:
            return app(environ, start_response)
        if environ.get("wsgi.url_scheme") != "https":
            if app is self.portal:
                query = environ.get("QUERY_STRING", "")
                location = self.https_url + (environ.get("PATH_INFO", "") or "/") + (f"?{query}" if query else "")
                start_response("308 Permanent Redirect", [("Location", location), ("Content-Length", "0"),
                                                          ("Cache-Control", "no-store")])
                return [b""]
            return app(environ, start_response)

        def secure_start(status, headers, exc_info=None):
            headers = [(name, value + "; Secure" if name.lower() == "set-cookie"
                        and "secure" not in value.lower() else value) for name, value in headers]
            headers.append(("Strict-Transport-Security", HSTS))
            return start_response(status, headers, exc_info)

        return app(environ, secure_start)
