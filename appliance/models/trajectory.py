"""The personal trajectory: SMART goals with milestones, the everyday tasks of «Активности»."""

from __future__ import annotations

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField, UUIDField

from appliance.i18n import N_
from appliance.models.base import SyncModel
from appliance.models.calendar import Event
from appliance.models.mentoring import MentoringPair
from appliance.models.people import User

GOAL_STATUSES = ("active", "done", "dropped")
GOAL_STATUS_WORDS = {"active": N_("в работе"), "done": N_("достигнута"), "dropped": N_("не достигнута")}
TASK_STATUSES = ("todo", "doing", "done")
# Where a goal came from, with the words the pupil's pages use.
ORIGINS = {
    "scratch": N_("своя цель"), "reflection": N_("из следующего шага рефлексии"),
    "recommendation": N_("по подсказке портала"), "initiative": N_("цель проекта из инициативы"),
    "mentoring": N_("цель из наставничества"),
}


class Goal(SyncModel):
    student = ForeignKeyField(User, backref="goals", on_delete="CASCADE")
    title = CharField(max_length=300)  # what exactly (specific)
    measure = TextField(default="")  # how I'll know it's done (measurable)
    why = TextField(default="")  # why it matters to me (relevant)
    plan = TextField(default="")  # first steps: what makes it achievable
    deadline = DateField()  # time-bound
    status = CharField(max_length=16, default="active", index=True)
    # Where the goal came from: a code of ORIGINS.
    origin = CharField(max_length=16, default="scratch")
    origin_note = TextField(default="")
    reflection_id = UUIDField(null=True)  # the portfolio reflection whose next step began it
    achievement_id = UUIDField(null=True)  # the achievement draft it produced
    closing_reflection_id = UUIDField(null=True)
    remind_days = IntegerField(default=3)
    closed_at = DateTimeField(null=True)
    # The school year (by its first year) and the class the student was in when it was made.
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")
    # The mentoring pair the goal was set in (origin "mentoring"); the goal stays the pupil's if the pair goes.
    mentoring_pair = ForeignKeyField(MentoringPair, backref="trajectory_goals", null=True, on_delete="SET NULL")


class GoalCompetency(SyncModel):
    """A competency of the portfolio's framework the goal develops (by its id)."""

    goal = ForeignKeyField(Goal, backref="competencies", on_delete="CASCADE")
    competency_id = UUIDField()

    class Meta:
        indexes = ((("goal", "competency_id"), True),)


class GoalEvent(SyncModel):
    goal = ForeignKeyField(Goal, backref="events", on_delete="CASCADE")
    event = ForeignKeyField(Event, on_delete="CASCADE")

    class Meta:
        indexes = ((("goal", "event"), True),)


class Milestone(SyncModel):
    goal = ForeignKeyField(Goal, backref="milestones", on_delete="CASCADE")
    title = CharField(max_length=300)
    due_on = DateField()
    done_at = DateTimeField(null=True)


class Task(SyncModel):
    student = ForeignKeyField(User, backref="tasks", on_delete="CASCADE")
    title = CharField(max_length=300)
    due_on = DateField(null=True)
    status = CharField(max_length=16, default="todo", index=True)
    goal = ForeignKeyField(Goal, backref="tasks", null=True, on_delete="SET NULL")
    remind_days = IntegerField(default=1)


class GoalComment(SyncModel):
    """A class teacher's word on a student's goal."""

    goal = ForeignKeyField(Goal, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, on_delete="CASCADE")
    text = TextField()
