"""The school's news: short notes with a photo by staff and the pupils of the media team. A pupil's
note waits for a staff member's approval; staff publish directly."""

from __future__ import annotations

from peewee import CharField, Check, DateTimeField, ForeignKeyField, IntegerField, TextField

from appliance.i18n import N_
from appliance.models.base import SyncModel
from appliance.models.calendar import Event
from appliance.models.community import Idea
from appliance.models.people import School, User
from appliance.models.portfolio import Achievement

# pending (a pupil's note waits for staff) → published | returned (→ pending again after a change).
PENDING, PUBLISHED, RETURNED = "pending", "published", "returned"
NEWS_STATUSES = {PENDING: N_("ждёт проверки"), PUBLISHED: N_("опубликована"), RETURNED: N_("возвращена на доработку")}

MAX_TITLE = 200
MAX_TEXT = 3000
MAX_COMMENT = 1000
MAX_ALT = 200


class News(SyncModel):
    school = ForeignKeyField(School, backref="news", on_delete="CASCADE")
    # Kept when the author's account is deleted: the school's published note stays, without a name.
    author = ForeignKeyField(User, backref="news", null=True, on_delete="SET NULL")
    title = CharField(max_length=MAX_TITLE, constraints=[Check("length(title) <= 200")])
    text = TextField(default="", constraints=[Check("length(text) <= 3000")])
    # The photo: re-encoded without metadata by `uploads.prepare`, stored by its sha256.
    photo_sha256 = CharField(max_length=64, default="", constraints=[Check("length(photo_sha256) <= 64")])
    photo_mime = CharField(max_length=32, default="", constraints=[Check("length(photo_mime) <= 32")])
    photo_width = IntegerField(null=True)
    photo_height = IntegerField(null=True)
    photo_alt = CharField(max_length=MAX_ALT, default="", constraints=[Check("length(photo_alt) <= 200")])
    status = CharField(max_length=16, default=PENDING, index=True, constraints=[Check("length(status) <= 16")])
    review_comment = TextField(default="", constraints=[Check("length(review_comment) <= 1000")])
    reviewed_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    published_at = DateTimeField(null=True, index=True)
    event = ForeignKeyField(Event, backref="+", null=True, on_delete="SET NULL")
    idea = ForeignKeyField(Idea, backref="+", null=True, on_delete="SET NULL")
    achievement = ForeignKeyField(Achievement, backref="+", null=True, on_delete="SET NULL")
