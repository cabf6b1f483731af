"""The events calendar: school, city, regional, all-Russian and international events, each
student's plan, reminders before deadlines, portal notifications and calendar-feed tokens."""

from __future__ import annotations

import uuid

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

from appliance.models.base import BaseModel, SyncModel, utcnow
from appliance.models.people import ClassGroup, School, User
from appliance.models.trials import Organisation

KINDS = ("olympiad", "contest", "conference", "camp", "open_day", "other")


class Event(SyncModel):
    school = ForeignKeyField(School, backref="events", on_delete="CASCADE")
    title = CharField(max_length=300)
    description = TextField(default="")
    level = CharField(max_length=16, index=True)  # a code of appliance.models.vocabulary
    kind = CharField(max_length=16, default="other")
    direction = CharField(max_length=64, default="", index=True)  # likewise, or ""
    # Dates in the school's time zone; an event without a start time lasts whole days.
    starts_on = DateField(index=True)
    ends_on = DateField()
    start_time = CharField(max_length=5, default="")  # "HH:MM" local, or "" for all-day
    registration_deadline = DateField(null=True)
    place = CharField(max_length=300, default="")
    url = CharField(max_length=500, default="")
    # "all" — everyone in the school; "classes" — only the classes in EventClass.
    audience = CharField(max_length=16, default="all")
    published = BooleanField(default=True)
    # The UID of an imported iCalendar event: a second import updates instead of duplicating.
    uid = CharField(max_length=255, unique=True)
    source = CharField(max_length=16, default="manual")  # manual | ics | csv
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    # The partner organisation that runs or hosts the event, if any (m0021).
    organisation = ForeignKeyField(Organisation, null=True, on_delete="SET NULL")
    # Shown to the graduates of the alumni club, who may sign up (appliance.services.alumni).
    open_to_alumni = BooleanField(default=False)
    # A volunteering event: after it, the pupils who had it in their plan are proposed a volunteer
    # record of `volunteer_hours` to confirm (appliance.services.volunteering.proposals).
    volunteering = BooleanField(default=False)
    volunteer_hours = FloatField(null=True)


class EventClass(SyncModel):
    event = ForeignKeyField(Event, backref="classes", on_delete="CASCADE")
    class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE")

    class Meta:
        indexes = ((("event", "class_group"), True),)


class PlannedEvent(SyncModel):
    """An event a student added to their own plan."""

    student = ForeignKeyField(User, backref="planned_events", on_delete="CASCADE")
    event = ForeignKeyField(Event, backref="planned_by", on_delete="CASCADE")
    remind_days = IntegerField(default=3)
    # The pupil said they did not take part in this volunteering event: no hours proposed.
    volunteer_dismissed = BooleanField(default=False)

    class Meta:
        indexes = ((("student", "event"), True),)


class Reminder(SyncModel):
    """A reminder due on `remind_on`; `sent_at` is set exactly once, when its notification is made."""

    user = ForeignKeyField(User, backref="reminders", on_delete="CASCADE")
    kind = CharField(max_length=16)  # event | registration | goal | milestone | task
    target_id = UUIDField()
    title = CharField(max_length=300)
    due_on = DateField()
    remind_on = DateField(index=True)
    sent_at = DateTimeField(null=True, index=True)

    class Meta:
        indexes = ((("user", "kind", "target_id"), True),)


class Notification(SyncModel):
    """Something new for one person. Several of one kind and group while unread are one row with
    `count` («3 achievements confirmed»); `link` is a LinkTarget (appliance.services.links)."""

    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    # One notification per reminder at most: the database refuses a second one.
    reminder = ForeignKeyField(Reminder, null=True, unique=True, on_delete="SET NULL")
    title = CharField(max_length=300)
    body = TextField(default="")
    link = CharField(max_length=300, default="")
    read_at = DateTimeField(null=True)
    kind = CharField(max_length=32, default="reminder")  # a kind of appliance.services.notifications
    group_key = CharField(max_length=120, default="")
    count = IntegerField(default=1)

    class Meta:
        indexes = ((("user", "read_at"), False), (("user", "created_at"), False),
                   (("user", "group_key"), False))


class NotificationMute(BaseModel):
    """A kind of notification one person chose not to receive: their own setting, never synced."""

    id = UUIDField(primary_key=True, default=uuid.uuid4)
    user = ForeignKeyField(User, backref="notification_mutes", on_delete="CASCADE")
    kind = CharField(max_length=32)

    class Meta:
        indexes = ((("user", "kind"), True),)


class FeedToken(SyncModel):
    """The secret of a user's iCalendar feed; only its SHA-256 is kept."""

    user = ForeignKeyField(User, backref="feed_tokens", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    revoked_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    issued_at = DateTimeField(default=utcnow)
