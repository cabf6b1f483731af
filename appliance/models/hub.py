"""The district hub's tables: enrolled schools and their keys, the ledger of received
snapshots, and the rows the schools sent.

These are hub-side facts, never synced themselves (plain BaseModel, no change triggers).
Received rows are kept as JSON per (school, table, row id), so a table added to the school
software reaches the hub without a hub schema change.
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from appliance.models.base import BaseModel, utcnow

# Ledger statuses: what the hub did with one received bundle.
APPLIED, DUPLICATE, HELD, REJECTED = "applied", "duplicate", "held", "rejected"
LEDGER_STATUSES = (APPLIED, DUPLICATE, HELD, REJECTED)


class HubSchool(BaseModel):
    """A school enrolled at the hub; `id` is the school's own id (its School row's UUID hex)."""

    id = CharField(max_length=32, primary_key=True)
    name = CharField(max_length=200)
    code = CharField(max_length=64, default="")
    enrolled_at = DateTimeField(default=utcnow)
    # The chain of snapshots applied so far: the school database instance and its last sequence.
    instance_id = CharField(max_length=32, default="")
    last_seq_from = BigIntegerField(default=0)
    last_seq = BigIntegerField(default=0)
    last_snapshot_at = DateTimeField(null=True)
    last_scope = CharField(max_length=16, default="")
    # Last bundle of any outcome, for the «status» column of the district pages.
    last_status = CharField(max_length=16, default="")
    last_message = TextField(default="")
    last_received_at = DateTimeField(null=True)
    # Indicators computed at import (JSON), so the district pages read one row per school.
    indicators = TextField(default="{}")


class HubSchoolKey(BaseModel):
    """A school's Ed25519 signing key. Rotation adds a key; revocation ends one."""

    id = AutoField()
    school = ForeignKeyField(HubSchool, backref="keys", on_delete="CASCADE")
    public_key = CharField(max_length=64)  # base64 of the 32 raw bytes
    fingerprint = CharField(max_length=64, unique=True)
    added_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)
    revoked_reason = TextField(default="")
    # A rotated-out key still verifies bundles made before the rotation reached the hub.
    superseded_at = DateTimeField(null=True)


class HubLedger(BaseModel):
    """One received bundle and what became of it (applied, duplicate, held, rejected)."""

    id = AutoField()
    received_at = DateTimeField(default=utcnow, index=True)
    school = ForeignKeyField(HubSchool, backref="ledger", null=True, on_delete="SET NULL")
    bundle_id = CharField(max_length=64, default="", index=True)  # SHA-256 of the signed manifest
    instance_id = CharField(max_length=32, default="")
    seq_from = BigIntegerField(default=0)
    seq_to = BigIntegerField(default=0)
    scope = CharField(max_length=16, default="")
    status = CharField(max_length=16, index=True)
    message = TextField(default="")  # Russian, for the district's staff
    rows = IntegerField(default=0)
    size = BigIntegerField(default=0)
    source = CharField(max_length=255, default="")  # file name or the sender's address
    held_path = TextField(default="")  # where a held bundle waits for the missing range


class HubRow(BaseModel):
    """The latest state of one row of one school, as the school sent it."""

    id = AutoField()
    school = ForeignKeyField(HubSchool, backref="rows", on_delete="CASCADE")
    table = CharField(max_length=64, column_name="tbl")
    row_id = CharField(max_length=64)
    data = TextField()
    seq = BigIntegerField(default=0)
    ledger = IntegerField(default=0)  # the ledger entry that last wrote it
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "hub_row"
        indexes = ((("school", "table", "row_id"), True),)


class HubReceipt(BaseModel):
    """A signed receipt the hub issued; kept so a duplicate gets the same answer again."""

    id = AutoField()
    ledger = ForeignKeyField(HubLedger, backref="receipts", on_delete="CASCADE")
    bundle_id = CharField(max_length=64, index=True)
    body = TextField()
    issued_at = DateTimeField(default=utcnow)
    final = BooleanField(default=True)


class HubQuarantine(BaseModel):
    """A row of a school that arrived in a bundle but does not fit its columns (a value too long, of
    the wrong kind): set aside with the ledger entry that brought it, so the rest of the bundle and
    the school's later bundles still apply. A later good version of the row, its deletion or a
    complete snapshot without it clears it."""

    id = AutoField()
    school = ForeignKeyField(HubSchool, backref="quarantine", on_delete="CASCADE")
    table = CharField(max_length=64, column_name="tbl")
    row_id = CharField(max_length=64)
    seq = BigIntegerField()
    ledger = IntegerField()
    field = CharField(max_length=64)
    reason = TextField()
    received_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "hub_quarantine"
        indexes = ((("school", "table", "row_id"), True),)


HUB_MODELS = [HubSchool, HubSchoolKey, HubLedger, HubRow, HubReceipt, HubQuarantine]
