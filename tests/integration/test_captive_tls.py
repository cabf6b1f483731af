"""With a certificate configured, the segment also speaks HTTPS: the RFC 8908 API and the
splash page under the certificate's name; probes redirect there."""

from __future__ import annotations

import datetime
import http.client
import json
import socket
import ssl
import time
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from captive_portal.wsgi import SegmentListeners
from tests.conftest import free_port

TLS_HOST = "portal.school74.ru"


@pytest.fixture
def certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(TLS_HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def listeners(settings, app, certificate, tmp_path):
    seg = settings.segment
    seg.interface, seg.address, seg.dhcp_start, seg.dhcp_end = "lo", "127.0.0.1/24", "127.0.0.20", "127.0.0.200"
    seg.portal_port, seg.tls_port = free_port(), free_port()
    seg.tls_host, seg.tls_cert, seg.tls_key = TLS_HOST, str(certificate[0]), str(certificate[1])
    seg.leases_file = str(tmp_path / "none.leases")
    running = SegmentListeners(settings, app)
    running.start()
    yield running
    running.close()


def https_get(port: int, path: str, cafile) -> tuple[int, dict, bytes]:
    context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=TLS_HOST) as tls:
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {TLS_HOST}\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := tls.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_rfc8908_api_over_https(listeners, certificate):
    status, headers, body = https_get(listeners.plan.tls_port, "/wifi/api", certificate[0])
    assert status == 200 and headers["content-type"] == "application/captive+json"
    port = listeners.plan.tls_port
    assert json.loads(body) == {"captive": True, "user-portal-url": f"https://{TLS_HOST}:{port}/wifi/",
                                "venue-info-url": f"https://{TLS_HOST}:{port}/"}


def test_splash_and_portal_over_https_and_probes_redirect_there(listeners, certificate):
    port = listeners.plan.tls_port
    status, _, page = https_get(port, "/wifi/", certificate[0])
    assert status == 200 and "Открыть портал" in page.decode()
    status, _, page = https_get(port, "/login", certificate[0])
    assert status == 200 and b'name="csrf_token"' in page
    request = urllib.request.Request(f"http://127.0.0.1:{listeners.plan.portal_port}/generate_204",
                                     headers={"Host": "connectivitycheck.gstatic.com"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    assert answer.value.code == 302 and answer.value.headers["Location"] == f"https://{TLS_HOST}:{port}/wifi/"


def test_a_missing_certificate_fails_at_once(settings, app, tmp_path):
    seg = settings.segment
    seg.interface, seg.address, seg.dhcp_start, seg.dhcp_end = "lo", "127.0.0.1/24", "127.0.0.20", "127.0.0.200"
    seg.portal_port, seg.tls_port = free_port(), free_port()
    seg.tls_host, seg.tls_cert, seg.tls_key = TLS_HOST, str(tmp_path / "no.pem"), str(tmp_path / "no.key")
    with pytest.raises(OSError):
        SegmentListeners(settings, app)


def test_with_a_certificate_the_portal_is_https_only_on_the_segment(listeners, certificate):
    port = listeners.plan.tls_port
    # Plain HTTP to the portal's own names is sent to HTTPS, before any form or cookie travels.
    for host in ("okey.internal", TLS_HOST):
        connection = http.client.HTTPConnection("127.0.0.1", listeners.plan.portal_port, timeout=10)
        connection.request("GET", "/login?next=/x", headers={"Host": host})
        answer = connection.getresponse()
        assert (answer.status, answer.headers["Location"]) == (308, f"https://{TLS_HOST}:{port}/login?next=/x")
        assert "Set-Cookie" not in answer.headers
        connection.close()
    # Over HTTPS: HSTS, and every cookie is Secure.
    status, headers, _ = https_get(port, "/login", certificate[0])
    assert status == 200 and headers["strict-transport-security"].startswith("max-age=")
    assert "set-cookie" in headers and "Secure" in headers["set-cookie"]


# The HTTPS listener holds the same line as plain HTTP (issue 14): a per-device cap counted over
# both, the handshake inside the poll loop (a client that connects and says nothing holds up no
# one), slow senders cut off, and a body larger than the route takes refused from its headers.

PHONE, OTHER = "127.0.0.7", "127.0.0.9"


@pytest.fixture
def guarded(settings, app, certificate, tmp_path):
    seg = settings.segment
    seg.interface, seg.address, seg.dhcp_start, seg.dhcp_end = "lo", "127.0.0.1/24", "127.0.0.20", "127.0.0.200"
    seg.portal_port, seg.tls_port = free_port(), free_port()
    seg.tls_host, seg.tls_cert, seg.tls_key = TLS_HOST, str(certificate[0]), str(certificate[1])
    seg.leases_file = str(tmp_path / "none.leases")
    seg.connections_per_device, seg.request_timeout = 6, 2
    running = SegmentListeners(settings, app)
    for server in (running.http, running.https):
        server.adj.cleanup_interval = 1
    running.start()
    yield running
    running.close()


def raw(port: int, source: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    return sock


def tls_request(port: int, cafile, source: str, request: bytes) -> tuple[float, bytes]:
    """Seconds to the first line of the answer, and the answer, for `request` sent over HTTPS."""
    started = time.monotonic()
    context = ssl.create_default_context(cafile=str(cafile))
    with raw(port, source) as sock, context.wrap_socket(sock, server_hostname=TLS_HOST) as tls:
        tls.sendall(request)
        reply = b""
        while b"\r\n" not in reply and (chunk := tls.recv(65536)):
            reply += chunk
        return time.monotonic() - started, reply


def healthz(port: int, cafile, source: str = OTHER) -> tuple[float, bytes]:
    return tls_request(port, cafile, source, f"GET /healthz HTTP/1.1\r\nHost: {TLS_HOST}\r\nConnection: close\r\n\r\n"
                       .encode())


def is_refused(sock: socket.socket) -> bool:
    """The connection was reset (or closed) by the server, not left open."""
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, TimeoutError) as exc:
        return isinstance(exc, ConnectionResetError)


def one_more_is_refused(port: int, source: str) -> bool:
    try:
        sock = raw(port, source)
    except ConnectionResetError:  # on loopback the reset can overtake the end of connect()
        return True
    with sock:
        return is_refused(sock)


def test_silent_tls_connections_hold_up_no_one_and_one_device_holds_its_share(guarded, certificate):
    port, cafile = guarded.plan.tls_port, certificate[0]
    held = []
    try:
        # Fifty connections from ten addresses that never start the handshake: the old server did
        # the handshake in its accept loop and waited ten seconds on each. Five from each address
        # stay under the per-device cap of six, so none of them is reset.
        for n in range(50):
            held.append(raw(port, f"127.0.0.{30 + n % 10}"))
        seconds, reply = healthz(port, cafile)
        assert reply.startswith(b"HTTP/1.1 200") and seconds < 1, (seconds, reply[:40])
        # One phone: six connections over HTTP and HTTPS together, the seventh reset at once.
        mine = [raw(guarded.plan.portal_port, PHONE) for _ in range(3)] + [raw(port, PHONE) for _ in range(3)]
        held += mine
        time.sleep(0.3)
        assert one_more_is_refused(port, PHONE)
        assert one_more_is_refused(guarded.plan.portal_port, PHONE)
        assert guarded.https.refused >= 1 and guarded.http.refused >= 1
        # Another phone is unaffected.
        seconds, reply = healthz(port, cafile)
        assert reply.startswith(b"HTTP/1.1 200") and seconds < 1
        # The silent ones are closed after the timeout (2 s here), freeing the phone's share.
        deadline = time.monotonic() + 10
        while guarded.https.timed_out < 50 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert guarded.https.timed_out >= 50
        assert all(is_refused(sock) for sock in mine[3:])
        seconds, reply = healthz(port, cafile, PHONE)
        assert reply.startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()


def test_a_slow_sender_over_tls_is_cut_off_and_a_large_body_refused_before_it_is_read(guarded, certificate):
    port, cafile = guarded.plan.tls_port, certificate[0]
    context = ssl.create_default_context(cafile=str(cafile))
    # Headers that never finish, after a good handshake.
    with raw(port, PHONE) as sock, context.wrap_socket(sock, server_hostname=TLS_HOST) as slow:
        slow.sendall(b"GET /login HTTP/1.1\r\nHost: " + TLS_HOST.encode() + b"\r\n")
        started = time.monotonic()
        slow.settimeout(15)
        try:
            closed = slow.recv(1) == b""
        except (ConnectionResetError, ssl.SSLError):
            closed = True
        assert closed and time.monotonic() - started < 8
    # 50 MB declared for the login form (it takes 16 KB): 413 at once, not after the body.
    seconds, reply = tls_request(port, cafile, OTHER, (
        f"POST /login HTTP/1.1\r\nHost: {TLS_HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\nlogin=").encode())
    assert reply.startswith(b"HTTP/1.1 413") and seconds < 1, (seconds, reply[:40])
    # Junk instead of a handshake is dropped without an answer; the listener goes on.
    with raw(port, PHONE) as junk:
        junk.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert is_refused(junk)
    assert healthz(port, cafile)[1].startswith(b"HTTP/1.1 200")


def test_a_large_answer_over_tls_arrives_whole_to_a_slow_reader(certificate):
    """Writes that fill the socket take the non-blocking TLS retry path and lose nothing: 8 MB to a
    client that reads nothing for a second, then reads in small bites."""
    import hashlib
    import threading

    from appliance.listener import GuardedServer

    payload = bytes(range(256)) * (8 * 4096)

    def app(environ, start_response):
        assert environ["wsgi.url_scheme"] == "https"
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(payload)))])
        return [payload[i:i + 65536] for i in range(0, len(payload), 65536)]

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    server = GuardedServer(app, host="127.0.0.1", port=free_port(), threads=2, ssl_context=context, per_address=4)
    port = server.socket.getsockname()[1]
    threading.Thread(target=server.run, daemon=True).start()
    try:
        client = ssl.create_default_context(cafile=str(certificate[0]))
        with raw(port, PHONE) as sock, client.wrap_socket(sock, server_hostname=TLS_HOST) as tls:
            tls.sendall(f"GET / HTTP/1.1\r\nHost: {TLS_HOST}\r\nConnection: close\r\n\r\n".encode())
            time.sleep(1)
            reply = b""
            while chunk := tls.recv(4096):
                reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert hashlib.sha256(body).digest() == hashlib.sha256(payload).digest()
    finally:
        server.close()
