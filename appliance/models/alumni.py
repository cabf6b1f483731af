"""The alumni club: a graduate's profile (what they chose to show, how they can help, their
contacts for the school's staff), their sign-ups to events open to alumni, and pupils' requests
to meet one, arranged by a staff member."""

from __future__ import annotations

from peewee import BooleanField, CharField, Check, DateTimeField, ForeignKeyField, IntegerField

from appliance.i18n import N_
from appliance.models.base import SyncModel
from appliance.models.calendar import Event
from appliance.models.people import School, User

# Who besides the school's staff sees an alumnus's contacts. Pupils never do.
CONTACTS_STAFF = "staff"
CONTACTS_ALUMNI = "alumni"
CONTACTS_TO = {CONTACTS_STAFF: N_("только сотрудники школы"),
               CONTACTS_ALUMNI: N_("сотрудники школы и выпускники клуба")}

# The profile's free text (what they do, city, about) is shown to pupils only once approved.
TEXT_PENDING, TEXT_APPROVED, TEXT_RETURNED = "pending", "approved", "returned"
TEXT_STATUSES = {TEXT_PENDING: N_("на проверке"), TEXT_APPROVED: N_("одобрен"),
                 TEXT_RETURNED: N_("возвращён с комментарием")}

# How an alumnus can help the school (profile flags) — also what a pupil may ask for.
HELP = {"talk": N_("выступить: рассказать о профессии или учёбе"), "mentoring": N_("стать наставником"),
        "trial": N_("провести профессиональную пробу"), "excursion": N_("провести экскурсию")}

# A pupil's request to meet an alumnus: new → taken (a staff member arranges it) → arranged | declined;
# the pupil may withdraw a request nobody has arranged yet.
MEETING_NEW, MEETING_TAKEN, MEETING_ARRANGED, MEETING_DECLINED, MEETING_WITHDRAWN = (
    "new", "taken", "arranged", "declined", "withdrawn")
MEETING_STATUSES = {MEETING_NEW: N_("ждёт сотрудника"), MEETING_TAKEN: N_("сотрудник договаривается"),
                    MEETING_ARRANGED: N_("встреча назначена"), MEETING_DECLINED: N_("не получится"),
                    MEETING_WITHDRAWN: N_("отозвана")}
MEETING_OPEN = (MEETING_NEW, MEETING_TAKEN)
MEETING_PURPOSES = {**HELP, "other": N_("другое")}


def _limits(**columns: int) -> list[Check]:
    return [Check(f"length({name}) <= {limit}") for name, limit in columns.items()]


class AlumniProfile(SyncModel):
    school = ForeignKeyField(School, backref="alumni_profiles", on_delete="CASCADE")
    alumnus = ForeignKeyField(User, backref="alumni_profile", unique=True, on_delete="CASCADE")
    graduation_year = IntegerField(null=True, index=True)  # the calendar year of the last school summer
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
    contacts_to = CharField(max_length=16, default=CONTACTS_STAFF)
    text_status = CharField(max_length=16, default=TEXT_PENDING)
    text_note = CharField(max_length=500, default="")
    reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)

    class Meta:
        table_name = "alumni_profile"
        constraints = _limits(class_name=16, occupation=200, city=100, about=1000, phone=32, email=120,
                              other_contact=200, contacts_to=16, text_status=16, text_note=500)

    def helps(self) -> list[str]:
        return [key for key in HELP if getattr(self, f"help_{key}")]


class AlumniSignup(SyncModel):
    event = ForeignKeyField(Event, backref="alumni_signups", on_delete="CASCADE")
    alumnus = ForeignKeyField(User, backref="alumni_signups", on_delete="CASCADE")

    class Meta:
        table_name = "alumni_signup"
        indexes = ((("event", "alumnus"), True),)


class AlumniMeeting(SyncModel):
    school = ForeignKeyField(School, backref="alumni_meetings", on_delete="CASCADE")
    student = ForeignKeyField(User, backref="alumni_meetings_asked", on_delete="CASCADE")
    alumnus = ForeignKeyField(User, backref="alumni_meetings", on_delete="CASCADE")
    purpose = CharField(max_length=16)
    message = CharField(max_length=1000, default="")
    status = CharField(max_length=16, default=MEETING_NEW, index=True)
    handled_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    handled_at = DateTimeField(null=True)
    note = CharField(max_length=1000, default="")
    school_year = IntegerField(null=True)
    class_name = CharField(max_length=16, default="")

    class Meta:
        table_name = "alumni_meeting"
        constraints = _limits(purpose=16, message=1000, status=16, note=1000, class_name=16)
