"""The recovery sheet: the backup private key on paper, as text and as a QR code, with what to do."""

from __future__ import annotations

import datetime

from appliance.documents.qr import qr_svg
from appliance.documents.render import render_pdf


def group_key(key_text: str, size: int = 6) -> list[str]:
    """The key in short groups, easy to read aloud and retype (spaces are ignored on input)."""
    prefix = "AGE-SECRET-KEY-1"
    body = key_text[len(prefix):] if key_text.startswith(prefix) else key_text
    return [prefix] + [body[i:i + size] for i in range(0, len(body), size)]


def render_recovery_sheet(school_name: str, school_code: str, key_text: str, public_key: str,
                          targets: list[str], printed_at: datetime.datetime, copies_folder: str | None = None) -> bytes:
    """A4 PDF for the school safe. The caller passes the key and the folder of the copies on the USB drive
    (None when unknown): documents know nothing of backups."""
    return render_pdf(
        "recovery_sheet.html",
        school_name=school_name,
        school_code=school_code,
        key_groups=group_key(key_text),
        public_key=public_key,
        targets=targets,
        printed_at=printed_at,
        copies_folder=copies_folder or f"/ПАПКА-ФЛЕШКИ/okey-{school_code}",
        folder_known=copies_folder is not None,
        key_qr=qr_svg(key_text, box_size=8),
    )
