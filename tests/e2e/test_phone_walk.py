"""Every page each demo role reaches, on a 390×844 phone: nothing scrolls sideways, every menu item can be
reached in one or two taps, logging out is one tap away, and axe-core finds nothing serious or critical.

Pages are found as a person finds them: the menu, then the links on each page (one page per route: ids
in the path are folded together); every page of the role listed in PAGES is also opened directly, and the
walk fails if one of them was never reached. Screenshots go to tests/artifacts/walk-<role>-<page>.png."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# alumnus1: a graduate, read-only, a member of the alumni club; mentor1: a mentor from outside the school.
ROLES = ("student1", "teacher1", "parent1", "admin", "alumnus1", "mentor1")
WIDTH, HEIGHT = 390, 844
MAX_PAGES = 90
# Not pages: files, feeds and actions a GET link may still name.
SKIP = re.compile(r"(/logout|\.pdf|\.json|\.zip|\.ics|\.csv|/download|/evidence/|/export|/feed/|/chart|\.svg|/static/|/qr)")
# Every page of each role, as route_of names it: the walk starts from these besides the menu, and fails
# if one of them was never reached (a page with an id is reached through the links of the demo school).
PAGES = {
    "student1": (
        "/student/", "/portfolio/", "/portfolio/new", "/portfolio/a/<id>", "/portfolio/a/<id>/edit", "/portfolio/me",
        "/portfolio/competencies", "/portfolio/hobbies", "/portfolio/reflection", "/portfolio/student/<id>",
        "/activities/", "/activities/goal/new", "/activities/goal/<id>", "/activities/goal/<id>/edit",
        "/calendar/", "/calendar/week", "/calendar/events", "/calendar/event/<id>", "/calendar/feed",
        "/guidance/", "/guidance/take/riasec", "/guidance/result/<id>", "/surveys/", "/surveys/<id>",
        "/ideas/", "/ideas/new", "/ideas/<id>", "/volunteering/", "/programmes/", "/trials/", "/trials/<id>",
        "/trials/mine", "/notifications/", "/notifications/settings", "/password",
        "/news/", "/news/<id>", "/alumni/", "/alumni/<id>", "/mentoring/", "/mentoring/apply",
    ),
    "teacher1": (
        "/teacher/", "/teacher/class/<id>", "/teacher/student/<id>", "/review/", "/review/classes",
        "/review/contribution", "/portfolio/a/<id>", "/portfolio/student/<id>", "/activities/class/",
        "/activities/student/<id>", "/calendar/", "/calendar/week", "/calendar/events", "/calendar/event/<id>",
        "/calendar/manage", "/calendar/manage/new", "/calendar/manage/import", "/calendar/feed", "/surveys/",
        "/ideas/", "/ideas/<id>", "/volunteering/review", "/programmes/", "/programmes/new", "/programmes/<id>",
        "/notifications/", "/notifications/settings", "/password",
        "/news/", "/news/new", "/news/<id>", "/alumni/", "/mentoring/", "/mentoring/coordinate", "/mentoring/report",
        "/mentoring/pair/<id>", "/mentoring/groups/new", "/mentoring/group/<id>", "/teacher/class/<id>/documents",
    ),
    "parent1": (
        "/parent/", "/parent/child/<id>", "/portfolio/student/<id>", "/portfolio/family", "/trials/family",
        "/calendar/", "/calendar/events", "/surveys/", "/notifications/", "/notifications/settings", "/password",
        "/news/", "/news/<id>", "/parent/calendar/<id>", "/parent/calendar/<id>/week", "/mentoring/",
    ),
    "admin": (
        "/admin/", "/admin/users", "/admin/import", "/admin/student/<id>", "/admin/year", "/admin/backups",
        "/admin/segment", "/admin/audit", "/indicators/", "/indicators/lists", "/indicators/frameworks",
        "/indicators/consent", "/indicators/effectiveness", "/calendar/", "/calendar/week", "/calendar/events",
        "/calendar/manage", "/calendar/manage/new", "/calendar/manage/import", "/calendar/feed", "/surveys/",
        "/ideas/", "/ideas/<id>", "/ideas/roles", "/ideas/statistics", "/volunteering/school", "/programmes/",
        "/programmes/new", "/programmes/<id>", "/trials/manage", "/trials/manage/new", "/trials/manage/<id>",
        "/trials/partners", "/trials/partners/<id>", "/trials/statistics", "/notifications/",
        "/notifications/settings", "/password",
        "/news/", "/news/new", "/alumni/manage", "/mentoring/coordinate", "/admin/parent/<id>",
    ),
    "alumnus1": ("/alumni/", "/alumni/club", "/alumni/events", "/news/", "/password", "/mentoring/",
                 "/mentoring/pair/<id>"),
    "mentor1": ("/mentoring/", "/mentoring/pair/<id>", "/password"),
}
ID = re.compile(r"/([0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32}|\d+)(?=/|$)")

_axe = Axe()


def route_of(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
    return ID.sub("/<id>", parts.path) + ("?" + "&".join(keys) if keys else "")


def serious_findings(page) -> list[str]:
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def check_menu(page) -> None:
    """The phone bar shows the current section and «Ещё» opens the rest; each item is tappable."""
    bar = page.locator("nav.tabbar")
    assert bar.is_visible(), page.url
    more = bar.locator("details.more")
    more.locator("summary").click()
    links = page.locator("nav.tabbar a")
    for i in range(links.count()):
        link = links.nth(i)
        box = link.bounding_box()
        assert link.is_visible() and box, (page.url, link.inner_text())
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 0.5, (page.url, link.inner_text(), box)
        assert box["height"] >= 44 and box["width"] >= 44, (page.url, link.inner_text(), box)
        assert link.evaluate("a => a.scrollWidth <= a.clientWidth + 1"), (page.url, link.inner_text())
    # The notifications are the bell's section: the bell in the header is lit there.
    current = page.locator("nav.tabbar [aria-current=page], header a.bell[aria-current=page]")
    assert current.count() >= 1 or page.url.endswith("/password"), page.url
    more.locator("summary").click()
    logout = page.locator("header.topbar form.logout button")
    assert logout.is_visible(), page.url
    box = logout.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= WIDTH + 0.5, (page.url, box)


def small_targets(page) -> list[str]:
    """Controls a finger must hit: buttons, inputs and links set apart from text (not inline in a sentence)."""
    return page.evaluate("""() => {
      const bad = [];
      for (const el of document.querySelectorAll(
          'main button, main .button, main input:not([type=hidden]), main select, main summary, main .tabs a')) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height) continue;
        let w = r.width, h = r.height;
        if (el.type === 'radio' || el.type === 'checkbox') {
          const label = el.closest('label');
          if (label) { const l = label.getBoundingClientRect(); w = l.width; h = l.height; }
        }
        const text = (el.innerText || el.value || el.name || '').trim().slice(0, 30);
        if (h < 43.5 || w < 43.5) bad.push(`${el.tagName.toLowerCase()} «${text}» ${Math.round(w)}×${Math.round(h)}`);
      }
      return bad;
    }""")


@pytest.mark.parametrize("user", ROLES)
def test_every_page_fits_a_phone(live_server, chromium, user):
    context = chromium.new_context(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1,
                                   is_mobile=True, has_touch=True, locale="ru-RU")
    page = context.new_page()
    try:
        browser_login(page, live_server.url, user)
        start = page.url
        queue = [start] + [page.url.split("/", 3)[0] + "//" + urlsplit(start).netloc + href
                           for href in page.eval_on_selector_all("nav a[href], header a.bell",
                                                                 "els => els.map(a => a.getAttribute('href'))")]
        queue += [live_server.url + path for path in PAGES.get(user, ()) if "<" not in path]
        seen: dict[str, str] = {}
        problems: list[str] = []
        while queue and len(seen) < MAX_PAGES:
            url = queue.pop(0)
            if not url.startswith(live_server.url) or SKIP.search(url) or route_of(url) in seen:
                continue
            try:
                response = page.goto(url)
            except Exception as error:  # a link to a file starts a download
                if "Download is starting" in str(error):
                    continue
                raise
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            seen[route_of(url)] = url
            if response.status >= 400:
                problems.append(f"{url}: HTTP {response.status}")
                continue
            name = f"walk-{user}-{len(seen):02d}"
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > WIDTH:
                problems.append(f"{url}: {wide} px wide")
            problems += [f"{url}: {finding}" for finding in serious_findings(page)]
            problems += [f"{url}: small target {t}" for t in small_targets(page)]
            if "<" in page.title() or not page.title().strip():
                problems.append(f"{url}: the title is «{page.title()[:80]}»")  # a tab's name, never markup
            check_menu(page)
            screenshot(page, name)
            for href in page.eval_on_selector_all("main a[href]", "els => els.map(a => a.href)"):
                href = href.split("#")[0]
                if href.startswith(live_server.url) and route_of(href) not in seen:
                    queue.append(href)
        print(f"\n{user}: {len(seen)} pages: " + ", ".join(sorted(seen)))
        # A mentor from outside the school has their pairs and their password, nothing else.
        assert len(seen) >= (3 if user == "mentor1" else 4)
        missed = sorted(set(PAGES.get(user, ())) - {route.split("?")[0] for route in seen})
        assert not missed, f"pages of {user} the walk never reached: {missed}"
        assert not problems, "\n".join(problems)
    finally:
        context.close()
