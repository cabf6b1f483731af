"""Bad input at scale (hypothesis): every form the portal shows, filled with anything at all, the
class-list CSV importer and the .ics importer. Never a 500; a refusal writes nothing (no row,
no change in the sync sequence) and leaves no file behind.

The forms are found as a user finds them: each role opens its menu and follows the links.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.db import database
from appliance.models.changes import SyncChange
from appliance.models.people import School, User
from appliance.services.errors import ServiceError
from bench import forms
from tests.conftest import DEMO_PASSWORD, data_dir_settings, login, open_migrated

ROLES = ("student1", "teacher1", "parent1", "admin")
# Logging out or changing one's own password would end the session the test is using.
SKIP_ACTIONS = ("/logout", "/password")
FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1e309", "NaN", "2026-02-30", "31.12.2026",
                     "0000-00-00", "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "\x00",
                     "\u202e\u0000\ufeff", "%s%s%n", "7Б" * 50, "ffffffffffffffffffffffffffffffff",
                     "00000000-0000-0000-0000-000000000000"]),
)


def _jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 130, 140)).save(out, "JPEG")
    return out.getvalue()


uploads = st.tuples(
    st.one_of(st.text(max_size=80), st.sampled_from(["diploma.jpg", "../../x.jpg", "a.pdf", ".htaccess", "x" * 300])),
    st.one_of(st.binary(max_size=4096), st.builds(_jpeg, st.integers(1, 64), st.integers(1, 64)),
              st.just(b"%PDF-1.4\n%%EOF"), st.just(_jpeg(30, 30)[:200]), st.just(b"GIF89a" + b"\x00" * 50)),
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo school and, per role, the forms reachable from its menu."""
    from appliance.services.demo import create_demo_school
    from webui import create_app

    settings_ = data_dir_settings(tmp_path_factory.mktemp("fuzz") / "data")
    open_migrated(settings_)
    create_demo_school(DEMO_PASSWORD)
    app = create_app(settings_, testing=True)
    found = {}
    for who in ROLES:
        client = app.test_client()
        login(client, who)
        found[who] = (client, _forms_of(client))
    yield app, settings_, found
    database.close()


def _forms_of(client) -> list[tuple[str, forms.Form]]:
    """(page, form) for every POST form within two clicks of the role's menu."""
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    queue = [link for link in forms.nav_links(home) if link.startswith("/")]
    seen, found, actions, shapes = set(), [], set(), set()
    while queue and len(seen) < 40:
        path = queue.pop(0).split("#")[0]
        # One page of each kind: a list linking every student must not use up the crawl.
        path_shape = re.sub(r"[0-9a-f]{32}", "<id>", path)
        if path_shape in shapes:
            continue
        shapes.add(path_shape)
        if path in seen or path.startswith("/static") or path.endswith((".pdf", ".csv", ".json", ".ics", ".svg")):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parsed = forms.parse(response.get_data(as_text=True))
        for form in parsed.forms:
            action = form.action or path
            # One form of each kind: the same form for another goal or event adds nothing.
            shape = re.sub(r"[0-9a-f]{32}", "<id>", action.split("?")[0])
            if form.method == "post" and not action.startswith(SKIP_ACTIONS) and shape not in actions:
                actions.add(shape)
                found.append((path, form))
        queue += [link for link in parsed.links if link.startswith("/") and link not in seen]
    return found


def _state(settings_) -> tuple[int, set[Path]]:
    seq = SyncChange.select(SyncChange.seq).order_by(SyncChange.seq.desc()).scalar() or 0
    return seq, {p for p in settings_.uploads_dir.rglob("*") if p.is_file()}


def _fields_strategy(form: forms.Form):
    """Every field: its own value, nothing, or something nasty; file fields get odd files."""
    values = {}
    for field in form.fields:
        if field.name == "csrf_token":
            continue
        if field.kind == "file":
            values[field.name] = st.lists(uploads, max_size=3)
        else:
            choices = [field.value, *field.options] if field.options else [field.value]
            values[field.name] = st.one_of(st.sampled_from(choices), nasty_text, st.none())
    return st.fixed_dictionaries(values)


def _fuzz_form(client, settings_, who: str, action: str, form: forms.Form) -> None:
    csrf = form.field("csrf_token")

    # Forms that take files get more tries: they write rows and files together.
    @settings(FUZZ, max_examples=40 if form.multipart else 12)
    @given(values=_fields_strategy(form))
    def attempt(values):
        data = {"csrf_token": csrf.value} if csrf else {}
        for name, value in values.items():
            if isinstance(value, list):
                data[name] = [(io.BytesIO(content), filename) for filename, content in value]
            elif value is not None:
                data[name] = value
        before_seq, before_files = _state(settings_)
        response = client.post(action, data=data, content_type="multipart/form-data")
        after_seq, after_files = _state(settings_)
        assert response.status_code < 500 or response.status_code == 503, \
            f"{who}: POST {action} → {response.status_code} with {values!r:.500}"
        assert not [p for p in after_files if p.name.endswith(".part")], f"temporary file left by {action}"
        if response.status_code >= 400:
            assert after_seq == before_seq, f"{who}: POST {action} refused ({response.status_code}) but wrote"
            assert after_files == before_files, f"{who}: POST {action} refused but left files"

    attempt()


@pytest.mark.parametrize("who", ROLES)
def test_every_form_survives_anything(site, who):
    app, settings_, found = site
    client, role_forms = found[who]
    assert role_forms, f"{who} has no forms to try"
    failures = []
    for page, form in role_forms:
        try:
            _fuzz_form(client, settings_, who, form.action or page, form)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)


def test_forms_were_found_for_every_kind_of_upload(site):
    """The crawl reaches the forms that matter: the achievement form with its files, the news form
    with its photo, the class list import, the calendar import."""
    _, _, found = site
    actions = {form.action or page for who in ROLES for page, form in found[who][1]}
    assert "/portfolio/new" in actions
    assert "/news/new" in actions
    assert "/admin/import" in actions
    assert any(action.startswith("/calendar/manage/import") for action in actions)


# -- the importers directly --------------------------------------------------------------

csv_cells = st.one_of(st.text(max_size=30), st.sampled_from(
    ["ученик", "учитель", "родитель", "администратор", "директор", "7Б", "12Я", "0А", "Иванов Иван Иванович",
     "Иванов", "", "да", "нет", "student1", "ADMIN", "a" * 100, "=cmd|' /C calc'!A0", "\u200b"]))
csv_files = st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda header, rows, sep, enc: (sep.join(header) + "\r\n" + "\r\n".join(sep.join(r) for r in rows))
              .encode(enc, errors="replace"),
              st.lists(st.sampled_from(["Роль", "ФИО", "Фамилия", "Имя", "Отчество", "Класс", "Ребёнок", "Логин",
                                        "Классный руководитель", "role", "x"]), min_size=1, max_size=7),
              st.lists(st.lists(csv_cells, max_size=7), max_size=15),
              st.sampled_from([";", ",", "\t"]), st.sampled_from(["utf-8", "cp1251", "utf-8-sig", "utf-16"])),
)


def _counts() -> tuple[int, int]:
    return User.select().count(), SyncChange.select(SyncChange.seq).order_by(SyncChange.seq.desc()).scalar() or 0


def test_class_list_import_all_or_nothing(site):
    from appliance.services import roster

    school = School.select().first()

    @settings(FUZZ, max_examples=150)
    @given(data=csv_files, role=st.sampled_from([None, "student", "parent", "teacher"]))
    def attempt(data, role):
        before = _counts()
        try:
            roster.import_roster(data, school, role)
        except ServiceError:
            assert _counts() == before, "a refused class list wrote something"

    attempt()


ics_lines = st.one_of(st.text(max_size=60), st.sampled_from(
    ["BEGIN:VEVENT", "END:VEVENT", "UID:x@y", "UID:", "SUMMARY:Олимпиада", "SUMMARY:", "DTSTART:20261010T100000Z",
     "DTSTART;VALUE=DATE:20261301", "DTSTART:garbage", "DTEND:20261009", "DTSTART;TZID=Nowhere/City:20261010T100000",
     "RRULE:FREQ=DAILY", "DESCRIPTION:" + "д" * 5000, "BEGIN:VCALENDAR", "END:VCALENDAR", "VERSION:2.0",
     "BEGIN:VTIMEZONE", " folded", "LOCATION:Школа"]))
ics_files = st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda lines: ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "\r\n".join(lines) + "\r\nEND:VCALENDAR\r\n")
              .encode(), st.lists(ics_lines, max_size=40)),
)


def test_ics_import_all_or_nothing(site):
    from appliance.services import calendar_ics

    school = School.select().first()
    admin = User.get(User.login == "admin")

    @settings(FUZZ, max_examples=150)
    @given(data=ics_files)
    def attempt(data):
        before = _counts()
        try:
            calendar_ics.import_ics(data, school, by=admin)
        except ServiceError:
            assert _counts() == before, "a refused calendar wrote something"

    attempt()


def test_an_upload_over_the_limit_is_refused_before_anything_is_written(site):
    app, settings_, found = site
    client, role_forms = found["student1"]
    csrf = next(form for page, form in role_forms if (form.action or page) == "/portfolio/new").field("csrf_token")
    before = _state(settings_)
    big = io.BytesIO(b"\xff\xd8" + b"\x00" * (settings_.server.max_upload_mb * 1024 * 1024 + 10))
    response = client.post("/portfolio/new", data={"csrf_token": csrf.value, "title": "Большой файл",
                                                   "date": "2026-10-01", "files": [(big, "big.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Файл слишком большой" in response.get_data(as_text=True)
    assert _state(settings_) == before


# -- every query-string parameter of every route ------------------------------------------------

EXTREME_VALUES = ["9999-12-31", "0001-01-01", "0000-00-00", "12345678901234567890", "99999999999999999999-01-01",
                  "-99999999999999999999", "9999-12", "0001-01", "10000-01", "2026-13", "2026-00", "2026-02-30",
                  "31.12.9999", "-1", "0", "1e309", "NaN", "inf", "²", "١٢٣", "\x00", "%", "%00", "a" * 5000,
                  "1" * 5000, "ffffffffffffffffffffffffffffffff", "../../etc/passwd", "<script>", "' OR 1=1 --", " "]
extreme = st.one_of(st.sampled_from(EXTREME_VALUES), st.text(max_size=30), st.integers().map(str))
_ARG = re.compile(r"""request\.args(?:\.get(?:list)?\(\s*|\[\s*)["']([A-Za-z_][\w-]*)["']""")


def _query_parameters(app) -> dict[str, set[str]]:
    """Endpoint → the query-string parameters its view reads (request.args.get, [], getlist),
    itself or through the helpers of its module it calls (`_year()`, `_filters()` …)."""
    import inspect
    import sys

    def reads(function, depth: int = 0) -> set[str]:
        source = inspect.getsource(function)
        found = set(_ARG.findall(source))
        module = sys.modules[function.__module__]
        if depth < 2:
            for called in set(re.findall(r"\b(_\w+)\(", source)):
                helper = getattr(module, called, None)
                if inspect.isfunction(helper):
                    found |= reads(helper, depth + 1)
        return found

    return {endpoint: reads(inspect.unwrap(view)) for endpoint, view in app.view_functions.items()
            if endpoint != "static"}


def _get_routes(app, objects: dict[str, str]):
    """(url, blueprint) for every GET route of the URL map, its arguments filled as the access
    matrix fills them (the victim's own objects)."""
    from tests.integration.test_hardening_access import OBJECTS, VALUES

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {arg: objects[OBJECTS[arg]] if arg in OBJECTS else VALUES[arg] for arg in rule.arguments}
        yield rule.build(values, append_unknown=False)[1], rule.endpoint


def test_every_query_parameter_of_every_route_survives_extreme_values(site):
    """Each GET route, opened by a role that may open it, with every query-string parameter its
    blueprint reads set to extreme dates, years, numbers and text (together and one by one)."""
    from appliance.models.people import Student
    from tests.integration.test_hardening_access import _victim_objects

    app, settings_, found = site
    victim = User.get(User.login == "student1")
    objects = _victim_objects(settings_, victim, Student.get(Student.user == victim).class_group)
    params = _query_parameters(app)
    assert {"d", "m", "year", "page"} <= set().union(*params.values()), params
    failures, fuzzed = [], 0
    for url, endpoint in _get_routes(app, objects):
        names = sorted(params.get(endpoint, ()))
        if not names:
            continue
        opener = next((client for client, _ in found.values() if client.get(url).status_code == 200), None)
        if opener is None:
            continue
        fuzzed += 1

        def fuzz(url: str, opener, names: list[str]):
            @settings(FUZZ, max_examples=8)
            @given(values=st.fixed_dictionaries({name: st.one_of(st.none(), extreme) for name in names}))
            def attempt(values):
                query = {name: value for name, value in values.items() if value is not None}
                response = opener.get(url, query_string=query)
                assert response.status_code < 500, f"GET {url} {query!r:.300} → {response.status_code}"

            attempt()

        try:
            fuzz(url, opener, names)
            for name in names:  # each extreme value alone, so none hides behind another's refusal
                for value in EXTREME_VALUES:
                    response = opener.get(url, query_string={name: value})
                    assert response.status_code < 500, f"GET {url} {name}={value[:40]!r} → {response.status_code}"
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert fuzzed >= 10, fuzzed
    assert not failures, "\n".join(failures)


# -- the importers with deep and huge inputs ------------------------------------------------------

def _deep(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"name": "x", "code": "x", "competencies": ' + b"[" * depth + b"]" * depth + b"}"


huge_cell = st.sampled_from([140_000, 300_000, 1_200_000]).map(lambda n: "я" * n)
deep_json = st.builds(_deep, st.sampled_from([1_000, 50_000, 200_000]), st.sampled_from(["array", "object", "framework"]))
huge_csv = st.one_of(
    st.builds(lambda header, cell, quote: (header + "\r\n" + (f'"{cell}"' if quote else cell) + ";01.10.2026\r\n")
              .encode(), st.sampled_from(["Название;Дата", "Фамилия;Имя;Класс", "code;name;group"]), huge_cell,
              st.booleans()),
    st.builds(lambda n: ("Название;Дата\r\n" + "Событие;01.10.2026\r\n" * n).encode(), st.sampled_from([50_000, 400_000])),
    st.builds(lambda n: b'"' + b"x" * n, st.sampled_from([200_000, 2_000_000])),  # an unclosed quote
    st.just(("Название;Дата\r\n" + ";" * 100_000 + "\r\n").encode()),
    st.just(("Название;Дата\r\nДалеко;31.12.9999\r\nДавно;01.01.0001\r\n").encode()),
)
huge_ics = st.one_of(
    st.builds(lambda cell: ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@b\r\nSUMMARY:" + cell
                            + "\r\nDTSTART;VALUE=DATE:20261010\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode(), huge_cell),
    st.builds(lambda start: ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:far@b\r\nSUMMARY:Далеко\r\n"
                             f"DTSTART:{start}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode(),
              st.sampled_from(["99991231", "99991231T235959Z", "00010101", "00010101T000000Z", "20261010T250000"])),
    st.builds(lambda depth: ("BEGIN:VCALENDAR\r\n" + "BEGIN:VEVENT\r\n" * depth + "END:VEVENT\r\n" * depth
                             + "END:VCALENDAR\r\n").encode(), st.sampled_from([1_000, 20_000])),
)


def _refusal_writes_nothing(call) -> None:
    before = _counts()
    try:
        call()
    except ServiceError as exc:
        assert 400 <= exc.status < 500
        assert _counts() == before, "a refused file wrote something"


def test_every_importer_survives_deep_and_huge_files(site):
    from appliance.models.competencies import CompetencyFramework
    from appliance.services import calendar as cal
    from appliance.services import calendar_ics, competencies, roster

    school = School.select().first()
    admin = User.get(User.login == "admin")

    @settings(FUZZ, max_examples=25)
    @given(data=st.one_of(deep_json, huge_csv, huge_ics), name=st.sampled_from(["f.json", "f.csv"]))
    def attempt(data, name):
        frameworks = CompetencyFramework.select().count()
        _refusal_writes_nothing(lambda: competencies.import_framework(data, name))
        _refusal_writes_nothing(lambda: cal.import_csv(data, school, by=admin))
        _refusal_writes_nothing(lambda: calendar_ics.import_ics(data, school, by=admin))
        _refusal_writes_nothing(lambda: roster.import_roster(data, school, None))
        assert CompetencyFramework.select().count() <= frameworks + 1

    attempt()
