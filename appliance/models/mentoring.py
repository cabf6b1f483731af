"""Mentoring (seed 004: the lyceum's model of mentoring): the register of mentors, mentees'
requests with their needs, pairs of a given form with a programme, and the meetings of a pair."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    UUIDField,
)

from appliance.i18n import N_
from appliance.models.base import SyncModel
from appliance.models.people import School, User
from appliance.models.trials import Organisation

# The forms of mentoring the school runs (seed 004:19–27): «who mentors — whom».
FORMS = {
    "teacher_student": N_("учитель — ученик"),
    "student_student": N_("ученик — ученик"),
    "teacher_parent": N_("учитель — родитель"),
    "teacher_teacher": N_("учитель — учитель"),
    "parent_teacher": N_("родитель — учитель"),
    "university_student": N_("студент — ученик"),
    "employer_student": N_("работодатель — ученик"),
    "reverse": N_("реверсивное: ученик — взрослый"),
}
# Who a mentor is. The last three come from outside the staff and pupils and get a limited account.
MENTOR_KINDS = {
    "teacher": N_("учитель"), "pupil": N_("ученик"), "parent": N_("родитель"),
    "university": N_("студент вуза"), "employee": N_("сотрудник партнёра"), "alumnus": N_("выпускник"),
}
OUTSIDE_KINDS = ("university", "employee", "alumnus")
# The short questionnaire of needs a mentee fills before pairing.
NEEDS = {
    "profession": N_("выбор профессии и профиля"), "study": N_("учёба и трудные предметы"),
    "olympiad": N_("олимпиады, проекты, исследования"), "adaptation": N_("адаптация в классе и школе"),
    "digital": N_("цифровые навыки"), "teaching": N_("педагогическое мастерство"),
    "leadership": N_("лидерство и общение"), "other": N_("другое"),
}
MEETING_FORMATS = {"school": N_("в школе"), "partner": N_("у партнёра"), "online": N_("на связи по сети"),
                   "any": N_("как удобнее")}
MAX_ANSWERS = 8000  # the JSON of one request's answers
# A request: open → paired (a pair was formed from it) | withdrawn.
OPEN, PAIRED, WITHDRAWN = "open", "paired", "withdrawn"
REQUEST_STATUSES = {OPEN: N_("ждёт наставника"), PAIRED: N_("наставник назначен"), WITHDRAWN: N_("отозвана")}
# A pair: active → finished (closed by the coordinator) | stopped (ended early).
ACTIVE, FINISHED, STOPPED = "active", "finished", "stopped"
PAIR_STATUSES = {ACTIVE: N_("работает"), FINISHED: N_("завершена"), STOPPED: N_("прекращена")}
# A meeting: planned → held | cancelled.
PLANNED, HELD, CANCELLED = "planned", "held", "cancelled"
MEETING_STATUSES = {PLANNED: N_("запланирована"), HELD: N_("состоялась"), CANCELLED: N_("отменена")}
# How many mentees a small group has.
GROUP_MIN, GROUP_MAX = 2, 8
# Were the pair's goals reached, as the coordinator records it when the pair closes.
GOALS_REACHED = {"yes": N_("достигнуты"), "partly": N_("частично"), "no": N_("не достигнуты")}


def _bounded(name: str, limit: int) -> list:
    return [Check(f"length({name}) <= {limit}")]


class MentorProfile(SyncModel):
    """A line of the register of mentors: who, their offer and how many mentees they can take."""

    school = ForeignKeyField(School, backref="mentor_profiles", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="mentor_profile", unique=True, on_delete="CASCADE")
    kind = CharField(max_length=16, constraints=_bounded("kind", 16))
    organisation = ForeignKeyField(Organisation, null=True, on_delete="SET NULL")
    offer = CharField(max_length=1000, default="", constraints=_bounded("offer", 1000))
    capacity = IntegerField(default=1)
    active = BooleanField(default=True)
    # A mentor from outside the school (a university student, a partner's employee): a limited account.
    outside = BooleanField(default=False)


class MentoringRequest(SyncModel):
    """A mentee's application with the answers to the questionnaire of needs."""

    school = ForeignKeyField(School, backref="mentoring_requests", on_delete="CASCADE")
    mentee = ForeignKeyField(User, backref="mentoring_requests", on_delete="CASCADE")
    form = CharField(max_length=24, default="", constraints=_bounded("form", 24))
    needs = CharField(max_length=200, default="", constraints=_bounded("needs", 200))  # codes of NEEDS, «,»
    request = CharField(max_length=1000, default="", constraints=_bounded("request", 1000))
    meeting_format = CharField(max_length=16, default="", constraints=_bounded("meeting_format", 16))
    status = CharField(max_length=16, default=OPEN, index=True, constraints=_bounded("status", 16))
    # The answers to the needs questionnaire (JSON: question id → code, codes or text) and which file and
    # version they answer; empty in requests made before the questionnaire (m0027).
    answers = CharField(max_length=MAX_ANSWERS, default="", constraints=_bounded("answers", MAX_ANSWERS))
    questionnaire = CharField(max_length=64, default="", constraints=_bounded("questionnaire", 64))
    questionnaire_version = CharField(max_length=16, default="", constraints=_bounded("questionnaire_version", 16))

    @property
    def need_codes(self) -> list[str]:
        return [code for code in self.needs.split(",") if code]


class MentoringGroup(SyncModel):
    """A small group: one mentor and 2–8 mentees of the same form under one programme. Each mentee's
    membership is their MentoringPair pointing here (their own notes, reflection, rating and goals)."""

    school = ForeignKeyField(School, backref="mentoring_groups", on_delete="CASCADE")
    form = CharField(max_length=24, constraints=_bounded("form", 24))
    mentor = ForeignKeyField(User, backref="mentoring_groups", on_delete="CASCADE")
    title = CharField(max_length=200, constraints=_bounded("title", 200))  # the programme of the group
    goals = CharField(max_length=2000, default="", constraints=_bounded("goals", 2000))  # one goal a line
    meetings_planned = IntegerField(default=0)
    starts_on = DateField()
    ends_on = DateField(null=True)
    school_year = IntegerField()
    status = CharField(max_length=16, default=ACTIVE, index=True, constraints=_bounded("status", 16))
    finished_at = DateTimeField(null=True)
    goals_reached = CharField(max_length=8, default="", constraints=_bounded("goals_reached", 8))
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    @property
    def goal_lines(self) -> list[str]:
        return [line.strip() for line in self.goals.splitlines() if line.strip()]


class MentoringPair(SyncModel):
    school = ForeignKeyField(School, backref="mentoring_pairs", on_delete="CASCADE")
    form = CharField(max_length=24, constraints=_bounded("form", 24))
    mentor = ForeignKeyField(User, backref="mentoring_as_mentor", on_delete="CASCADE")
    mentee = ForeignKeyField(User, backref="mentoring_as_mentee", on_delete="CASCADE")
    request = ForeignKeyField(MentoringRequest, null=True, on_delete="SET NULL")
    title = CharField(max_length=200, constraints=_bounded("title", 200))  # the programme of the pair
    goals = CharField(max_length=2000, default="", constraints=_bounded("goals", 2000))  # one goal a line
    meetings_planned = IntegerField(default=0)
    starts_on = DateField()
    ends_on = DateField(null=True)
    school_year = IntegerField()
    status = CharField(max_length=16, default=ACTIVE, index=True, constraints=_bounded("status", 16))
    finished_at = DateTimeField(null=True)
    goals_reached = CharField(max_length=8, default="", constraints=_bounded("goals_reached", 8))
    mentor_reflection = CharField(max_length=1000, default="", constraints=_bounded("mentor_reflection", 1000))
    mentor_rating = IntegerField(null=True)
    mentee_reflection = CharField(max_length=1000, default="", constraints=_bounded("mentee_reflection", 1000))
    mentee_rating = IntegerField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    group = ForeignKeyField(MentoringGroup, backref="members", null=True, on_delete="CASCADE")

    @property
    def goal_lines(self) -> list[str]:
        return [line.strip() for line in self.goals.splitlines() if line.strip()]


class MentoringMeeting(SyncModel):
    pair = ForeignKeyField(MentoringPair, backref="meetings", on_delete="CASCADE")
    day = DateField(index=True)
    start_time = CharField(max_length=5, default="", constraints=_bounded("start_time", 5))
    place = CharField(max_length=200, default="", constraints=_bounded("place", 200))
    topic = CharField(max_length=200, default="", constraints=_bounded("topic", 200))
    status = CharField(max_length=16, default=PLANNED, constraints=_bounded("status", 16))
    mentor_note = CharField(max_length=1000, default="", constraints=_bounded("mentor_note", 1000))
    mentee_note = CharField(max_length=1000, default="", constraints=_bounded("mentee_note", 1000))
    # A group's meeting is one row per member's pair; the rows of one meeting share this key.
    group_key = UUIDField(null=True, index=True)


FREE_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "mentor_profile": ("offer",), "mentoring_request": ("request", "answers"),
    "mentoring_group": ("title", "goals"),
    "mentoring_pair": ("title", "goals", "mentor_reflection", "mentee_reflection"),
    "mentoring_meeting": ("place", "topic", "mentor_note", "mentee_note"),
}
