"""`okey serve`: waitress serving the portal, with the scheduler and the zeroconf announcement."""

from __future__ import annotations

import logging
import resource
import signal
import sys

from waitress.server import create_server

from appliance.config import Settings
from appliance.db import database
from appliance.discovery import Announcer, build_service_info
from appliance.scheduler import build_scheduler

log = logging.getLogger("okey.server")


def configure_logging() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def build_wsgi_app(settings: Settings):
    from sync.http import bp as sync_upload
    from webui import create_app, csrf

    app = create_app(settings)
    # The district hub's bundle upload: authenticated by the bundle's signature, not a session.
    csrf.exempt(sync_upload)
    app.register_blueprint(sync_upload)
    return app


def build_segment_server(settings: Settings, portal):
    """The open Wi-Fi segment's listeners (segment address, port 80, and HTTPS when a certificate
    is set): requests for the portal's host name go to the portal, the rest to the captive handler."""
    from captive_portal.plan import SegmentConfigError
    from captive_portal.wsgi import SegmentListeners

    try:
        return SegmentListeners(settings, portal)
    except SegmentConfigError as exc:
        log.error("сегмент Wi-Fi не запущен, ошибки в [segment]: %s", "; ".join(exc.problems))
    except OSError as exc:  # the address is not configured yet, the port is busy, no certificate file
        log.error("сегмент Wi-Fi не запущен: %s", exc)
    return None


def _allow_open_files(wanted: int) -> None:
    """Raise the soft limit on open files (1024 by default) so every allowed connection fits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))


def run(settings: Settings) -> None:
    configure_logging()
    app = build_wsgi_app(settings)
    segment = build_segment_server(settings, app) if settings.segment.interface else None
    _allow_open_files(settings.server.connection_limit + 200)
    server = create_server(app, host=settings.server.host, port=settings.server.port,
                           threads=settings.server.threads, ident="okey",
                           connection_limit=settings.server.connection_limit,
                           # Flask refuses bodies over the upload limit with a Russian page (it reads
                           # Content-Length first); waitress cuts off only the absurd ones.
                           max_request_body_size=4 * settings.server.max_upload_mb * 1024 * 1024)
    scheduler = build_scheduler(settings)
    announcer = None
    if settings.server.announce:
        from appliance.services.school import get_school

        with database.connection_context():
            school_name = get_school().name
        announcer = Announcer(build_service_info(school_name, settings.server.port, settings.server.hostname))

    def stop(signum, frame):
        log.info("stopping on signal %s", signum)
        server.close()
        if segment:
            segment.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    if segment:
        segment.start()
        print(f"Сегмент Wi-Fi: {', '.join(segment.urls)}", flush=True)
    if announcer:
        try:
            announcer.start()
        except OSError as exc:  # no multicast-capable interface: the portal still works
            log.warning("zeroconf announcement failed: %s", exc)
            announcer = None
    print(f"«Окей, школа» работает: http://localhost:{settings.server.port}/ "
          f"(слушает {settings.server.host}:{settings.server.port})", flush=True)
    try:
        server.run()
    except OSError:
        pass  # the listening socket closed by the signal handler
    finally:
        if announcer:
            announcer.stop()
        scheduler.shutdown(wait=False)
        log.info("stopped")
