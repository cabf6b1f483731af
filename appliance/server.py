"""`okey serve`: waitress serving the portal, with the scheduler and the zeroconf announcement."""

from __future__ import annotations

import logging
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
    from webui import create_app

    return create_app(settings)


def run(settings: Settings) -> None:
    configure_logging()
    app = build_wsgi_app(settings)
    server = create_server(app, host=settings.server.host, port=settings.server.port,
                           threads=settings.server.threads, ident="okey",
                           # Requests above the upload limit are refused before they are read.
                           max_request_body_size=(settings.server.max_upload_mb + 1) * 1024 * 1024)
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

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
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
