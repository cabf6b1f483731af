"""Сообщество школы: волонтёрские часы, инициативы «Есть идея!» и совет лидеров"""

# Frozen here: the tables this migration adds, declared in this file only.

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
    UUIDField,
)

from appliance.migrations.schema import FrozenModel, create_tables


class School(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "school"


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class CatalogEntry(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "catalog_entry"


class Organisation(FrozenModel):  # created by m0014
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "organisation"


class CommunityRole(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    role = CharField(max_length=16)

    class Meta:
        table_name = "community_role"
        indexes = ((("user", "role"), True),)


class VolunteerRecord(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    day = DateField(index=True)
    organisation = ForeignKeyField(Organisation, backref="+", null=True, on_delete="SET NULL")
    place = CharField(max_length=200, default="")
    what = TextField(default="")
    hours = FloatField()
    direction = ForeignKeyField(CatalogEntry, backref="+", null=True, on_delete="SET NULL")
    teacher = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    status = CharField(max_length=16, default="submitted", index=True)
    reviewed_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    review_comment = TextField(default="")
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")

    class Meta:
        table_name = "volunteer_record"


class Idea(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    title = CharField(max_length=200)
    problem = TextField(default="")
    idea = TextField(default="")
    needs = TextField(default="")
    helpers = TextField(default="")
    status = CharField(max_length=16, default="proposed", index=True)
    decision_reason = TextField(default="")
    decided_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    adviser = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    finished_at = DateTimeField(null=True)
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")

    class Meta:
        table_name = "idea"


class IdeaSupport(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    idea = ForeignKeyField(Idea, backref="+", on_delete="CASCADE")
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "idea_support"
        indexes = ((("idea", "student"), True),)


class IdeaComment(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    idea = ForeignKeyField(Idea, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    text = TextField()
    hidden = BooleanField(default=False)
    hidden_reason = TextField(default="")
    hidden_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "idea_comment"


class IdeaMember(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    idea = ForeignKeyField(Idea, backref="+", on_delete="CASCADE")
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    goal_id = UUIDField(null=True)
    achievement_id = UUIDField(null=True)

    class Meta:
        table_name = "idea_member"
        indexes = ((("idea", "student"), True),)


TABLES = [CommunityRole, VolunteerRecord, Idea, IdeaSupport, IdeaComment, IdeaMember]


def upgrade(db):
    create_tables(db, TABLES, synced=tuple(TABLES))
