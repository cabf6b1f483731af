"""Partners of the school and profession trials: the organisations, the catalogue of trials with
their sessions, a student's sign-up, self-assessment and the expert's assessment."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from appliance.i18n import N_
from appliance.models.base import SyncModel
from appliance.models.competencies import Competency
from appliance.models.people import School, User

# Kinds of partner organisations.
ORG_KINDS = {"university": N_("вуз"), "college": N_("колледж"), "enterprise": N_("предприятие"),
             "technopark": N_("технопарк"), "ngo": N_("некоммерческая организация"), "other": N_("другое")}
# Fields of professions a trial belongs to.
FIELDS = {"engineering": N_("инженерия и производство"), "it": N_("ИТ и цифровые технологии"),
          "science": N_("наука и исследования"), "medicine": N_("медицина и здоровье"),
          "education": N_("образование"), "arts": N_("творчество и дизайн"), "business": N_("экономика и бизнес"),
          "service": N_("сервис и транспорт"), "public": N_("право и госслужба"), "agro": N_("природа и агро")}
# How an enrolment stands.
AWAITING_CONSENT = "consent"  # an off-site trial waits for a parent's permission; the place is held
ENROLLED = "enrolled"
CANCELLED = "cancelled"
TAKING_PLACE = (AWAITING_CONSENT, ENROLLED)
ENROLMENT_STATUSES = (AWAITING_CONSENT, ENROLLED, CANCELLED)
# Would the student do this work?
WOULD_DO = {"yes": N_("да"), "maybe": N_("может быть"), "no": N_("нет")}
SELF, EXPERT = "self", "expert"


class Organisation(SyncModel):
    school = ForeignKeyField(School, backref="organisations", on_delete="CASCADE")
    name = CharField(max_length=200)
    kind = CharField(max_length=16)
    contact_person = CharField(max_length=200, default="")
    phone = CharField(max_length=64, default="")
    email = CharField(max_length=200, default="")
    address = CharField(max_length=300, default="")
    offers_trials = BooleanField(default=False)
    offers_mentors = BooleanField(default=False)
    offers_events = BooleanField(default=False)
    offers_programmes = BooleanField(default=False)
    agreement_from = DateField(null=True)
    agreement_to = DateField(null=True)
    note = TextField(default="")
    archived_at = DateTimeField(null=True)


class ProfessionTrial(SyncModel):
    school = ForeignKeyField(School, backref="trials", on_delete="CASCADE")
    # RESTRICT: an organisation with trials is archived, never deleted with its students' records.
    organisation = ForeignKeyField(Organisation, backref="trials", on_delete="RESTRICT")
    title = CharField(max_length=200)
    field = CharField(max_length=32)
    place = CharField(max_length=300, default="")
    off_site = BooleanField(default=True)
    grade_min = IntegerField(default=7)
    grade_max = IntegerField(default=9)
    description = TextField(default="")
    school_year = IntegerField()
    published = BooleanField(default=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


class TrialCompetency(SyncModel):
    trial = ForeignKeyField(ProfessionTrial, backref="competency_links", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="trial_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("trial", "competency"), True),)


class TrialSession(SyncModel):
    trial = ForeignKeyField(ProfessionTrial, backref="sessions", on_delete="CASCADE")
    starts_on = DateField(index=True)
    ends_on = DateField()
    start_time = CharField(max_length=5, default="")
    capacity = IntegerField()


class TrialEnrolment(SyncModel):
    """A student's place in one session; keeps the year, class and grade they were in."""

    session = ForeignKeyField(TrialSession, backref="enrolments", on_delete="RESTRICT")
    student = ForeignKeyField(User, backref="trial_enrolments", on_delete="CASCADE")
    school_year = IntegerField()
    class_name = CharField(max_length=16, default="")
    grade = IntegerField()
    status = CharField(max_length=16, index=True)
    consent_at = DateTimeField(null=True)
    consent_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    liked = TextField(default="")
    would_do = CharField(max_length=8, default="")
    why = TextField(default="")
    self_assessed_at = DateTimeField(null=True)
    expert_name = CharField(max_length=200, default="")
    expert_comment = TextField(default="")
    expert_assessed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("session", "student"), True),)


class TrialScore(SyncModel):
    """A level for one competency, given by the student (self) or the expert."""

    enrolment = ForeignKeyField(TrialEnrolment, backref="scores", on_delete="CASCADE")
    competency = ForeignKeyField(Competency, backref="trial_scores", on_delete="CASCADE")
    by = CharField(max_length=8)
    score = IntegerField()

    class Meta:
        indexes = ((("enrolment", "competency", "by"), True),)


class ExpertLink(SyncModel):
    """A one-time link for the organisation's expert; only the SHA-256 of its secret is kept."""

    enrolment = ForeignKeyField(TrialEnrolment, backref="expert_links", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    issued_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


FREE_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "organisation": ("note",), "profession_trial": ("description",),
    "trial_enrolment": ("liked", "why", "expert_comment"),
}
