"""Signed receipts: the hub's answer to a bundle, which the school checks before it moves on.

A receipt is JSON ``{"receipt": {...}, "signature": base64url}``; the signature is the hub's
Ed25519 signature of b"okey-sync-receipt\\0" + the canonical receipt. The school advances its
acknowledged sequence only on a valid receipt that says applied or duplicate, so a bundle lost
on the way is simply sent again with the next export.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.models.changes import instance_id
from appliance.services import sync_state
from appliance.services.validation import parse_json
from sync import keys
from sync.bundle import canonical
from sync.errors import SyncError

CONTEXT = b"okey-sync-receipt\0"
SUFFIX = ".receipt.json"
ACKNOWLEDGING = ("applied", "duplicate")


def sign_receipt(signing: Ed25519PrivateKey, fields: dict) -> bytes:
    body = canonical(fields)
    return json.dumps({"receipt": fields, "signature": keys.b64(signing.sign(CONTEXT + body))},
                      ensure_ascii=False, sort_keys=True).encode()


def verify_receipt(district: keys.DistrictKey, data: bytes) -> dict:
    """The receipt's fields, if the district's key signed them; SyncError otherwise."""
    try:
        parsed = parse_json(data.decode())
        fields, signature = parsed["receipt"], keys.unb64(parsed["signature"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise SyncError("Квитанция района не читается: файл повреждён.") from None
    if not isinstance(fields, dict) or not keys.verify(district.verify_key, signature, CONTEXT + canonical(fields)):
        raise SyncError("Квитанция не подписана ключом района: она не принята.")
    if fields.get("district") != district.fingerprint:
        raise SyncError("Квитанция выдана другим районом: она не принята.")
    return fields


def accept_receipt(data: bytes, school_id: str) -> tuple[dict, bool]:
    """Check a receipt and, if it acknowledges a bundle of this school, advance the sequence."""
    district = keys.parse_district_key(sync_state.district_key())
    fields = verify_receipt(district, data)
    if fields.get("school_id") != school_id:
        raise SyncError("Квитанция относится к другой школе: она не принята.")
    moved = False
    # A receipt for the database this one was restored from acknowledges nothing here.
    if fields.get("status") in ACKNOWLEDGING and fields.get("instance_id") == instance_id():
        latest = int(fields["seq_to"]) >= sync_state.acknowledged()[1]  # an older receipt's list is stale
        moved = sync_state.acknowledge(fields["instance_id"], int(fields["seq_to"]),
                                       datetime.datetime.fromisoformat(fields["received_at"]),
                                       str(fields.get("scope", "")))
        held = fields.get("quarantined", [])
        if latest:
            sync_state.set_problems("district", [p for p in held if isinstance(p, dict)]
                                    if isinstance(held, list) else [])
    return fields, moved


def collect(directories: list[Path], school_id: str) -> list[dict]:
    """Accept every receipt for this school found in these folders (USB, district storage)."""
    accepted = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            try:
                fields, _ = accept_receipt(path.read_bytes(), school_id)
            except SyncError:
                continue  # another school's receipt in shared storage, or a damaged file
            accepted.append(fields)
    return accepted
