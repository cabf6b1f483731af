"""Дополнительное образование: программы, их компетенции и запись учеников по годам"""

# Frozen here: the tables this migration adds, declared in this file only.

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, UUIDField

from appliance.migrations.schema import FrozenModel, create_tables


class School(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "school"


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class Competency(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "competency"


class Organisation(FrozenModel):  # created by m0014
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "organisation"


class Programme(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    title = CharField(max_length=200)
    kind = CharField(max_length=16)
    teacher = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    organisation = ForeignKeyField(Organisation, backref="+", null=True, on_delete="RESTRICT")
    schedule = CharField(max_length=200, default="")
    place = CharField(max_length=300, default="")
    description = TextField(default="")
    school_year = IntegerField()
    closed_at = DateTimeField(null=True)

    class Meta:
        table_name = "programme"


class ProgrammeCompetency(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    programme = ForeignKeyField(Programme, backref="+", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "programme_competency"
        indexes = ((("programme", "competency"), True),)


class ProgrammeEnrolment(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    programme = ForeignKeyField(Programme, backref="+", on_delete="RESTRICT")
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    status = CharField(max_length=16, index=True)
    from_year = IntegerField()
    to_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")
    decided_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "programme_enrolment"
        indexes = ((("programme", "student"), True),)


TABLES = [Programme, ProgrammeCompetency, ProgrammeEnrolment]


def upgrade(db):
    create_tables(db, TABLES, synced=tuple(TABLES))
