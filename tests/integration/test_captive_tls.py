"""With a certificate configured, the segment also speaks HTTPS: the RFC 8908 API and the
splash page under the certificate's name; probes redirect there."""

from __future__ import annotations

import datetime
import http.client
import json
import socket
import ssl
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
