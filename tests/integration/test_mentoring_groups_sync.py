"""A small group leaves the school as counts only: the analytics bundle carries the demo's group with
its form, state and dates, and its members' pairs pointing to it by a keyed hash — never the mentor,
the members, the programme's title or goals, the notes or the reflections."""

from __future__ import annotations

from collections import Counter

from appliance.models.mentoring import MentoringGroup, MentoringMeeting, MentoringPair
from tests.sync_fixtures import decrypt_lines, world_fixture  # noqa: F401 - the fixture


def test_a_group_reaches_the_district_as_counts_without_names(world):
    result = world.export("analytics")
    _manifest, lines, text = decrypt_lines(result.path, world.hub_keys.identities)
    plain = text.decode()
    with world.at_school():
        group = MentoringGroup.get()
        members = list(MentoringPair.select().where(MentoringPair.group == group))
        secrets = {group.title, group.mentor.login, group.mentor.last_name, group.mentor.id.hex, group.id.hex,
                   *group.goal_lines}
        for pair in members:
            secrets |= {pair.mentee.login, pair.mentee.last_name, pair.mentee.full_name, pair.mentee.id.hex}
        for meeting in MentoringMeeting.select().where(MentoringMeeting.pair.in_([p.id for p in members])):
            secrets |= {value for value in (meeting.mentor_note, meeting.mentee_note, meeting.topic, meeting.place)
                        if len(value) > 3}
    assert len(members) == 3
    assert [value for value in secrets if value in plain] == []
    tables = Counter(line["t"] for line in lines)
    assert tables["mentoring_group"] == 1
    row = next(line["row"] for line in lines if line["t"] == "mentoring_group")
    assert row["form"] == "teacher_student" and row["status"] == "active"
    assert not {"mentor_id", "title", "goals", "created_by_id"} & set(row)
    hashed = {line["row"].get("group_id") for line in lines if line["t"] == "mentoring_pair"} - {None}
    assert len(hashed) == 1 and hashed == {next(line["id"] for line in lines if line["t"] == "mentoring_group")}
