"""Школа, классы, учётные записи, журнал безопасности, журнал фоновых задач"""

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
    UUIDField,
)
from playhouse.sqlite_ext import AutoIncrementField

from appliance.migrations.schema import FrozenModel, create_tables, is_sqlite


class OkeyMeta(FrozenModel):
    key = CharField(primary_key=True, max_length=64)
    value = TextField()

    class Meta:
        table_name = "okey_meta"


class SyncChange(FrozenModel):
    seq = AutoIncrementField()
    table = CharField(max_length=64, column_name="tbl")
    row_id = CharField(max_length=36)
    op = CharField(max_length=8)
    at = DateTimeField()

    class Meta:
        table_name = "sync_change"
        indexes = ((("table", "row_id"), False),)


class School(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    name = CharField(max_length=200)
    code = CharField(unique=True, max_length=64)
    timezone = CharField(max_length=64)

    class Meta:
        table_name = "school"


class ClassGroup(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    name = CharField(max_length=16)
    grade = IntegerField()
    letter = CharField(max_length=4)

    class Meta:
        table_name = "class_group"
        indexes = ((("school", "name"), True),)


class User(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE", null=True)
    role = CharField(index=True, max_length=16)
    login = CharField(unique=True, max_length=64)
    password_hash = CharField(null=True)
    full_name = CharField(max_length=200)
    last_name = CharField(max_length=80)
    first_name = CharField(max_length=80)
    middle_name = CharField(max_length=80)
    active = BooleanField()
    activation_code_hash = CharField(null=True, index=True, max_length=64)
    activation_expires_at = DateTimeField(null=True)
    activated_at = DateTimeField(null=True)
    session_epoch = IntegerField()
    locale = CharField(max_length=8)
    last_login_at = DateTimeField(null=True)

    class Meta:
        table_name = "user"


class Student(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE", unique=True)
    class_group = ForeignKeyField(ClassGroup, backref="+", on_delete="SET NULL", null=True)
    start_year = IntegerField(null=True)

    class Meta:
        table_name = "student"


class ParentLink(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    parent = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    consent_given_at = DateTimeField(null=True)
    consent_by = CharField(null=True, max_length=200)
    consent_version = CharField(null=True, max_length=32)

    class Meta:
        table_name = "parent_link"
        indexes = ((("parent", "student"), True),)


class TeacherAssignment(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    teacher = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    class_group = ForeignKeyField(ClassGroup, backref="+", on_delete="CASCADE")
    is_class_teacher = BooleanField()
    subject = CharField(max_length=100)

    class Meta:
        table_name = "teacher_assignment"
        indexes = ((("teacher", "class_group"), True),)


class LoginFailure(FrozenModel):
    id = AutoField()
    login = CharField(index=True, max_length=64)
    address = CharField(index=True, max_length=64)
    at = DateTimeField(index=True)
    note = TextField()

    class Meta:
        table_name = "login_failure"


class AuditLog(FrozenModel):
    id = AutoField()
    at = DateTimeField(index=True)
    user = ForeignKeyField(User, backref="+", on_delete="SET NULL", null=True)
    actor = CharField(max_length=64)
    action = CharField(index=True, max_length=64)
    detail = TextField()
    address = CharField(max_length=64)

    class Meta:
        table_name = "audit_log"


class JobRun(FrozenModel):
    id = AutoField()
    kind = CharField(index=True, max_length=32)
    target = CharField()
    started_at = DateTimeField(index=True)
    finished_at = DateTimeField(null=True)
    ok = BooleanField(null=True)
    size = BigIntegerField(null=True)
    path = TextField()
    error = TextField()
    detail = TextField()

    class Meta:
        table_name = "job_run"


def upgrade(db):
    # The migrations' own bookkeeping and, on SQLite only, the change feed.
    create_tables(db, [OkeyMeta, SyncChange] if is_sqlite(db) else [OkeyMeta])
    create_tables(db, [School, ClassGroup, User, Student, ParentLink, TeacherAssignment, LoginFailure, AuditLog, JobRun],
                  synced=(School, ClassGroup, User, Student, ParentLink, TeacherAssignment))
