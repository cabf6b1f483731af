"""Наставничество: реестр наставников, заявки наставляемых, пары, встречи; партнёр события"""

# Frozen here: the tables this migration adds, declared in this file only.

from peewee import (
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    UUIDField,
)
from playhouse.migrate import SchemaMigrator, migrate

from appliance.migrations.schema import FrozenModel, create_tables


class School(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "school"


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class Organisation(FrozenModel):  # created by m0014
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "organisation"


def _bounded(name: str, limit: int) -> list:
    return [Check(f"length({name}) <= {limit}")]


class MentorProfile(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", unique=True, on_delete="CASCADE")
    kind = CharField(max_length=16, constraints=_bounded("kind", 16))
    organisation = ForeignKeyField(Organisation, backref="+", null=True, on_delete="SET NULL")
    offer = CharField(max_length=1000, default="", constraints=_bounded("offer", 1000))
    capacity = IntegerField(default=1)
    active = BooleanField(default=True)
    outside = BooleanField(default=False)

    class Meta:
        table_name = "mentor_profile"


class MentoringRequest(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    mentee = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    form = CharField(max_length=24, default="", constraints=_bounded("form", 24))
    needs = CharField(max_length=200, default="", constraints=_bounded("needs", 200))
    request = CharField(max_length=1000, default="", constraints=_bounded("request", 1000))
    meeting_format = CharField(max_length=16, default="", constraints=_bounded("meeting_format", 16))
    status = CharField(max_length=16, default="open", index=True, constraints=_bounded("status", 16))

    class Meta:
        table_name = "mentoring_request"


class MentoringPair(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    form = CharField(max_length=24, constraints=_bounded("form", 24))
    mentor = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    mentee = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    request = ForeignKeyField(MentoringRequest, backref="+", null=True, on_delete="SET NULL")
    title = CharField(max_length=200, constraints=_bounded("title", 200))
    goals = CharField(max_length=2000, default="", constraints=_bounded("goals", 2000))
    meetings_planned = IntegerField(default=0)
    starts_on = DateField()
    ends_on = DateField(null=True)
    school_year = IntegerField()
    status = CharField(max_length=16, default="active", index=True, constraints=_bounded("status", 16))
    finished_at = DateTimeField(null=True)
    goals_reached = CharField(max_length=8, default="", constraints=_bounded("goals_reached", 8))
    mentor_reflection = CharField(max_length=1000, default="", constraints=_bounded("mentor_reflection", 1000))
    mentor_rating = IntegerField(null=True)
    mentee_reflection = CharField(max_length=1000, default="", constraints=_bounded("mentee_reflection", 1000))
    mentee_rating = IntegerField(null=True)
    created_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "mentoring_pair"


class MentoringMeeting(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    pair = ForeignKeyField(MentoringPair, backref="+", on_delete="CASCADE")
    day = DateField(index=True)
    start_time = CharField(max_length=5, default="", constraints=_bounded("start_time", 5))
    place = CharField(max_length=200, default="", constraints=_bounded("place", 200))
    topic = CharField(max_length=200, default="", constraints=_bounded("topic", 200))
    status = CharField(max_length=16, default="planned", constraints=_bounded("status", 16))
    mentor_note = CharField(max_length=1000, default="", constraints=_bounded("mentor_note", 1000))
    mentee_note = CharField(max_length=1000, default="", constraints=_bounded("mentee_note", 1000))

    class Meta:
        table_name = "mentoring_meeting"


TABLES = [MentorProfile, MentoringRequest, MentoringPair, MentoringMeeting]


def upgrade(db):
    create_tables(db, TABLES, synced=tuple(TABLES))
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("event", "organisation_id",
                                ForeignKeyField(Organisation, field=Organisation.id, null=True, on_delete="SET NULL")))
