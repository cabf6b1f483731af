"""The community around the school: volunteer hours, student initiatives «Есть идея!» with the
student council that reviews them, and the community roles the administration gives."""

from __future__ import annotations

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

from appliance.i18n import N_
from appliance.models.base import SyncModel
from appliance.models.people import School, User
from appliance.models.portfolio import CatalogEntry
from appliance.models.trials import Organisation

# Roles in the community the administration marks: pupils of the council and of the media team,
# teachers who advise the council.
COUNCIL = "council"
MEDIA = "media"
ADVISER = "adviser"
COMMUNITY_ROLES = {COUNCIL: N_("совет лидеров"), MEDIA: N_("медиацентр"), ADVISER: N_("советник совета")}

# Volunteer records: sent → confirmed | returned (returned → sent again after a change).
SUBMITTED, CONFIRMED, RETURNED = "submitted", "confirmed", "returned"
VOLUNTEER_STATUSES = {SUBMITTED: N_("на проверке"), CONFIRMED: N_("подтверждено"),
                      RETURNED: N_("возвращено с комментарием")}

# Ideas: proposed → accepted (a project) | needs_work (→ proposed again) | declined; accepted → done.
PROPOSED, NEEDS_WORK, ACCEPTED, DECLINED, DONE = "proposed", "needs_work", "accepted", "declined", "done"
IDEA_STATUSES = {PROPOSED: N_("на обсуждении"), NEEDS_WORK: N_("нужно доработать"), ACCEPTED: N_("проект идёт"),
                 DECLINED: N_("отклонена"), DONE: N_("реализована")}


class CommunityRole(SyncModel):
    school = ForeignKeyField(School, backref="community_roles", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="community_roles", on_delete="CASCADE")
    role = CharField(max_length=16)

    class Meta:
        indexes = ((("user", "role"), True),)


class VolunteerRecord(SyncModel):
    student = ForeignKeyField(User, backref="volunteer_records", on_delete="CASCADE")
    day = DateField(index=True)
    organisation = ForeignKeyField(Organisation, null=True, on_delete="SET NULL")
    place = CharField(max_length=200, default="")  # the organisation or event in the student's words
    what = TextField(default="")
    hours = FloatField()
    direction = ForeignKeyField(CatalogEntry, null=True, on_delete="SET NULL")
    # The teacher or organiser who confirms; the class teacher may always.
    teacher = ForeignKeyField(User, null=True, on_delete="SET NULL")
    status = CharField(max_length=16, default=SUBMITTED, index=True)
    reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    review_comment = TextField(default="")
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")
    # The volunteering event that proposed this record (calendar.Event), if any.
    from_event = UUIDField(null=True)


class Idea(SyncModel):
    school = ForeignKeyField(School, backref="ideas", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="ideas", on_delete="CASCADE")
    title = CharField(max_length=200)
    problem = TextField(default="")
    idea = TextField(default="")
    needs = TextField(default="")
    helpers = TextField(default="")
    status = CharField(max_length=16, default=PROPOSED, index=True)
    decision_reason = TextField(default="")
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    adviser = ForeignKeyField(User, null=True, on_delete="SET NULL")
    finished_at = DateTimeField(null=True)
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")


class IdeaSupport(SyncModel):
    idea = ForeignKeyField(Idea, backref="supports", on_delete="CASCADE")
    student = ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        indexes = ((("idea", "student"), True),)


class IdeaComment(SyncModel):
    idea = ForeignKeyField(Idea, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, on_delete="CASCADE")
    text = TextField()
    hidden = BooleanField(default=False)
    hidden_reason = TextField(default="")
    hidden_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


class IdeaMember(SyncModel):
    """A pupil in the team of an accepted idea; their goal in the trajectory and, when the project
    is finished, their achievement draft."""

    idea = ForeignKeyField(Idea, backref="members", on_delete="CASCADE")
    student = ForeignKeyField(User, on_delete="CASCADE")
    goal_id = UUIDField(null=True)
    achievement_id = UUIDField(null=True)

    class Meta:
        indexes = ((("idea", "student"), True),)
