"""Server-side sessions: a login makes one, every request checks it, logout ends it.

A copied cookie stops working the moment its owner logs out, changes the password or the
administrator resets it; sessions idle longer than the limit end by themselves.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from appliance.models.base import utcnow
from appliance.models.people import User
from appliance.models.sessions import WebSession

# last_seen_at is written at most this often: a page view should not be a database write.
_TOUCH_EVERY = datetime.timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, address: str = "") -> str:
    """A new session for the user; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    WebSession.create(token_hash=_hash(token), user=user, address=address)
    return token


def check(user_id: str, token: str, idle_hours: float) -> User | None:
    """The active user of a live session, or None (unknown, ended, idle too long, disabled)."""
    if not token or len(token) > 100:
        return None
    try:
        found = (WebSession.select(WebSession, User).join(User)
                 .where((WebSession.token_hash == _hash(token)) & (User.id == user_id)).get_or_none())
    except ValueError:
        return None
    if found is None or not found.user.active:
        return None
    now = utcnow()
    if now - found.last_seen_at > datetime.timedelta(hours=idle_hours):
        found.delete_instance()
        return None
    if now - found.last_seen_at > _TOUCH_EVERY:
        WebSession.update(last_seen_at=now).where(WebSession.id == found.id).execute()
    return found.user


def end(token: str) -> None:
    if token:
        WebSession.delete().where(WebSession.token_hash == _hash(token)).execute()


def end_all(user: User) -> int:
    """Every device of this user is logged out (password changed or reset, account disabled)."""
    return WebSession.delete().where(WebSession.user == user).execute()


def purge_idle(idle_hours: float) -> int:
    cutoff = utcnow() - datetime.timedelta(hours=idle_hours)
    return WebSession.delete().where(WebSession.last_seen_at < cutoff).execute()
