"""The access-control matrix, generated from the Flask URL map: every endpoint, called by
everyone who must not get it — anonymous, another student, the parent of another child, a
teacher of another class, the administrator of another school — on objects that are not
theirs, must be refused, and a refused POST must change nothing.

New blueprints are picked up by themselves. A URL argument the test does not know fails the
test until it is declared below: OBJECTS says which object an argument names (the victim's
one is made or found in `_victim_objects`), VALUES gives arguments that name no object.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from dataclasses import dataclass

import pytest

from appliance.db import database
from appliance.models.changes import SyncChange
from appliance.models.people import ClassGroup, ParentLink, Student, TeacherAssignment, User
from appliance.services import accounts
from appliance.services import school as school_service
from tests.conftest import csrf_token, data_dir_settings, login, open_migrated

PASSWORD = "matrix-pass-2026"

# URL argument → the kind of object it names. The victim is student1 of 7Б in the demo school.
OBJECTS = {
    "student_id": "student", "user_id": "student", "class_id": "class", "achievement_id": "achievement",
    "evidence_id": "evidence", "hobby_id": "hobby", "reflection_id": "reflection", "goal_id": "goal",
    "milestone_id": "milestone", "task_id": "task", "attempt_id": "attempt", "survey_id": "survey",
    "event_id": "event", "org_id": "organisation", "trial_id": "trial", "session_id": "trial_session",
    "enrolment_id": "trial_enrolment", "programme_id": "programme", "programme_enrolment_id": "programme_enrolment",
    "volunteer_id": "volunteer_record", "idea_id": "idea", "comment_id": "idea_comment", "note_id": "notification",
    "news_id": "news",
    "parent_id": "parent",
    "alumnus_id": "alumnus", "meeting_id": "alumni_meeting",
    "pair_id": "mentoring_pair", "mentoring_meeting_id": "mentoring_meeting", "request_id": "mentoring_request",
    "mentor_id": "mentor_profile", "mentoring_group_id": "mentoring_group",
    "mentoring_milestone_id": "mentoring_milestone",
}
# Arguments that name no object: any well-formed value does (the role decides).
VALUES = {"code": "riasec", "name": "levels", "kind": "levels", "fmt": "csv", "question_id": "q1", "encoding": "utf-8",
          "filename": "css/okey.css", "token": "x" * 43}
# Objects some attackers may rightly reach: a school-wide survey is answered by every student
# and parent of the school (the victim's survey is anonymous: its answers are the administration's
# alone, no teacher reads them).
# The catalogues of profession trials (with their sessions) and of programmes are the school's
# offer to every student.
# Pupils' ideas are on the school's board for its pupils and teachers (what each may do with one is
# the service's rule: only the author edits, only the council reviews, only the adviser finishes).
# A media-team pupil's news note waiting for approval is for its author and every teacher of the
# school, who approve, return or fix it (the victim's note waits: other pupils and parents are refused).
# A member of the alumni club is in the school's directory for its pupils, graduates and teachers
# (showing only what they chose; contacts to staff alone — the service's rule, tested apart).
SHARED_WITH = {"survey": {"student", "parent"}, "trial": {"student"}, "trial_session": {"student"},
               "programme": {"student"}, "idea": {"student", "teacher"}, "news": {"teacher"},
               "alumnus": {"student", "teacher"}}
# Objects some attackers may read but not change: every teacher sees the school calendar, but an
# event is changed only by its author, the administration or the class teachers of its classes.
# Reading is a GET of a route that takes nothing else (an edit form, GET and POST, is changing).
READABLE_BY = {"event": {"teacher"}}
# Open to everyone by design: logging in, activation by code, the health check, static files,
# the choice of language, and the iCalendar feed (its secret token is the key; a wrong one → 404).
# The Atom feed of the school's published news is for the school's own site (a published note's
# photo opens for anyone too; an unpublished one's is in the matrix below and refused).
PUBLIC = {"auth.login", "auth.activate", "auth.language", "health.healthz", "static", "news.feed"}
# Ending or changing the attacker's own session is not an attack on someone else.
OWN_SESSION = {"auth.logout", "auth.change_password", "auth.login", "auth.activate", "auth.language"}
# A graduate (read-only, a member of the alumni club) is an account of the student role too.
# other_mentor: a mentor from outside the school (a limited account) with a pair of their own, not the victim's.
# graduate_mentor: a graduate in the register who mentors another pupil with their alumni account (and may
# write in their own pair, not the victim's).
ATTACKERS = ("anonymous", "other_student", "other_parent", "other_teacher", "other_admin", "other_graduate",
             "other_mentor", "graduate_mentor")
ROLE_OF = {"other_student": "student", "other_parent": "parent", "other_teacher": "teacher",
           "other_admin": "admin", "other_graduate": "student", "other_mentor": "mentor",
           "graduate_mentor": "student"}


@dataclass
class World:
    app: object
    logins: dict[str, str]  # who → login
    objects: dict[str, str]  # kind → id (hex)


def _set_password(user: User) -> str:
    accounts.set_password(user, PASSWORD)
    return user.login


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from appliance.services.demo import create_demo_school
    from webui import create_app

    settings = data_dir_settings(tmp_path_factory.mktemp("matrix") / "data")
    open_migrated(settings)
    create_demo_school(PASSWORD)
    victim = User.get(User.login == "student1")
    victim_class = school_service.class_of(victim)
    other_class = ClassGroup.get((ClassGroup.school == victim.school) & (ClassGroup.id != victim_class.id))
    other_student = (User.select().join(Student, on=(Student.user == User.id))
                     .where(Student.class_group == other_class).first())
    other_parent = (User.select().join(ParentLink, on=(ParentLink.parent == User.id))
                    .where(ParentLink.student == other_student).first())
    teaching_victim = TeacherAssignment.select(TeacherAssignment.teacher).where(
        TeacherAssignment.class_group == victim_class)
    other_teacher = User.select().where((User.role == "teacher") & (User.id.not_in(teaching_victim))).first()
    insider_teacher = school_service.class_teachers(victim_class)[0]
    insider_parent = school_service.parents_of(victim)[0][0]
    other_school = school_service.ensure_school("Школа № 2", "other-school")
    other_admin = User.create(school=other_school, role="admin", login="admin2", full_name="Другая Админ Школы",
                              last_name="Другая", first_name="Админ")
    from appliance.models.alumni import AlumniProfile

    other_graduate = AlumniProfile.get(AlumniProfile.alumnus != User.get(User.login == "alumnus1")).alumnus
    other_mentor = _outside_mentor(victim, other_student)
    graduate_mentor = _graduate_mentor(victim, other_student, other_graduate)
    logins = {"other_graduate": _set_password(other_graduate), "other_mentor": _set_password(other_mentor),
              "graduate_mentor": _set_password(graduate_mentor),
              "other_student": _set_password(other_student), "other_parent": _set_password(other_parent),
              "other_teacher": _set_password(other_teacher), "other_admin": _set_password(other_admin),
              "victim": _set_password(victim), "insider_parent": _set_password(insider_parent),
              "insider_teacher": _set_password(insider_teacher),
              "insider_admin": _set_password(User.get((User.role == "admin") & (User.school == victim.school)))}
    objects = _victim_objects(settings, victim, victim_class)
    app = create_app(settings, testing=True)
    yield World(app, logins, objects)
    database.close()


def _victim_objects(settings, victim: User, victim_class: ClassGroup) -> dict[str, str]:
    """The victim's own objects: found in the demo data, or made when the demo has none."""
    from appliance.models.calendar import Event, EventClass, Notification
    from appliance.models.guidance import Attempt
    from appliance.models.portfolio import Achievement, Evidence, Hobby, Reflection
    from appliance.models.surveys import Survey
    from appliance.models.trajectory import Goal, Milestone, Task
    from appliance.services import uploads

    today = datetime.date.today()
    achievement = (Achievement.select().where((Achievement.student == victim) & (Achievement.status == "submitted"))
                   .first() or Achievement.create(student=victim, title="Олимпиада", date=today, status="submitted"))
    # A photographed diploma with its preview, so that both the file and the preview open.
    data = _jpeg()
    sha = hashlib.sha256(data).hexdigest()
    for path in (uploads.file_path(settings, sha), uploads.preview_path(settings, sha)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    evidence = Evidence.create(achievement=achievement, sha256=sha, original_name="diploma.jpg", mime="image/jpeg",
                               size=len(data), width=40, height=30, has_preview=True)
    goal = Goal.select().where(Goal.student == victim).first() or Goal.create(
        student=victim, title="Подготовиться к олимпиаде", deadline=today)
    milestone = Milestone.select().where(Milestone.goal == goal).first() or Milestone.create(
        goal=goal, title="Решить задачи прошлых лет", due_on=today)
    event = Event.create(school=victim.school, title="Классный час 7Б", level="school", starts_on=today,
                         ends_on=today, audience="classes", uid=f"{uuid.uuid4()}@matrix")
    EventClass.create(event=event, class_group=victim_class)
    found = {
        "student": victim, "class": victim_class, "achievement": achievement, "evidence": evidence, "goal": goal,
        "milestone": milestone, "event": event,
        "hobby": Hobby.select().where(Hobby.student == victim).first() or Hobby.create(student=victim, title="Шахматы"),
        "reflection": Reflection.select().where(Reflection.student == victim).first()
        or Reflection.create(student=victim, prompt_set="after"),
        "task": Task.select().where(Task.student == victim).first() or Task.create(student=victim, title="Записаться"),
        "attempt": Attempt.select().where(Attempt.student == victim).first()
        or Attempt.create(student=victim, questionnaire="riasec", answers="{}", scores="{}", shared=True),
        "survey": Survey.select().where((Survey.school == victim.school) & Survey.anonymous).first()
        or Survey.create(school=victim.school, questionnaire="satisfaction", title="Опрос", opens_on=today,
                         closes_on=today, anonymous=True),
    }
    found["parent"] = school_service.parents_of(victim)[0][0]  # the victim's mother (the insider parent)
    found.update(_trial_objects(victim, victim_class, today))
    found.update(_community_objects(victim, today))
    found["news"] = _news_object(settings, victim, data)
    found.update(_alumni_objects(victim))
    found.update(_mentoring_objects(victim, victim_class, today))
    found["notification"] = Notification.create(user=victim, kind="achievement_confirmed", title="Достижение подтверждено",
                                                body="«Олимпиада»", link=f"achievement:{achievement.id.hex}")
    return {kind: row.id.hex for kind, row in found.items()}


def _trial_objects(victim: User, victim_class: ClassGroup, today: datetime.date) -> dict:
    """The victim's off-site trial (awaiting a parent's consent) and their programme, run by a
    teacher of their class."""
    from appliance.models.programmes import Programme, ProgrammeEnrolment
    from appliance.models.trials import Organisation, ProfessionTrial, TrialEnrolment, TrialSession

    org = Organisation.create(school=victim.school, name="Завод", kind="enterprise")
    trial = ProfessionTrial.create(school=victim.school, organisation=org, title="Сварщик", field="engineering",
                                   off_site=True, school_year=today.year)
    session = TrialSession.create(trial=trial, starts_on=today + datetime.timedelta(days=9),
                                  ends_on=today + datetime.timedelta(days=9), capacity=5)
    enrolment = TrialEnrolment.create(session=session, student=victim, school_year=today.year, class_name="7Б",
                                      grade=7, status="consent")
    programme = Programme.create(school=victim.school, title="Кружок", kind="club", school_year=today.year,
                                 teacher=school_service.class_teachers(victim_class)[0])
    joined = ProgrammeEnrolment.create(programme=programme, student=victim, status="requested",
                                       from_year=today.year)
    return {"organisation": org, "trial": trial, "trial_session": session, "trial_enrolment": enrolment,
            "programme": programme, "programme_enrolment": joined}


def _community_objects(victim: User, today: datetime.date) -> dict:
    """The victim's volunteer hours waiting for confirmation, their idea and their comment on it."""
    from appliance.models.community import Idea, IdeaComment, VolunteerRecord

    record = VolunteerRecord.create(student=victim, day=today, place="Приют", what="Гуляли с собаками", hours=2,
                                    school_year=today.year, class_name="7Б")
    idea = Idea.create(school=victim.school, author=victim, title="Скамейки во дворе", problem="Негде сесть",
                       idea="Поставить скамейки", school_year=today.year, class_name="7Б")
    said = IdeaComment.create(idea=idea, author=victim, text="Я сам покрашу")
    return {"volunteer_record": record, "idea": idea, "idea_comment": said}


def _news_object(settings, victim: User, photo: bytes):
    """The victim, a pupil of the media team, wrote a note with a photo that waits for approval."""
    from appliance.models.community import MEDIA, CommunityRole
    from appliance.models.news import PENDING, News
    from appliance.services import uploads

    CommunityRole.get_or_create(school=victim.school, user=victim, role=MEDIA)
    sha = hashlib.sha256(photo).hexdigest()
    for path in (uploads.news_photo_path(settings, sha), uploads.news_preview_path(settings, sha)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(photo)
    return News.create(school=victim.school, author=victim, title="Репортаж 7Б", text="Черновик", status=PENDING,
                       photo_sha256=sha, photo_mime="image/jpeg", photo_width=40, photo_height=30)


def _alumni_objects(victim: User) -> dict:
    """A member of the alumni club (in the directory) and the victim's request to meet them."""
    from appliance.models.alumni import AlumniMeeting, AlumniProfile

    alumnus = User.get(User.login == "alumnus1")
    meeting = AlumniMeeting.get((AlumniMeeting.student == victim) & (AlumniMeeting.alumnus == alumnus))
    assert AlumniProfile.get_or_none(AlumniProfile.alumnus == alumnus) is not None
    return {"alumnus": alumnus, "alumni_meeting": meeting}


def _outside_mentor(victim: User, other_student: User) -> User:
    """A university student mentoring another pupil: their own pair, nothing of the victim's."""
    from appliance.services import mentoring

    coordinator = User.get((User.role == "admin") & (User.school == victim.school))
    made = mentoring.add_outside_mentor(coordinator, {"last_name": "Чужой", "first_name": "Наставник",
                                                      "kind": "university", "offer": "Физика", "capacity": "3"})
    mentoring.form_pair(coordinator, {"form": "university_student", "mentor": made.profile.id.hex,
                                      "mentee_login": other_student.login, "title": "Своя пара", "goals": "Цель",
                                      "meetings_planned": "2"}, datetime.date.today())
    return made.profile.user


def _graduate_mentor(victim: User, other_student: User, other_graduate: User) -> User:
    """A graduate who offered to mentor in the alumni club, in the register with their own alumni
    account, mentoring another pupil: their own pair, nothing of the victim's."""
    from appliance.models.alumni import AlumniProfile
    from appliance.services import mentoring

    graduate = AlumniProfile.get(AlumniProfile.alumnus.not_in(
        [User.get(User.login == "alumnus1"), other_graduate])).alumnus
    AlumniProfile.update(help_mentoring=True).where(AlumniProfile.alumnus == graduate).execute()
    coordinator = User.get((User.role == "admin") & (User.school == victim.school))
    profile = mentoring.add_mentor(coordinator, {"user": graduate.id.hex, "offer": "Биология", "capacity": "3"})
    assert profile.kind == "alumnus"
    mentoring.form_pair(coordinator, {"form": "employer_student", "mentor": profile.id.hex,
                                      "mentee_login": other_student.login, "title": "Своя пара выпускника",
                                      "goals": "Цель", "meetings_planned": "2"}, datetime.date.today())
    return graduate


def _mentoring_objects(victim: User, victim_class: ClassGroup, today: datetime.date) -> dict:
    """The victim's mentoring pair (their mentor teaches their class; the class teacher coordinates),
    a meeting of it, the victim's open request, and their mentor's line in the register."""
    from appliance.models.mentoring import MentoringMeeting, MentoringPair, MentoringRequest, MentorProfile
    from appliance.services import mentoring

    pair = MentoringPair.select().where(MentoringPair.mentee == victim).first()
    if pair is None:
        teacher = school_service.class_teachers(victim_class)[0]
        profile = MentorProfile.create(school=victim.school, user=teacher, kind="teacher", offer="Физика", capacity=3)
        pair = MentoringPair.create(school=victim.school, form="teacher_student", mentor=teacher, mentee=victim,
                                    title="Физика", goals="Олимпиада", meetings_planned=4, starts_on=today,
                                    school_year=today.year)
    meeting = MentoringMeeting.create(pair=pair, day=today, topic="Встреча")
    request = mentoring.my_open_request(victim) or MentoringRequest.create(
        school=victim.school, mentee=victim, needs="profession", request="Хочу наставника")
    profile = MentorProfile.get(MentorProfile.user == pair.mentor)
    # The victim's small group (with a classmate), led by the same mentor, and a milestone of the
    # victim's trajectory goal set in their pair.
    from appliance.models.mentoring import MentoringGroup
    from appliance.models.trajectory import Goal, Milestone

    group = MentoringGroup.create(school=victim.school, form="teacher_student", mentor=pair.mentor, title="Кружок",
                                  goals="Проект", meetings_planned=4, starts_on=today, school_year=today.year)
    classmate = next(p for p in school_service.students_of(victim_class) if p.id != victim.id)
    for mentee in (victim, classmate):
        MentoringPair.create(school=victim.school, form="teacher_student", mentor=pair.mentor, mentee=mentee,
                             title="Кружок", meetings_planned=4, starts_on=today, school_year=today.year, group=group)
    goal = Goal.select().where(Goal.mentoring_pair == pair).first() or Goal.create(
        student=victim, title="Доклад", deadline=today, origin="mentoring", mentoring_pair=pair)
    milestone = Milestone.select().where(Milestone.goal == goal).first() or Milestone.create(
        goal=goal, title="Тема", due_on=today)
    return {"mentoring_pair": pair, "mentoring_meeting": meeting, "mentoring_request": request,
            "mentor_profile": profile, "mentoring_group": group, "mentoring_milestone": milestone}


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 120)).save(out, "JPEG")
    return out.getvalue()


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        unknown = [arg for arg in rule.arguments if arg not in OBJECTS and arg not in VALUES]
        assert not unknown, (f"{rule.rule}: declare what {unknown} names in OBJECTS or VALUES of "
                             f"{__name__} so the access matrix can test it")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, objects: dict[str, str]) -> str:
    return rule.build({arg: objects[OBJECTS[arg]] if arg in OBJECTS else VALUES[arg] for arg in rule.arguments},
                      append_unknown=False)[1]


def _client(world: World, who: str):
    client = world.app.test_client()
    if who != "anonymous":
        login(client, world.logins[who], PASSWORD)
    return client


def _refused(who: str, response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return who == "anonymous" and response.status_code == 302 and "/login" in response.headers.get("Location", "")


def _last_change() -> int:
    return SyncChange.select(SyncChange.seq).order_by(SyncChange.seq.desc()).scalar() or 0


@pytest.mark.parametrize("who", ATTACKERS)
def test_everyone_else_is_refused_everywhere(world, who):
    client = _client(world, who)
    token = csrf_token(client, "/login") if who == "anonymous" else None
    failures, checked = [], 0
    for rule, method in _rules(world.app):
        if rule.endpoint in PUBLIC or rule.endpoint in OWN_SESSION:
            continue
        kinds = {OBJECTS[arg] for arg in rule.arguments if arg in OBJECTS}
        role = ROLE_OF.get(who)
        view = world.app.view_functions[rule.endpoint]
        allowed_roles = getattr(view, "roles", None)
        if not kinds and "token" not in rule.arguments and role is not None and (
                allowed_roles is None or role in allowed_roles):
            continue  # the attacker's own page (no object of anyone else in it)
        if role is not None and kinds and all(role in SHARED_WITH.get(kind, ()) for kind in kinds) and (
                allowed_roles is None or role in allowed_roles) and who != "other_admin":
            continue  # an object shared with this role by design
        if role is not None and kinds and not (rule.methods - {"GET", "HEAD", "OPTIONS"}) and all(
                role in READABLE_BY.get(kind, ()) for kind in kinds) and (
                allowed_roles is None or role in allowed_roles) and who != "other_admin":
            continue  # an object this role may read by design
        url = _url(rule, world.objects)
        before = _last_change()
        if method == "GET":
            response = client.get(url)
        else:
            if token is None:
                token = csrf_token(client, "/password")
            response = client.open(url, method=method, data={"csrf_token": token})
        checked += 1
        if not _refused(who, response):
            failures.append(f"{method} {url} ({rule.endpoint}) → {response.status_code}")
        elif method != "GET" and _last_change() != before:
            failures.append(f"{method} {url} ({rule.endpoint}) refused with {response.status_code} but wrote")
    assert checked > 20
    assert not failures, f"{who} was let through:\n" + "\n".join(failures)


def test_the_insiders_get_in_so_the_refusals_mean_something(world):
    """Every GET with the victim's objects opens for someone entitled to it: the URLs the matrix
    builds are real ones, refused for the attackers because of who they are."""
    clients = {who: _client(world, who) for who in ("victim", "insider_parent", "insider_teacher", "insider_admin")}
    unopened, cached = [], []
    for rule, method in _rules(world.app):
        if method != "GET" or not any(arg in OBJECTS for arg in rule.arguments):
            continue
        url = _url(rule, world.objects)
        responses = {who: client.get(url) for who, client in clients.items()}
        codes = {who: response.status_code for who, response in responses.items()}
        if not any(code in (200, 302) for code in codes.values()):
            unopened.append(f"{url} ({rule.endpoint}): {codes}")
        cached += [f"{url} for {who}: {r.headers.get('Cache-Control')}" for who, r in responses.items()
                   if r.status_code == 200 and "no-store" not in r.headers.get("Cache-Control", "")]
    assert not unopened, "nobody entitled opens:\n" + "\n".join(unopened)
    assert not cached, "personal data a cache may keep:\n" + "\n".join(cached)


def test_no_page_or_download_but_static_files_is_kept_in_a_cache(world):
    """Every GET without an object (exports, feeds, pages) as each insider: `Cache-Control: no-store`."""
    clients = {who: _client(world, who) for who in ("victim", "insider_parent", "insider_teacher", "insider_admin")}
    cached, opened = [], 0
    for rule, method in _rules(world.app):
        if method != "GET" or rule.arguments - {"fmt", "kind", "name", "code"} or rule.endpoint == "static":
            continue
        url = _url(rule, world.objects)
        for who, client in clients.items():
            response = client.get(url)
            if response.status_code == 200:
                opened += 1
                if "no-store" not in response.headers.get("Cache-Control", ""):
                    cached.append(f"{url} ({response.mimetype}) for {who}: {response.headers.get('Cache-Control')}")
    assert opened > 20
    assert not cached, "personal data a cache may keep:\n" + "\n".join(cached)
