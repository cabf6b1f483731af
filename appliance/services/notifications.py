"""Notifications: one list per person of everything new, with a rule per event.

Who hears of what:
- an achievement confirmed or returned → its student, and the student's parents as read-only news;
- an achievement sent for confirmation → the teacher named in it and the class teachers of the student
  (taken back to draft before review: their unread notification stops counting it);
- a comment on a goal, a reflection or a self-assessment → its owner (and the student's answer → the teacher);
- a deadline coming (goal, milestone, task, event) → the student: the reminders job writes these;
- a survey opened → everyone in its audience;
- a child's consent missing → the parent, until it is given (this one cannot be muted);
- a backup or an export to the district failing → the administrators, until one succeeds;
- a pupil's news note sent for approval → the school's teachers and administrators; approved or
  returned → its author; a note naming a pupil's achievement published → that pupil.

Several of one kind and group while unread stay one row with a count («3 achievements confirmed»),
linked to the list rather than to the latest one. Read ones are pruned after READ_KEEP_DAYS.
The core keeps what a notification opens as a LinkTarget; only the web turns it into an address.
"""

from __future__ import annotations

import datetime
import uuid

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import Event, Notification, NotificationMute
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, ParentLink, User
from appliance.models.portfolio import Achievement
from appliance.models.surveys import Survey, SurveyParticipation
from appliance.models.trajectory import Goal
from appliance.services import links
from appliance.services.errors import ServiceError
from appliance.services.links import LinkTarget
from appliance.services.lookup import get_or_404, parse_id

REMINDER = "reminder"
CONFIRMED = "achievement_confirmed"
RETURNED = "achievement_returned"
WAITING = "achievement_waiting"
COMMENT = "comment"
SURVEY = "survey_opened"
CONSENT = "consent_missing"
BACKUP_FAILED = "backup_failed"
SYNC_FAILED = "sync_failed"
NEWS_WAITING = "news_waiting"
NEWS_REVIEWED = "news_reviewed"
NEWS_ABOUT = "news_about"
MEETING = "alumni_meeting"
KINDS = (REMINDER, CONFIRMED, RETURNED, WAITING, COMMENT, SURVEY, CONSENT, BACKUP_FAILED, SYNC_FAILED, NEWS_WAITING,
         NEWS_REVIEWED, NEWS_ABOUT, MEETING)
# A parent must hear that consent is missing: the portfolio cannot be kept or shown without it.
UNMUTABLE = frozenset({CONSENT})
# The kinds each role can receive, in the order the settings page lists them.
KINDS_OF_ROLE = {
    STUDENT: (CONFIRMED, RETURNED, COMMENT, REMINDER, SURVEY, NEWS_REVIEWED, NEWS_ABOUT, MEETING),
    PARENT: (CONFIRMED, RETURNED, CONSENT, SURVEY),
    TEACHER: (WAITING, COMMENT, REMINDER, NEWS_WAITING, MEETING),
    ADMIN: (BACKUP_FAILED, SYNC_FAILED, REMINDER, NEWS_WAITING, MEETING),
}
# What the settings page and stored titles call each kind (the web translates them).
KIND_NAMES = {
    REMINDER: N_("Напоминания о сроках"),
    CONFIRMED: N_("Достижение подтверждено"),
    RETURNED: N_("Достижение возвращено"),
    WAITING: N_("Достижения ждут проверки"),
    COMMENT: N_("Комментарии"),
    SURVEY: N_("Новые опросы"),
    CONSENT: N_("Нужно согласие"),
    BACKUP_FAILED: N_("Резервная копия не сделана"),
    SYNC_FAILED: N_("Выгрузка в район не удалась"),
    NEWS_WAITING: N_("Новости ждут проверки"),
    NEWS_REVIEWED: N_("Решение по новости"),
    NEWS_ABOUT: N_("О тебе в новостях школы"),
    MEETING: N_("Клуб выпускников и встречи"),
}
PER_PAGE = 20
READ_KEEP_DAYS = 60
BACKUP_JOBS = ("backup",)
SYNC_JOBS = ("sync-export",)


# -- writing ---------------------------------------------------------------------------------------

def muted_kinds(user: User | uuid.UUID) -> set[str]:
    return {row.kind for row in NotificationMute.select(NotificationMute.kind).where(NotificationMute.user == user)}


def notify(user: User | uuid.UUID, kind: str, body: str, link: LinkTarget | None = None, *,
           group: str = "", group_link: LinkTarget | None = None) -> Notification | None:
    """Tell one person; nothing when they muted the kind. With `group`, an unread notification of the
    same group grows its count (and opens `group_link`, the list) instead of a second row."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind}")
    if kind not in UNMUTABLE and NotificationMute.select().where(
            (NotificationMute.user == user) & (NotificationMute.kind == kind)).exists():
        return None
    body = body[:2000]
    with database.atomic():
        if group:
            found = (Notification.select().where((Notification.user == user) & (Notification.group_key == group)
                                                 & Notification.read_at.is_null()).first())
            if found is not None:
                found.count += 1
                found.body = body
                found.link = str(group_link or link or "")
                found.created_at = utcnow()
                found.save()
                return found
        return Notification.create(user=user, kind=kind, group_key=group[:120], title=KIND_NAMES[kind],
                                   body=body, link=str(link or ""))


def _parents_of(student: User) -> list[uuid.UUID]:
    return [row.parent_id for row in ParentLink.select(ParentLink.parent).where(ParentLink.student == student)]


def achievement_reviewed(achievement: Achievement) -> None:
    """Confirmed or returned: the student hears of it, the parents read it as news of their child."""
    student = achievement.student
    kind = CONFIRMED if achievement.status == "confirmed" else RETURNED
    title = f"«{achievement.title}»"
    if kind == RETURNED and achievement.review_comment:
        title += f": {achievement.review_comment}"
    target = LinkTarget.of(links.ACHIEVEMENT, achievement.id)
    notify(student, kind, title, target, group=kind, group_link=LinkTarget(links.ACHIEVEMENTS))
    for parent in _parents_of(student):
        notify(parent, kind, f"{student.given_names}: «{achievement.title}»", target,
               group=f"{kind}:{student.id.hex}", group_link=LinkTarget.of(links.CHILD, student.id))


def achievement_waiting(achievement: Achievement, class_teachers: list[User]) -> None:
    """Sent for confirmation: the guiding teacher and the class teachers, each once."""
    teachers = {t.id for t in class_teachers}
    if achievement.teacher_id:
        teachers.add(achievement.teacher_id)
    body = f"{achievement.student.short_name}: «{achievement.title}»"
    for teacher in teachers:
        notify(teacher, WAITING, body, LinkTarget.of(links.ACHIEVEMENT, achievement.id), group=WAITING,
               group_link=LinkTarget(links.REVIEW))


def achievement_withdrawn(achievement: Achievement, teacher: User | uuid.UUID, still_waiting: list[Achievement]) -> None:
    """Taken back to draft by its student before review: the teacher's unread «waiting» notification stops
    counting it (and goes when it was about this one alone); `still_waiting` is the teacher's queue now."""
    note = (Notification.select().where((Notification.user == teacher) & (Notification.group_key == WAITING)
                                        & Notification.read_at.is_null()).first())
    if note is None:
        return
    alone = note.count <= 1 and note.link == str(LinkTarget.of(links.ACHIEVEMENT, achievement.id))
    count = 0 if alone else min(note.count - (note.count > 1), len(still_waiting))
    if count <= 0:
        note.delete_instance()
        return
    latest = still_waiting[-1]
    note.count = count
    note.body = f"{latest.student.short_name}: «{latest.title}»"
    note.link = str(LinkTarget.of(links.ACHIEVEMENT, latest.id) if count == 1 else LinkTarget(links.REVIEW))
    note.save()


def queue_empty(teacher: User) -> int:
    """Nothing waits for the teacher any more: their «waiting» notifications are settled."""
    return (Notification.update(read_at=utcnow())
            .where((Notification.user == teacher) & (Notification.kind == WAITING)
                   & Notification.read_at.is_null()).execute())


def commented(owner: User | uuid.UUID, author: User, what: str, target: LinkTarget, group: str) -> None:
    notify(owner, COMMENT, f"{author.short_name} — {what}", target, group=f"{COMMENT}:{group}")


def job_finished(kind: str, ok: bool, error: str = "") -> None:
    """A backup or an export ended: a failure tells the administrators, a success settles the failures."""
    if kind in BACKUP_JOBS:
        note_kind, target = BACKUP_FAILED, LinkTarget(links.BACKUPS)
    elif kind in SYNC_JOBS:
        note_kind, target = SYNC_FAILED, LinkTarget(links.SCHOOL)
    else:
        return
    admins = [row.id for row in User.select(User.id).where((User.role == ADMIN) & User.active)]
    if ok:
        (Notification.update(read_at=utcnow())
         .where(Notification.user.in_(admins or [None]) & (Notification.kind == note_kind)
                & Notification.read_at.is_null()).execute())
        return
    for admin in admins:
        notify(admin, note_kind, error or KIND_NAMES[note_kind], target, group=note_kind)


def announce_surveys(today: datetime.date) -> int:
    """Everyone in the audience of a survey running today hears of it once (whoever answered already
    is left out)."""
    from appliance.services.surveys import ROLE_OF_AUDIENCE  # the surveys service uses this one

    made = 0
    for survey in Survey.select().where((Survey.opens_on <= today) & (Survey.closes_on >= today)):
        group = f"{SURVEY}:{survey.id.hex}"
        told = Notification.select(Notification.user).where(Notification.group_key == group)
        answered = SurveyParticipation.select(SurveyParticipation.user).where(SurveyParticipation.survey == survey)
        audience = (User.select(User.id).where(
            (User.school == survey.school) & User.active & User.role.in_(ROLE_OF_AUDIENCE.get(survey.audience, ()))
            & User.id.not_in(told) & User.id.not_in(answered)))
        muted = NotificationMute.select(NotificationMute.user).where(NotificationMute.kind == SURVEY)
        ids = [row.id for row in audience.where(User.id.not_in(muted))]
        rows = [{"id": uuid.uuid4(), "created_at": utcnow(), "updated_at": utcnow(), "user": user_id,
                 "kind": SURVEY, "group_key": group, "title": KIND_NAMES[SURVEY], "body": f"«{survey.title}»",
                 "link": str(LinkTarget.of(links.SURVEY, survey.id)), "count": 1} for user_id in ids]
        with database.atomic():
            for start in range(0, len(rows), 200):
                Notification.insert_many(rows[start:start + 200]).execute()
        made += len(rows)
    return made


def remind_consent(parent: User) -> Notification | None:
    """An unread request while the parent has not decided for a child (neither given nor refused);
    settled once they decide. A recorded refusal is a decision: the request stops asking."""
    missing = [link.student for link in ParentLink.select().where(
        (ParentLink.parent == parent) & ParentLink.consent_given_at.is_null()
        & ParentLink.consent_refused_at.is_null())]
    waiting = Notification.select().where((Notification.user == parent) & (Notification.kind == CONSENT)
                                          & Notification.read_at.is_null())
    if not missing:
        Notification.update(read_at=utcnow()).where(Notification.id.in_(waiting)).execute()
        return None
    names = ", ".join(child.given_names for child in missing)
    body = f"{names}: нужно Ваше решение о согласии; пока его нет, данные ребёнка не покидают школу."
    current = waiting.first()
    if current is not None:
        if current.body != body:
            current.body = body
            current.save()
        return current
    return notify(parent, CONSENT, body, LinkTarget(links.CONSENT))


def remind_all_consent() -> int:
    parents = (User.select().join(ParentLink, on=(ParentLink.parent == User.id))
               .where((User.role == PARENT) & User.active).distinct())
    return sum(1 for parent in parents if remind_consent(parent) is not None)


def prune(now: datetime.datetime | None = None, keep_days: int = READ_KEEP_DAYS) -> int:
    """Read notifications older than `keep_days` go."""
    cutoff = (now or utcnow()) - datetime.timedelta(days=keep_days)
    return Notification.delete().where(Notification.read_at.is_null(False) & (Notification.read_at < cutoff)).execute()


# -- reading -----------------------------------------------------------------------------------------

def unread_count(user: User | uuid.UUID) -> int:
    return Notification.select().where((Notification.user == user) & Notification.read_at.is_null()).count()


def page_of(user: User, page: int) -> tuple[list[Notification], int]:
    """One page of the person's notifications, newest first, and how many pages there are."""
    total = Notification.select().where(Notification.user == user).count()
    pages = max(1, -(-total // PER_PAGE))
    page = max(1, min(page, pages))
    rows = list(Notification.select().where(Notification.user == user)
                .order_by(Notification.created_at.desc(), Notification.id).paginate(page, PER_PAGE))
    return rows, pages


def latest_unread(user: User, limit: int = 3) -> list[Notification]:
    return list(Notification.select().where((Notification.user == user) & Notification.read_at.is_null())
                .order_by(Notification.created_at.desc()).limit(limit))


def own(user: User, note_id) -> Notification:
    return get_or_404(Notification, Notification.id == parse_id(note_id), Notification.user == user,
                      message=N_("Уведомление не найдено."))


def mark_read(user: User, note_id) -> Notification:
    note = own(user, note_id)
    if note.read_at is None:
        note.read_at = utcnow()
        note.save()
    return note


def mark_all_read(user: User) -> int:
    return (Notification.update(read_at=utcnow())
            .where((Notification.user == user) & Notification.read_at.is_null()).execute())


_EXISTS = {links.EVENT: Event, links.GOAL: Goal, links.ACHIEVEMENT: Achievement, links.SURVEY: Survey,
           links.CHILD: User, links.PUPIL: User}


def target_of(note: Notification) -> LinkTarget | None:
    """What the notification opens, or None when that has been deleted since (or it opens nothing)."""
    target = LinkTarget.parse(note.link)
    if target is None:
        return None
    model = _EXISTS.get(target.kind)
    if model is not None and not model.select().where(model.id == parse_id(target.id)).exists():
        return None
    if target.kind == links.ACHIEVEMENT and note.user_id != _owner_of_achievement(target.id) and Achievement.select(
            ).where((Achievement.id == parse_id(target.id)) & (Achievement.status == "draft")).exists():
        return None  # taken back to a draft: the student's own again
    return target


def _owner_of_achievement(achievement_id: str):
    row = Achievement.select(Achievement.student).where(Achievement.id == parse_id(achievement_id)).first()
    return row.student_id if row else None


# -- muting ------------------------------------------------------------------------------------------

def set_muted(user: User, kind: str, muted: bool) -> None:
    if kind not in KINDS_OF_ROLE.get(user.role, ()):
        raise ServiceError(N_("Такого вида уведомлений нет."), status=422)
    if kind in UNMUTABLE:
        raise ServiceError(N_("Просьбу о согласии отключить нельзя: она уйдёт сама, как только Вы дадите согласие или откажетесь."),
                           status=422)
    with database.atomic():
        if muted:
            (NotificationMute.insert(id=uuid.uuid4(), user=user, kind=kind)
             .on_conflict_ignore().execute())
        else:
            NotificationMute.delete().where((NotificationMute.user == user) & (NotificationMute.kind == kind)).execute()
