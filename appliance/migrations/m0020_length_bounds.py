"""Границы длины строк в самой базе: слишком длинный текст отвергает база, даже мимо проверок программы

Every string column a person can fill gets a length bound the database itself enforces, the same
as the live model's `max_length` (a TEXT column: `TEXT`, the longest text a row may carry). The
services refuse a long value first with a Russian message; this is the defence behind them, so a
forgotten check or a raw write cannot put five megabytes into a row.

SQLite cannot add a CHECK constraint to an existing table without rebuilding it (and its triggers,
indexes and the rows' change feed), so there each bounded table gets two BEFORE triggers,
`bound_<table>_insert` and `bound_<table>_update`, that abort the statement naming the column.
They run before the AFTER triggers that record changes, and an aborted statement records nothing.
On PostgreSQL (the district hub) a CHAR column is VARCHAR(N), which the database enforces
already; a TEXT column gets `CHECK (length(col) <= N)`.

A value already stored longer than its bound (a release before this one stored what it was given)
is cut to the bound first, so the upgrade never fails on old rows.

Frozen: the bounds are written out here, never read from the live models.
"""

from appliance.migrations.schema import is_sqlite

TEXT = 256 * 1024  # characters: the longest text value a row may carry

# Columns filled by the program alone (facts about the database, a hub's copies of rows and receipts,
# job reports) are not bounded: see tests/unit/test_db_bounds.py for each reason.
BOUNDS = {
    "achievement": {"title": 200, "organizer": 200, "description": TEXT, "status": 16, "review_comment": TEXT, "class_name": 16},
    "attempt": {"questionnaire": 64, "version": 32, "answers": TEXT, "scores": TEXT, "code": 16},
    "attempt_comment": {"text": TEXT},
    "audit_log": {"actor": 64, "action": 64, "detail": TEXT, "address": 64},
    "catalog_entry": {"catalog": 16, "code": 40, "name": 100},
    "class_group": {"name": 16, "letter": 4},
    "class_membership": {"class_name": 16, "outcome": 16},
    "community_role": {"role": 16},
    "competency": {"code": 16, "name": 200, "group_name": 120, "description": TEXT},
    "competency_framework": {"code": 64, "name": 200, "description": TEXT, "source": TEXT},
    "event": {
        "title": 300,
        "description": TEXT,
        "level": 16,
        "kind": 16,
        "direction": 64,
        "start_time": 5,
        "place": 300,
        "url": 500,
        "audience": 16,
        "uid": 255,
        "source": 16,
    },
    "evidence": {"sha256": 64, "original_name": 200, "mime": 64},
    "expert_link": {"token_hash": 64},  # nosec B105 - a length bound, not a secret
    "feed_token": {"token_hash": 64},  # nosec B105 - a length bound, not a secret
    "goal": {"title": 300, "measure": TEXT, "why": TEXT, "plan": TEXT, "status": 16, "origin": 16, "origin_note": TEXT, "class_name": 16},
    "goal_comment": {"text": TEXT},
    "hobby": {"title": 120, "description": TEXT},
    "hub_ledger": {"bundle_id": 64, "instance_id": 32, "scope": 16, "status": 16, "source": 255},
    "hub_quarantine": {"tbl": 64, "row_id": 64, "field": 64},
    "hub_receipt": {"bundle_id": 64},
    "hub_row": {"tbl": 64, "row_id": 64},
    "hub_school": {"id": 32, "name": 200, "code": 64, "instance_id": 32, "last_scope": 16, "last_status": 16},
    "hub_school_key": {"public_key": 64, "fingerprint": 64, "revoked_reason": TEXT},
    "idea": {
        "title": 200,
        "problem": TEXT,
        "idea": TEXT,
        "needs": TEXT,
        "helpers": TEXT,
        "status": 16,
        "decision_reason": TEXT,
        "class_name": 16,
    },
    "idea_comment": {"text": TEXT, "hidden_reason": TEXT},
    "job_run": {"kind": 32, "target": 255},
    "login_failure": {"login": 64, "address": 64, "note": TEXT},
    "milestone": {"title": 300},
    "notification": {"title": 300, "body": TEXT, "link": 300, "kind": 32, "group_key": 120},
    "notification_mute": {"kind": 32},
    "okey_meta": {"key": 64},
    "organisation": {"name": 200, "kind": 16, "contact_person": 200, "phone": 64, "email": 200, "address": 300, "note": TEXT},
    "parent_link": {"consent_by": 200, "consent_version": 32},
    "profession_trial": {"title": 200, "field": 32, "place": 300, "description": TEXT},
    "programme": {"title": 200, "kind": 16, "schedule": 200, "place": 300, "description": TEXT},
    "programme_enrolment": {"status": 16, "class_name": 16},
    "reflection": {"prompt_set": 16, "answers": TEXT, "next_step": TEXT, "class_name": 16},
    "remark": {"subject": 16, "text": TEXT},
    "reminder": {"kind": 16, "title": 300},
    "school": {"name": 200, "code": 64, "timezone": 64},
    "segment_device": {"key": 64, "mac": 17, "ip": 45, "os": 16},
    "segment_probe_count": {"os": 16, "answer": 16},
    "self_assessment": {"reason": TEXT, "class_name": 16},
    "student": {"status": 16},
    "survey": {"questionnaire": 64, "title": 300, "audience": 16},
    "survey_pending": {"role": 16, "answers": TEXT},
    "survey_response": {"role": 16, "answers": TEXT},
    "sync_change": {"tbl": 64, "row_id": 36, "op": 8},
    "task": {"title": 300, "status": 16},
    "teacher_assignment": {"subject": 100},
    "trial_enrolment": {
        "class_name": 16,
        "status": 16,
        "liked": TEXT,
        "would_do": 8,
        "why": TEXT,
        "expert_name": 200,
        "expert_comment": TEXT,
    },
    "trial_score": {"by": 8},
    "trial_session": {"start_time": 5},
    "user": {
        "role": 16,
        "login": 64,
        "password_hash": 255,  # nosec B105 - a length bound, not a secret
        "full_name": 200,
        "last_name": 80,
        "first_name": 80,
        "middle_name": 80,
        "activation_code_hash": 64,
        "locale": 8,
    },
    "volunteer_record": {"place": 200, "what": TEXT, "status": 16, "review_comment": TEXT, "class_name": 16},
    "web_session": {"token_hash": 64, "address": 64},  # nosec B105 - a length bound, not a secret
}


def _tables(db) -> set[str]:
    return set(db.get_tables())


def upgrade(db):
    present = _tables(db)
    for table, columns in BOUNDS.items():
        if table not in present:
            continue
        # Names and numbers come from the dictionary above, never from input.
        for column, limit in columns.items():
            db.execute_sql(
                f'UPDATE "{table}" SET "{column}" = substr("{column}", 1, {limit}) '  # nosec B608
                f'WHERE length("{column}") > {limit}'
            )
        if is_sqlite(db):
            add_bound_triggers(db, table, columns)
        else:
            for column, limit in columns.items():
                if limit == TEXT:
                    db.execute_sql(
                        f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint_name(table, column)}" CHECK (length("{column}") <= {limit})'
                    )


def constraint_name(table: str, column: str) -> str:
    return f"bound_{table}_{column}"[:63]


def add_bound_triggers(db, table: str, columns: dict[str, int]) -> None:
    """BEFORE INSERT and BEFORE UPDATE triggers refusing a value longer than its column's bound."""
    checks = " ".join(
        f"SELECT RAISE(ABORT, 'okey-bound: {table}.{column} longer than {limit}') WHERE length(NEW.\"{column}\") > {limit};"
        for column, limit in columns.items()
    )
    names = ", ".join(f'"{column}"' for column in columns)
    for event, on in (("insert", "INSERT"), ("update", f"UPDATE OF {names}")):
        name = f"bound_{table}_{event}"
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
        db.execute_sql(f'CREATE TRIGGER "{name}" BEFORE {on} ON "{table}" BEGIN {checks} END')  # nosec B608
