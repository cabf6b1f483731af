"""Dates as the school sees them."""

from __future__ import annotations

import datetime

from flask import g

from appliance.services import reminders


def school_today() -> datetime.date:
    """Today's date in the school's time zone (not the server's)."""
    return reminders.local_today(g.settings.school.timezone)
