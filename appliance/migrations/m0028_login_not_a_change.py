"""Журнал изменений: вход в портал не считается изменением учётной записи"""

# A login writes the time of the login into the account's row (`last_login_at`). The change feed
# recorded that as a change of the `user` table, so every login re-sent an unchanged account to the
# district (the time itself never leaves the school) and made every page kept for repeat views — of
# every person, since every page shows names — be drawn again. From here on the feed records an
# update of `user` only when a column other than `last_login_at` is written.
#
# The column list is frozen here. A migration that adds a column to `user` must create this trigger
# again with its column added (tests/integration/test_page_keep.py compares the list with the live
# model). The feed exists on SQLite only (a PostgreSQL hub has none).

from appliance.migrations.schema import is_sqlite

COLUMNS = ("id", "school_id", "role", "login", "password_hash", "full_name", "last_name", "first_name",
           "middle_name", "active", "activation_code_hash", "activation_expires_at", "activated_at",
           "session_epoch", "locale", "created_at", "updated_at")


def upgrade(db):
    if not is_sqlite(db):
        return
    present = {row[1] for row in db.execute_sql('PRAGMA table_info("user")').fetchall()}
    columns = ", ".join(f'"{name}"' for name in COLUMNS if name in present)
    db.execute_sql('DROP TRIGGER IF EXISTS "sync_user_update"')
    # Fixed names from this file, never from input.
    db.execute_sql(
        f'CREATE TRIGGER "sync_user_update" AFTER UPDATE OF {columns} ON "user" BEGIN '  # nosec B608
        "DELETE FROM sync_change WHERE tbl = 'user' AND row_id = NEW.id; "
        "INSERT INTO sync_change (tbl, row_id, op, at) "
        "VALUES ('user', NEW.id, 'upsert', strftime('%Y-%m-%d %H:%M:%S', 'now')); "
        "END"
    )
