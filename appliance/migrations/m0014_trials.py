"""Партнёры и профессиональные пробы: организации, пробы, сеансы, запись, самооценка и оценка эксперта"""

# Frozen here: the tables this migration adds, declared in this file only.

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


class Organisation(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    name = CharField(max_length=200)
    kind = CharField(max_length=16)
    contact_person = CharField(max_length=200, default="")
    phone = CharField(max_length=64, default="")
    email = CharField(max_length=200, default="")
    address = CharField(max_length=300, default="")
    offers_trials = BooleanField(default=False)
    offers_mentors = BooleanField(default=False)
    offers_events = BooleanField(default=False)
    offers_programmes = BooleanField(default=False)
    agreement_from = DateField(null=True)
    agreement_to = DateField(null=True)
    note = TextField(default="")
    archived_at = DateTimeField(null=True)

    class Meta:
        table_name = "organisation"


class ProfessionTrial(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    organisation = ForeignKeyField(Organisation, backref="+", on_delete="RESTRICT")
    title = CharField(max_length=200)
    field = CharField(max_length=32)
    place = CharField(max_length=300, default="")
    off_site = BooleanField(default=True)
    grade_min = IntegerField(default=7)
    grade_max = IntegerField(default=9)
    description = TextField(default="")
    school_year = IntegerField()
    published = BooleanField(default=True)
    created_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "profession_trial"


class TrialCompetency(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    trial = ForeignKeyField(ProfessionTrial, backref="+", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "trial_competency"
        indexes = ((("trial", "competency"), True),)


class TrialSession(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    trial = ForeignKeyField(ProfessionTrial, backref="+", on_delete="CASCADE")
    starts_on = DateField(index=True)
    ends_on = DateField()
    start_time = CharField(max_length=5, default="")
    capacity = IntegerField()

    class Meta:
        table_name = "trial_session"


class TrialEnrolment(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    session = ForeignKeyField(TrialSession, backref="+", on_delete="RESTRICT")
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    school_year = IntegerField()
    class_name = CharField(max_length=16, default="")
    grade = IntegerField()
    status = CharField(max_length=16, index=True)
    consent_at = DateTimeField(null=True)
    consent_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    liked = TextField(default="")
    would_do = CharField(max_length=8, default="")
    why = TextField(default="")
    self_assessed_at = DateTimeField(null=True)
    expert_name = CharField(max_length=200, default="")
    expert_comment = TextField(default="")
    expert_assessed_at = DateTimeField(null=True)

    class Meta:
        table_name = "trial_enrolment"
        indexes = ((("session", "student"), True),)


class TrialScore(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    enrolment = ForeignKeyField(TrialEnrolment, backref="+", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="+", on_delete="CASCADE")
    by = CharField(max_length=8)
    score = IntegerField()

    class Meta:
        table_name = "trial_score"
        indexes = ((("enrolment", "competency", "by"), True),)


class ExpertLink(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    enrolment = ForeignKeyField(TrialEnrolment, backref="+", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    issued_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "expert_link"


TABLES = [Organisation, ProfessionTrial, TrialCompetency, TrialSession, TrialEnrolment, TrialScore, ExpertLink]


def upgrade(db):
    create_tables(db, TABLES, synced=tuple(TABLES))
