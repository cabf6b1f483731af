"""Хаб района: строки, отложенные при приёме пакета; коды значений списков укладываются в 40 знаков"""

from peewee import AutoField, BigIntegerField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from appliance.migrations.schema import FrozenModel, create_tables


class HubSchool(FrozenModel):  # created by m0006
    id = CharField(primary_key=True, max_length=32)

    class Meta:
        table_name = "hub_school"


class HubQuarantine(FrozenModel):
    id = AutoField()
    school = ForeignKeyField(HubSchool, backref="+", on_delete="CASCADE")
    table = CharField(max_length=64, column_name="tbl")
    row_id = CharField(max_length=64)
    seq = BigIntegerField()
    ledger = IntegerField()
    field = CharField(max_length=64)
    reason = TextField()
    received_at = DateTimeField()

    class Meta:
        table_name = "hub_quarantine"
        indexes = ((("school", "table", "row_id"), True),)


CODE_LIMIT = 40


def upgrade(db):
    create_tables(db, [HubQuarantine])
    # Codes of list entries made from long names by an earlier release did not fit their column:
    # the school kept them, the hub refused every bundle after. Shorten them, keeping them unique.
    rows = db.execute_sql(f"SELECT id, code FROM catalog_entry WHERE LENGTH(code) > {CODE_LIMIT}").fetchall()  # noqa: S608  # nosec B608 - a constant
    for row_id, code in rows:
        tail = str(row_id).replace("-", "")[:8]
        db.execute_sql(f"UPDATE catalog_entry SET code = {db.param} WHERE id = {db.param}",  # noqa: S608  # nosec B608
                       (code[:CODE_LIMIT - 9].strip("-") + "-" + tail, row_id))
