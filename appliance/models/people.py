"""People of the school: the school itself, classes, accounts and who is linked to whom."""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from appliance.i18n import N_
from appliance.models.base import BaseModel, SyncModel, utcnow

# The roles of an account, as stored in `User.role`. Code names them by these constants only.
STUDENT = "student"
TEACHER = "teacher"
PARENT = "parent"
ADMIN = "admin"
DISTRICT = "district"
# A mentor from outside the school (a university student, a partner's employee): an account that
# opens only the mentoring pages of their own pairs.
MENTOR = "mentor"
ROLES = (STUDENT, TEACHER, PARENT, ADMIN, DISTRICT, MENTOR)
# The profiles of grades 10–11 (ФГОС СОО) a class may follow.
PROFILES = {"tech": N_("технологический"), "science": N_("естественно-научный"), "humanities": N_("гуманитарный"),
            "socioeconomic": N_("социально-экономический"), "universal": N_("универсальный")}
PROFILE_GRADES = (10, 11)


class School(SyncModel):
    name = CharField(max_length=200)
    code = CharField(max_length=64, unique=True)
    timezone = CharField(max_length=64, default="Europe/Moscow")
    # The school year open now, by the year it starts (2026 for 2026/27); the rollover moves it.
    current_year = IntegerField(null=True)


class ClassGroup(SyncModel):
    """A class such as «7Б»: grade 7, letter Б."""

    school = ForeignKeyField(School, backref="classes", on_delete="CASCADE")
    name = CharField(max_length=16)
    grade = IntegerField()
    letter = CharField(max_length=4, default="")
    # The profile of a class of grades 10–11 (a code of PROFILES), "" for the others and the unset.
    profile = CharField(max_length=16, default="", constraints=[Check("length(profile) <= 16")])

    class Meta:
        indexes = ((("school", "name"), True),)


class User(SyncModel):
    school = ForeignKeyField(School, backref="users", null=True, on_delete="CASCADE")
    role = CharField(max_length=16, index=True)
    login = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255, null=True)
    full_name = CharField(max_length=200)
    last_name = CharField(max_length=80, default="")
    first_name = CharField(max_length=80, default="")
    middle_name = CharField(max_length=80, default="")
    active = BooleanField(default=True)
    activation_code_hash = CharField(max_length=64, null=True, index=True)
    activation_expires_at = DateTimeField(null=True)
    activated_at = DateTimeField(null=True)
    # Bumped on password change and reset: every session made before stops working.
    session_epoch = IntegerField(default=0)
    locale = CharField(max_length=8, default="ru")
    last_login_at = DateTimeField(null=True)

    @property
    def short_name(self) -> str:
        """«Иванов П. А.»: how Russian school documents name a person."""
        initials = " ".join(f"{part[0]}." for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name} {initials}".strip() or self.full_name

    @property
    def given_names(self) -> str:
        """«Пётр Андреевич»: the polite address."""
        return " ".join(p for p in (self.first_name, self.middle_name) if p) or self.full_name


class Student(SyncModel):
    user = ForeignKeyField(User, backref="student_profile", unique=True, on_delete="CASCADE")
    class_group = ForeignKeyField(ClassGroup, backref="students", null=True, on_delete="SET NULL")
    # The calendar year the student entered the first grade: years of study follow from it.
    start_year = IntegerField(null=True)
    # studying, left (the account is closed; data kept for the school's period), graduated.
    status = CharField(max_length=16, default="studying")
    status_changed_at = DateTimeField(null=True)
    birth_date = DateField(null=True)
    # A graduate's choice to appear in the alumni list.
    alumni_listed = BooleanField(default=False)


STUDYING = "studying"
LEFT = "left"
GRADUATED = "graduated"
STUDENT_STATUSES = (STUDYING, LEFT, GRADUATED)


class ClassMembership(SyncModel):
    """The class a student was in during one school year, and how that year ended for them.

    `class_name` keeps the name the class had that year (7Б in 2025/26 even after it became 8Б).
    """

    student = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    school_year = IntegerField()
    class_group = ForeignKeyField(ClassGroup, backref="memberships", null=True, on_delete="SET NULL")
    class_name = CharField(max_length=16)
    grade = IntegerField()
    # "" while the year goes on; promoted, graduated, left.
    outcome = CharField(max_length=16, default="")

    class Meta:
        indexes = ((("student", "school_year"), True),)


class ParentLink(SyncModel):
    parent = ForeignKeyField(User, backref="children_links", on_delete="CASCADE")
    student = ForeignKeyField(User, backref="parent_links", on_delete="CASCADE")
    consent_given_at = DateTimeField(null=True)
    consent_by = CharField(max_length=200, null=True)
    consent_version = CharField(max_length=32, null=True)
    # A parent's recorded refusal (m0025): who is in consent_by, the text's version in consent_version.
    # Given and refused are never both set; neither set means the parent has not decided yet.
    consent_refused_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("parent", "student"), True),)


class TeacherAssignment(SyncModel):
    teacher = ForeignKeyField(User, backref="assignments", on_delete="CASCADE")
    class_group = ForeignKeyField(ClassGroup, backref="assignments", on_delete="CASCADE")
    is_class_teacher = BooleanField(default=False)
    subject = CharField(max_length=100, default="")

    class Meta:
        indexes = ((("teacher", "class_group"), True),)


class LoginFailure(BaseModel):
    """A failed login, kept for the lock-out window only; never synced."""

    login = CharField(max_length=64, index=True)
    address = CharField(max_length=64, index=True)
    at = DateTimeField(default=utcnow, index=True)
    note = TextField(default="")
