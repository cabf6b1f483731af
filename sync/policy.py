"""What leaves the school, table by table.

One `TablePolicy` per syncable table says which columns the **analytics** scope carries
(an allow-list: anything not named stays at the school), which column names the student
whose parents' consent governs the row, and which columns never leave (secrets). The
**full** scope carries every column but the secrets. A table without a policy is not
exported at all, so a new table is private until someone adds its line here — and says so:
every syncable table has either a policy in `POLICIES` or a line in `STAYS_IN_SCHOOL` with the
reason it never leaves (a unit test holds every `SyncModel` table to exactly one of the two).

In the analytics scope every id (the row's own and every reference) is replaced by a keyed
hash, the same for the same id, so the hub can still join rows but cannot name anyone.

Column kinds and lengths come from the peewee models, so the hub validates a received
row against the same definitions the school wrote it with.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache, cached_property

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

from appliance.models.base import MAX_TEXT_COLUMN, SyncModel
from appliance.models.people import STUDENT, TEACHER

# Model modules whose tables may be exported (a module not installed is simply absent).
MODEL_MODULES = ("appliance.models.people", "appliance.models.portfolio", "appliance.models.competencies",
                 "appliance.models.trajectory", "appliance.models.calendar", "appliance.models.trials",
                 "appliance.models.programmes", "appliance.models.community",
                 "appliance.models.alumni", "appliance.models.mentoring")

MAX_TEXT = MAX_TEXT_COLUMN  # the longest text value a row may carry: what the database holds
MAX_INT = 2**63  # what a BIGINT column holds
_HEX_ID = re.compile(r"[0-9a-f]{32}")
STAMPS = ("created_at", "updated_at")


@dataclass(frozen=True)
class TablePolicy:
    table: str
    # Fields (model field names) in the analytics scope besides id and time stamps;
    # None: the table goes in the full scope only.
    analytics: tuple[str, ...] | None
    # The field naming the student (a user id) whose consent governs the row, or a path
    # (reference field, referenced table, its student field) for rows one step away.
    student: str | tuple[str, str, str] | None = None
    # Fields that never leave the school, in any scope.
    secret: tuple[str, ...] = ()
    # Only rows whose "role" is one of these go in the analytics scope (the user table).
    analytics_roles: tuple[str, ...] | None = None


POLICIES: tuple[TablePolicy, ...] = (
    TablePolicy("school", ("name", "code", "timezone")),
    TablePolicy("class_group", ("school", "name", "grade", "letter", "profile")),
    TablePolicy("user", ("school", "role", "active"), student="id", analytics_roles=(STUDENT, TEACHER),
                secret=("password_hash", "activation_code_hash", "activation_expires_at", "session_epoch",
                        "last_login_at")),
    TablePolicy("student", ("user", "class_group", "start_year"), student="user"),
    TablePolicy("parent_link", None, student="student"),
    # Which class a student was in each school year: the indicators count by class and year.
    TablePolicy("class_membership", ("student", "school_year", "class_group", "grade", "outcome"),
                student="student"),
    TablePolicy("teacher_assignment", ("teacher", "class_group", "is_class_teacher", "subject")),
    # Portfolio: the lists, achievements and their links; titles, descriptions and comments stay.
    TablePolicy("catalog_entry", ("catalog", "code", "name", "position", "rank", "active")),
    TablePolicy("achievement", ("student", "date", "kind", "direction", "level", "result", "teacher",
                                "teacher_role", "status", "submitted_at", "reviewed_at", "in_document"),
                student="student"),
    TablePolicy("evidence", ("achievement", "mime", "size"), student=("achievement", "achievement", "student")),
    TablePolicy("hobby", ("student", "direction", "since_year"), student="student"),
    TablePolicy("reflection", None, student="student"),
    TablePolicy("competency_framework", ("code", "name", "scale_min", "scale_max", "active")),
    TablePolicy("competency", ("framework", "code", "name", "group_name", "position", "parent")),
    TablePolicy("achievement_competency", ("achievement", "competency"),
                student=("achievement", "achievement", "student")),
    TablePolicy("self_assessment", ("student", "competency", "school_year", "term", "score", "assessed_on"),
                student="student"),
    # Trajectory: goals and tasks count for the indicators; their wording stays at the school.
    TablePolicy("goal", ("student", "deadline", "status", "origin", "closed_at"), student="student"),
    TablePolicy("milestone", ("goal", "due_on", "done_at"), student=("goal", "goal", "student")),
    TablePolicy("task", ("student", "due_on", "status", "goal"), student="student"),
    # Partners and profession trials: the district counts participation, fields, organisations'
    # kinds and ratings. Names of organisations and people, contacts and every free text stay.
    TablePolicy("organisation", ("school", "kind", "offers_trials", "offers_mentors", "offers_events",
                                 "offers_programmes", "archived_at")),
    TablePolicy("profession_trial", ("school", "organisation", "field", "off_site", "grade_min", "grade_max",
                                     "school_year", "published")),
    TablePolicy("trial_competency", ("trial", "competency")),
    TablePolicy("trial_session", ("trial", "starts_on", "ends_on", "capacity")),
    TablePolicy("trial_enrolment", ("session", "student", "school_year", "grade", "status", "would_do",
                                    "self_assessed_at", "expert_assessed_at"), student="student"),
    TablePolicy("trial_score", ("enrolment", "competency", "by", "score"),
                student=("enrolment", "trial_enrolment", "student")),
    # Programmes of additional education: kinds, years and attendance counts; titles stay.
    TablePolicy("programme", ("school", "kind", "organisation", "school_year", "closed_at")),
    TablePolicy("programme_competency", ("programme", "competency")),
    TablePolicy("programme_enrolment", ("programme", "student", "status", "from_year", "to_year"),
                student="student"),
    # Community: volunteer hours and what became of pupils' ideas count for the indicators; what
    # pupils did, wrote and proposed (titles, texts, reasons, comments) stays at the school.
    TablePolicy("volunteer_record", ("student", "day", "hours", "direction", "status", "school_year"),
                student="student"),
    TablePolicy("idea", ("school", "status", "school_year", "decided_at", "finished_at"), student="author"),
    TablePolicy("idea_support", ("idea",), student="student"),
    TablePolicy("idea_member", ("idea",), student="student"),
    # Alumni: the district counts club members by graduation year and how they help, sign-ups to
    # events and meeting requests. Names, what they do, cities, texts and contacts stay; contacts
    # never leave, in any scope.
    TablePolicy("alumni_profile", ("school", "alumnus", "graduation_year", "help_talk", "help_mentoring",
                                   "help_trial", "help_excursion"), student="alumnus",
                secret=("phone", "email", "other_contact")),
    TablePolicy("alumni_signup", ("event", "alumnus"), student="alumnus"),
    TablePolicy("alumni_meeting", ("school", "alumnus", "purpose", "status", "school_year"), student="student",
                secret=("message", "note")),
    # Mentoring stays at the school: the district counts registered mentors by kind, pairs by form and
    # status, meetings held and the ratings. Who mentors whom, the programmes' goals, notes and
    # reflections never leave, in any scope.
    TablePolicy("mentor_profile", ("school", "kind", "capacity", "active", "outside"), secret=("user", "offer")),
    # A small group: its form, state and dates count; who leads it, its programme and goals stay.
    TablePolicy("mentoring_group", ("school", "form", "status", "school_year", "meetings_planned", "starts_on",
                                    "finished_at", "goals_reached"),
                secret=("mentor", "created_by", "title", "goals")),
    TablePolicy("mentoring_pair", ("school", "form", "status", "school_year", "meetings_planned", "starts_on",
                                   "finished_at", "goals_reached", "mentor_rating", "mentee_rating", "group"),
                secret=("mentor", "mentee", "request", "created_by", "title", "goals", "mentor_reflection",
                        "mentee_reflection")),
    TablePolicy("mentoring_meeting", ("pair", "day", "status"),
                secret=("place", "topic", "mentor_note", "mentee_note")),
)


# Syncable tables that are never exported, in any scope, and why. The district receives the
# indicators (achievements, competencies, goals) and the minimum of personal data that
# joins them (152-ФЗ); these tables are the school's own working state or private to a person.
STAYS_IN_SCHOOL: dict[str, str] = {
    # Calendar
    "event": "the school's own calendar: titles, places and links are free text, and no district "
             "indicator counts events",
    "event_class": "which classes an event is shown to; it follows its event, which stays",
    "planned_event": "a student's personal plan of events; no district indicator uses it",
    "reminder": "a user's reminders before their own deadlines, with free-text titles; only the "
                "server that sends them needs them",
    "notification": "portal messages to one user (free-text title and body, read or not): the "
                    "working state of the school's pages",
    "feed_token": "the hash of a user's calendar-feed secret: a credential never leaves the school",  # nosec B105 - a reason, not a secret
    # Career guidance
    "attempt": "a minor's career-guidance answers and scores: sensitive personal data seen only by "
               "the student and, when shared, the class teacher",
    "attempt_comment": "a teacher's free-text comment on a student's guidance result",
    # Portfolio
    "achievement_step": "who sent, took back, confirmed or returned an achievement, and when: the "
                        "achievement's own status and review dates are exported, the people stay",
    # Trajectory
    "goal_comment": "a class teacher's free-text word on a student's goal",
    "goal_competency": "which competencies a personal goal aims at; the goal itself is exported, and "
                       "no district indicator uses the link",
    "goal_event": "links a goal to a calendar event, and events stay at the school",
    # Surveys
    "survey": "the school's own surveys: the questions are a file at the school and the results "
              "are read there (counts and CSV)",
    "survey_response": "answers, free text included, often anonymous; rows with their time stamps "
                       "beside the participation list could tie an answer to a person",
    "survey_participation": "who has answered a survey, kept only so that nobody answers twice",
    # Profession trials
    "expert_link": "the hash of a one-time secret an expert assesses a trial with: a credential",
    # Community
    "community_role": "which pupils sit on the council or the media team and which teachers advise "
                      "them: the school's own organisation, no district indicator uses it",
    "idea_comment": "pupils' free-text comments on ideas and the moderators' reasons",
    # News
    "news": "the school's own news, written by staff and pupils of the media team, with photos: the "
            "school publishes it itself (its pages and Atom feed); no district indicator counts notes",
    # Mentoring: who mentors whom and what they talk about stays at the school.
    "mentoring_request": "a mentee's needs in their own words: personal, and no district indicator "
                         "counts requests",
}

@dataclass(frozen=True)
class Column:
    name: str  # the database column ("student_id" for the field "student")
    field: str
    kind: str  # id, int, bool, float, str, text, date, datetime
    max_length: int | None = None


@dataclass(frozen=True)
class TableSpec:
    policy: TablePolicy
    model: type
    columns: tuple[Column, ...]

    @property
    def table(self) -> str:
        return self.policy.table

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)

    @cached_property
    def by_name(self) -> dict[str, Column]:
        """The columns by database name (the hub checks every arriving value against its column)."""
        return {c.name: c for c in self.columns}

    def allowed(self, scope: str) -> frozenset[str]:
        """The database columns a row of this table may carry in `scope` (asked once per arriving
        row: remembered per spec, not looked up by hashing the whole spec)."""
        found = self._allowed.get(scope)
        if found is None:
            if scope == "full":
                found = frozenset(c.name for c in self.columns if c.field not in self.policy.secret)
            else:
                fields = {"id", *STAMPS, *(self.policy.analytics or ())}
                found = frozenset(c.name for c in self.columns if c.field in fields)
            self._allowed[scope] = found
        return found

    @cached_property
    def _allowed(self) -> dict[str, frozenset[str]]:
        return {}

    def in_scope(self, scope: str) -> bool:
        return scope == "full" or self.policy.analytics is not None

    @property
    def student_column(self) -> str | None:
        student = self.policy.student
        return self.column(student).name if isinstance(student, str) else None


def value_problem(column: Column, value) -> str | None:
    """Why `value` cannot be stored in `column` as the hub stores it (None: it can). The one check:
    the school applies it before a row leaves, the hub when the row arrives."""
    kind = column.kind
    if value is None:
        return None
    if kind == "id":
        return None if isinstance(value, str) and _HEX_ID.fullmatch(value) else "не идентификатор"
    if kind == "bool":
        return None if isinstance(value, bool) else "не да/нет"
    if kind == "int":
        return None if isinstance(value, int) and not isinstance(value, bool) and -MAX_INT <= value < MAX_INT \
            else "не целое число (или вне 64 бит)"
    if kind == "float":
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "не число"
    if kind in ("date", "datetime"):
        return None if isinstance(value, str) and len(value) <= 40 else "не дата"
    if not isinstance(value, str):
        return "не текст"
    if column.max_length is not None and len(value) > column.max_length:
        return f"длиннее {column.max_length} знаков ({len(value)})"
    return None


def row_problems(spec: TableSpec, row: dict) -> list[tuple[str, str]]:
    """(column, why) for every value of a shaped row that the hub would refuse."""
    columns = spec.by_name
    found = []
    for name, value in row.items():
        column = columns.get(name)
        why = "неизвестное поле" if column is None else value_problem(column, value)
        if why:
            found.append((name, why))
    return found


def _kind(model_field) -> tuple[str, int | None]:
    if isinstance(model_field, ForeignKeyField | UUIDField):
        return "id", None
    if isinstance(model_field, BooleanField):
        return "bool", None
    if isinstance(model_field, IntegerField):
        return "int", None
    if isinstance(model_field, FloatField):
        return "float", None
    if isinstance(model_field, DateTimeField):
        return "datetime", None
    if isinstance(model_field, DateField):
        return "date", None
    if isinstance(model_field, CharField):
        return "str", model_field.max_length
    if isinstance(model_field, TextField):
        return "text", MAX_TEXT
    return "text", MAX_TEXT


def _all_subclasses(cls) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


@cache
def specs() -> dict[str, TableSpec]:
    """Table name → spec, for every policy whose model this software has."""
    for module in MODEL_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
    models = {m._meta.table_name: m for m in _all_subclasses(SyncModel)}
    found = {}
    for policy in POLICIES:
        model = models.get(policy.table)
        if model is None:
            continue
        columns = tuple(Column(f.column_name, f.name, *_kind(f)) for f in model._meta.sorted_fields)
        found[policy.table] = TableSpec(policy, model, columns)
    return found
