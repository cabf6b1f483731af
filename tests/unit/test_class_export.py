"""The class teacher's ZIP of the class's PDFs, built in the background: progress every process can
read, one build per class at a time, an interrupted build reported and restartable, the file
removed after its time."""

from __future__ import annotations

import datetime
import io
import json
import time
import zipfile

import pytest

from appliance.models.people import Student, User
from appliance.services import class_export
from appliance.services import school as school_service
from appliance.services.errors import NotFound


def _class(size: int = 2):
    school = school_service.ensure_school("Школа", "s1")
    group = school_service.get_or_create_class(school, "9В")
    teacher = User.create(school=school, role="teacher", login="t1", full_name="Учитель Анна",
                          last_name="Учитель", first_name="Анна")
    school_service.assign_teacher(teacher, group, class_teacher=True)
    for index in range(size):
        user = User.create(school=school, role="student", login=f"s{index}", full_name=f"Ученик{index} Иван",
                           last_name=f"Ученик{index}", first_name="Иван")
        Student.create(user=user, class_group=group)
    return group, teacher


def _wait(settings, group, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        build = class_export.status(settings, group)
        if build is not None and build.state != class_export.BUILDING:
            return build
        time.sleep(0.2)
    raise AssertionError("the build did not finish")


def test_a_build_makes_one_pdf_a_student_and_says_how_far_it_got(db, settings):
    group, teacher = _class(3)
    assert class_export.status(settings, group) is None
    with pytest.raises(NotFound):
        class_export.ready_file(settings, group)
    build = class_export.start(settings, group, teacher, background=False)
    assert (build.state, build.done, build.total, build.percent) == ("ready", 3, 3, 100)
    seen = class_export.status(settings, group)
    assert seen.state == "ready" and seen.by == "t1" and seen.size > 0 and seen.finished_at is not None
    names = zipfile.ZipFile(io.BytesIO(class_export.ready_file(settings, group).read_bytes())).namelist()
    assert sorted(names) == [f"9В_Ученик{i}_Иван_s{i}.pdf" for i in range(3)]
    assert not (settings.state_dir / "class-documents" / group.id.hex / "building.lock").exists()


def test_one_build_per_class_at_a_time(db, settings):
    group, teacher = _class(6)
    first = class_export.start(settings, group, teacher)  # a real background thread
    again = class_export.start(settings, group, teacher)  # a second tap, another tab
    assert again.state == "building" and again.started_at == first.started_at and again.total == 6
    done = _wait(settings, group)
    assert done.state == "ready" and done.done == 6
    # Once it is ready, a new build may start (the pupils' portfolios may have changed).
    assert class_export.start(settings, group, teacher, background=False).state == "ready"


def test_a_build_whose_process_died_is_reported_and_can_be_started_again(db, settings):
    group, teacher = _class(1)
    class_export.start(settings, group, teacher, background=False)
    folder = settings.state_dir / "class-documents" / group.id.hex
    # What a killed process leaves: the lock, and a status that stopped moving 11 minutes ago.
    status = json.loads((folder / "status.json").read_text())
    old = (datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(minutes=11)).isoformat()
    status.update(state="building", done=0, finished_at=None, heartbeat=old)
    (folder / "status.json").write_text(json.dumps(status))
    (folder / "building.lock").touch()
    seen = class_export.status(settings, group)
    assert seen.state == "failed" and "прервалась" in seen.error
    assert class_export.start(settings, group, teacher, background=False).state == "ready"


def test_the_zip_is_removed_after_its_time(db, settings):
    group, teacher = _class(1)
    class_export.start(settings, group, teacher, background=False)
    folder = settings.state_dir / "class-documents" / group.id.hex
    later = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
        hours=class_export.KEEP_HOURS - 1)
    assert class_export.prune(settings, now=later) == 0 and folder.is_dir()
    much_later = later + datetime.timedelta(hours=2)
    assert class_export.prune(settings, now=much_later) == 1
    assert not folder.exists()
    with pytest.raises(NotFound):
        class_export.ready_file(settings, group)
    # Looking at the page after the time removes it too (no housekeeping run needed).
    class_export.start(settings, group, teacher, background=False)
    assert class_export.status(settings, group, now=much_later + datetime.timedelta(hours=1)) is None
    assert not folder.exists()


def test_the_time_left_follows_the_pace_so_far():
    start = datetime.datetime(2026, 11, 30, 10, 0, 0)
    build = class_export.Build("building", 5, 25, start, None, "t1")
    assert class_export.seconds_left(build, now=start + datetime.timedelta(seconds=10)) == 40
    assert class_export.seconds_left(class_export.Build("building", 0, 25, start, None, "t1"), now=start) is None
    assert class_export.seconds_left(class_export.Build("ready", 25, 25, start, start, "t1"), now=start) is None
