"""GET /healthz: is the portal up, which version, which schema."""

from __future__ import annotations

from flask import Blueprint, jsonify

from appliance import __version__, migrations

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    version = migrations.current_version()
    latest = migrations.latest_version()
    return jsonify(status="ok" if version == latest else "migration-needed", version=__version__,
                   schema_version=version, schema_latest=latest)
