"""Хаб района: школы и их ключи, журнал полученных пакетов, полученные строки"""

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

from appliance.migrations.schema import FrozenModel, create_tables


class HubSchool(FrozenModel):
    id = CharField(primary_key=True, max_length=32)
    name = CharField(max_length=200)
    code = CharField(max_length=64)
    enrolled_at = DateTimeField()
    instance_id = CharField(max_length=32)
    last_seq_from = BigIntegerField()
    last_seq = BigIntegerField()
    last_snapshot_at = DateTimeField(null=True)
    last_scope = CharField(max_length=16)
    last_status = CharField(max_length=16)
    last_message = TextField()
    last_received_at = DateTimeField(null=True)
    indicators = TextField()

    class Meta:
        table_name = "hub_school"


class HubSchoolKey(FrozenModel):
    id = AutoField()
    school = ForeignKeyField(HubSchool, backref="+", on_delete="CASCADE")
    public_key = CharField(max_length=64)
    fingerprint = CharField(unique=True, max_length=64)
    added_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    revoked_reason = TextField()
    superseded_at = DateTimeField(null=True)

    class Meta:
        table_name = "hub_school_key"


class HubLedger(FrozenModel):
    id = AutoField()
    received_at = DateTimeField(index=True)
    school = ForeignKeyField(HubSchool, backref="+", on_delete="SET NULL", null=True)
    bundle_id = CharField(index=True, max_length=64)
    instance_id = CharField(max_length=32)
    seq_from = BigIntegerField()
    seq_to = BigIntegerField()
    scope = CharField(max_length=16)
    status = CharField(index=True, max_length=16)
    message = TextField()
    rows = IntegerField()
    size = BigIntegerField()
    source = CharField()
    held_path = TextField()

    class Meta:
        table_name = "hub_ledger"


class HubRow(FrozenModel):
    id = AutoField()
    school = ForeignKeyField(HubSchool, backref="+", on_delete="CASCADE")
    table = CharField(max_length=64, column_name="tbl")
    row_id = CharField(max_length=64)
    data = TextField()
    seq = BigIntegerField()
    ledger = IntegerField()
    updated_at = DateTimeField()

    class Meta:
        table_name = "hub_row"
        indexes = ((("school", "table", "row_id"), True),)


class HubReceipt(FrozenModel):
    id = AutoField()
    ledger = ForeignKeyField(HubLedger, backref="+", on_delete="CASCADE")
    bundle_id = CharField(index=True, max_length=64)
    body = TextField()
    issued_at = DateTimeField()
    final = BooleanField()

    class Meta:
        table_name = "hub_receipt"


def upgrade(db):
    create_tables(db, [HubSchool, HubSchoolKey, HubLedger, HubRow, HubReceipt])
