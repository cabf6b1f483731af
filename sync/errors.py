"""Refusals of the sync, in Russian, with the HTTP status the hub's endpoint answers with."""

from __future__ import annotations


class SyncError(Exception):
    """Something the administrator must read and act on."""

    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BundleRejected(SyncError):
    """The hub refused a bundle; the ledger has an entry with the same message.

    `changes_status` is False for a refusal that says nothing about the school's own state — a
    replay of an old bundle, a key already revoked, a payload that is not the one the school
    signed — so the district's dashboard keeps showing the school's last real outcome."""

    def __init__(self, message: str, status: int | None = None, changes_status: bool = True):
        super().__init__(message, status)
        self.changes_status = changes_status
