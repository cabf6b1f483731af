"""The Atom writer on its own: dates in RFC 3339 UTC, text escaped by XML, the summary shortened at a
word, and a feed that a real XML parser reads back with every element RFC 4287 requires."""

from __future__ import annotations

import datetime

from lxml import etree

from appliance.documents import atom

NS = "{http://www.w3.org/2005/Atom}"


def test_dates_are_rfc3339_in_utc():
    assert atom.rfc3339(datetime.datetime(2026, 11, 29, 18, 5, 7, 123456)) == "2026-11-29T18:05:07Z"
    moscow = datetime.timezone(datetime.timedelta(hours=3))
    assert atom.rfc3339(datetime.datetime(2026, 11, 29, 21, 5, tzinfo=moscow)) == "2026-11-29T18:05:00Z"


def test_a_long_text_is_summarised_at_a_word_and_kept_whole_as_content():
    text = "слово " * 200
    moment = datetime.datetime(2026, 11, 29, 18, 0)
    body = atom.feed(feed_id="urn:uuid:1", title="Новости", author="Школа", self_url="http://s/news/feed.atom",
                     site_url="http://s/news/", updated=moment,
                     entries=[atom.Entry(id="urn:uuid:2", title="<b>Заголовок & ко</b>", text=text,
                                         url="http://s/news/2", published=moment, updated=moment)])
    root = etree.fromstring(body)
    entry = root.find(f"{NS}entry")
    summary = entry.findtext(f"{NS}summary")
    assert len(summary) <= atom.SUMMARY_CHARS and summary.endswith("слово…")
    assert entry.findtext(f"{NS}content") == text
    assert entry.findtext(f"{NS}title") == "<b>Заголовок & ко</b>"  # text, never markup
    assert b"<b>" not in body
    assert entry.find(f"{NS}link[@rel='enclosure']") is None  # no photo, no enclosure


def test_an_empty_feed_is_still_valid_atom():
    moment = datetime.datetime(2026, 9, 1, 6, 0)
    root = etree.fromstring(atom.feed(feed_id="urn:uuid:1", title="Новости", author="Школа",
                                      self_url="http://s/f", site_url="http://s/", entries=[], updated=moment))
    assert root.tag == f"{NS}feed"
    assert [root.findtext(f"{NS}{tag}") for tag in ("id", "title", "updated")] == [
        "urn:uuid:1", "Новости", "2026-09-01T06:00:00Z"]
    assert root.find(f"{NS}author/{NS}name").text == "Школа"
    assert root.findall(f"{NS}entry") == []
