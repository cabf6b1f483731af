"""Server-side sessions: a login makes one, every request checks it, logout ends it.

A copied cookie stops working the moment its owner logs out, changes the password or the
administrator resets it; sessions idle longer than the limit end by themselves.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import secrets
import uuid

from appliance.db import database
from appliance.models.base import utcnow
from appliance.models.people import User
from appliance.models.sessions import WebSession
from appliance.services import clock

# last_seen_at is written at most this often: a page view should not be a database write.
_TOUCH_EVERY = datetime.timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, address: str = "") -> str:
    """A new session for the user; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    WebSession.create(token_hash=_hash(token), user=user, address=address)
    return token


@functools.cache
def _check_sql(kind: type) -> str:
    """The session check runs on every request: its SQL is built once per kind of database
    (peewee takes longer to build this query than SQLite takes to answer it)."""
    query = (User.select(User, WebSession.id.alias("session_id"), WebSession.last_seen_at.alias("session_seen"))
             .join(WebSession, on=(WebSession.user == User.id))
             # Placeholders: the real values are bound when the query runs.
             .where((WebSession.token_hash == "") & (User.id == uuid.UUID(int=0))))  # nosec B105
    return query.sql()[0]


def _user_key(user_id: str, token: str):
    """The user id as the database stores it, or None for a malformed id or token."""
    if not token or len(token) > 100:
        return None
    try:
        return User.id.db_value(user_id)
    except ValueError:
        return None


def _still_open(session_id, last_seen, idle_hours: float) -> bool:
    """The idle rule: a session unused too long is ended; a used one is marked seen (now and then)."""
    seen = WebSession.last_seen_at.python_value(last_seen)
    now = utcnow()
    if clock.has_passed(seen + datetime.timedelta(hours=idle_hours), now):
        WebSession.delete().where(WebSession.id == session_id).execute()
        return False
    if now - seen > _TOUCH_EVERY:
        WebSession.update(last_seen_at=now).where(WebSession.id == session_id).execute()
    return True


def check(user_id: str, token: str, idle_hours: float) -> User | None:
    """The active user of a live session, or None (unknown, ended, idle too long, disabled)."""
    user_key = _user_key(user_id, token)
    if user_key is None:
        return None
    user = next(iter(User.raw(_check_sql(type(database.obj)), _hash(token), user_key)), None)
    if user is None or not user.active or not _still_open(user.session_id, user.session_seen, idle_hours):
        return None
    return user


def user_of(session_id: str, idle_hours: float) -> tuple[User, str] | None:
    """The user and the server-side token behind a login cookie's session id
    ("<user id>:<password epoch>:<token>"), or None: the rule every request Flask renders is checked
    by (a kept copy's repeat view is checked by `viewer_of`, the same rule on a plain row)."""
    user_id, _, rest = session_id.partition(":")
    epoch, _, token = rest.partition(":")
    user = check(user_id, token, idle_hours)
    if user is None or str(user.session_epoch) != epoch:
        return None
    return user, token


# The repeat view's session check (webui/keep.py): the same rule as `check` and `user_of`, read as a
# plain row (no model is built) with whatever else the caller asks in the same statement.
_VIEWER_SQL = ('SELECT u.id, u.active, u.session_epoch, u.last_login_at, u.locale, s.id, s.last_seen_at{extra} '
               'FROM web_session AS s JOIN "user" AS u ON u.id = s.user_id WHERE s.token_hash = ? AND u.id = ?')


def viewer_of(session_id: str, idle_hours: float, extra: str = "", params: tuple = ()) -> tuple | None:
    """(user id as hex, last login as text, the user's own language) and the values of the `extra`
    columns, for a login cookie's session id — or None exactly when `user_of` would say None.
    `extra` is fixed SQL text (", (SELECT …)") whose placeholders take `params`. SQLite's placeholders:
    pages are kept only on SQLite (a school's server), so a PostgreSQL hub never comes here."""
    user_id, _, rest = session_id.partition(":")
    epoch, _, token = rest.partition(":")
    user_key = _user_key(user_id, token)
    if user_key is None:
        return None
    # Built from fixed text: the callers' columns are constants, every value is bound.
    row = database.execute_sql(_VIEWER_SQL.format(extra=extra), (*params, _hash(token), user_key)).fetchone()  # nosec B608
    if row is None or not row[1] or str(row[2]) != epoch or not _still_open(row[5], row[6], idle_hours):
        return None
    viewer = (User.id.python_value(row[0]).hex, str(User.last_login_at.python_value(row[3])), row[4])
    return viewer, row[7:]


def end(token: str) -> None:
    if token:
        WebSession.delete().where(WebSession.token_hash == _hash(token)).execute()


def end_all(user: User) -> int:
    """Every device of this user is logged out (password changed or reset, account disabled)."""
    return WebSession.delete().where(WebSession.user == user).execute()


def purge_idle(idle_hours: float) -> int:
    cutoff = utcnow() - datetime.timedelta(hours=idle_hours)
    return WebSession.delete().where(WebSession.last_seen_at < cutoff).execute()
