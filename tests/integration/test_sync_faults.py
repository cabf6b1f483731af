"""Every fault the hub must survive: each refused (or held) with a clear Russian message and a
ledger entry, nothing applied twice, nothing applied half-way."""

from __future__ import annotations

import datetime
import json
import os

import pytest

from appliance.migrations import latest_version
from appliance.models.people import User
from appliance.models.portfolio import Achievement
from appliance.services import hub as hub_service
from appliance.services import sync_state
from sync import keys
from sync.export import write_bundle
from sync.hub import revoke
from tests.sync_fixtures import rewrite, world_fixture  # noqa: F401 - the fixture


def _rejected(world, outcome, words: str, status: int) -> None:
    assert outcome.status == "rejected", outcome.message
    assert words in outcome.message
    assert outcome.http_status == status
    assert outcome.receipt is None
    last = world.ledger()[-1]
    assert last.status == "rejected" and last.message == outcome.message


def _school_key(world):
    with world.at_school():
        return keys.school_signing_key(world.school_settings.keys_dir, create=False)


def _change_something(world, title: str) -> None:
    with world.at_school():
        achievement = Achievement.select().first()
        achievement.title = title
        achievement.save()


def test_flipped_bit_in_payload_is_refused_and_nothing_applied(world, tmp_path):
    result = world.export("full")

    def flip(payload: bytes) -> bytes:
        damaged = bytearray(payload)
        damaged[len(damaged) // 2] ^= 0x01
        return bytes(damaged)

    outcome = world.import_file(rewrite(result.path, tmp_path / "flipped.okeysync", payload_edit=flip))
    _rejected(world, outcome, "Пакет повреждён или обрезан", 400)
    assert world.hub_rows() == {}
    assert world.hub_school().last_seq == 0


def test_flipped_bit_in_manifest_breaks_the_signature(world, tmp_path):
    result = world.export("full")
    data = bytearray(result.path.read_bytes())
    position = data.index(b",", data.index(b'"seq_to":')) - 1
    data[position] ^= 0x01  # the last digit of the range changes: the JSON still reads
    bad = tmp_path / "manifest.okeysync"
    bad.write_bytes(bytes(data))
    outcome = world.import_file(bad)
    _rejected(world, outcome, "Подпись пакета не сходится", 400)
    assert world.hub_rows() == {}


def test_unknown_key_is_refused(world, tmp_path):
    stranger = keys.new_signing_key()
    result = world.export("full")
    forged = rewrite(result.path, tmp_path / "forged.okeysync", sign_with=stranger,
                     manifest_edit=lambda m: m.update(signer=keys.fingerprint(keys.public_raw(stranger))))
    outcome = world.import_file(forged)
    _rejected(world, outcome, "неизвестным ключом", 403)
    assert world.ledger()[-1].school_id is None


def test_revoked_key_is_refused(world):
    result = world.export("full")
    with world.at_hub():
        revoke(world.school_id, reason="ноутбук директора украден")
    outcome = world.import_file(result.path)
    _rejected(world, outcome, "отозван", 403)
    assert world.hub_rows() == {}
    # Whoever holds a revoked key may be the thief: the ledger says what came, the school's status
    # on the dashboard stays its last real outcome.
    assert world.hub_school().last_status == ""


def test_bundle_for_another_district_is_refused(world, tmp_path):
    other = keys.create_hub_keys(tmp_path / "other-hub-keys")
    with world.at_school():
        sync_state.set_district_key(other.district_key.text)
    outcome = world.import_file(world.export("full").path)
    _rejected(world, outcome, "другому району", 403)


def test_newer_schema_is_refused(world, tmp_path):
    result = world.export("full")
    newer = rewrite(result.path, tmp_path / "newer.okeysync", sign_with=_school_key(world),
                    manifest_edit=lambda m: m.update(schema_version=latest_version() + 1))
    outcome = world.import_file(newer)
    _rejected(world, outcome, "более новой версией программы", 422)


def test_truncated_payload_is_refused_and_nothing_applied(world, tmp_path):
    result = world.export("full")
    outcome = world.import_file(rewrite(result.path, tmp_path / "short.okeysync", payload_edit=lambda p: p[:-300]))
    _rejected(world, outcome, "обрезан", 400)
    assert world.hub_rows() == {}


def test_invalid_row_late_in_the_payload_leaves_nothing_applied(world):
    """A bad row after hundreds of good ones: the whole bundle rolls back."""
    result = world.export("analytics")
    with world.at_school():
        signer = keys.school_signing_key(world.school_settings.keys_dir, create=False)
        student = User.get(User.login == "student1")
    from tests.sync_fixtures import decrypt_lines

    manifest, lines, _ = decrypt_lines(result.path, world.hub_keys.identities)
    leaked = dict(lines[0])
    leaked.update(t="user", id=keys.pseudonym(b"x", student.id.hex), op="upsert",
                  row={"id": keys.pseudonym(b"x", student.id.hex), "full_name": student.full_name})
    fields = {k: manifest[k] for k in ("school_id", "school_name", "school_code", "instance_id", "seq_from",
                                       "seq_to", "base", "schema_version", "scope", "created_at")}
    bad = write_bundle(world.root / "bad", signer, world.hub_keys.district_key, fields, iter([*lines, leaked]))
    outcome = world.import_file(bad.path)
    _rejected(world, outcome, "full_name", 422)
    assert f"Строка {len(lines) + 1}" in outcome.message
    assert world.hub_rows() == {}
    assert world.hub_school().last_seq == 0


def test_same_bundle_twice_is_a_duplicate_and_changes_nothing(world):
    result = world.export("full")
    first = world.import_file(result.path)
    before = world.hub_rows()
    with world.at_hub():
        from appliance.models.hub import HubRow

        ledgers = {r.row_id: r.ledger for r in HubRow.select()}
    again = world.import_file(result.path)
    assert again.status == "duplicate" and again.http_status == 200 and again.receipt is not None
    assert "уже применены" in again.message
    assert world.hub_rows() == before
    with world.at_hub():
        assert {r.row_id: r.ledger for r in HubRow.select()} == ledgers
    assert [e.status for e in world.ledger()] == ["applied", "duplicate"]
    # The duplicate's receipt acknowledges too (the first one may have been lost on the way).
    world.accept(again)
    with world.at_school():
        assert sync_state.acknowledged()[1] == first.ledger.seq_to


def test_replayed_old_bundle_is_refused(world):
    old = world.export("full")
    world.accept(world.import_file(old.path))
    _change_something(world, "Новое название")
    world.accept(world.import_file(world.export("full").path))
    rows = world.hub_rows()
    outcome = world.import_file(old.path)
    _rejected(world, outcome, "Повтор старого пакета", 409)
    assert world.hub_rows() == rows


def test_out_of_order_bundles_wait_for_the_gap_then_apply(world):
    first = world.export("full")
    # The school saw a receipt for `first` (say by HTTP) but the hub's copy got lost on the way.
    with world.at_school():
        sync_state.acknowledge(first.manifest["instance_id"], first.seq_to, datetime.datetime(2026, 11, 1))
    _change_something(world, "После первого пакета")
    second = world.export("full")
    held = world.import_file(second.path)
    assert held.status == "held" and held.http_status == 202
    assert "Пропуск" in held.message and f"с {0}" in held.message
    assert world.hub_rows() == {}
    with world.at_hub():
        [row] = hub_service.schools()
        assert row.held == 1 and "пропущенный" in str(row.status_text)
    # A receipt that says "held" does not acknowledge anything.
    with world.at_school():
        before = sync_state.acknowledged()
    world.accept(held)
    with world.at_school():
        assert sync_state.acknowledged() == before

    applied = world.import_file(first.path)
    assert applied.status == "applied"
    school = world.hub_school()
    assert school.last_seq == second.seq_to  # the held bundle followed at once
    statuses = [e.status for e in world.ledger()]
    assert statuses == ["held", "applied", "applied"]
    with world.at_hub():
        [row] = hub_service.schools()
        assert row.held == 0
    assert not list((world.hub_settings.data_dir / "sync" / "held").glob("*.okeysync"))


def test_gap_is_held_and_reported(world):
    with world.at_school():
        from appliance.models.changes import current_sequence, instance_id

        sync_state.acknowledge(instance_id(), current_sequence() - 5, datetime.datetime(2026, 11, 1))
    outcome = world.import_file(world.export("analytics").path)
    assert outcome.status == "held"
    entry = world.ledger()[-1]
    assert entry.status == "held" and os.path.exists(entry.held_path)
    with world.at_hub():
        [row] = hub_service.schools()
    assert row.held == 1 and row.silent


@pytest.mark.parametrize("body", [b"", b"hello", os.urandom(4096), b"OKEY-SYNC-1\n\x00\x00\x00\x05{}{}{"])
def test_garbage_to_the_http_endpoint(world, body):
    from appliance.server import build_wsgi_app

    with world.at_hub():
        app = build_wsgi_app(world.hub_settings)
        response = app.test_client().post("/sync/bundle", data=body,
                                          headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 400
    answer = json.loads(response.get_data(as_text=True))
    assert answer["status"] == 400 and ("не пакет" in answer["error"] or "повреждён" in answer["error"]
                                        or "обрезан" in answer["error"])
    entry = world.ledger()[-1]
    assert entry.status == "rejected" and entry.message == answer["error"]
    assert world.hub_rows() == {}


def test_http_endpoint_accepts_a_bundle_and_answers_with_a_receipt(world):
    from appliance.server import build_wsgi_app

    result = world.export("analytics")
    with world.at_hub():
        app = build_wsgi_app(world.hub_settings)
        response = app.test_client().post("/sync/bundle", data=result.path.read_bytes(),
                                          headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    world.accept(type("Answer", (), {"receipt": response.get_data()})())
    with world.at_school():
        assert sync_state.acknowledged()[1] == result.seq_to


def test_key_rotation_endorsed_by_the_old_key_and_replacement_after_revocation(world):
    from sync.errors import SyncError
    from sync.hub import enroll, enrolment_document

    first = world.export("full")
    with world.at_school():
        from appliance.services.school import get_school

        old, new = keys.rotate_school_key(world.school_settings.keys_dir)
        school = get_school()
        endorsed = enrolment_document(school.id.hex, school.name, school.code, new, world.hub_keys.district_key,
                                      previous=old)
        stranger = enrolment_document(school.id.hex, school.name, school.code, keys.new_signing_key(),
                                      world.hub_keys.district_key)
    with world.at_hub():
        done = enroll(endorsed, world.hub_keys)
        assert done.rotated and not done.created
        with pytest.raises(SyncError, match="не заверен прежним"):
            enroll(stranger, world.hub_keys)
    # A bundle signed before the rotation still goes in; one signed with the new key too.
    assert world.import_file(first.path).status == "applied"
    world.accept(world.import_file(first.path))
    _change_something(world, "После смены ключа")
    second = world.export("full")
    assert second.manifest["signer"] == keys.fingerprint(keys.public_raw(new))
    assert world.import_file(second.path).status == "applied"

    with world.at_hub():
        revoke(world.school_id, reason="ключ утерян")
        with pytest.raises(SyncError, match="не заверен прежним"):
            enroll(stranger, world.hub_keys)
        assert enroll(stranger, world.hub_keys, replace=True).rotated


def test_upload_bigger_than_the_hub_takes_is_refused_before_reading(world):
    from appliance.server import build_wsgi_app

    with world.at_hub():
        app = build_wsgi_app(world.hub_settings)
        app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
        response = app.test_client().post("/sync/bundle", data=b"\0" * (1024 * 1024 + 1),
                                          headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 413
    answer = json.loads(response.get_data(as_text=True))
    assert "больше 1 МБ" in answer["error"] and "okey hub import" in answer["error"]
    entry = world.ledger()[-1]
    assert entry.status == "rejected" and entry.message == answer["error"]
