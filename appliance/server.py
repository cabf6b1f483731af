"""`okey serve`: waitress serving the portal, with the scheduler and the zeroconf announcement."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time

from appliance import migrations
from appliance.config import Settings
from appliance.db import database
from appliance.listener import GuardedServer, connection_budget, portal_body_limit
from appliance.scheduler import build_scheduler

log = logging.getLogger("okey.server")


def configure_logging() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def tune_memory() -> bool:
    """Keep glibc's allocator from holding on to memory that threads used once.

    A password check (argon2id) takes 19 MiB. glibc serves such a block with mmap and returns it
    when freed, but then raises its threshold so that later ones come from per-thread heaps, which
    it keeps: eight threads checking logins left a worker at ~250 MB resident. A fixed 1 MiB
    threshold (large blocks always go back to the system) and two heaps instead of one per thread
    keep it near what the program needs. Elsewhere than glibc nothing is changed."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    mmap_threshold, arena_max = -3, -8  # M_MMAP_THRESHOLD, M_ARENA_MAX from <malloc.h>
    return bool(libc.mallopt(mmap_threshold, 1024 * 1024)) and bool(libc.mallopt(arena_max, 2))


def upload_check(settings: Settings):
    """The district hub's early look at bundle uploads, for the listener."""
    from sync.http import body_check

    return body_check(settings)


def build_wsgi_app(settings: Settings):
    from sync.http import bp as sync_upload
    from webui import create_app, csrf

    app = create_app(settings)
    # The district hub's bundle upload: authenticated by the bundle's signature, not a session.
    csrf.exempt(sync_upload)
    app.register_blueprint(sync_upload)
    return app


def build_segment_server(settings: Settings, portal, connection_limit: int | None = None):
    """The open Wi-Fi segment's listeners (segment address, port 80, and HTTPS when a certificate
    is set): requests for the portal's host name go to the portal, the rest to the captive handler."""
    from captive_portal.plan import SegmentConfigError
    from captive_portal.wsgi import SegmentListeners

    try:
        return SegmentListeners(settings, portal, connection_limit)
    except SegmentConfigError as exc:
        log.error("сегмент Wi-Fi не запущен, ошибки в [segment]: %s", "; ".join(exc.problems))
    except OSError as exc:  # the address is not configured yet, the port is busy, no certificate file
        log.error("сегмент Wi-Fi не запущен: %s", exc)
    return None


def _fork_worker(app, listener: socket.socket, options: dict) -> int:
    """A process that answers requests on the shared socket until told to stop; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    status, parent = 0, os.getppid()
    try:
        server = GuardedServer(app, sock=listener, **options)
        signal.signal(signal.SIGTERM, lambda signum, frame: server.close())

        def follow_parent() -> None:
            # The first process was killed outright: do not go on serving alone.
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=follow_parent, daemon=True).start()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the first process, which stops us
        with contextlib.suppress(OSError):  # the socket closed by the signal handler
            server.run()
    except BaseException:
        log.exception("worker process failed")
        status = 1
    finally:
        os._exit(status)


def run(settings: Settings) -> None:
    configure_logging()
    tune_memory()  # before any thread exists; forked workers inherit it
    app = build_wsgi_app(settings)
    segment_wanted = settings.segment.max_connections if settings.segment.interface else 0
    lan_limit, segment_limit, files = connection_budget(settings.server.connection_limit, segment_wanted)
    if (lan_limit, segment_limit) != (settings.server.connection_limit, segment_wanted):
        log.warning("открытых файлов разрешено %s: соединений в сети школы не больше %s, в сегменте Wi-Fi — %s",
                    files, lan_limit, segment_limit)
    options = dict(threads=settings.server.threads, ident="okey", connection_limit=lan_limit,
                   per_address=settings.server.connections_per_address,
                   header_timeout=settings.server.request_timeout, body_limit=portal_body_limit,
                   body_check=upload_check(settings),
                   # Flask refuses bodies over the upload limit with a Russian page (it reads
                   # Content-Length first); waitress cuts off only the absurd ones.
                   max_request_body_size=4 * settings.server.max_upload_mb * 1024 * 1024)
    # The upgrade is done and /healthz reads the migrations' names only: their modules can go, before
    # the workers are forked so that none of them carries them.
    migrations.forget()
    gc.collect()
    # What is loaded by now lives as long as the server: the collector need not look at it again,
    # so it never writes to those pages and forked workers keep sharing them with the first process.
    gc.freeze()
    workers: list[int] = []
    count = settings.server.worker_count()
    if count > 1:
        # One listening socket shared by several processes; the kernel hands each connection
        # to one of them. Forked before any thread or database connection exists.
        listener = socket.create_server((settings.server.host, settings.server.port), backlog=1024)
        workers = [_fork_worker(app, listener, options) for _ in range(count - 1)]
        server = GuardedServer(app, sock=listener, **options)
    else:
        server = GuardedServer(app, host=settings.server.host, port=settings.server.port, **options)
    segment = build_segment_server(settings, app, segment_limit) if settings.segment.interface else None
    scheduler = build_scheduler(settings)
    announcer = None
    if settings.server.announce:
        # zeroconf (and asyncio under it) only in a server that announces itself.
        from appliance.discovery import Announcer, build_service_info
        from appliance.services.school import get_school

        with database.connection_context():
            school_name = get_school().name
        announcer = Announcer(build_service_info(school_name, settings.server.port, settings.server.hostname))

    def stop(signum, frame):
        log.info("stopping on signal %s", signum)
        server.close()
        if segment:
            segment.close()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

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
        for pid in workers:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        log.info("stopped")
