"""The student's portfolio: achievements with their evidence, the editable lists they use,
hobbies and reflections.

Free text written by people is kept in fields listed in FREE_TEXT_FIELDS, so that an
export for analytics can leave exactly those out.
"""

from __future__ import annotations

import datetime
import uuid

from peewee import (
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
    UUIDField,
)

from appliance.models.base import BaseModel, SyncModel
from appliance.models.people import User

# The lists an administrator edits; an achievement picks one entry of each.
CATALOGS = ("kind", "direction", "level", "result", "teacher_role")

STATUSES = ("draft", "submitted", "confirmed", "returned")


def _now_precise() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class CatalogEntry(SyncModel):
    """One entry of an editable list, e.g. level «региональный».

    `rank` orders levels (1 школьный … 5 международный) and results (1 участник … 5 победитель);
    the indicators use it (regional level and above, prize-winners and winners).
    """

    catalog = CharField(max_length=16, index=True)
    code = CharField(max_length=40)
    name = CharField(max_length=100)
    position = IntegerField(default=0)
    rank = IntegerField(default=0)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("catalog", "code"), True),)


class Achievement(SyncModel):
    student = ForeignKeyField(User, backref="achievements", on_delete="CASCADE")
    title = CharField(max_length=200)
    date = DateField(index=True)
    kind = ForeignKeyField(CatalogEntry, null=True, on_delete="SET NULL")
    direction = ForeignKeyField(CatalogEntry, null=True, on_delete="SET NULL")
    level = ForeignKeyField(CatalogEntry, null=True, on_delete="SET NULL")
    result = ForeignKeyField(CatalogEntry, null=True, on_delete="SET NULL")
    organizer = CharField(max_length=200, default="")
    description = TextField(default="")
    # The teacher who guided the work and in what role; no teacher means «без педагога».
    teacher = ForeignKeyField(User, backref="guided_achievements", null=True, on_delete="SET NULL")
    teacher_role = ForeignKeyField(CatalogEntry, null=True, on_delete="SET NULL")
    status = CharField(max_length=16, default="draft", index=True)
    submitted_at = DateTimeField(null=True)
    reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    review_comment = TextField(default="")
    # Part of the graduation document (the student may leave an achievement out).
    in_document = BooleanField(default=True)
    # The school year (by its first year) and the class the student was in when it was made.
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")
    # When the student agreed that the school's news may tell of this achievement (None: not agreed).
    news_consent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("student", "status"), False), (("teacher", "status"), False))


class AchievementStep(SyncModel):
    """A step of an achievement's review (sent, taken back, confirmed, returned): who and when. Kept
    with the achievement for as long as it lives, unlike the audit log, which is purged."""

    achievement = ForeignKeyField(Achievement, backref="steps", on_delete="CASCADE")
    action = CharField(max_length=32, constraints=[Check("length(action) <= 32")])
    by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    at = DateTimeField(default=_now_precise, index=True)


class Evidence(SyncModel):
    """A diploma photo or PDF. The file lives in the uploads directory under its sha256."""

    achievement = ForeignKeyField(Achievement, backref="evidence", on_delete="CASCADE")
    sha256 = CharField(max_length=64, index=True)
    original_name = CharField(max_length=200)
    mime = CharField(max_length=64)
    size = IntegerField()
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    has_preview = BooleanField(default=False)


class Hobby(SyncModel):
    student = ForeignKeyField(User, backref="hobbies", on_delete="CASCADE")
    title = CharField(max_length=120)
    direction = ForeignKeyField(CatalogEntry, null=True, on_delete="SET NULL")
    description = TextField(default="")
    since_year = IntegerField(null=True)


class Reflection(SyncModel):
    """Answers to a guided cycle of prompts, after an achievement or on its own.

    `answers` is JSON: {prompt code: text}. The last prompt, the next step, is kept apart in
    `next_step` so a goal can be made from it.
    """

    student = ForeignKeyField(User, backref="reflections", on_delete="CASCADE")
    achievement = ForeignKeyField(Achievement, backref="reflections", null=True, on_delete="SET NULL")
    prompt_set = CharField(max_length=16)
    answers = TextField(default="{}")
    next_step = TextField(default="")
    in_document = BooleanField(default=False)
    # The school year (by its first year) and the class the student was in when it was made.
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")
    # What the student chose to show: to the class teacher (who may comment) and to the parents.
    shared = BooleanField(default=False)
    shared_with_parents = BooleanField(default=False)


class Remark(BaseModel):
    """A teacher's word on a student's reflection or self-assessment, or the student's answer to it.
    Stays at the school: free text between two people, never synced."""

    id = UUIDField(primary_key=True, default=uuid.uuid4)
    created_at = DateTimeField(default=_now_precise)  # to the microsecond: a question and its answer keep their order
    student = ForeignKeyField(User, backref="remarks", on_delete="CASCADE")
    author = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    subject = CharField(max_length=16)  # reflection | self_assessment
    subject_id = UUIDField()
    text = TextField()

    class Meta:
        indexes = ((("subject", "subject_id"), False),)


# Fields holding text typed by people (names of things, descriptions, answers, comments).
FREE_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "achievement": ("title", "organizer", "description", "review_comment"),
    "evidence": ("original_name",),
    "hobby": ("title", "description"),
    "reflection": ("answers", "next_step"),
}
