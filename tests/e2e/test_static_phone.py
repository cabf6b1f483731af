"""On a phone (Chromium, 360 px): the stylesheets arrive compressed under fingerprinted names, the
pages are styled by them, and going from page to page asks the server for none of them again."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.e2e
PAGES = ["/student/", "/portfolio/", "/activities/", "/calendar/", "/trials/"]


def test_static_files_come_compressed_once_and_style_the_pages(live_server, phone):
    page, base = phone, live_server.url
    fetched: list[tuple[str, int, str | None, int]] = []
    varies: list[tuple[str | None, bool]] = []

    def finished(request) -> None:
        if "/static/" not in request.url:
            return
        response = request.response()
        body = request.sizes()["responseBodySize"]
        if response and (response.status == 304 or body > 0):  # answered by the server, not a cache
            fetched.append((request.url.removeprefix(base), response.status,
                            response.headers.get("content-encoding"), body))
            varies.append((response.headers.get("vary"), "set-cookie" in response.headers))

    page.on("requestfinished", finished)
    browser_login(page, base, "student1")
    for path in PAGES:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    first = list(fetched)
    names = [url for url, *_ in first]
    assert names and len(names) == len(set(names)), first  # each file once
    for url, status, encoding, _size in first:
        assert status == 200 and url.split("/")[-1].count(".") == 2, (url, status)  # name.fingerprint.ext
        if url.endswith((".css", ".svg")):
            assert encoding in ("br", "gzip"), (url, encoding)
    # Answered before any session work, though the phone is logged in: one copy for everyone.
    assert varies and set(varies) == {("Accept-Encoding", False)}, varies
    main_sheet = [size for url, _, _, size in first if "/css/okey." in url]
    assert main_sheet and main_sheet[0] < 8000, first  # the 20 KB stylesheet, compressed

    # The stylesheet took effect: the header is laid out by okey.css, not the browser's defaults.
    assert page.evaluate("getComputedStyle(document.body).marginLeft") == "0px"
    assert page.evaluate("document.styleSheets.length") >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "static-files-trials-phone")

    fetched.clear()
    for path in PAGES:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    assert fetched == [], fetched  # kept by the phone a year long: no request, not even a 304
    # These second views were answered from the server's kept copies: the same styled page.
    assert page.evaluate("getComputedStyle(document.body).marginLeft") == "0px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "kept-trials-phone")
