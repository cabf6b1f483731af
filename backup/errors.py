"""The one error of the backup package."""

from __future__ import annotations


class BackupError(Exception):
    """A backup, verification or restore failed; the message says why, in plain Russian."""
