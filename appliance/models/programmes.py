"""Programmes of additional education (кружки, секции, courses of a technopark) and who attends them."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from appliance.i18n import N_
from appliance.models.base import SyncModel
from appliance.models.competencies import Competency
from appliance.models.people import School, User
from appliance.models.trials import Organisation

KINDS = {"club": N_("кружок"), "section": N_("секция"), "technopark": N_("курс технопарка"), "course": N_("курс"), "studio": N_("студия")}
REQUESTED = "requested"  # the student asked; the teacher or the administration decides
ATTENDING = "attending"
FINISHED = "finished"
DECLINED = "declined"
STATUSES = (REQUESTED, ATTENDING, FINISHED, DECLINED)


class Programme(SyncModel):
    school = ForeignKeyField(School, backref="programmes", on_delete="CASCADE")
    title = CharField(max_length=200)
    kind = CharField(max_length=16)
    teacher = ForeignKeyField(User, null=True, on_delete="SET NULL")
    organisation = ForeignKeyField(Organisation, null=True, backref="programmes", on_delete="RESTRICT")
    schedule = CharField(max_length=200, default="")
    place = CharField(max_length=300, default="")
    description = TextField(default="")
    school_year = IntegerField()  # the year it started
    closed_at = DateTimeField(null=True)


class ProgrammeCompetency(SyncModel):
    programme = ForeignKeyField(Programme, backref="competency_links", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="programme_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("programme", "competency"), True),)


class ProgrammeEnrolment(SyncModel):
    """A student in a programme from one school year to another (to_year empty while attending)."""

    programme = ForeignKeyField(Programme, backref="enrolments", on_delete="RESTRICT")
    student = ForeignKeyField(User, backref="programme_enrolments", on_delete="CASCADE")
    status = CharField(max_length=16, index=True)
    from_year = IntegerField()
    to_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("programme", "student"), True),)
