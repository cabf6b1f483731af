"""Showing the core's messages in the reader's language."""

from __future__ import annotations

from flask_babel import gettext

from appliance.i18n import Message


def text_of(message: Message) -> str:
    return message.render(gettext)
