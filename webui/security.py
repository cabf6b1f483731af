"""Response headers that keep pages to the appliance itself."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from appliance.services import audit

# Everything a page needs comes from the appliance; no inline script anywhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


# Downloads that carry the school's data out of the portal: the audit log keeps each one.
EXPORT_TYPES = {"text/csv", "application/pdf", "application/json", "text/calendar"}
# Not exports: the health check, and the calendar feed that phones poll by its secret address.
NOT_EXPORTS = {"health.healthz", "calendar.feed"}


def _is_export(response: Response) -> bool:
    return (response.status_code == 200 and request.method == "GET" and request.endpoint not in NOT_EXPORTS
            and (response.mimetype in EXPORT_TYPES
                 or "attachment" in response.headers.get("Content-Disposition", "")))


# On every answer, pages and static files alike (webui/assets.py answers fingerprinted files itself).
ALWAYS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
          ("X-Frame-Options", "DENY"), ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))


def register(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in ALWAYS:
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            # Pages, downloads (PDF, JSON, CSV, ICS, evidence), charts and feeds carry personal data:
            # no cache keeps any of it, whatever a view said. Only the appliance's own assets are cached.
            response.headers["Cache-Control"] = "no-store"
        if _is_export(response):
            user = current_user.model if current_user.is_authenticated else None
            audit.record("export", user=user, detail=f"{request.endpoint} {request.full_path.rstrip('?')}"[:1000],
                         address=request.remote_addr or "")
        return response
