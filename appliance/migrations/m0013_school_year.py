"""Учебный год: состав классов по годам, год и класс в записях, выпускники и выбывшие"""

# Frozen here: the columns and the table this migration adds, declared in this file only.
# The backfill is explicit SQL (and one insert through the table declared below) that SQLite and
# PostgreSQL both read. The school year is named by the year it starts (2025 is 2025/26): one that
# has begun by 1 September, the previous one before that.

import datetime
import uuid

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    UUIDField,
)
from playhouse.migrate import SchemaMigrator, migrate

from appliance.migrations.schema import FrozenModel, create_tables


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class ClassGroup(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "class_group"


class ClassMembership(FrozenModel):
    """Which class a student was in during one school year, and how the year ended for them."""

    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    school_year = IntegerField()
    class_group = ForeignKeyField(ClassGroup, backref="+", null=True, on_delete="SET NULL")
    class_name = CharField(max_length=16)
    grade = IntegerField()
    # "" while the year goes on; promoted, graduated, left.
    outcome = CharField(max_length=16, default="")

    class Meta:
        table_name = "class_membership"
        indexes = ((("student", "school_year"), True),)


# "date" and "created_at" read as text are 'YYYY-MM-DD…' in both databases.
def _year_of(column: str) -> str:
    year = f"CAST(substr(CAST({column} AS TEXT), 1, 4) AS INTEGER)"
    month = f"CAST(substr(CAST({column} AS TEXT), 6, 2) AS INTEGER)"
    return f"CASE WHEN {month} >= 9 THEN {year} ELSE {year} - 1 END"


def _class_of(table: str) -> str:
    return (f"COALESCE((SELECT m.class_name FROM class_membership m WHERE m.student_id = {table}.student_id "  # nosec B608 - fixed table names
            f"AND m.school_year = {table}.school_year), '')")


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(
        migrator.add_column("school", "current_year", IntegerField(null=True)),
        migrator.add_column("student", "status", CharField(max_length=16, default="studying")),
        migrator.add_column("student", "status_changed_at", DateTimeField(null=True)),
        migrator.add_column("student", "birth_date", DateField(null=True)),
        migrator.add_column("student", "alumni_listed", BooleanField(default=False)),
        migrator.add_column("achievement", "school_year", IntegerField(null=True)),
        migrator.add_column("achievement", "class_name", CharField(max_length=16, default="")),
        migrator.add_column("reflection", "school_year", IntegerField(null=True)),
        migrator.add_column("reflection", "class_name", CharField(max_length=16, default="")),
        migrator.add_column("goal", "school_year", IntegerField(null=True)),
        migrator.add_column("goal", "class_name", CharField(max_length=16, default="")),
        migrator.add_column("self_assessment", "class_name", CharField(max_length=16, default="")),
    )
    create_tables(db, [ClassMembership], synced=(ClassMembership,))

    today = datetime.date.today()
    year = today.year if today.month >= 9 else today.year - 1
    db.execute_sql(f"UPDATE school SET current_year = {int(year)}")  # noqa: S608  # nosec B608 - a number
    # Every student in a class today was in it this school year.
    rows = db.execute_sql(
        "SELECT s.user_id, c.id, c.name, c.grade FROM student s JOIN class_group c ON c.id = s.class_group_id"
    ).fetchall()
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    with db.bind_ctx([ClassMembership]):
        for user_id, class_id, name, grade in rows:
            ClassMembership.insert(id=uuid.uuid4(), created_at=now, updated_at=now, student=user_id,
                                   school_year=year, class_group=class_id, class_name=name, grade=grade).execute()
    for table, column in (("achievement", '"date"'), ("reflection", "created_at"), ("goal", "created_at")):
        db.execute_sql(f"UPDATE {table} SET school_year = {_year_of(column)}")  # noqa: S608  # nosec B608 - fixed names
    for table in ("achievement", "reflection", "goal", "self_assessment"):
        db.execute_sql(f"UPDATE {table} SET class_name = {_class_of(table)}")  # noqa: S608  # nosec B608 - fixed names
