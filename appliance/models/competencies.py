"""Competency frameworks (shipped and imported as data), links from achievements and the
student's self-assessment each term."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from appliance.models.base import SyncModel
from appliance.models.people import User
from appliance.models.portfolio import Achievement


class CompetencyFramework(SyncModel):
    code = CharField(max_length=64, unique=True)
    name = CharField(max_length=200)
    description = TextField(default="")
    source = TextField(default="")
    scale_min = IntegerField(default=1)
    scale_max = IntegerField(default=5)
    active = BooleanField(default=True)


class Competency(SyncModel):
    framework = ForeignKeyField(CompetencyFramework, backref="competencies", on_delete="CASCADE")
    code = CharField(max_length=16)
    name = CharField(max_length=200)
    group_name = CharField(max_length=120, default="")
    description = TextField(default="")
    position = IntegerField(default=0)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="SET NULL")

    class Meta:
        indexes = ((("framework", "code"), True),)


class AchievementCompetency(SyncModel):
    achievement = ForeignKeyField(Achievement, backref="competency_links", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="achievement_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("achievement", "competency"), True),)


class SelfAssessment(SyncModel):
    """A student's score for one competency in one term of one school year.

    `school_year` is the year the school year starts (2026 for 2026/27); `term` counts from 1
    (four terms or two halves, as the school is set up).
    """

    student = ForeignKeyField(User, backref="self_assessments", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="self_assessments", on_delete="CASCADE")
    school_year = IntegerField()
    term = IntegerField()
    score = IntegerField()
    reason = TextField(default="")
    assessed_on = DateField()
    class_name = CharField(max_length=16, default="")  # the student's class that school year

    class Meta:
        indexes = ((("student", "competency", "school_year", "term"), True),)


FREE_TEXT_FIELDS: dict[str, tuple[str, ...]] = {"self_assessment": ("reason",)}
