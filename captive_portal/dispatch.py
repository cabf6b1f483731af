"""Which app answers a request on the segment's port: the portal or the captive handler.

Requests naming the portal's host go to the portal; `/wifi/…` (the splash page, acceptance
and the RFC 8908 API) is the captive handler's on every host; everything else — any other
name a phone asks for, a bare address, a malformed Host — is the captive handler's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from captive_portal.handler import normalise_host

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class SegmentDispatcher:
    def __init__(self, portal: WSGIApp, captive: WSGIApp, portal_hosts: Iterable[str]):
        self.portal = portal
        self.captive = captive
        self.portal_hosts = {h.lower().rstrip(".") for h in portal_hosts if h}

    def choose(self, environ: dict) -> WSGIApp:
        path = environ.get("PATH_INFO", "")
        if path == "/wifi" or path.startswith("/wifi/"):
            return self.captive
        host = normalise_host(environ.get("HTTP_HOST", ""))
        return self.portal if host in self.portal_hosts else self.captive

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self.choose(environ)(environ, start_response)
