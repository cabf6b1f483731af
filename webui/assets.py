"""The portal's own static files (CSS, pictures, fonts, scripts under webui/static), fingerprinted
and compressed once when the app is made, served from memory.

`url_for('static', filename='css/okey.css')` — the one way a template names a static file — gives
`/static/css/okey.3f9a1c0b2d4e.css`: the name carries the first 12 hex digits of the file's SHA-256,
so a browser may keep it for a year without asking again (`Cache-Control: public, max-age=31536000,
immutable`), and a changed file gets a new name at the next start. A client that accepts brotli or
gzip gets the smaller of the precompressed copies (`Vary: Accept-Encoding`). The plain name still
answers, with a short cache, for a page a phone kept from before an upgrade.

Everything is read from the package at start (a few tens of KB): nothing is written next to the
program, which may be read-only, and nothing comes from outside the appliance.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response, abort, request
from werkzeug.http import parse_accept_header, parse_etags
from werkzeug.utils import get_content_type

# A year, and `immutable`: the content behind a fingerprinted name never changes.
LONG_CACHE = "public, max-age=31536000, immutable"
# The plain name of a file changes content with an upgrade: kept five minutes, then asked again.
SHORT_CACHE = "public, max-age=300"
# Text compresses; PNG, JPEG and WOFF2 are compressed already.
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".txt", ".ico", ".ttf", ".otf", ".map", ".webmanifest"}
SMALLEST_WORTH_COMPRESSING = 256  # bytes: below this the headers cost more than is saved
FINGERPRINT = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Asset:
    name: str  # as templates name it: css/okey.css
    fingerprinted: str  # css/okey.3f9a1c0b2d4e.css
    mimetype: str
    etag: str
    body: bytes
    gzip: bytes | None
    br: bytes | None


def fingerprinted_name(name: str, digest: str) -> str:
    path = Path(name)
    return str(path.with_name(f"{path.stem}.{digest[:12]}{path.suffix}"))


def _compressed(body: bytes, squeeze) -> bytes | None:
    smaller = squeeze(body)
    return smaller if len(smaller) < len(body) else None


@functools.lru_cache(maxsize=256)
def _compressed_copies(digest: str, body: bytes) -> tuple[bytes | None, bytes | None]:
    """gzip and brotli copies of one content, made once per process (by its SHA-256): brotli at its
    best takes ~30 ms for the main stylesheet, and every app made in a process would pay it."""
    # mtime=0: the same file gives the same bytes on every start and every server.
    return (_compressed(body, lambda data: gzip.compress(data, compresslevel=9, mtime=0)),
            _compressed(body, lambda data: brotli.compress(data, quality=11)))


def build(static_dir: Path) -> dict[str, Asset]:
    """Every file under static_dir, by its plain and its fingerprinted name."""
    assets: dict[str, Asset] = {}
    for path in sorted(p for p in static_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        name = path.relative_to(static_dir).as_posix()
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()
        compress = path.suffix.lower() in COMPRESSIBLE and len(body) >= SMALLEST_WORTH_COMPRESSING
        gzipped, brotlied = _compressed_copies(digest, body) if compress else (None, None)
        asset = Asset(name=name, fingerprinted=fingerprinted_name(name, digest),
                      mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream",
                      etag=digest[:32], body=body, gzip=gzipped, br=brotlied)
        assets[name] = assets[asset.fingerprinted] = asset
    return assets


def _accepts(encoding: str) -> bool:
    """Whether Accept-Encoding allows the encoding (a q=0 refuses it)."""
    return request.accept_encodings[encoding] > 0


def _choose(asset: Asset) -> tuple[bytes, str | None]:
    if asset.br is not None and _accepts("br"):
        return asset.br, "br"
    if asset.gzip is not None and _accepts("gzip"):
        return asset.gzip, "gzip"
    return asset.body, None


def register(app: Flask) -> dict[str, Asset]:
    """Serve app.static_folder from memory and make `url_for('static', …)` give fingerprinted names."""
    assets = build(Path(app.static_folder))

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            asset = assets.get(values.get("filename", ""))
            if asset is not None:
                values["filename"] = asset.fingerprinted

    def static(filename: str) -> Response:
        asset = assets.get(filename)
        if asset is None:
            abort(404)
        immutable = filename == asset.fingerprinted
        body, encoding = _choose(asset)
        # One ETag per encoding: a cache must not answer a gzip client's revalidation with brotli bytes.
        etag = asset.etag + (f"-{encoding}" if encoding else "")
        response = Response(mimetype=asset.mimetype)
        response.headers["Cache-Control"] = LONG_CACHE if immutable else SHORT_CACHE
        response.headers["Vary"] = "Accept-Encoding"
        response.set_etag(etag)
        if etag in request.if_none_match:
            response.status_code = 304
            return response
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.set_data(body)  # sets Content-Length
        return response

    app.view_functions["static"] = static
    return assets


class FingerprintedFirst:
    """A WSGI layer that answers GET and HEAD of a fingerprinted file before anything else runs: no
    session is opened or checked (a file is the same for everyone, and `Vary: Cookie` would stop
    caches sharing it), no URL is matched. The answer is the one the `static` view gives, with the
    headers every answer carries. Plain names, unknown names and other methods go on to Flask."""

    def __init__(self, app, assets: dict[str, Asset], prefix: str):
        self.app = app
        self.prefix = prefix.rstrip("/") + "/"
        self.immutable = {asset.fingerprinted: asset for asset in assets.values()}
        from webui.security import ALWAYS

        self.always = list(ALWAYS)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if (method != "GET" and method != "HEAD") or not path.startswith(self.prefix):
            return self.app(environ, start_response)
        asset = self.immutable.get(path[len(self.prefix):])
        if asset is None:
            return self.app(environ, start_response)
        accepted = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))
        if asset.br is not None and accepted["br"] > 0:
            body, encoding = asset.br, "br"
        elif asset.gzip is not None and accepted["gzip"] > 0:
            body, encoding = asset.gzip, "gzip"
        else:
            body, encoding = asset.body, None
        etag = asset.etag + (f"-{encoding}" if encoding else "")
        headers = [("Content-Type", get_content_type(asset.mimetype, "utf-8")), ("Cache-Control", LONG_CACHE),
                   ("Vary", "Accept-Encoding"), ("ETag", f'"{etag}"'), *self.always]
        if etag in parse_etags(environ.get("HTTP_IF_NONE_MATCH")):
            start_response("304 NOT MODIFIED", headers)
            return []
        if encoding:
            headers.append(("Content-Encoding", encoding))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [body]


def answer_first(app: Flask, assets: dict[str, Asset]) -> None:
    """Put the fingerprinted files in front of everything else the app does (create_app's last step)."""
    app.wsgi_app = FingerprintedFirst(app.wsgi_app, assets, app.static_url_path)
