"""Rules of the sync that need no database: the export policy, keys, the bundle header, and the
HTTP transport's retries and back-off (against a real server on the loopback)."""

from __future__ import annotations

import http.server
import io
import threading

import pytest

from sync import bundle, keys
from sync.errors import BundleRejected, SyncError
from sync.policy import POLICIES, specs
from sync.transport import HubUnreachable, post_bundle, sync_settings
from tests.conftest import free_port


def test_analytics_scope_carries_no_free_text_names_or_secrets():
    from appliance.models import competencies, portfolio, trajectory

    free_text = {**portfolio.FREE_TEXT_FIELDS, **competencies.FREE_TEXT_FIELDS,
                 "goal": ("title", "measure", "why", "plan", "origin_note"), "milestone": ("title",),
                 "task": ("title",)}
    assert trajectory.Goal._meta.table_name == "goal"
    found = specs()
    for table, fields in free_text.items():
        spec = found[table]
        columns = {spec.column(name).name for name in fields}
        assert not columns & spec.allowed("analytics"), table
        assert columns <= spec.allowed("full"), table
    user = found["user"]
    personal = {"login", "full_name", "last_name", "first_name", "middle_name", "password_hash",
                "activation_code_hash"}
    assert not personal & user.allowed("analytics")
    assert "password_hash" not in user.allowed("full") and "full_name" in user.allowed("full")
    assert not found["parent_link"].in_scope("analytics") and found["parent_link"].in_scope("full")


def test_every_policy_names_real_fields_and_student_paths():
    found = specs()
    for policy in POLICIES:
        spec = found.get(policy.table)
        assert spec is not None, f"no model for {policy.table}"
        names = {c.field for c in spec.columns}
        assert set(policy.analytics or ()) <= names, policy.table
        assert set(policy.secret) <= names, policy.table
        if isinstance(policy.student, str):
            assert policy.student in names
        elif policy.student:
            via, table, student = policy.student
            assert via in names and student in {c.field for c in found[table].columns}


def test_pseudonyms_are_stable_keyed_and_hide_the_id():
    secret, other = b"k" * 32, b"o" * 32
    value = "0123456789abcdef0123456789abcdef"
    assert keys.pseudonym(secret, value) == keys.pseudonym(secret, value)
    assert keys.pseudonym(secret, value) != keys.pseudonym(other, value)
    assert value not in keys.pseudonym(secret, value) and len(keys.pseudonym(secret, value)) == 32


def test_district_key_text_round_trip_and_typos(tmp_path):
    hub = keys.create_hub_keys(tmp_path)
    text = hub.district_key.text
    assert keys.parse_district_key(text) == hub.district_key
    assert keys.parse_district_key(f"  {text[:40]}\n{text[40:]} ") == hub.district_key  # wrapped when pasted
    typo = text[:30] + ("q" if text[30] != "q" else "p") + text[31:]
    with pytest.raises(SyncError, match="ошибкой|повреждён"):
        keys.parse_district_key(typo)
    with pytest.raises(SyncError, match="не ключ района"):
        keys.parse_district_key("age1abc")
    rotated = keys.rotate_hub_key(tmp_path)
    assert rotated.district_key != hub.district_key
    assert rotated.accepts_recipient(hub.district_key.fingerprint)  # bundles on their way still open


@pytest.mark.parametrize("data, words", [
    (b"", "не пакет"), (b"PK\x03\x04", "не пакет"), (bundle.MAGIC + b"\x00\x00", "обрезан"),
    (bundle.MAGIC + b"\xff\xff\xff\xff", "неверная длина"), (bundle.MAGIC + b"\x00\x00\x00\x02{}" + b"s" * 64,
                                                           "нет поля"),
])
def test_bad_headers_are_refused_with_a_reason(data, words):
    with pytest.raises(BundleRejected, match=words):
        bundle.read_header(io.BytesIO(data))


def test_sync_settings_are_checked():
    from appliance.config import load_settings

    settings = load_settings(environ={"OKEY_SYNC__SCOPE": "everything"})
    with pytest.raises(SyncError, match="analytics или full"):
        sync_settings(settings)
    settings = load_settings(environ={"OKEY_SYNC__TIME": "25:00"})
    with pytest.raises(SyncError, match="ЧЧ:ММ"):
        sync_settings(settings)
    settings = load_settings(environ={"OKEY_SYNC__TARGETS": "usb:OKEY-SYNC, district:/mnt/d",
                                      "OKEY_SYNC__RETRIES": "3"})
    config = sync_settings(settings)
    assert config.targets == ["usb:OKEY-SYNC", "district:/mnt/d"] and config.retries == 3


class _Flaky(http.server.BaseHTTPRequestHandler):
    failures = 2
    seen: list[int] = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append(len(body))
        if len(type(self).seen) <= type(self).failures:
            self.send_response(503)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"receipt": {}}')

    def log_message(self, *args):
        pass


def test_post_retries_with_doubling_pauses_until_the_hub_answers(tmp_path):
    path = tmp_path / "b.okeysync"
    path.write_bytes(b"x" * 5000)
    _Flaky.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pauses: list[float] = []
    try:
        result = post_bundle(path, f"http://127.0.0.1:{server.server_port}", retries=5, backoff=0.5,
                             sleep=pauses.append)
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == 200 and result.attempts == 3
    assert pauses == [0.5, 1.0]
    assert _Flaky.seen == [5000, 5000, 5000]


def test_post_gives_up_when_the_hub_is_unreachable(tmp_path):
    path = tmp_path / "b.okeysync"
    path.write_bytes(b"x")
    pauses: list[float] = []
    with pytest.raises(HubUnreachable, match="недоступен.*попыток: 4"):
        post_bundle(path, f"http://127.0.0.1:{free_port()}", retries=4, backoff=1, timeout=2, sleep=pauses.append)
    assert pauses == [1, 2, 4]
    with pytest.raises(SyncError, match="http:// или https://"):
        post_bundle(path, "ftp://hub", retries=1)


def test_mentoring_leaves_the_school_as_counts_only():
    """The district counts mentors, pairs by form and status, meetings and ratings; who mentors whom,
    programmes, goals, notes, reflections and requests never leave, in any scope."""
    from appliance.models import mentoring

    found = specs()
    people = {"mentor_profile": ("user",), "mentoring_pair": ("mentor", "mentee", "created_by", "request"),
              "mentoring_group": ("mentor", "created_by")}
    for table, fields in {**mentoring.FREE_TEXT_FIELDS}.items():
        if table == "mentoring_request":
            assert table not in found  # stays in the school entirely
            continue
        spec = found[table]
        hidden = {spec.column(name).name for name in fields + people.get(table, ())}
        assert not hidden & spec.allowed("analytics"), table
        assert not hidden & spec.allowed("full"), table
    assert {"form", "status", "mentor_rating", "mentee_rating"} <= found["mentoring_pair"].allowed("analytics")
    assert {"day", "status"} <= found["mentoring_meeting"].allowed("analytics")
    assert {"form", "status", "school_year"} <= found["mentoring_group"].allowed("analytics")
    assert "group_id" in found["mentoring_pair"].allowed("analytics")  # members counted, not named
    assert {"kind", "capacity", "outside"} <= found["mentor_profile"].allowed("analytics")
