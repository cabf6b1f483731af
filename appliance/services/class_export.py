"""The class's graduation documents as one ZIP, built in the background with progress.

A PDF takes about a second a student, so a class of thirty would hold a phone's request for half
a minute. Instead the class teacher starts a build, watches its progress on a page (reloaded with a
plain link, no JavaScript; an automatic refresh would fail WCAG 2.2.1), and downloads the ZIP when
it is ready.

Everything lives on the disk, so every server process sees the same build:
`state/class-documents/<class id>/` holds `status.json` (written whole, `write_atomic`), the
`building.lock` that allows one build per class at a time (created with O_EXCL, so two processes
cannot both take it), and `documents.zip` (put in place whole, `AtomicFile`). A build whose
heartbeat stopped (the process was killed) is reported as interrupted and may be started again;
a finished ZIP is removed `KEEP_HOURS` after it was made (when anyone looks, and by the
housekeeping job), because it holds every pupil's portfolio.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import shutil
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from appliance.config import Settings
from appliance.db import database
from appliance.documents.portfolio_pdf import render_portfolio
from appliance.files import AtomicFile, write_atomic
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.people import ClassGroup, User
from appliance.services import audit
from appliance.services import school as school_service
from appliance.services.errors import NotFound

log = logging.getLogger("okey.class_export")

KEEP_HOURS = 24  # a ready ZIP is removed this long after it was made
STALE_MINUTES = 10  # a build with no progress for this long was interrupted
BUILDING, READY, FAILED = "building", "ready", "failed"
_DIR = "class-documents"
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Build:
    state: str  # building | ready | failed
    done: int
    total: int
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    by: str  # the login of who started it
    error: str = ""
    size: int = 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)

    def expires_at(self) -> datetime.datetime | None:
        return self.finished_at + datetime.timedelta(hours=KEEP_HOURS) if self.finished_at else None


def seconds_left(build: Build, now: datetime.datetime | None = None) -> int | None:
    """How long the running build will take still, from its pace so far; None before the first PDF."""
    if build.state != BUILDING or not build.done or build.done >= build.total:
        return None
    spent = ((now or utcnow()) - build.started_at).total_seconds()
    return max(1, round(spent / build.done * (build.total - build.done)))


def _root(settings: Settings) -> Path:
    return settings.state_dir / _DIR


def _folder(settings: Settings, group: ClassGroup) -> Path:
    return _root(settings) / group.id.hex


def zip_path(settings: Settings, group: ClassGroup) -> Path:
    return _folder(settings, group) / "documents.zip"


def file_name(group: ClassGroup) -> str:
    return f"portfolio-{group.name}.zip"


def _time(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _write(folder: Path, build: Build, heartbeat: datetime.datetime | None = None) -> None:
    data = {"state": build.state, "done": build.done, "total": build.total, "by": build.by, "error": build.error,
            "size": build.size, "started_at": build.started_at.isoformat(),
            "finished_at": build.finished_at.isoformat() if build.finished_at else None,
            "heartbeat": (heartbeat or utcnow()).isoformat()}
    write_atomic(folder / "status.json", json.dumps(data))


def _read(folder: Path) -> tuple[Build, datetime.datetime] | None:
    try:
        data = json.loads((folder / "status.json").read_text(encoding="utf-8"))
        build = Build(data["state"], int(data["done"]), int(data["total"]), _time(data["started_at"]),
                      _time(data.get("finished_at")), str(data.get("by", "")), str(data.get("error", "")),
                      int(data.get("size", 0)))
        return build, _time(data["heartbeat"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _expired(build: Build, now: datetime.datetime) -> bool:
    return build.state != BUILDING and build.finished_at is not None \
        and now - build.finished_at > datetime.timedelta(hours=KEEP_HOURS)


def status(settings: Settings, group: ClassGroup, now: datetime.datetime | None = None) -> Build | None:
    """The class's build as every process sees it, or None (never built, or removed after its time)."""
    now = now or utcnow()
    folder = _folder(settings, group)
    found = _read(folder)
    if found is None:
        return None
    build, heartbeat = found
    if _expired(build, now):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    if build.state == BUILDING and now - heartbeat > datetime.timedelta(minutes=STALE_MINUTES):
        build.state, build.error = FAILED, N_("Сборка прервалась (сервер перезапускался). Запустите её снова.")
    if build.state == READY and not zip_path(settings, group).is_file():
        return None
    return build


def start(settings: Settings, group: ClassGroup, by: User, background: bool = True,
          address: str = "") -> Build:
    """Start building the class's ZIP, unless a build of this class is running (then that one is
    returned: one build per class at a time). `background=False` builds in this thread (the CLI,
    tests)."""
    folder = _folder(settings, group)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / "building.lock"
    current = status(settings, group)
    if current is not None and current.state == BUILDING:
        return current
    if current is not None and current.state == FAILED:
        lock.unlink(missing_ok=True)  # an interrupted build left its lock behind
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        # Another process took the lock a moment ago: its status is (or is about to be) there.
        return status(settings, group) or Build(BUILDING, 0, 0, utcnow(), None, by.login)
    os.close(fd)
    students = school_service.students_of(group)
    build = Build(BUILDING, 0, len(students), utcnow(), None, by.login)
    _write(folder, build)
    audit.record("export", user=by, address=address, detail=f"class documents {group.name} started")
    if background:
        threading.Thread(target=_run, args=(settings, group.id, [s.id for s in students], build),
                         name=f"class-documents-{group.name}", daemon=True).start()
    else:
        _build(settings, group, [s.id for s in students], build)
    return build


def _run(settings: Settings, group_id, student_ids: list, build: Build) -> None:
    try:
        with database.connection_context():
            _build(settings, ClassGroup.get_by_id(group_id), student_ids, build)
    except Exception:  # the status says so; the log has the details
        log.exception("class documents build failed")


def _build(settings: Settings, group: ClassGroup, student_ids: list, build: Build) -> None:
    folder = _folder(settings, group)
    try:
        with AtomicFile(zip_path(settings, group), hashed=False) as out:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for student_id in student_ids:
                    student = User.get_or_none(User.id == student_id)
                    if student is not None:  # deleted meanwhile: left out
                        archive.writestr(_entry(group, student), render_portfolio(student))
                    build.done += 1
                    _write(folder, build)
            out.commit()
        build.state, build.finished_at = READY, utcnow()
        build.size = zip_path(settings, group).stat().st_size
        _write(folder, build)
    except Exception:
        build.state, build.finished_at = FAILED, utcnow()
        build.error = N_("Не удалось собрать документы. Попробуйте ещё раз; если не выйдет — сообщите администратору.")
        _write(folder, build)
        raise
    finally:
        (folder / "building.lock").unlink(missing_ok=True)


def _entry(group: ClassGroup, student: User) -> str:
    name = re.sub(r"[^\w.-]+", "_", f"{group.name}_{student.last_name}_{student.first_name}").strip("_")[:80]
    return f"{name}_{student.login}.pdf"


def ready_file(settings: Settings, group: ClassGroup) -> Path:
    """The finished ZIP, or NotFound (404) while there is none."""
    build = status(settings, group)
    if build is None or build.state != READY:
        raise NotFound(N_("Архив документов класса ещё не собран или уже удалён: соберите его заново."))
    return zip_path(settings, group)


def prune(settings: Settings, now: datetime.datetime | None = None) -> int:
    """Remove the finished builds older than KEEP_HOURS (the housekeeping job). Returns how many."""
    now = now or utcnow()
    root = _root(settings)
    removed = 0
    if not root.is_dir():
        return 0
    for folder in root.iterdir():
        if not (folder.is_dir() and _ID.match(folder.name)):
            continue
        found = _read(folder)
        if found is None or _expired(found[0], now):
            if found is None and (folder / "building.lock").exists():
                continue  # a build that is just starting
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
