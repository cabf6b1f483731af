"""Портфолио: достижения, подтверждения, списки, компетенции, самооценка, рефлексия, хобби"""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
    UUIDField,
)

from appliance.migrations.schema import FrozenModel, create_tables


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class CatalogEntry(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    catalog = CharField(index=True, max_length=16)
    code = CharField(max_length=40)
    name = CharField(max_length=100)
    position = IntegerField()
    rank = IntegerField()
    active = BooleanField()

    class Meta:
        table_name = "catalog_entry"
        indexes = ((("catalog", "code"), True),)


class Achievement(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    title = CharField(max_length=200)
    date = DateField(index=True)
    kind = ForeignKeyField(CatalogEntry, backref="+", on_delete="SET NULL", null=True)
    direction = ForeignKeyField(CatalogEntry, backref="+", on_delete="SET NULL", null=True)
    level = ForeignKeyField(CatalogEntry, backref="+", on_delete="SET NULL", null=True)
    result = ForeignKeyField(CatalogEntry, backref="+", on_delete="SET NULL", null=True)
    organizer = CharField(max_length=200)
    description = TextField()
    teacher = ForeignKeyField(User, backref="+", on_delete="SET NULL", null=True)
    teacher_role = ForeignKeyField(CatalogEntry, backref="+", on_delete="SET NULL", null=True)
    status = CharField(index=True, max_length=16)
    submitted_at = DateTimeField(null=True)
    reviewed_by = ForeignKeyField(User, backref="+", on_delete="SET NULL", null=True)
    reviewed_at = DateTimeField(null=True)
    review_comment = TextField()
    in_document = BooleanField()

    class Meta:
        table_name = "achievement"
        indexes = ((("student", "status"), False), (("teacher", "status"), False),)


class Evidence(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    achievement = ForeignKeyField(Achievement, backref="+", on_delete="CASCADE")
    sha256 = CharField(index=True, max_length=64)
    original_name = CharField(max_length=200)
    mime = CharField(max_length=64)
    size = IntegerField()
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    has_preview = BooleanField()

    class Meta:
        table_name = "evidence"


class Hobby(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    title = CharField(max_length=120)
    direction = ForeignKeyField(CatalogEntry, backref="+", on_delete="SET NULL", null=True)
    description = TextField()
    since_year = IntegerField(null=True)

    class Meta:
        table_name = "hobby"


class Reflection(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    achievement = ForeignKeyField(Achievement, backref="+", on_delete="SET NULL", null=True)
    prompt_set = CharField(max_length=16)
    answers = TextField()
    next_step = TextField()
    in_document = BooleanField()

    class Meta:
        table_name = "reflection"


class CompetencyFramework(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    code = CharField(unique=True, max_length=64)
    name = CharField(max_length=200)
    description = TextField()
    source = TextField()
    scale_min = IntegerField()
    scale_max = IntegerField()
    active = BooleanField()

    class Meta:
        table_name = "competency_framework"


class Competency(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    framework = ForeignKeyField(CompetencyFramework, backref="+", on_delete="CASCADE")
    code = CharField(max_length=16)
    name = CharField(max_length=200)
    group_name = CharField(max_length=120)
    description = TextField()
    position = IntegerField()
    parent = ForeignKeyField("self", backref="+", on_delete="SET NULL", null=True)

    class Meta:
        table_name = "competency"
        indexes = ((("framework", "code"), True),)


class AchievementCompetency(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    achievement = ForeignKeyField(Achievement, backref="+", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "achievement_competency"
        indexes = ((("achievement", "competency"), True),)


class SelfAssessment(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="+", on_delete="CASCADE")
    school_year = IntegerField()
    term = IntegerField()
    score = IntegerField()
    reason = TextField()
    assessed_on = DateField()

    class Meta:
        table_name = "self_assessment"
        indexes = ((("student", "competency", "school_year", "term"), True),)


TABLES = [CatalogEntry, Achievement, Evidence, Hobby, Reflection, CompetencyFramework, Competency,
          AchievementCompetency, SelfAssessment]


def upgrade(db):
    create_tables(db, TABLES, synced=TABLES)
