"""The school's side of the district sync, as the admin page reads it: what the district has
acknowledged, which bundles wait for a receipt, when the last export and receipt were.

Kept in `okey_meta`, so it travels with the database (and a restored copy, having a new
instance id, starts again from a complete snapshot). The sync package writes it; the web UI
reads it here without importing the sync package.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from appliance.models.changes import get_meta, set_meta
from appliance.models.operations import JobRun
from appliance.services import operations

EXPORT_JOB = "sync-export"

_ACKED_SEQ = "sync.acked_seq"
_ACKED_INSTANCE = "sync.acked_instance"
_ACKED_SCOPE = "sync.acked_scope"
_PENDING = "sync.pending"
_LAST_RECEIPT = "sync.last_receipt_at"
_DISTRICT_KEY = "sync.district_key"
_PROBLEMS = "sync.problems"
MAX_PROBLEMS = 100


def acknowledged() -> tuple[str, int]:
    """(instance id, sequence) the district last acknowledged; ("", 0) before the first receipt."""
    return get_meta(_ACKED_INSTANCE, ""), int(get_meta(_ACKED_SEQ, "0"))


def acknowledged_scope() -> str:
    """The scope of the snapshots the district holds; another scope starts a complete snapshot."""
    return get_meta(_ACKED_SCOPE, "") or ""


def acknowledge(instance: str, seq: int, at: datetime.datetime, scope: str = "") -> bool:
    """Advance the acknowledged sequence (never back); return True when it moved."""
    current_instance, current = acknowledged()
    set_meta(_LAST_RECEIPT, at.isoformat(sep=" "))
    if current_instance == instance and seq <= current and scope in ("", acknowledged_scope()):
        return False
    if scope:
        set_meta(_ACKED_SCOPE, scope)
    set_meta(_ACKED_INSTANCE, instance)
    set_meta(_ACKED_SEQ, str(seq))
    # What this receipt covers, and bundles of an earlier database instance, need no receipt any more.
    set_pending([item for item in pending() if item["instance"] == instance and item["seq_to"] > seq])
    return True


def pending() -> list[dict]:
    """Bundles made but not yet acknowledged: [{name, instance, seq_from, seq_to, created_at}]."""
    return json.loads(get_meta(_PENDING, "[]"))


def set_pending(items: list[dict]) -> None:
    set_meta(_PENDING, json.dumps(items, ensure_ascii=False))


def problems() -> list[dict]:
    """Rows that do not reach the district: [{where, table, id, field, why}]. `where` is "school"
    (kept back at export: a value the hub would refuse) or "district" (set aside by the hub, as its
    last receipt lists them)."""
    return json.loads(get_meta(_PROBLEMS, "[]"))


def set_problems(where: str, items: list[dict]) -> None:
    """Replace the problems found at `where` with these."""
    kept = [p for p in problems() if p.get("where") != where]
    fresh = [{"where": where, "table": str(p.get("table", ""))[:64], "id": str(p.get("id", ""))[:64],
              "field": str(p.get("field", ""))[:64], "why": str(p.get("why", ""))[:200]} for p in items]
    set_meta(_PROBLEMS, json.dumps((kept + fresh)[:MAX_PROBLEMS], ensure_ascii=False))


def district_key() -> str:
    return get_meta(_DISTRICT_KEY, "") or ""


def set_district_key(text: str) -> None:
    set_meta(_DISTRICT_KEY, text)


@dataclass
class SyncStatus:
    enrolled: bool
    last_export: JobRun | None
    last_good_export: JobRun | None
    last_receipt_at: datetime.datetime | None
    acked_seq: int
    pending: list[dict]
    problems: list[dict]


def status() -> SyncStatus:
    """What the admin page shows about the sync with the district."""
    receipt = get_meta(_LAST_RECEIPT)
    _, seq = acknowledged()
    return SyncStatus(
        enrolled=bool(district_key()),
        last_export=operations.latest(EXPORT_JOB),
        last_good_export=operations.latest(EXPORT_JOB, ok=True),
        last_receipt_at=datetime.datetime.fromisoformat(receipt) if receipt else None,
        acked_seq=seq,
        pending=pending(),
        problems=problems(),
    )
