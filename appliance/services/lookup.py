"""Finding one row by the id a page was given, or answering «not found» (404).

In the manner of Flask's tutorial and `playhouse.flask_utils.get_object_or_404`, with two rules
of the appliance: a malformed id is simply not found (404, never a 500), and a row the person may
not see is reported exactly like a missing one, so ids of other people's records say nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from peewee import Model, ModelSelect

from appliance.i18n import N_
from appliance.services.errors import NotFound

T = TypeVar("T", bound=Model)


def parse_id(value) -> uuid.UUID | None:
    """A UUID from a URL or form value («a1b2…», with or without dashes); anything else → None."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except (ValueError, TypeError, AttributeError):
        return None


def get_or_404(query_or_model: type[T] | ModelSelect, *where, message: str = N_("Не найдено."),
               visible: Callable[[T], bool] | None = None) -> T:
    """The first row of the query (or of `Model.select()`) matching `where`; NotFound (404) with
    `message` when there is none, an id in `where` is malformed, or `visible(row)` is false."""
    query = query_or_model.select() if isinstance(query_or_model, type) else query_or_model
    if where:
        query = query.where(*where)
    try:
        found = query.first()
    except (ValueError, TypeError):  # a UUID column compared with text that is not a UUID
        found = None
    if found is None or (visible is not None and not visible(found)):
        raise NotFound(message)
    return found
