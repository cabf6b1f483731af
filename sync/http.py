"""The hub's upload endpoint: POST /sync/bundle with the bundle as the request body.

It lives here, not in the web UI, because it runs the sync package's import; the wiring
(`appliance/server.py`) mounts it on the portal's Flask app and gives the listener `body_check`,
which looks at a body's first bytes as they arrive: junk, an unknown key, a bad signature, a
replay or a duplicate is settled by the header alone, so the rest of the body — gigabytes, maybe —
is never read. The answer is JSON: the signed receipt (200 applied or duplicate, 202 held), or
``{"error": "…", "status": n}`` with the 4xx the refusal maps to. Refusals have a ledger entry,
except junk beyond its per-address limit (429).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, json, request

from appliance.config import Settings
from appliance.db import database
from sync import keys
from sync.errors import SyncError

bp = Blueprint("sync_hub", __name__)
log = logging.getLogger("okey.sync")
PATH = "/sync/bundle"
CUT_HEADER = "X-Okey-Body-Cut"  # set by the listener (the Content-Length a cut body declared)
MB = 1024 * 1024


def _error(message: str, status: int) -> Response:
    headers = {"Retry-After": "3600"} if status == 429 else {}
    return Response(json.dumps({"error": message, "status": status}, ensure_ascii=False), status=status,
                    mimetype="application/json", headers=headers)


def _too_big(limit: int) -> str:
    return (f"Пакет больше {limit // MB} МБ, которые принимает хаб: отвезите его на флешке (okey hub import) "
            "или увеличьте [server] max_upload_mb.")


@bp.post(PATH)
def upload() -> Response:
    settings = current_app.config["OKEY_SETTINGS"]
    try:
        hub_keys = keys.load_hub_keys(settings.keys_dir)
    except SyncError:
        return _error("Этот сервер не хаб района: пакеты выгрузки сюда не принимаются.", 404)
    from sync.hub import Hub  # the import's libraries only on a hub that receives a bundle

    hub = Hub(hub_keys, settings.data_dir)
    source = request.remote_addr or ""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    declared = request.headers.get(CUT_HEADER, "")
    length = int(declared) if declared.isdigit() else (request.content_length or 0)
    if limit and length > limit:
        outcome = hub.refuse(_too_big(limit), 413, source, remote=True)
    else:
        outcome = hub.import_stream(request.stream, source=source, remote=True)
    if outcome.receipt is None:
        return _error(outcome.message, outcome.http_status)
    return Response(outcome.receipt, status=outcome.http_status, mimetype="application/json")


def body_check(settings: Settings):
    """For the listener (`appliance.listener.GuardedServer(body_check=…)`): an inspector of an
    upload's first bytes. Reads the database (the school's key and its last sequence), never
    writes it: what to record is the endpoint's business once the cut request reaches it."""
    from appliance.listener import CUT, MORE, READ

    try:
        hub_keys = keys.load_hub_keys(settings.keys_dir)
    except SyncError:  # a school's server: no hub key, and none of the import's libraries loaded
        hub = None
    else:
        from sync.hub import Hub

        hub = Hub(hub_keys, settings.data_dir)
    limit = settings.server.max_upload_mb * MB

    def check(method: str, host: str, path: str, length: int):
        if method != "POST" or path.split("?", 1)[0] != PATH or hub is None:
            return None
        if length > limit:
            return lambda head: CUT

        def inspect(head: bytes):
            try:
                if not hub.header_settles(head):
                    return MORE
                with database.connection_context():
                    verdict = hub.header_verdict(head)
            except Exception:  # never take the listener down: let the endpoint read and decide
                log.exception("checking an upload's header failed")
                return READ
            if verdict is None:
                return MORE
            return READ if verdict == (0, "") else CUT

        return inspect

    return check
