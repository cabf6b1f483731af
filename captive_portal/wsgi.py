"""The listeners `okey serve` runs on the segment's address: the portal plus the captive handler
over HTTP and, when a certificate is configured, over HTTPS: both served by the guarded waitress
server (appliance/listener.py), with one per-device cap over the two, the same timeouts and the
same early refusal of a body larger than the route takes."""

from __future__ import annotations

import logging
import ssl
import threading
from collections import Counter

from appliance.config import Settings
from appliance.db import database
from appliance.listener import SMALL_BODY, GuardedServer, portal_body_limit
from captive_portal.dispatch import SegmentDispatcher, WSGIApp
from captive_portal.handler import create_captive_app
from captive_portal.plan import SegmentPlan, build_plan

log = logging.getLogger("okey.segment")


def segment_app(settings: Settings, portal: WSGIApp) -> tuple[SegmentDispatcher, SegmentPlan]:
    """The dispatcher for the segment's listeners; raises SegmentConfigError on bad settings."""
    plan = build_plan(settings.segment)
    captive = create_captive_app(settings, plan)
    https_url = plan.portal_url if plan.tls else ""
    return SegmentDispatcher(portal, captive, [plan.portal_host, plan.tls_host], https_url), plan


def flush_probe_counts(dispatcher: SegmentDispatcher) -> None:
    """Store the probe counts still held in memory (at shutdown)."""
    counter = dispatcher.captive.extensions["okey_probe_counter"]
    opened = database.is_closed()
    database.connect(reuse_if_open=True)
    try:
        counter.flush()
    finally:
        if opened:
            database.close()


class SegmentListeners:
    """Bound at construction (so a busy port or a bad certificate fails at once), served by start()."""

    def __init__(self, settings: Settings, portal: WSGIApp, connection_limit: int | None = None):
        app, self.plan = segment_app(settings, portal)
        self.app = app
        seg = settings.segment
        # Pupils upload evidence photos from their phones here: the portal's own limit applies.
        max_body = (settings.server.max_upload_mb + 1) * 1024 * 1024

        def body_limit(method: str, host: str, path: str) -> int | None:
            # The captive handler's pages take a button press, never a file.
            if app.choose({"PATH_INFO": path.split("?", 1)[0], "HTTP_HOST": host}) is app.captive:
                return SMALL_BODY
            return portal_body_limit(method, host, path)

        # A class walking in means hundreds of phones connecting at once (waitress's default of
        # 100 open connections would leave the rest waiting unanswered), and anyone in radio
        # range may try to hold them all: each device gets its share, slow senders are cut off.
        # One device's connections are counted over HTTP and HTTPS together.
        guard = dict(threads=4, ident="okey", per_address=seg.connections_per_device,
                     header_timeout=seg.request_timeout, body_limit=body_limit, max_request_body_size=max_body,
                     channel_timeout=max(seg.request_timeout * 3, 60), per_ip=Counter(), per_ip_lock=threading.Lock())
        limit = connection_limit or seg.max_connections
        self.https = None
        context = None
        if self.plan.tls:
            # The certificate is read first: a missing or wrong file fails here, before any port is taken.
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(seg.tls_cert, seg.tls_key)
            limit = max(limit // 2, 10)  # the segment's share of open files, split between the two
        self.http = GuardedServer(app, host=str(self.plan.server_ip), port=self.plan.portal_port,
                                  connection_limit=limit, **guard)
        if context is not None:
            try:
                self.https = GuardedServer(app, host=str(self.plan.server_ip), port=self.plan.tls_port,
                                           connection_limit=limit, ssl_context=context, **guard)
            except BaseException:
                self.http.close()
                raise

    @property
    def urls(self) -> list[str]:
        urls = [f"http://{self.plan.server_ip}:{self.plan.portal_port}/"]
        if self.https:
            urls.append(f"https://{self.plan.tls_host}:{self.plan.tls_port}/ (API RFC 8908: {self.plan.api_url})")
        return urls

    def start(self) -> None:
        threading.Thread(target=self._run_http, name="okey-segment", daemon=True).start()
        if self.https:
            threading.Thread(target=self._run, args=(self.https,), name="okey-segment-tls", daemon=True).start()

    def _run_http(self) -> None:
        self._run(self.http)

    @staticmethod
    def _run(server: GuardedServer) -> None:
        try:
            server.run()
        except OSError:
            pass  # the listening socket closed by close()
        except BaseException:
            log.exception("слушатель сегмента Wi-Fi остановился")
            raise

    def close(self) -> None:
        self.http.close()
        if self.https:
            self.https.close()
        try:
            flush_probe_counts(self.app)
        except Exception as exc:  # noqa: BLE001 - shutting down: report, do not raise
            log.warning("счётчики проверок связи не сохранены: %s", exc)
