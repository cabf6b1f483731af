"""Клуб выпускников: профили, встречи с учениками, запись на открытые события; волонтёрские события"""

# Frozen here: the tables this migration adds, declared in this file only.

from peewee import BooleanField, CharField, Check, DateTimeField, FloatField, ForeignKeyField, IntegerField, UUIDField
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


class Event(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "event"


class AlumniProfile(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    alumnus = ForeignKeyField(User, backref="+", unique=True, on_delete="CASCADE")
    graduation_year = IntegerField(null=True, index=True)
    class_name = CharField(max_length=16, default="")
    show_class = BooleanField(default=True)
    occupation = CharField(max_length=200, default="")
    show_occupation = BooleanField(default=False)
    city = CharField(max_length=100, default="")
    show_city = BooleanField(default=False)
    about = CharField(max_length=1000, default="")
    help_talk = BooleanField(default=False)
    help_mentoring = BooleanField(default=False)
    help_trial = BooleanField(default=False)
    help_excursion = BooleanField(default=False)
    phone = CharField(max_length=32, default="")
    email = CharField(max_length=120, default="")
    other_contact = CharField(max_length=200, default="")
    contacts_to = CharField(max_length=16, default="staff")
    text_status = CharField(max_length=16, default="pending")
    text_note = CharField(max_length=500, default="")
    reviewed_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)

    class Meta:
        table_name = "alumni_profile"
        constraints = [Check("length(class_name) <= 16"), Check("length(occupation) <= 200"),
                       Check("length(city) <= 100"), Check("length(about) <= 1000"), Check("length(phone) <= 32"),
                       Check("length(email) <= 120"), Check("length(other_contact) <= 200"),
                       Check("length(contacts_to) <= 16"), Check("length(text_status) <= 16"),
                       Check("length(text_note) <= 500")]


class AlumniSignup(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    event = ForeignKeyField(Event, backref="+", on_delete="CASCADE")
    alumnus = ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "alumni_signup"
        indexes = ((("event", "alumnus"), True),)


class AlumniMeeting(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    alumnus = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    purpose = CharField(max_length=16)
    message = CharField(max_length=1000, default="")
    status = CharField(max_length=16, default="new", index=True)
    handled_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    handled_at = DateTimeField(null=True)
    note = CharField(max_length=1000, default="")
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")

    class Meta:
        table_name = "alumni_meeting"
        constraints = [Check("length(purpose) <= 16"), Check("length(message) <= 1000"),
                       Check("length(status) <= 16"), Check("length(note) <= 1000"),
                       Check("length(class_name) <= 16")]


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(
        migrator.add_column("event", "open_to_alumni", BooleanField(default=False)),
        # An event marked volunteering proposes hours to the pupils who had it in their plan.
        migrator.add_column("event", "volunteering", BooleanField(default=False)),
        migrator.add_column("event", "volunteer_hours", FloatField(null=True)),
        migrator.add_column("volunteer_record", "from_event", UUIDField(null=True)),
        migrator.add_column("planned_event", "volunteer_dismissed", BooleanField(default=False)),
    )
    create_tables(db, [AlumniProfile, AlumniSignup, AlumniMeeting],
                  synced=(AlumniProfile, AlumniSignup, AlumniMeeting))
