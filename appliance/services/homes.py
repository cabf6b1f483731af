"""What each reader's home page answers first: what is new and what to do next.

Plain reads over the other services; the pages only lay them out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from appliance.models.calendar import Notification
from appliance.models.people import ClassGroup, ParentLink, Student, TeacherAssignment, User
from appliance.models.portfolio import Achievement, Evidence, Reflection
from appliance.models.trajectory import Goal, Milestone
from appliance.services import calendar as cal
from appliance.services import consent, notifications, portfolio, terms

WEEK = datetime.timedelta(days=7)


@dataclass
class GoalProgress:
    goal: Goal
    done: int
    total: int
    next_milestone: Milestone | None = None

    @property
    def tenths(self) -> int:
        """Progress in steps of ten per cent, for the bar's width class."""
        return (self.done * 10 // self.total) * 10 if self.total else 0


def goals_with_progress(student: User) -> list[GoalProgress]:
    """Active goals, nearest deadline first, with their milestones done and the next one due."""
    goals = list(Goal.select().where((Goal.student == student) & (Goal.status == "active")).order_by(Goal.deadline))
    stones: dict = {}
    for milestone in Milestone.select().where(Milestone.goal.in_([g.id for g in goals] or [None])).order_by(
            Milestone.due_on):
        stones.setdefault(milestone.goal_id, []).append(milestone)
    result = []
    for goal in goals:
        mine = stones.get(goal.id, [])
        result.append(GoalProgress(goal, sum(1 for m in mine if m.done_at), len(mine),
                                   next((m for m in mine if not m.done_at), None)))
    return result


@dataclass
class StudentHome:
    notes: list[Notification]
    unread: int
    week: list[cal.Item]
    overdue: list[cal.Item]
    achievements: list[Achievement]
    goals: list[GoalProgress]
    reflection_due: terms.Term | None = None


REFLECT_BEFORE_END = datetime.timedelta(days=21)


def reflection_due(student: User, today: datetime.date) -> terms.Term | None:
    """The term whose reflection is due: its last three weeks have come and the student has written
    none since it began."""
    term = terms.term_of(today)
    if today < term.end - REFLECT_BEFORE_END:
        return None
    start = datetime.datetime.combine(term.start, datetime.time())
    written = Reflection.select().where((Reflection.student == student) & (Reflection.created_at >= start)).exists()
    return None if written else term


def student_home(student: User, today: datetime.date) -> StudentHome:
    # One look at the calendar for the four weeks behind and the week ahead (items come by day).
    items = [item for item in cal.personal_items(student, today - 4 * WEEK, today + WEEK) if not item.done]
    upcoming = [item for item in items if item.day >= today]
    overdue = [item for item in items if item.day < today and item.kind in ("goal", "milestone", "task")]
    latest = list(Achievement.select().where(Achievement.student == student)
                  .order_by(Achievement.updated_at.desc()).limit(3))
    return StudentHome(notifications.latest_unread(student, 3), notifications.unread_count(student), upcoming,
                       overdue, latest, goals_with_progress(student)[:3], reflection_due(student, today))


@dataclass
class Waiting:
    achievement: Achievement
    thumbnail: Evidence | None  # the first picture with a preview, so confirming is not blind
    files: int


@dataclass
class ClassCare:
    group: ClassGroup
    without_consent: list[User] = field(default_factory=list)  # no parent has consented (refused or undecided)
    never_logged_in: list[User] = field(default_factory=list)
    # The class's last seven days: achievements sent for confirmation, goals set, reflections written.
    submitted: int = 0
    goals: int = 0
    reflections: int = 0
    refused: list[User] = field(default_factory=list)  # of those without consent, a parent said no


@dataclass
class TeacherHome:
    waiting_count: int
    waiting: list[Waiting]
    care: list[ClassCare]
    events: list


def teacher_home(teacher: User, today: datetime.date, first: int = 4) -> TeacherHome:
    queue = portfolio.review_queue(teacher)
    # The newest first: the home says what is new; the queue page keeps its own order.
    shown = sorted(queue, key=lambda a: a.submitted_at or a.created_at, reverse=True)[:first]
    files: dict = {}
    for evidence in Evidence.select().where(Evidence.achievement.in_([a.id for a in shown] or [None])).order_by(
            Evidence.created_at):
        files.setdefault(evidence.achievement_id, []).append(evidence)
    waiting = [Waiting(a, next((e for e in files.get(a.id, []) if e.has_preview), None), len(files.get(a.id, [])))
               for a in shown]
    led = list(ClassGroup.select().join(TeacherAssignment, on=(TeacherAssignment.class_group == ClassGroup.id))
               .where((TeacherAssignment.teacher == teacher) & TeacherAssignment.is_class_teacher)
               .order_by(ClassGroup.grade, ClassGroup.letter))
    care = []
    for group in led:
        students = list(User.select().join(Student, on=(Student.user == User.id))
                        .where(Student.class_group == group).order_by(User.last_name, User.first_name))
        consented = {row.student_id for row in ParentLink.select(ParentLink.student).where(
            ParentLink.student.in_([s.id for s in students] or [None]) & ParentLink.consent_given_at.is_null(False))}
        ids = [s.id for s in students] or [None]
        refused = consent.refused_student_ids(students)
        since = datetime.datetime.combine(today - WEEK, datetime.time())
        care.append(ClassCare(
            group, [s for s in students if s.id not in consented], [s for s in students if not s.password_hash],
            Achievement.select().where(Achievement.student.in_(ids) & (Achievement.submitted_at >= since)).count(),
            Goal.select().where(Goal.student.in_(ids) & (Goal.created_at >= since)).count(),
            Reflection.select().where(Reflection.student.in_(ids) & (Reflection.created_at >= since)).count(),
            [s for s in students if s.id in refused]))
    events = [e for e in cal.upcoming(teacher, today) if e.created_by_id == teacher.id][:3]
    return TeacherHome(len(queue), waiting, care, events)


@dataclass
class ChildCard:
    child: User
    consent_given: bool
    achievements: list[Achievement]
    goals: list[GoalProgress]
    upcoming: list[cal.Item]
    consent_refused: bool = False  # the parent said no (recorded); they may change their mind


def child_card(parent: User, child: User, today: datetime.date) -> ChildCard:
    link = ParentLink.get((ParentLink.parent == parent) & (ParentLink.student == child))
    achievements = portfolio.achievements_of(child, viewer=parent)[:3]
    upcoming = [item for item in cal.personal_items(child, today, today + 2 * WEEK) if not item.done][:5]
    return ChildCard(child, link.consent_given_at is not None, achievements, goals_with_progress(child), upcoming,
                     link.consent_refused_at is not None)
