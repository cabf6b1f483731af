"""Small pieces the trajectory pages share: the school's today, form lists."""

from __future__ import annotations

import datetime

from flask import g, request

from appliance.services import reminders


def today() -> datetime.date:
    return reminders.local_today(g.settings.school.timezone)


def form_dict() -> dict:
    """The submitted form with list fields as lists."""
    data: dict = {key: value for key, value in request.form.items()}
    for name in ("competency_ids", "event_ids", "class_ids"):
        data[name] = [value for value in request.form.getlist(name) if value]
    return data
