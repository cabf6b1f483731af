"""Траектория: цели, задачи, календарь событий, напоминания, профориентация и опросы"""

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


class ClassGroup(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "class_group"


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class School(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "school"


class Event(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    title = CharField(max_length=300)
    description = TextField()
    level = CharField(index=True, max_length=16)
    kind = CharField(max_length=16)
    direction = CharField(index=True, max_length=64)
    starts_on = DateField(index=True)
    ends_on = DateField()
    start_time = CharField(max_length=5)
    registration_deadline = DateField(null=True)
    place = CharField(max_length=300)
    url = CharField(max_length=500)
    audience = CharField(max_length=16)
    published = BooleanField()
    uid = CharField(unique=True)
    source = CharField(max_length=16)
    created_by = ForeignKeyField(User, backref="+", on_delete="SET NULL", null=True)

    class Meta:
        table_name = "event"


class EventClass(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    event = ForeignKeyField(Event, backref="+", on_delete="CASCADE")
    class_group = ForeignKeyField(ClassGroup, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "event_class"
        indexes = ((("event", "class_group"), True),)


class PlannedEvent(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    event = ForeignKeyField(Event, backref="+", on_delete="CASCADE")
    remind_days = IntegerField()

    class Meta:
        table_name = "planned_event"
        indexes = ((("student", "event"), True),)


class Reminder(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    kind = CharField(max_length=16)
    target_id = UUIDField()
    title = CharField(max_length=300)
    due_on = DateField()
    remind_on = DateField(index=True)
    sent_at = DateTimeField(null=True, index=True)

    class Meta:
        table_name = "reminder"
        indexes = ((("user", "kind", "target_id"), True),)


class Notification(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    reminder = ForeignKeyField(Reminder, backref="+", on_delete="SET NULL", null=True, unique=True)
    title = CharField(max_length=300)
    body = TextField()
    link = CharField(max_length=300)
    read_at = DateTimeField(null=True)

    class Meta:
        table_name = "notification"


class FeedToken(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    token_hash = CharField(unique=True, max_length=64)
    revoked_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    issued_at = DateTimeField()

    class Meta:
        table_name = "feed_token"


class Goal(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    title = CharField(max_length=300)
    measure = TextField()
    why = TextField()
    plan = TextField()
    deadline = DateField()
    status = CharField(index=True, max_length=16)
    origin = CharField(max_length=16)
    origin_note = TextField()
    reflection_id = UUIDField(null=True)
    achievement_id = UUIDField(null=True)
    closing_reflection_id = UUIDField(null=True)
    remind_days = IntegerField()
    closed_at = DateTimeField(null=True)

    class Meta:
        table_name = "goal"


class GoalCompetency(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    goal = ForeignKeyField(Goal, backref="+", on_delete="CASCADE")
    competency_id = UUIDField()

    class Meta:
        table_name = "goal_competency"
        indexes = ((("goal", "competency_id"), True),)


class GoalEvent(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    goal = ForeignKeyField(Goal, backref="+", on_delete="CASCADE")
    event = ForeignKeyField(Event, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "goal_event"
        indexes = ((("goal", "event"), True),)


class Milestone(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    goal = ForeignKeyField(Goal, backref="+", on_delete="CASCADE")
    title = CharField(max_length=300)
    due_on = DateField()
    done_at = DateTimeField(null=True)

    class Meta:
        table_name = "milestone"


class Task(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    title = CharField(max_length=300)
    due_on = DateField(null=True)
    status = CharField(index=True, max_length=16)
    goal = ForeignKeyField(Goal, backref="+", on_delete="SET NULL", null=True)
    remind_days = IntegerField()

    class Meta:
        table_name = "task"


class GoalComment(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    goal = ForeignKeyField(Goal, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    text = TextField()

    class Meta:
        table_name = "goal_comment"


class Attempt(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    student = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    questionnaire = CharField(index=True, max_length=64)
    version = CharField(max_length=32)
    answers = TextField()
    scores = TextField()
    code = CharField(max_length=16)
    taken_at = DateTimeField()
    shared = BooleanField()
    shared_at = DateTimeField(null=True)

    class Meta:
        table_name = "attempt"


class AttemptComment(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    attempt = ForeignKeyField(Attempt, backref="+", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    text = TextField()

    class Meta:
        table_name = "attempt_comment"


class Survey(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    questionnaire = CharField(max_length=64)
    title = CharField(max_length=300)
    audience = CharField(max_length=16)
    anonymous = BooleanField()
    opens_on = DateField()
    closes_on = DateField()
    created_by = ForeignKeyField(User, backref="+", on_delete="SET NULL", null=True)

    class Meta:
        table_name = "survey"


class SurveyResponse(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    survey = ForeignKeyField(Survey, backref="+", on_delete="CASCADE")
    respondent = ForeignKeyField(User, backref="+", on_delete="SET NULL", null=True)
    role = CharField(max_length=16)
    answers = TextField()

    class Meta:
        table_name = "survey_response"


class SurveyParticipation(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    survey = ForeignKeyField(Survey, backref="+", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "survey_participation"
        indexes = ((("survey", "user"), True),)


TABLES = [Event, EventClass, PlannedEvent, Reminder, Notification, FeedToken, Goal, GoalCompetency,
          GoalEvent, Milestone, Task, GoalComment, Attempt, AttemptComment, Survey, SurveyResponse,
          SurveyParticipation]


def upgrade(db):
    create_tables(db, TABLES, synced=TABLES)
