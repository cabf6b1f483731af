"""Errors a service raises for the user: a Russian message and the HTTP status it maps to."""

from __future__ import annotations

from appliance.i18n import Message


class ServiceError(Exception):
    """A refusal the user should read. `status` is the HTTP code a view answers with."""

    status = 400

    def __init__(self, template: str, status: int | None = None, **params):
        self.message = Message(template, **params)
        if status is not None:
            self.status = status
        super().__init__(str(self.message))


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class TooManyAttempts(ServiceError):
    status = 429


class RowError:
    """One bad row of an imported file."""

    def __init__(self, line: int, template: str, **params):
        self.line = line
        self.message = Message(template, **params)

    def __str__(self) -> str:
        return f"строка {self.line}: {self.message}"


class ImportRejected(ServiceError):
    """A file import refused as a whole; `rows` lists every bad row."""

    status = 422

    def __init__(self, template: str, rows: list[RowError] | None = None, **params):
        super().__init__(template, **params)
        self.rows = rows or []
