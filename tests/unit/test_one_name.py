"""One name for one thing: the trajectory pages, the roles, the level and direction
vocabulary, and link targets the core returns for the web interface to make addresses of."""

import ast
import datetime
import re
import shutil
from pathlib import Path

from flask import url_for

from appliance.db import database
from appliance.models import vocabulary
from appliance.models.calendar import Event, Notification
from appliance.models.people import ROLES, User
from appliance.models.portfolio import CatalogEntry
from appliance.services import accounts, catalogs, links, reminders, trajectory
from appliance.services import calendar as cal
from appliance.services import school as school_service
from appliance.services.links import LinkTarget
from tests.conftest import data_dir_settings, login, open_migrated
from tests.trajectory_fixtures import add_event, small_school_fixture  # noqa: F401 - the fixture
from webui.links import url_of

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime.timedelta(days=1)


def _python(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_trajectory_pages_have_one_name(app):
    assert not (ROOT / "webui/activities.py").exists() and not (ROOT / "webui/trajectory_common.py").exists()
    assert "trajectory" in app.blueprints and "activities" not in app.blueprints
    assert not (ROOT / "webui/templates/activities").exists() and (ROOT / "webui/templates/trajectory").is_dir()
    assert not any(rule.endpoint.startswith("activities.") for rule in app.url_map.iter_rules())
    with app.test_request_context():
        assert url_for("trajectory.index") == "/activities/"  # the address users bookmarked stays


def test_no_role_literal_in_role_checks():
    """Views and services name roles by the constants of appliance.models.people."""
    offences = []
    for path in _python("webui", "appliance/services", "appliance/documents", "sync", "backup", "captive_portal") + [
            ROOT / "appliance/cli.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            checked = []
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "role_required":
                checked = node.args
            elif isinstance(node, ast.Compare):
                left = node.left
                about_role = (getattr(left, "attr", "") == "role" or getattr(left, "id", "") == "role"
                              or (isinstance(left, ast.Call) and any(
                                  isinstance(a, ast.Constant) and a.value == "role" for a in left.args)))
                if about_role:
                    checked = node.comparators
            for arg in checked:
                for const in ast.walk(arg):
                    if isinstance(const, ast.Constant) and const.value in ROLES:
                        offences.append(f"{path.relative_to(ROOT)}:{const.lineno}")
    assert offences == []


def test_no_role_literal_in_templates():
    pattern = re.compile(r"\.role\b[^%}]*[\"'](" + "|".join(ROLES) + r")[\"']")
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "webui/templates").rglob("*.html") if pattern.search(p.read_text())]
    assert found == []


def test_core_builds_no_web_addresses():
    path = re.compile(r"[\"']/(activities|calendar|portfolio|guidance|surveys|student|teacher|parent|admin|district)\b")
    found = [f"{p.relative_to(ROOT)}" for p in _python("appliance/services", "appliance/models")
             if path.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_levels_and_directions_are_one_vocabulary(db):
    catalogs.ensure_defaults()
    for catalog, entries in (("level", vocabulary.LEVEL_ENTRIES), ("direction", vocabulary.DIRECTION_ENTRIES)):
        assert catalogs.DEFAULTS[catalog] == list(entries)
        stored = [(e.code, e.name, e.rank) for e in catalogs.entries(catalog)]
        assert stored == list(entries)
    assert list(cal.LEVEL_NAMES) == list(vocabulary.LEVELS) == [c for c, _, _ in catalogs.DEFAULTS["level"]]
    assert set(cal.DIRECTIONS) == {c for c, _, _ in catalogs.DEFAULTS["direction"]}
    form = {"title": "Олимпиада", "starts_on": "2026-10-01"}
    # Every catalogue entry is accepted by the calendar by its code and by its name.
    for entry in CatalogEntry.select().where(CatalogEntry.catalog.in_(("level", "direction"))):
        for value in (entry.code, entry.name, entry.name.lower()):
            event = cal.check_event({**form, "level": "school", entry.catalog: value})
            assert getattr(event, entry.catalog) == entry.code
    # The calendar's former direction words still import, as the catalogue's codes.
    assert cal.check_event({**form, "level": "Региональный", "direction": "математика и информатика"}).direction == "tech"
    assert cal.check_event({**form, "level": "school", "direction": "business"}).direction == "social"


def test_reminder_link_is_a_target_made_an_address_by_url_for(small_school, app):
    s = small_school
    event = add_event(s.school, s.today, "Олимпиада по физике", 2)
    cal.plan_event(s.anna, str(event.id), remind_days=3)
    goal = trajectory.create_goal(s.anna, {"title": "Подготовиться к олимпиаде", "deadline": s.today + 2 * DAY,
                                           "remind_days": 3}, s.today)
    trajectory.add_task(s.anna, {"title": "Заявка", "due_on": s.today + DAY, "remind_days": 1}, s.today)
    reminders.send_due(s.today)
    stored = {n.title: n.link for n in reminders.notifications(s.anna)}
    assert stored["Скоро событие"] == f"event:{event.id.hex}"
    assert stored["Скоро срок задачи"] == "tasks"
    with app.test_request_context():
        assert url_of(stored["Скоро событие"]) == url_for("calendar.event", event_id=event.id.hex)
        assert url_of(stored["Скоро срок задачи"]) == url_for("trajectory.index") + "#tasks"
        assert url_of(LinkTarget.of(links.GOAL, goal.id)) == url_for("trajectory.goal", goal_id=goal.id.hex)
        assert url_of("") == url_of("/activities/") == url_of("nonsense:1") == ""
        items = cal.personal_items(s.anna, s.today, s.today + 7 * DAY)
        assert {str(item.link) for item in items} >= {f"event:{event.id.hex}", f"goal:{goal.id.hex}", "tasks"}
    accounts.set_password(s.anna, "Anna-pass-2026")
    client = app.test_client()
    login(client, "anna", "Anna-pass-2026")
    page = client.get("/calendar/notifications", follow_redirects=True).get_data(as_text=True)
    opened = {client.get(f"/notifications/{n.id.hex}").headers["Location"] for n in reminders.notifications(s.anna)}
    assert f"/calendar/event/{event.id.hex}" in opened and "/activities/#tasks" in opened
    assert "Скоро событие" in page


def test_migration_0008_rewrites_stored_links_and_directions(db):
    from appliance.migrations import m0008_link_targets_directions as m0008

    catalogs.ensure_defaults()
    hexid = "0123456789abcdef0123456789abcdef"
    old = {f"/calendar/event/{hexid}": f"event:{hexid}", f"/activities/goal/{hexid}": f"goal:{hexid}",
           "/activities/#tasks": "tasks", "/activities/": "trajectory", "/portfolio/": "", "": "",
           f"event:{hexid}": f"event:{hexid}"}
    user = User.create(role="student", login="anna", full_name="Анна")
    for link in old:
        Notification.create(user=user, title=link or "пусто", link=link)
    school = school_service.ensure_school("Школа", "s1")
    directions = {"math_it": "tech", "engineering": "tech", "business": "social", "science": "science", "": ""}
    for code in directions:
        Event.create(school=school, title=code or "без направления", level="school", direction=code,
                     starts_on=datetime.date(2026, 10, 1), ends_on=datetime.date(2026, 10, 1), uid=f"{code}@test")
    m0008.upgrade(database)
    assert {n.title: n.link for n in Notification.select()} == {(k or "пусто"): v for k, v in old.items()}
    assert {e.uid: e.direction for e in Event.select()} == {f"{k}@test": v for k, v in directions.items()}
    m0008.upgrade(database)  # running twice changes nothing
    assert {e.uid: e.direction for e in Event.select()} == {f"{k}@test": v for k, v in directions.items()}


def test_release_7_database_upgrades_to_the_one_direction_vocabulary(tmp_path):
    settings = data_dir_settings(tmp_path / "data")
    shutil.copy(ROOT / "tests/fixtures/schema-0007.db", settings.db_path)
    open_migrated(settings)
    try:
        directions = {e.direction for e in Event.select()}
        assert directions and directions <= set(vocabulary.DIRECTIONS)
        assert all(LinkTarget.parse(n.link) is not None or n.link == "" for n in Notification.select())
        assert {u.role for u in User.select()} <= set(ROLES)
    finally:
        database.close()
