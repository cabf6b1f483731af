"""The hub's upload endpoint: POST /sync/bundle with the bundle as the request body.

It lives here, not in the web UI, because it runs the sync package's import; the wiring
(`appliance/server.py`) mounts it on the portal's Flask app. The answer is JSON: the signed
receipt (200 applied or duplicate, 202 held), or ``{"error": "…", "status": n}`` with the
4xx the refusal maps to. Every answer, refusals included, has a ledger entry.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json, request

from sync import keys
from sync.errors import SyncError
from sync.hub import Hub

bp = Blueprint("sync_hub", __name__)


def _error(message: str, status: int) -> Response:
    return Response(json.dumps({"error": message, "status": status}, ensure_ascii=False), status=status,
                    mimetype="application/json")


@bp.post("/sync/bundle")
def upload() -> Response:
    settings = current_app.config["OKEY_SETTINGS"]
    try:
        hub_keys = keys.load_hub_keys(settings.keys_dir)
    except SyncError:
        return _error("Этот сервер не хаб района: пакеты выгрузки сюда не принимаются.", 404)
    hub = Hub(hub_keys, settings.data_dir)
    source = request.remote_addr or ""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        outcome = hub.refuse(f"Пакет больше {limit // (1024 * 1024)} МБ, которые принимает хаб: отвезите его "
                             "на флешке (okey hub import) или увеличьте [server] max_upload_mb.", 413, source)
    else:
        outcome = hub.import_stream(request.stream, source=source)
    if outcome.receipt is None:
        return _error(outcome.message, outcome.http_status)
    return Response(outcome.receipt, status=outcome.http_status, mimetype="application/json")
