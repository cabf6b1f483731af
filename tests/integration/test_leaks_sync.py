"""What the probe found in the district sync (issue 15, items 6–8): one bad row blocked a school
for ever; the hub's upload endpoint read whole bodies before looking at them, wrote a ledger row
for every piece of junk, and let a replayed or forged bundle mark a school «rejected»; a manifest
with a 2^70 sequence number gave a 500."""

from __future__ import annotations

import io
import json
import socket
import threading
import time

import pytest

from appliance.models.portfolio import Achievement, CatalogEntry
from appliance.services import catalogs, sync_state
from sync import keys
from sync.export import write_bundle
from tests.conftest import login
from tests.sync_fixtures import decrypt_lines, rewrite, world_fixture  # noqa: F401 - the fixture


def _signer(world):
    with world.at_school():
        return keys.school_signing_key(world.school_settings.keys_dir, create=False)


def _rebuild(world, result, edit_lines, name="edited"):
    """The same bundle with its lines changed, signed by the school: what a school of an older
    release (or a bug) could send."""
    manifest, lines, _ = decrypt_lines(result.path, world.hub_keys.identities)
    fields = {k: manifest[k] for k in ("school_id", "school_name", "school_code", "instance_id", "seq_from",
                                       "seq_to", "base", "schema_version", "scope", "created_at")}
    return write_bundle(world.root / name, _signer(world), world.hub_keys.district_key, fields,
                        iter(edit_lines(lines)))


# -- item 6: one bad row ------------------------------------------------------------------------

def test_generated_list_codes_fit_their_column(world):
    with world.at_school():
        limit = CatalogEntry.code.max_length
        made = [catalogs.add_entry("kind", "Very long english name of a new kind " * 2 + str(n)) for n in range(3)]
        made += [catalogs.add_entry("kind", "x" * 100), catalogs.add_entry("kind", "x" * 99 + "y")]
        assert all(len(entry.code) <= limit for entry in made), [entry.code for entry in made]
        assert len({entry.code for entry in made}) == len(made)


def test_a_row_over_the_hubs_limits_is_kept_back_at_school_and_shown(world):
    with world.at_school():
        # A row the hub's columns cannot hold (a school on a newer release with a wider column): made
        # here past the school's own database bound (migration m0020), which is then put back.
        from appliance.db import database
        from appliance.migrations import m0020_length_bounds as m0020

        database.execute_sql('DROP TRIGGER "bound_catalog_entry_insert"')
        bad = CatalogEntry.create(catalog="kind", code="c" * 60, name="Старая запись", position=99)
        m0020.add_bound_triggers(database, "catalog_entry", m0020.BOUNDS["catalog_entry"])
    result = world.export("analytics")
    _, lines, _ = decrypt_lines(result.path, world.hub_keys.identities)
    assert all(line["row"]["code"] != "c" * 60 for line in lines if line["t"] == "catalog_entry" and "row" in line)
    outcome = world.import_file(result.path)
    assert outcome.status == "applied", outcome.message
    world.accept(outcome)
    with world.at_school():
        status = sync_state.status()
        assert [(p["table"], p["field"]) for p in status.problems] == [("catalog_entry", "code")]
        # Fixed at the school: the next export carries it and the problem is gone.
        bad.code = "old-kind"
        bad.save()
    world.accept(world.import_file(world.export("analytics").path))
    with world.at_school():
        assert sync_state.status().problems == []


def test_the_hub_quarantines_a_bad_row_and_applies_the_rest(world):
    result = world.export("analytics")

    def spoil(lines):
        for line in lines:
            if line["t"] == "catalog_entry" and line.get("row", {}).get("code") == "olympiad":
                line = dict(line, row=dict(line["row"], code="o" * 300))
            yield line

    bad = _rebuild(world, result, lambda lines: list(spoil(lines)))
    outcome = world.import_file(bad.path)
    assert outcome.status == "applied", outcome.message
    assert "Отложено строк: 1" in outcome.message
    assert outcome.ledger.rows == result.rows - 1
    codes = {row.get("code") for (table, _), row in world.hub_rows().items() if table == "catalog_entry"}
    assert "contest" in codes and "olympiad" not in codes and "o" * 300 not in codes
    with world.at_hub():
        from appliance.models.hub import HubQuarantine

        [held] = HubQuarantine.select()
        assert (held.table, held.field) == ("catalog_entry", "code") and "40" in held.reason
        assert held.ledger == outcome.ledger.id
    assert world.hub_school().last_status == "applied"
    receipt = json.loads(outcome.receipt)["receipt"]
    assert receipt["quarantined"][0]["table"] == "catalog_entry"
    world.accept(outcome)
    with world.at_school():
        assert sync_state.acknowledged()[1] == result.seq_to  # the school is not blocked
        assert [p["table"] for p in sync_state.status().problems] == ["catalog_entry"]
    # The admin page of the school says it plainly.
    with world.at_school():
        from webui import create_app

        client = create_app(world.school_settings, testing=True).test_client()
        login(client, "admin")
        page = client.get("/admin/").get_data(as_text=True)
    assert "Район не принял" in page and "catalog_entry" in page and "code" in page
    with world.at_school():
        # Its later bundles apply; one that carries a good version of the row clears it.
        olympiad = CatalogEntry.get(CatalogEntry.code == "olympiad")
        olympiad.name = "Олимпиада школьников"
        olympiad.save()
    later = world.import_file(world.export("analytics").path)
    assert later.status == "applied" and "Отложено" not in later.message
    with world.at_hub():
        assert HubQuarantine.select().count() == 0
    assert json.loads(later.receipt)["receipt"]["quarantined"] == []
    world.accept(later)
    with world.at_school():
        assert sync_state.status().problems == []
    spoiled = world.import_file(bad.path)
    assert spoiled.status == "rejected" and world.hub_school().last_status == "applied"  # an old bundle again
    world.accept(outcome)  # an older receipt again does not bring the old list back
    with world.at_school():
        assert sync_state.status().problems == []


def test_many_bad_rows_still_refuse_the_bundle(world):
    result = world.export("full")

    def spoil(lines):
        return [dict(line, row=dict(line["row"], created_at=12345)) if "row" in line else line for line in lines]

    outcome = world.import_file(_rebuild(world, result, spoil).path)
    assert outcome.status == "rejected" and outcome.http_status == 422
    assert world.hub_rows() == {}


# -- item 7: the upload endpoint ------------------------------------------------------------------

def test_a_replayed_bundle_never_changes_the_schools_status(world):
    old = world.export("full")
    world.accept(world.import_file(old.path))
    with world.at_school():
        achievement = Achievement.select().first()
        achievement.title = "Новое название"
        achievement.save()
    world.accept(world.import_file(world.export("full").path))
    before = world.hub_school()
    outcome = world.import_file(old.path)
    assert outcome.status == "rejected" and outcome.http_status == 409
    after = world.hub_school()
    assert (after.last_status, after.last_message, after.last_received_at) == \
        (before.last_status, before.last_message, before.last_received_at)


def test_a_forged_payload_never_changes_the_schools_status(world, tmp_path):
    result = world.export("full")

    def flip(payload: bytes) -> bytes:
        damaged = bytearray(payload)
        damaged[len(damaged) // 2] ^= 0x01
        return bytes(damaged)

    outcome = world.import_file(rewrite(result.path, tmp_path / "flipped.okeysync", payload_edit=flip))
    assert outcome.status == "rejected"
    assert world.hub_school().last_status == ""

    # Rows of the attacker's own making, encrypted to the district's public key, under the school's
    # genuine signed manifest: refused, and the school's status untouched.
    def forged(lines):
        return [dict(line, row=dict(line["row"], code="x" * 300)) if line["t"] == "catalog_entry" and "row" in line
                else line for line in lines]

    made = _rebuild(world, result, forged, name="forged")
    with open(made.path, "rb") as stream:
        from sync import bundle

        bundle.read_header(stream)
        payload = stream.read()
    with open(result.path, "rb") as stream:
        genuine = bundle.read_header(stream)
    spliced = io.BytesIO()
    bundle.write_header(spliced, genuine.raw, genuine.signature)
    spliced.write(payload)
    outcome = world.import_bytes(spliced.getvalue())
    assert outcome.status == "rejected"
    assert world.hub_school().last_status == ""
    assert world.hub_rows() == {}


def test_junk_uploads_leave_a_bounded_trace_and_are_slowed_down(world):
    from sync.hub import JUNK_PER_ADDRESS

    def junk(data: bytes, source: str):
        with world.at_hub():
            return world.hub().import_stream(io.BytesIO(data), source=source, remote=True)

    answers = [junk(b"junk %d" % n, "198.51.100.7") for n in range(JUNK_PER_ADDRESS + 30)]
    assert all(a.status == "rejected" for a in answers)
    rows = [e for e in world.ledger() if e.source == "198.51.100.7"]
    assert len(rows) <= JUNK_PER_ADDRESS + 1
    assert answers[-1].http_status == 429 and "Слишком много" in answers[-1].message
    # Another address and a real school are not held back by it.
    assert junk(b"junk", "198.51.100.8").http_status == 400
    assert world.import_file(world.export("analytics").path).status == "applied"


def test_a_manifest_with_a_2_to_the_70_sequence_number_is_a_4xx(world, tmp_path):
    from appliance.server import build_wsgi_app

    result = world.export("full")
    signer = _signer(world)
    huge = rewrite(result.path, tmp_path / "huge.okeysync", sign_with=signer,
                   manifest_edit=lambda m: m.update(seq_to=2**70))
    with world.at_hub():
        app = build_wsgi_app(world.hub_settings)
        response = app.test_client().post("/sync/bundle", data=huge.read_bytes(),
                                          headers={"Content-Type": "application/octet-stream"})
    assert 400 <= response.status_code < 500
    assert "диапазон" in json.loads(response.get_data(as_text=True))["error"]


# -- the streaming check, on the real server ------------------------------------------------------------

@pytest.fixture
def hub_server(world):
    from appliance.listener import GuardedServer, portal_body_limit
    from appliance.server import build_wsgi_app
    from sync.http import body_check

    world.close()
    world.hub_settings.server.max_upload_mb = 4096  # a hub that takes big bundles
    app = build_wsgi_app(world.hub_settings)
    server = GuardedServer(app, host="127.0.0.1", port=0, threads=2, body_limit=portal_body_limit,
                           body_check=body_check(world.hub_settings), max_request_body_size=8 * 1024 ** 3)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield port
    server.close()


def _serve_the_hub(world) -> None:
    """The server in this process reads whichever database the proxy was last pointed at."""
    with world.at_hub():
        pass


def _upload_start(port: int, head: bytes, length: int) -> tuple[float, bytes]:
    """Send the request headers and the first bytes of a body that says it has `length`, then
    wait (at most 8 s) for an answer without sending more. (seconds, answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=8) as sock:
        sock.sendall(b"POST /sync/bundle HTTP/1.1\r\nHost: hub\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: %d\r\n\r\n" % length + head)
        start = time.monotonic()
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return time.monotonic() - start, answer


def test_junk_is_refused_from_its_first_bytes_not_after_the_whole_body(world, hub_server):
    took, answer = _upload_start(hub_server, b"NOT-A-BUNDLE", 3 * 1024 ** 3)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert "не пакет" in answer.decode(errors="replace")
    assert took < 5


def test_a_replay_is_refused_from_its_header(world, hub_server, tmp_path):
    old = world.export("full")
    world.accept(world.import_file(old.path))
    with world.at_school():
        achievement = Achievement.select().first()
        achievement.title = "Ещё новее"
        achievement.save()
    world.accept(world.import_file(world.export("full").path))
    _serve_the_hub(world)
    data = old.path.read_bytes()
    took, answer = _upload_start(hub_server, data[:1000], 3 * 1024 ** 3)
    assert answer.startswith(b"HTTP/1.1 409"), answer[:300]
    assert "Повтор старого пакета" in answer.decode(errors="replace")


def test_a_real_bundle_still_goes_through_the_server(world, hub_server):
    import urllib.request

    result = world.export("analytics")
    _serve_the_hub(world)
    request = urllib.request.Request(f"http://127.0.0.1:{hub_server}/sync/bundle", data=result.path.read_bytes(),
                                     headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - a local test server
        assert response.status == 200
        assert json.loads(response.read())["receipt"]["status"] == "applied"
