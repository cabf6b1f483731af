"""Reading submitted forms."""

from __future__ import annotations

from flask import request


def form_dict() -> dict:
    """The submitted form with list fields as lists."""
    data: dict = {key: value for key, value in request.form.items()}
    for name in ("competency_ids", "event_ids", "class_ids"):
        data[name] = [value for value in request.form.getlist(name) if value]
    return data
