"""Школа, классы, учётные записи, журнал безопасности, журнал фоновых задач"""

from appliance.migrations import create_synced_tables
from appliance.models.audit import AuditLog
from appliance.models.operations import JobRun
from appliance.models.people import (
    ClassGroup,
    LoginFailure,
    ParentLink,
    School,
    Student,
    TeacherAssignment,
    User,
)


def upgrade(db):
    create_synced_tables(
        db, [School, ClassGroup, User, Student, ParentLink, TeacherAssignment, LoginFailure, AuditLog,
             JobRun]
    )
