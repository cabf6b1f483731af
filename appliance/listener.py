"""A waitress server that an unfriendly client cannot bring down.

Waitress's defaults trust the network: it watches its sockets with `select()` (which cannot see a
descriptor above 1024, so a thousand open connections make the whole process exit), lets one client
open as many connections as the total allows, keeps a connection that sends one byte a minute, and
reads a whole body before the application can say it is too large. This server:

- watches sockets with `poll()`;
- caps the connections one client address may hold (`per_address`); more are closed at once;
- closes a connection whose request is not complete in time: headers within `header_timeout`
  seconds, a body at `min_body_rate` bytes a second at least;
- refuses a body larger than the route accepts (`body_limit(method, host, path)`) as soon as the
  headers have arrived, before reading it;
- speaks TLS itself when given an `ssl_context`: the handshake runs inside the same poll loop (a
  client that never finishes it is one more silent connection, closed after `header_timeout`), so
  HTTPS gets the same caps, timeouts and early 413 as plain HTTP; listeners given one `per_ip`
  counter share the per-address cap (the segment's HTTP and HTTPS together);
- lets a route look at the first bytes of a body as they arrive (`body_check`): the inspector it
  gives says read on, or stop here — then the body is cut where it is, the request goes to the
  application with only what came (its Content-Length says so), the rest is never read and the
  connection closes after the answer. The district hub checks a bundle's header and signature so;
- under load, hands each request to a task thread and lets it run at once (`add_task`), and notes a
  waiting queue in the journal once a minute, not once a request (`QueueDepthNotes`).
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher
from waitress.utilities import RequestEntityTooLarge

log = logging.getLogger("okey.listener")

# (method, host, path) → the largest body the route accepts, in bytes; None: the server's limit.
BodyLimit = Callable[[str, str, str], "int | None"]
# What an inspector answers for the body's first bytes: not enough yet, read on, or stop here.
MORE, READ, CUT = None, "read", "cut"
Inspector = Callable[[bytes], "str | None"]
# (method, host, path, Content-Length) → an inspector of the body's first bytes, or None.
BodyCheck = Callable[[str, str, str, int], "Inspector | None"]
INSPECT_LIMIT = 128 * 1024  # an inspector that still wants more after this many bytes: cut
# The header a cut request carries to the application (X-Okey-Body-Cut: the Content-Length the
# client declared); one the client sends itself is removed.
CUT_HEADER = "X_OKEY_BODY_CUT"


class _GuardedParser(HTTPRequestParser):
    body_limit: BodyLimit | None = None
    body_check: BodyCheck | None = None
    channel: _GuardedChannel | None = None

    def __init__(self, adj):
        super().__init__(adj)
        self.started = time.monotonic()
        self._route_checked = False
        self.route_limit: int | None = None
        self.inspector: Inspector | None = None
        self._inspected = 0
        self.cut = False

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if self.headers_finished and not self.completed and not self._route_checked:
            self._route_checked = True
            self.headers.pop(CUT_HEADER, None)
            host, method, path = self.headers.get("HOST", ""), self.command or "", self.path or ""
            if self.body_limit is not None:
                self.route_limit = self.body_limit(method, host, path)
            if self.body_check is not None:
                self.inspector = self.body_check(method, host, path, self.content_length)
        if (self.route_limit is not None and not self.completed and self.error is None
                and max(self.content_length, self.body_bytes_received) > self.route_limit):
            self.error = RequestEntityTooLarge(f"exceeds this route's limit of {self.route_limit}")
            self.completed = True
        if (self.inspector is not None and not self.completed and self.error is None and self.body_rcv is not None
                and self.body_bytes_received > self._inspected):
            self._inspect()
        return consumed

    def _inspect(self) -> None:
        self._inspected = self.body_bytes_received
        size = min(self._inspected, INSPECT_LIMIT)
        verdict = self.inspector(self.body_rcv.getbuf().get(size)[:size])
        if verdict is MORE and size < INSPECT_LIMIT:
            return
        self.inspector = None
        if verdict == READ:
            return
        # Stop here: the application gets what came, as if that were the whole body, and answers;
        # the channel drops whatever else the client sends and closes after the answer.
        self.cut = True
        self.completed = True
        self.headers[CUT_HEADER] = str(self.content_length)
        self.headers["CONTENT_LENGTH"] = str(self._inspected)
        self.headers["CONNECTION"] = "close"
        if self.channel is not None:
            self.channel.discard = True


class _GuardedChannel(HTTPChannel):
    """A plain HTTP connection: counted against its address's cap, and cut off as the parser says.
    The poll loop asks every open connection whether it is readable and writable on each turn, so
    this class leaves those to waitress; TLS has its own class."""

    discard = False  # a body was cut: what else arrives on this connection is dropped

    def parser_class(self, adj):  # called by HTTPChannel.received for each new request
        parser = _GuardedParser(adj)
        parser.body_limit = self.server.body_limit
        parser.body_check = self.server.body_check
        parser.channel = self
        return parser

    def received(self, data):
        if self.discard:
            return True
        return super().received(data)

    def __init__(self, server, sock, addr, adj, map=None):
        self.client_ip = addr[0] if isinstance(addr, tuple) else str(addr)
        super().__init__(server, sock, addr, adj, map)
        with server.per_ip_lock:
            server.per_ip[self.client_ip] += 1
        self.counted = True

    def del_channel(self, map=None):
        if getattr(self, "counted", False):
            self.counted = False
            with self.server.per_ip_lock:
                per_ip = self.server.per_ip
                per_ip[self.client_ip] -= 1
                if per_ip[self.client_ip] <= 0:
                    del per_ip[self.client_ip]
        super().del_channel(map)


class _GuardedTLSChannel(_GuardedChannel):
    """An HTTPS connection. A non-blocking SSL socket says "not yet" with SSLWantRead/WriteError
    rather than EWOULDBLOCK, and may hold decrypted bytes that poll() cannot see (`pending()`)."""

    handshaking = True  # the handshake has not finished, no request bytes yet
    _handshake_wants_write = False

    def __init__(self, server, sock, addr, adj, map=None):
        # OpenSSL must not read and write one connection from two threads at once: a task thread
        # sends while the poll loop may read.
        self._tls_lock = threading.Lock()
        super().__init__(server, sock, addr, adj, map)

    def readable(self):
        if self.handshaking:
            return not self.will_close
        return super().readable()

    def writable(self):
        if self.handshaking:
            return self._handshake_wants_write or self.will_close
        return super().writable()

    def handle_write(self):
        if self.handshaking:
            if self.will_close:
                self.handle_close()
            else:
                self._handshake()
            return
        super().handle_write()

    def handle_read(self):
        if self.handshaking:
            self._handshake()
            if self.handshaking or not self.socket.pending():
                return
        try:
            with self._tls_lock:
                data = self.socket.recv(self.adj.recv_bytes)
                while self.socket.pending():
                    data += self.socket.recv(self.socket.pending())
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except OSError:  # a reset, a bad record, an alert
            self.handle_close()
            return
        if not data:  # the client closed
            self.handle_close()
            return
        self.last_activity = time.time()
        self.received(data)

    def _handshake(self) -> None:
        try:
            with self._tls_lock:
                self.socket.do_handshake()
        except ssl.SSLWantReadError:
            self._handshake_wants_write = False
            return
        except ssl.SSLWantWriteError:
            self._handshake_wants_write = True
            return
        except OSError as exc:  # not TLS at all, an old protocol, a reset: nothing to answer
            log.debug("TLS handshake with %s failed: %s", self.client_ip, exc)
            self.server.handshakes_failed += 1
            self.handle_close()
            return
        self.handshaking = False
        self._handshake_wants_write = False

    def send(self, data, do_close=True):
        try:
            with self._tls_lock:
                return self.socket.send(data)
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
            return 0  # retried later with the same bytes (and perhaps more), as OpenSSL requires


class QueueDepthNotes:
    """waitress warns "Task queue depth is N" for every request that has to wait for a thread: when
    a class opens the portal at once, that is thousands of lines a minute in the journal and a log
    record built for each request. This passes on the deepest queue once a minute instead."""

    def __init__(self, logger: logging.Logger, every: float = 60, clock: Callable[[], float] = time.monotonic):
        self.logger, self.every, self.clock = logger, every, clock
        self.deepest, self.next_at = 0, 0.0
        self.lock = threading.Lock()

    def warning(self, message: str, depth: int) -> None:
        now = self.clock()
        with self.lock:
            self.deepest = max(self.deepest, depth)
            if now < self.next_at:
                return
            deepest, self.deepest, self.next_at = self.deepest, 0, now + self.every
        self.logger.warning("запросы ждут свободного потока: в очереди было до %d", deepest)


class GuardedServer(TcpWSGIServer):
    channel_class = _GuardedChannel

    def __init__(self, application, *, per_address: int = 0, header_timeout: float = 20,
                 min_body_rate: int = 4096, body_limit: BodyLimit | None = None,
                 body_check: BodyCheck | None = None, sock: socket.socket | None = None,
                 ssl_context: ssl.SSLContext | None = None, per_ip: Counter[str] | None = None,
                 per_ip_lock: threading.Lock | None = None, **options):
        options.setdefault("asyncore_use_poll", True)
        options.setdefault("cleanup_interval", 5)
        if ssl_context is not None:
            options.setdefault("url_scheme", "https")
        adj = Adjustments(**options)
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.queue_logger = QueueDepthNotes(dispatcher.queue_logger)
        dispatcher.set_thread_count(adj.threads)
        self.per_address = per_address
        self.header_timeout = header_timeout
        self.min_body_rate = min_body_rate
        self.body_limit = body_limit
        self.body_check = body_check
        self.ssl_context = ssl_context
        if ssl_context is not None:
            self.channel_class = _GuardedTLSChannel
        # Shared between listeners (with its lock) when one cap covers them together.
        self.per_ip: Counter[str] = Counter() if per_ip is None else per_ip
        self.per_ip_lock = per_ip_lock or threading.Lock()
        self.handshakes_failed = 0  # TLS connections that never became one
        self.refused = 0  # connections closed at once: their address held too many
        self.timed_out = 0  # connections closed for sending too slowly
        if sock is not None:
            super().__init__(application, {}, True, sock, dispatcher=dispatcher, adj=adj, bind_socket=False,
                             sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()))
        else:
            super().__init__(application, {}, True, None, dispatcher=dispatcher, adj=adj,
                             sockinfo=adj.listen[0])

    def add_task(self, task):
        super().add_task(task)
        # The poll loop has just woken a task thread; without a pause it takes the GIL straight back
        # and polls again while the task thread waits out the 5 ms switch interval. Under a class's
        # load that starved the task threads and burned the CPU in the loop (measured: 250 against
        # 2,100 pages/s with 50 connections on one process; docs: README, issue 21).
        time.sleep(0)

    def handle_accept(self):
        try:
            pair = self.accept()
            if pair is None:
                return
            conn, addr = pair
        except OSError:
            # EMFILE and friends: keep serving the connections already open.
            log.warning("accept() failed", exc_info=True)
            return
        with self.per_ip_lock:
            full = self.per_address and self.per_ip[addr[0]] >= self.per_address
        if full:
            self.refused += 1
            # A reset, not a polite close: the client learns at once and nothing lingers.
            try:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            conn.close()
            return
        try:
            self.set_socket_options(conn)
            if self.ssl_context is not None:
                # The handshake happens in the poll loop, never here: a client that connects and
                # says nothing must not hold up the next one.
                conn = self.ssl_context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        except OSError:
            conn.close()
            return
        self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)

    def maintenance(self, now):
        super().maintenance(now)
        mono = time.monotonic()
        for channel in list(self.active_channels.values()):
            request = getattr(channel, "request", None)
            if request is None:
                # Connected and silent ever since: the same as headers that never come.
                if (not channel.requests and channel.last_activity == channel.creation_time
                        and time.time() - channel.creation_time > self.header_timeout):
                    self.timed_out += 1
                    channel.will_close = True
                continue
            if request.completed or not isinstance(request, _GuardedParser):
                continue
            allowed = self.header_timeout
            if request.headers_finished:
                allowed += max(request.content_length, request.body_bytes_received) / self.min_body_rate
            if mono - request.started > allowed:
                self.timed_out += 1
                channel.will_close = True

    def run(self):
        self.asyncore.loop(timeout=self.adj.asyncore_loop_timeout, map=self._map, use_poll=True)

    def close(self):
        """Stop: the listening socket and every open connection, so that run() returns at once (an idle
        keep-alive connection would otherwise keep the loop, and the process, alive)."""
        super().close()
        for channel in list(self._map.values()):
            channel.close()
        self.task_dispatcher.shutdown(timeout=5)


def open_files_limit(wanted: int) -> int:
    """Raise the soft limit on open files towards `wanted`; return the limit now in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


# Forms an anonymous visitor can send: a login, a code and a password are a few hundred bytes.
SMALL_BODY = 16 * 1024
_SMALL_FORMS = ("/login", "/activate", "/password", "/language", "/logout")


def portal_body_limit(method: str, host: str, path: str) -> int | None:
    """The portal's routes: the anonymous forms accept a small body; the rest the upload limit."""
    path = path.split("?", 1)[0].rstrip("/") or "/"
    if method in ("GET", "HEAD", "OPTIONS") or path in _SMALL_FORMS or path == "/":
        return SMALL_BODY
    if path.startswith("/trials/expert/"):  # the expert's one-time form: a few levels and a comment
        return SMALL_BODY
    return None


def connection_budget(lan: int, segment: int, reserve: int = 256) -> tuple[int, int, int]:
    """(LAN connections, segment connections, open-files limit): the limit raised to hold both,
    and both lowered in proportion where the system allows fewer open files."""
    limit = open_files_limit(lan + segment + reserve)
    room = limit - reserve
    if lan + segment > room > 0:
        scale = room / (lan + segment)
        lan, segment = max(int(lan * scale), 10), max(int(segment * scale), 10) if segment else 0
    return lan, segment, limit
