"""An Atom feed (RFC 4287) of the school's news for the school's own site.

The caller gives absolute addresses (the web builds them from `server.public_url`); this module only
writes the XML: escaped by the XML library, dates in RFC 3339 (UTC), the text as plain text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from xml.etree import ElementTree as ET  # nosec B405 - writes XML, parses nothing

NS = "http://www.w3.org/2005/Atom"
SUMMARY_CHARS = 300


@dataclass
class Entry:
    id: str
    title: str
    text: str
    url: str
    published: datetime.datetime | None
    updated: datetime.datetime
    photo_url: str = ""
    photo_mime: str = ""
    photo_alt: str = ""


def rfc3339(moment: datetime.datetime) -> str:
    """Naive UTC (as the database keeps it) or aware → «2026-11-29T18:05:00Z»."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _summary(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= SUMMARY_CHARS:
        return flat
    return flat[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def feed(*, feed_id: str, title: str, author: str, self_url: str, site_url: str, entries: list[Entry],
         updated: datetime.datetime) -> bytes:
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "ru"})
    _add(root, "id", feed_id)
    _add(root, "title", title)
    _add(root, "updated", rfc3339(updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(root, "link", rel="alternate", type="text/html", href=site_url)
    _add(_add(root, "author"), "name", author)
    _add(root, "generator", "«Окей, школа»")
    for entry in entries:
        item = _add(root, "entry")
        _add(item, "id", entry.id)
        _add(item, "title", entry.title, type="text")
        _add(item, "updated", rfc3339(entry.updated))
        if entry.published is not None:
            _add(item, "published", rfc3339(entry.published))
        _add(item, "link", rel="alternate", type="text/html", href=entry.url)
        if entry.photo_url:
            _add(item, "link", rel="enclosure", type=entry.photo_mime or "image/jpeg", href=entry.photo_url,
                 title=entry.photo_alt)
        _add(item, "summary", _summary(entry.text), type="text")
        _add(item, "content", entry.text, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
