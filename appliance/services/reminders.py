"""Reminders before deadlines and events, turned into portal notifications exactly once.

A reminder row is written when something with a date is planned; the job marks it sent and
creates its notification in one transaction, guarded by `sent_at IS NULL` and by the unique
reminder of a notification, so a restart, a missed run or two overlapping runs never send
twice. At start the job runs at once and catches up on everything that fell due meanwhile.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import Notification, NotificationMute, Reminder
from appliance.models.people import User
from appliance.models.trajectory import Milestone
from appliance.services import links, russian
from appliance.services import notifications as notes
from appliance.services.links import LinkTarget

KIND_TITLES = {
    "event": N_("Скоро событие"),
    "registration": N_("Скоро заканчивается регистрация"),
    "goal": N_("Скоро срок цели"),
    "milestone": N_("Скоро этап цели"),
    "task": N_("Скоро срок задачи"),
    "meeting": N_("Скоро встреча наставничества"),
}
MAX_DAYS_BEFORE = 60


def local_today(timezone: str = "Europe/Moscow") -> datetime.date:
    return datetime.datetime.now(zoneinfo.ZoneInfo(timezone)).date()


def clamp_days(value: object, default: int = 3) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        return default
    return max(0, min(MAX_DAYS_BEFORE, days))


def schedule(user: User, kind: str, target_id: uuid.UUID, title: str, due_on: datetime.date,
             days_before: int) -> Reminder:
    """Remind `user` `days_before` days before `due_on`; re-planning moves an unsent reminder,
    and a sent one whose date changed is replaced by a fresh one."""
    remind_on = due_on - datetime.timedelta(days=days_before)
    with database.atomic():
        reminder = Reminder.get_or_none((Reminder.user == user) & (Reminder.kind == kind)
                                        & (Reminder.target_id == target_id))
        if reminder is not None and reminder.sent_at is not None:
            if reminder.due_on == due_on and reminder.remind_on == remind_on:
                return reminder
            reminder.delete_instance()
            reminder = None
        if reminder is None:
            return Reminder.create(user=user, kind=kind, target_id=target_id, title=title[:300],
                                   due_on=due_on, remind_on=remind_on)
        reminder.title, reminder.due_on, reminder.remind_on = title[:300], due_on, remind_on
        reminder.save()
        return reminder


def cancel(kind: str, target_id: uuid.UUID, user: User | None = None) -> int:
    query = Reminder.delete().where((Reminder.kind == kind) & (Reminder.target_id == target_id)
                                    & Reminder.sent_at.is_null())
    if user is not None:
        query = query.where(Reminder.user == user)
    return query.execute()


def _body(reminder: Reminder, today: datetime.date) -> str:
    days = (reminder.due_on - today).days
    when = reminder.due_on.strftime("%d.%m.%Y")
    if days > 1:
        return f"«{reminder.title}» — {when}, через {days} {_days_word(days)}."
    if days == 1:
        return f"«{reminder.title}» — завтра, {when}."
    if days == 0:
        return f"«{reminder.title}» — сегодня."
    return f"«{reminder.title}» — срок был {when}."


def _days_word(days: int) -> str:
    return russian.agree_with_number(days, "день")


def send_due(today: datetime.date) -> int:
    """Make the notification of every reminder due by `today` that is not sent yet."""
    sent = 0
    due = list(Reminder.select(Reminder.id).where(Reminder.sent_at.is_null() & (Reminder.remind_on <= today))
               .order_by(Reminder.remind_on))
    for row in due:
        with database.atomic():
            claimed = (Reminder.update(sent_at=utcnow())
                       .where((Reminder.id == row.id) & Reminder.sent_at.is_null()).execute())
            if not claimed:
                continue  # another run took it
            reminder = Reminder.get_by_id(row.id)
            if NotificationMute.select().where((NotificationMute.user == reminder.user_id)
                                               & (NotificationMute.kind == "reminder")).exists():
                continue  # muted: marked sent, nothing to show
            Notification.create(user=reminder.user_id, reminder=reminder, kind="reminder",
                                title=KIND_TITLES.get(reminder.kind, N_("Напоминание")),
                                body=_body(reminder, today), link=str(_link(reminder)))
            sent += 1
    return sent


def _link(reminder: Reminder) -> LinkTarget:
    """What the notification of a reminder opens: the event, the goal, or the task list."""
    if reminder.kind in ("event", "registration"):
        return LinkTarget.of(links.EVENT, reminder.target_id)
    if reminder.kind == "goal":
        return LinkTarget.of(links.GOAL, reminder.target_id)
    if reminder.kind == "milestone":
        milestone = Milestone.get_or_none(Milestone.id == reminder.target_id)
        return LinkTarget.of(links.GOAL, milestone.goal_id) if milestone else LinkTarget(links.TRAJECTORY)
    if reminder.kind == "meeting":
        from appliance.models.mentoring import MentoringMeeting

        meeting = MentoringMeeting.get_or_none(MentoringMeeting.id == reminder.target_id)
        return LinkTarget.of(links.MENTORING_PAIR, meeting.pair_id) if meeting else LinkTarget(links.TRAJECTORY)
    return LinkTarget(links.TASKS)


def notifications(user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.select().where(Notification.user == user)
                .order_by(Notification.created_at.desc()).limit(limit))


def unread_count(user: User) -> int:
    return notes.unread_count(user)
