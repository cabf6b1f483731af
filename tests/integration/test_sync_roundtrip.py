"""School → hub round trips on SQLite: both scopes, receipts, increments, deletes, consent,
restored appliances, and what an analytics bundle must never contain."""

from __future__ import annotations

import json
from collections import Counter

from appliance.models.changes import new_instance_id
from appliance.models.people import ParentLink, User
from appliance.models.portfolio import Achievement, CatalogEntry, Reflection
from appliance.services import sync_state
from sync import keys
from tests.sync_fixtures import decrypt_lines, world_fixture  # noqa: F401 - the fixture


def _consenting_students() -> set[str]:
    return {link.student_id.hex for link in ParentLink.select().where(ParentLink.consent_given_at.is_null(False))}


def test_full_scope_round_trip_with_receipts_increments_and_deletes(world):
    first = world.export("full")
    assert first.seq_from == 0 and first.manifest["base"] and first.rows > 100
    outcome = world.import_file(first.path)
    assert outcome.status == "applied" and outcome.http_status == 200 and outcome.rows == first.rows
    rows = world.hub_rows()
    with world.at_school():
        consenting = _consenting_students()
        student = User.get(User.login == "student1")
        assert student.id.hex in consenting
        # Secrets never leave, even in the full scope.
        assert "password_hash" not in rows[("user", student.id.hex)]
        assert rows[("user", student.id.hex)]["full_name"] == student.full_name
        without = User.select().where((User.role == "student") & User.id.not_in(
            [bytes.fromhex(h).hex() for h in consenting])).first()
    assert without is not None and ("user", without.id.hex) not in rows

    # No receipt yet: the next bundle starts again from 0. The receipt moves the school on.
    world.accept(outcome)
    with world.at_school():
        assert sync_state.acknowledged()[1] == first.seq_to
        assert sync_state.pending() == []
        achievement = Achievement.select().where(Achievement.student == student).first()
        achievement.title = "Городская олимпиада по физике, 2 тур"
        achievement.save()
        gone = Reflection.select().where(Reflection.student == student).first()
        gone.delete_instance()
    second = world.export("full")
    assert (second.seq_from, second.rows) == (first.seq_to, 2)
    applied = world.import_file(second.path)
    assert applied.status == "applied" and applied.rows == 2
    rows = world.hub_rows()
    assert rows[("achievement", achievement.id.hex)]["title"] == "Городская олимпиада по физике, 2 тур"
    assert ("reflection", gone.id.hex) not in rows
    school = world.hub_school()
    assert (school.last_seq_from, school.last_seq) == (second.seq_from, second.seq_to)


def test_analytics_bundle_has_no_name_login_or_free_text(world):
    result = world.export("analytics")
    manifest, lines, text = decrypt_lines(result.path, world.hub_keys.identities)
    assert manifest["scope"] == "analytics" and len(lines) == result.rows > 100
    plain = text.decode()
    with world.at_school():
        secrets_found = []
        for user in User.select():
            for value in (user.full_name, user.last_name, user.first_name, user.login, user.id.hex):
                if value and len(value) > 3 and value in plain:
                    secrets_found.append(value)
        from appliance.models.portfolio import FREE_TEXT_FIELDS

        models = {"achievement": Achievement, "reflection": Reflection}
        for table, fields in FREE_TEXT_FIELDS.items():
            if table not in models:
                continue
            for row in models[table].select():
                for name in fields:
                    value = getattr(row, name)
                    if isinstance(value, str) and len(value) > 3 and value in plain:
                        secrets_found.append(value)
        for link in ParentLink.select().where(ParentLink.consent_by.is_null(False)):
            assert link.consent_by not in plain
    assert secrets_found == []
    tables = Counter(line["t"] for line in lines)
    assert tables["achievement"] > 0 and tables["user"] > 0 and "parent_link" not in tables
    assert "reflection" not in tables
    # Ids are keyed hashes, stable across bundles so the hub can join rows.
    with world.at_school():
        student = User.get(User.login == "student1")
        secret = keys.pseudonym_secret(world.school_settings.keys_dir)
    pseudonym = keys.pseudonym(secret, student.id.hex)
    users = [line for line in lines if line["t"] == "user" and line["op"] == "upsert"]
    assert any(line["id"] == pseudonym for line in users)
    assert all(set(line["row"]) <= {"id", "created_at", "updated_at", "school_id", "role", "active"} for line in users)
    assert any(line["t"] == "achievement" and line.get("row", {}).get("student_id") == pseudonym for line in lines)


def test_students_without_consent_are_left_out_of_both_scopes(world):
    with world.at_school():
        secret = keys.pseudonym_secret(world.school_settings.keys_dir)
        consenting = _consenting_students()
        students = {u.id.hex: u for u in User.select().where(User.role == "student")}
        refused = [h for h in students if h not in consenting]
        refused_achievements = [a.id.hex for a in Achievement.select() if a.student_id.hex in refused]
    assert refused and refused_achievements
    for scope in ("full", "analytics"):
        _, lines, text = decrypt_lines(world.export(scope).path, world.hub_keys.identities)
        upserted = {(line["t"], line["id"]) for line in lines if line["op"] == "upsert"}
        for user_id in refused:
            shown = user_id if scope == "full" else keys.pseudonym(secret, user_id)
            assert ("user", shown) not in upserted
            assert students[user_id].full_name.encode() not in text
        for achievement_id in refused_achievements:
            shown = achievement_id if scope == "full" else keys.pseudonym(secret, achievement_id)
            assert ("achievement", shown) not in upserted


def test_consent_given_later_sends_everything_of_that_student(world):
    world.accept(world.import_file(world.export("analytics").path))
    with world.at_school():
        from appliance.services import consent

        secret = keys.pseudonym_secret(world.school_settings.keys_dir)
        link = (ParentLink.select().join(User, on=(ParentLink.student == User.id))
                .where(ParentLink.consent_given_at.is_null()
                       & User.id.in_(Achievement.select(Achievement.student))).first())
        student = link.student
        achievements = {a.id.hex for a in Achievement.select().where(Achievement.student == student)}
        consent.give(link.parent, student)
    result = world.export("analytics")
    outcome = world.import_file(result.path)
    assert outcome.status == "applied"
    rows = world.hub_rows()
    assert ("user", keys.pseudonym(secret, student.id.hex)) in rows
    assert {("achievement", keys.pseudonym(secret, a)) for a in achievements} <= set(rows)

    # Withdrawn: the next bundle carries tombstones, and the hub forgets the student.
    world.accept(outcome)
    with world.at_school():
        consent.withdraw(link.parent, student)
        Achievement.update(in_document=False).where(Achievement.student == student).execute()
        User.update(active=True).where(User.id == student.id).execute()
    world.import_file(world.export("analytics").path)
    rows = world.hub_rows()
    assert ("user", keys.pseudonym(secret, student.id.hex)) not in rows
    assert not {("achievement", keys.pseudonym(secret, a)) for a in achievements} & set(rows)


def test_hub_indicators_match_the_school(world):
    outcome = world.import_file(world.export("analytics").path)
    assert outcome.status == "applied"
    with world.at_school():
        consenting = _consenting_students()
        levels = {e.id: e for e in CatalogEntry.select()}
        confirmed = [a for a in Achievement.select().where(Achievement.status == "confirmed")
                     if a.student_id.hex in consenting]
        by_level = Counter(levels[a.level_id].name for a in confirmed if a.level_id)
        winners = {a.student_id for a in confirmed if a.result_id and levels[a.result_id].rank >= 4}
        students = User.select().where(User.role == "student").count()
    indicators = json.loads(world.hub_school().indicators)
    assert indicators["achievements"] == len(confirmed) > 0
    assert indicators["by_level"] == dict(by_level)
    assert indicators["winners"] == len(winners)
    assert 0 < indicators["students"] == len(consenting) < students


def test_restored_appliance_continues_with_a_complete_snapshot(world):
    world.accept(world.import_file(world.export("full").path))
    with world.at_school():
        student = User.get(User.login == "student1")
        lost = Achievement.create(student=student, title="Сделано после резервной копии", date="2026-10-01",
                                  status="confirmed")
    world.import_file(world.export("full").path)
    assert ("achievement", lost.id.hex) in world.hub_rows()
    # The appliance is restored from a backup made before `lost`: the row is gone, the instance is new.
    with world.at_school():
        Achievement.delete().where(Achievement.id == lost.id).execute()
        world.school_db.execute_sql("DELETE FROM sync_change WHERE row_id = ?", (lost.id.hex,))
        new_instance_id()
    result = world.export("full")
    assert result.seq_from == 0 and result.manifest["base"]
    outcome = world.import_file(result.path)
    assert outcome.status == "applied", outcome.message
    rows = world.hub_rows()
    assert ("achievement", lost.id.hex) not in rows
    assert ("user", student.id.hex) in rows
    assert world.hub_school().instance_id == result.manifest["instance_id"]


def test_receipt_of_the_database_before_a_restore_acknowledges_nothing(world):
    first = world.export("full")
    outcome = world.import_file(first.path)
    with world.at_school():
        new_instance_id()
    world.accept(outcome)
    with world.at_school():
        assert sync_state.acknowledged() == ("", 0)
    assert world.export("full").manifest["base"]
