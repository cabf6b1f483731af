"""Student initiatives «Есть идея!» and the student council («Совет лидеров»).

- A pupil proposes an idea for the school: the problem, the idea, what is needed, who will help.
  Every field has a limit; longer text is refused, never cut.
- Other pupils of the school support it: one support per pupil per idea (a second press changes
  nothing). **The author may not support their own idea**: proposing it is their vote, and the number
  on the board says how many *other* pupils want it.
- Pupils comment; a class teacher of the comment's author, a council adviser or the administration
  hides a comment with a reason, which the author sees beside it. Others see «скрыт модератором».
- The council (pupils the administration marks) reviews: accepted (a project: team, adviser, a goal
  with milestones in each member's trajectory), needs work, or declined with a reason; the author is
  notified. A council member never reviews an idea they wrote or are in the team of: another must.
- A finished project gives each team member an achievement draft with the adviser as the teacher
  in the role «руководитель».
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from peewee import fn

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import Notification
from appliance.models.community import (
    ACCEPTED,
    ADVISER,
    COMMUNITY_ROLES,
    COUNCIL,
    DECLINED,
    DONE,
    IDEA_STATUSES,
    NEEDS_WORK,
    PROPOSED,
    CommunityRole,
    Idea,
    IdeaComment,
    IdeaMember,
    IdeaSupport,
)
from appliance.models.people import ADMIN, STUDENT, TEACHER, School, Student, User
from appliance.models.portfolio import CatalogEntry
from appliance.services import access, audit, enrolment, links, portfolio, russian, trajectory, validation, years
from appliance.services.errors import Conflict, Forbidden, ServiceError
from appliance.services.lookup import get_or_404, parse_id

MAX_FIELD = 4000
MAX_COMMENT = 1000
NOT_FOUND = N_("Идея не найдена.")
OPEN = (PROPOSED, NEEDS_WORK)


# -- roles the administration gives --------------------------------------------------------------
def has_role(user: User, role: str) -> bool:
    return CommunityRole.select().where((CommunityRole.user == user) & (CommunityRole.role == role)).exists()


def members_with(school: School, role: str) -> list[User]:
    return russian.by_surname(User.select().join(CommunityRole, on=(CommunityRole.user == User.id))
                              .where((CommunityRole.school == school) & (CommunityRole.role == role) & User.active))


def set_role(school: School, user_id, role: str, on: bool, by: User | None = None) -> User:
    """Mark a pupil of the school as a council or media-team member, or a teacher as an adviser."""
    if role not in COMMUNITY_ROLES:
        raise ServiceError(N_("Такой роли нет."), status=422)
    wanted = TEACHER if role == ADVISER else STUDENT
    user = get_or_404(User, User.id == parse_id(user_id), User.school == school, User.role == wanted,
                      message=N_("Пользователь не найден."))
    with database.atomic():
        if on:
            CommunityRole.get_or_create(school=school, user=user, role=role)
        else:
            CommunityRole.delete().where((CommunityRole.user == user) & (CommunityRole.role == role)).execute()
        audit.record("community.role", user=by, detail=f"{role}:{'+' if on else '-'}:{user.login}")
    return user


# -- proposing -----------------------------------------------------------------------------------
def _fields(form: dict) -> dict:
    return {
        "title": validation.text(form.get("title"), 200, N_("Название"), one_line=True,
                                 required=N_("Назови свою идею.")),
        "problem": validation.text(form.get("problem"), MAX_FIELD, N_("Какую проблему решает"),
                                   required=N_("Напиши, какую проблему решает идея.")),
        "idea": validation.text(form.get("idea"), MAX_FIELD, N_("Идея"), required=N_("Опиши саму идею.")),
        "needs": validation.text(form.get("needs"), MAX_FIELD, N_("Что нужно")),
        "helpers": validation.text(form.get("helpers"), MAX_FIELD, N_("Кто поможет")),
    }


def propose(student: User, form: dict) -> Idea:
    if student.role != STUDENT:
        raise Forbidden(N_("Идеи предлагают ученики."))
    enrolment.check_may_edit(student)
    values = _fields(form)
    school_year, class_name = years.stamp_now(student)
    return Idea.create(school=student.school, author=student, status=PROPOSED, school_year=school_year,
                       class_name=class_name, **values)


def revise(student: User, idea_id, form: dict) -> Idea:
    """The author reworks an idea the council sent back (or one still under discussion)."""
    found = get_or_404(Idea, Idea.id == parse_id(idea_id), Idea.author == student, message=NOT_FOUND)
    if found.status not in OPEN:
        raise Conflict(N_("Идею уже рассмотрел совет: изменить её нельзя."))
    with database.atomic():
        for name, value in _fields(form).items():
            setattr(found, name, value)
        found.status = PROPOSED
        found.save()
    return found


def can_see(viewer: User, idea: Idea) -> bool:
    """Pupils, teachers and the administration of the idea's school."""
    return viewer.school_id == idea.school_id and viewer.role in (STUDENT, TEACHER, ADMIN)


def get(viewer: User, idea_id) -> Idea:
    return get_or_404(Idea, Idea.id == parse_id(idea_id), message=NOT_FOUND, visible=lambda i: can_see(viewer, i))


# -- support and comments --------------------------------------------------------------------------
def support(student: User, idea_id) -> bool:
    """Support an idea; True when this press counted, False when the pupil had supported it already."""
    if student.role != STUDENT:
        raise Forbidden(N_("Поддерживают идеи ученики."))
    found = get(student, idea_id)
    enrolment.check_may_edit(student)
    if found.author_id == student.id:
        raise Conflict(N_("Это твоя идея: поддержку дают другие ученики."))
    if found.status not in OPEN:
        raise Conflict(N_("Совет уже рассмотрел эту идею: поддержка закрыта."))
    with database.atomic():
        if IdeaSupport.select().where((IdeaSupport.idea == found) & (IdeaSupport.student == student)).exists():
            return False
        IdeaSupport.create(idea=found, student=student)
    return True


def withdraw_support(student: User, idea_id) -> None:
    found = get(student, idea_id)
    IdeaSupport.delete().where((IdeaSupport.idea == found) & (IdeaSupport.student == student)).execute()


def supporters(idea: Idea) -> int:
    return IdeaSupport.select().where(IdeaSupport.idea == idea).count()


def supported_by(student: User, idea: Idea) -> bool:
    return IdeaSupport.select().where((IdeaSupport.idea == idea) & (IdeaSupport.student == student)).exists()


def comment(student: User, idea_id, text: str) -> IdeaComment:
    if student.role != STUDENT:
        raise Forbidden(N_("Комментируют идеи ученики."))
    found = get(student, idea_id)
    enrolment.check_may_edit(student)
    text = validation.text(text, MAX_COMMENT, N_("Комментарий"), required=N_("Напиши комментарий."))
    return IdeaComment.create(idea=found, author=student, text=text)


def may_moderate(viewer: User, comment_row: IdeaComment) -> bool:
    if viewer.school_id != comment_row.idea.school_id:
        return False
    if viewer.role == ADMIN:
        return True
    return viewer.role == TEACHER and (has_role(viewer, ADVISER)
                                       or access.is_class_teacher_of(viewer, comment_row.author))


def moderated_comment(moderator: User, comment_id) -> IdeaComment:
    """A comment this person may hide; 404 for any other."""
    return get_or_404(IdeaComment, IdeaComment.id == parse_id(comment_id), message=N_("Комментарий не найден."),
                      visible=lambda row: may_moderate(moderator, row))


def hide_comment(moderator: User, comment_id, reason: str) -> IdeaComment:
    found = moderated_comment(moderator, comment_id)
    reason = validation.text(reason, 500, N_("Причина"), required=N_("Напишите причину: её увидит автор."))
    found.hidden, found.hidden_reason, found.hidden_by = True, reason, moderator
    with database.atomic():
        found.save()
        audit.record("idea.comment.hide", user=moderator, detail=str(found.id))
    return found


def comments_of(idea: Idea) -> list[IdeaComment]:
    return list(IdeaComment.select(IdeaComment, User).join(User, on=(IdeaComment.author == User.id))
                .where(IdeaComment.idea == idea).order_by(IdeaComment.created_at))


# -- the council -----------------------------------------------------------------------------------
def team_of(idea: Idea) -> list[IdeaMember]:
    return list(IdeaMember.select(IdeaMember, User).join(User, on=(IdeaMember.student == User.id))
                .where(IdeaMember.idea == idea).order_by(User.last_name))


def may_review(member: User, idea: Idea) -> bool:
    return (member.role == STUDENT and member.school_id == idea.school_id and has_role(member, COUNCIL)
            and member.id != idea.author_id
            and not IdeaMember.select().where((IdeaMember.idea == idea) & (IdeaMember.student == member)).exists())


def _notify(user: User, title: str, idea: Idea, body: str = "") -> None:
    Notification.create(user=user, title=title[:300], body=body[:2000], link=str(links.LinkTarget.of(links.IDEA, idea.id)))


def review(member: User, idea_id, decision: str, form: dict, today: datetime.date) -> Idea:
    """The council's decision. Accepting makes the project: the team (the author and the chosen
    pupils), the adviser, and a goal with the deadline in each member's trajectory."""
    found = get(member, idea_id)
    if member.role != STUDENT or not has_role(member, COUNCIL):
        raise Forbidden(N_("Идеи рассматривает совет лидеров."))
    if not may_review(member, found):
        raise Forbidden(N_("Свою идею (или идею своей команды) рассматривает другой член совета."))
    if found.status not in OPEN:
        raise Conflict(N_("Эту идею совет уже рассмотрел."))
    if decision not in (ACCEPTED, NEEDS_WORK, DECLINED):
        raise ServiceError(N_("Выбери решение совета."), status=422)
    reason = validation.text(form.get("reason"), 2000, N_("Решение совета"))
    if decision != ACCEPTED and not reason:
        raise ServiceError(N_("Напиши автору, почему: что доработать или почему идея отклонена."), status=422)
    with database.atomic():
        found.status, found.decision_reason = decision, reason
        found.decided_by, found.decided_at = member, utcnow()
        if decision == ACCEPTED:
            _start_project(found, form, today)
        found.save()
        title = {ACCEPTED: N_("Совет лидеров принял твою идею «%(title)s»: это теперь проект."),
                 NEEDS_WORK: N_("Совет лидеров просит доработать идею «%(title)s»."),
                 DECLINED: N_("Совет лидеров отклонил идею «%(title)s».")}[decision]
        _notify(found.author, str(title).replace("%(title)s", found.title), found, reason)
        audit.record("idea.review", user=member, detail=f"{decision}:{found.id}")
    return found


def _start_project(idea: Idea, form: dict, today: datetime.date) -> None:
    adviser = get_or_404(User, User.id == parse_id(form.get("adviser")), User.school == idea.school_id,
                         User.role == TEACHER, User.active, message=N_("Выберите педагога-руководителя проекта."))
    idea.adviser = adviser
    team = {idea.author_id: idea.author}
    for value in form.get("team") or []:
        pupil = User.get_or_none((User.id == parse_id(value)) & (User.school == idea.school_id)
                                 & (User.role == STUDENT)) if parse_id(value) else None
        if pupil is None:
            raise ServiceError(N_("В команде может быть только ученик школы."), status=422)
        team[pupil.id] = pupil
    goal_form = {"title": idea.title[:300], "deadline": form.get("deadline"), "plan": idea.needs[:2000],
                 "why": idea.problem[:2000], "measure": validation.text(form.get("measure"), 2000, N_("Результат проекта"))}
    for pupil in team.values():
        goal = trajectory.create_goal(pupil, goal_form, today, origin="initiative",
                                      origin_note=f"«{idea.title}»"[:500])
        IdeaMember.create(idea=idea, student=pupil, goal_id=goal.id)


def may_finish(user: User, idea: Idea) -> bool:
    return user.school_id == idea.school_id and (user.role == ADMIN or idea.adviser_id == user.id)


def finish(user: User, idea_id, today: datetime.date) -> list:
    """The adviser (or the administration) closes a project: each member gets an achievement draft
    with the adviser as «руководитель»."""
    found = get(user, idea_id)
    if not may_finish(user, found):
        raise Forbidden(N_("Завершает проект его руководитель или администрация."))
    if found.status != ACCEPTED:
        raise Conflict(N_("Завершить можно только идущий проект."))
    supervisor = CatalogEntry.get_or_none((CatalogEntry.catalog == "teacher_role") & (CatalogEntry.code == "supervisor"))
    social = CatalogEntry.get_or_none((CatalogEntry.catalog == "direction") & (CatalogEntry.code == "social"))
    drafts = []
    with database.atomic():
        for member in team_of(found):
            fields = {"title": f"Проект «{found.title}»"[:200], "date": today, "description": found.idea[:4000]}
            if found.adviser_id:
                fields["teacher"] = found.adviser_id.hex
                fields["teacher_role"] = supervisor.id.hex if supervisor else None
            if social:
                fields["direction"] = social.id.hex
            draft = portfolio.create_draft(member.student, today=today, **fields)
            member.achievement_id = draft.id
            member.save()
            drafts.append(draft)
            _notify(member.student, N_("Проект завершён: в твоих достижениях черновик — проверь и отправь."), found)
        found.status, found.finished_at = DONE, utcnow()
        found.save()
    return drafts


# -- the board and the school's numbers ------------------------------------------------------------
@dataclass
class Card:
    idea: Idea
    supporters: int


def board(school: School) -> dict[str, list[Card]]:
    counts = dict(IdeaSupport.select(IdeaSupport.idea, fn.COUNT(IdeaSupport.id)).group_by(IdeaSupport.idea).tuples())
    found: dict[str, list[Card]] = {status: [] for status in IDEA_STATUSES}
    for idea in (Idea.select(Idea, User).join(User, on=(Idea.author == User.id)).where(Idea.school == school)
                 .order_by(Idea.created_at.desc())):
        found[idea.status].append(Card(idea, counts.get(idea.id, 0)))
    for cards in found.values():
        cards.sort(key=lambda card: -card.supporters)
    return found


@dataclass
class Numbers:
    total: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_class: dict[str, Counter] = field(default_factory=dict)
    supporters: int = 0
    authors: int = 0


def numbers(school: School, year: int | None = None) -> Numbers:
    found = Numbers()
    query = Idea.select().where(Idea.school == school)
    if year:
        query = query.where(Idea.school_year == year)
    classes: dict[str, Counter] = defaultdict(Counter)
    authors = set()
    for idea in query:
        found.total += 1
        found.by_status[idea.status] += 1
        classes[idea.class_name or "—"][idea.status] += 1
        authors.add(idea.author_id)
    found.by_class = dict(sorted(classes.items(), key=lambda item: _class_key(item[0])))
    found.authors = len(authors)
    found.supporters = (IdeaSupport.select(fn.COUNT(fn.DISTINCT(IdeaSupport.student))).join(Idea)
                        .where(Idea.id.in_(query.select(Idea.id))).scalar() or 0)
    return found


def _class_key(name: str) -> tuple:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 99, name)


def class_of(student: User) -> str:
    profile = Student.get_or_none(Student.user == student)
    return profile.class_group.name if profile and profile.class_group_id else ""
