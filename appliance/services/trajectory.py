"""«Активности»: a student's SMART goals with milestones, tasks, and closing a goal with a
reflection and an achievement draft — the school's cycle reflection → plan → achievement."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from peewee import fn

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import Event
from appliance.models.people import STUDENT, TEACHER, User
from appliance.models.trajectory import ORIGINS, TASK_STATUSES, Goal, GoalComment, GoalCompetency, GoalEvent, Milestone, Task
from appliance.services import access, links, notifications, reminders, russian, validation, years
from appliance.services.calendar import visible_event
from appliance.services.errors import Forbidden, ServiceError
from appliance.services.lookup import get_or_404, parse_id

MAX_TEXT = 2000


class Rejected(ServiceError):
    status = 422


def _date(value, label: str, required: bool = True) -> datetime.date | None:
    return validation.date(value, label, required=N_("%(label)s: укажи дату.") if required else None)


def _text(value, label: str, limit: int = MAX_TEXT) -> str:
    return validation.text(value, limit, label)


def _title(value, required: str) -> str:
    return validation.text(value, 300, N_("Название"), one_line=True, required=required)


@dataclass
class GoalInput:
    title: str
    measure: str
    why: str
    plan: str
    deadline: datetime.date
    competency_ids: list[str]
    event_ids: list[str]
    remind_days: int


def check_goal(form: dict, today: datetime.date) -> GoalInput:
    title = _title(form.get("title"), N_("Напиши, чего именно ты хочешь добиться."))
    deadline = _date(form.get("deadline"), N_("Срок цели"))
    if deadline < today:
        raise Rejected(N_("Срок цели уже прошёл (%(day)s). Выбери дату в будущем."),
                       day=deadline.strftime("%d.%m.%Y"))
    if deadline > today + datetime.timedelta(days=5 * 366):
        raise Rejected(N_("Срок цели слишком далёкий: не больше пяти лет вперёд."))
    return GoalInput(title=title, measure=_text(form.get("measure"), N_("Как поймёшь, что достиг")),
                     why=_text(form.get("why"), N_("Зачем")), plan=_text(form.get("plan"), N_("План")), deadline=deadline,
                     competency_ids=[str(v) for v in form.get("competency_ids") or []],
                     event_ids=[str(v) for v in form.get("event_ids") or []],
                     remind_days=reminders.clamp_days(form.get("remind_days", 3)))


def smart_hints(goal: Goal | GoalInput) -> list[str]:
    """Gentle advice on what the goal still lacks, the SMART way."""
    hints = []
    if not goal.measure:
        hints.append(N_("Как ты поймёшь, что цель достигнута? Добавь измеримый результат: число, место, готовую работу."))
    if not goal.why:
        hints.append(N_("Зачем тебе это? Когда знаешь, почему цель важна, легче не бросить."))
    if not goal.plan:
        hints.append(N_("С чего начнёшь? Первый маленький шаг делает цель достижимой."))
    return hints


def create_goal(student: User, form: dict, today: datetime.date, origin: str = "scratch",
                origin_note: str = "", reflection_id=None) -> Goal:
    if student.role != STUDENT:
        raise Forbidden(N_("Цели ставит ученик."))
    data = check_goal(form, today)
    if reflection_id:
        from appliance.services import reflection

        reflection_id = reflection.get(student, reflection_id).id  # the student's own, or 404
    with database.atomic():
        school_year, class_name = years.stamp_now(student)
        goal = Goal.create(student=student, school_year=school_year, class_name=class_name,
                           title=data.title, measure=data.measure, why=data.why, plan=data.plan,
                           deadline=data.deadline, origin=origin if origin in ORIGINS else "scratch",
                           origin_note=_text(origin_note, N_("Откуда цель"), 500), reflection_id=reflection_id or None,
                           remind_days=data.remind_days)
        _link(goal, student, data)
        reminders.schedule(student, "goal", goal.id, goal.title, goal.deadline, goal.remind_days)
    return goal


def add_mentoring_goal(student: User, pair, title: str, deadline: datetime.date,
                       milestones: list[tuple[str, datetime.date]], mentor_name: str) -> Goal:
    """A goal a mentor sets with the pupil in a mentoring pair: the pupil's own trajectory goal (origin
    "mentoring", naming the mentor), with its milestones and their reminders. The caller has checked
    the values and who may do it."""
    with database.atomic():
        school_year, class_name = years.stamp_now(student)
        goal = Goal.create(student=student, school_year=school_year, class_name=class_name, title=title,
                           deadline=deadline, origin="mentoring", origin_note=mentor_name[:500], mentoring_pair=pair)
        reminders.schedule(student, "goal", goal.id, goal.title, goal.deadline, goal.remind_days)
        for text, due in milestones:
            milestone = Milestone.create(goal=goal, title=text, due_on=due)
            reminders.schedule(student, "milestone", milestone.id, text, due, goal.remind_days)
    return goal


def mentoring_goals(pair_ids: list) -> dict:
    """The trajectory goals of mentoring pairs with their milestones: {pair id: [(goal, [milestone])]}."""
    if not pair_ids:
        return {}
    goals = list(Goal.select().where(Goal.mentoring_pair.in_(pair_ids)).order_by(Goal.deadline, Goal.created_at))
    steps: dict = {}
    if goals:
        for milestone in (Milestone.select().where(Milestone.goal.in_([g.id for g in goals]))
                          .order_by(Milestone.due_on, Milestone.created_at)):
            steps.setdefault(milestone.goal_id, []).append(milestone)
    found: dict = {}
    for goal in goals:
        found.setdefault(goal.mentoring_pair_id, []).append((goal, steps.get(goal.id, [])))
    return found


def update_goal(student: User, goal_id, form: dict, today: datetime.date) -> Goal:
    goal = own_goal(student, goal_id)
    if goal.status != "active":
        raise Rejected(N_("Закрытую цель изменить нельзя."))
    data = check_goal(form, today)
    late = [m for m in goal.milestones if m.due_on > data.deadline]
    if late:
        raise Rejected(N_("Этап «%(title)s» назначен позже нового срока цели. Сначала перенеси этап."),
                       title=late[0].title)
    with database.atomic():
        goal.title, goal.measure, goal.why, goal.plan = data.title, data.measure, data.why, data.plan
        goal.deadline, goal.remind_days = data.deadline, data.remind_days
        goal.save()
        GoalCompetency.delete().where(GoalCompetency.goal == goal).execute()
        GoalEvent.delete().where(GoalEvent.goal == goal).execute()
        _link(goal, student, data)
        reminders.schedule(student, "goal", goal.id, goal.title, goal.deadline, goal.remind_days)
    return goal


def _link(goal: Goal, student: User, data: GoalInput) -> None:
    from appliance.models.competencies import Competency

    for value in dict.fromkeys(data.competency_ids):
        competency_id = parse_id(value)
        if competency_id is None or not Competency.select().where(Competency.id == competency_id).exists():
            raise Rejected(N_("Компетенция не найдена."))
        GoalCompetency.create(goal=goal, competency_id=competency_id)
    for value in dict.fromkeys(data.event_ids):
        GoalEvent.create(goal=goal, event=visible_event(student, value))


def own_goal(student: User, goal_id) -> Goal:
    return get_or_404(Goal, Goal.id == parse_id(goal_id), Goal.student == student, message=N_("Цель не найдена."))


def goal_for(viewer: User, goal_id) -> Goal:
    """A goal the viewer may read: the student's own; a teacher's or parent's student's."""
    return get_or_404(Goal, Goal.id == parse_id(goal_id), message=N_("Цель не найдена."),
                      visible=lambda goal: access.can_view_student(viewer, goal.student))


def goals_of(student: User, status: str | None = None) -> list[Goal]:
    query = Goal.select().where(Goal.student == student)
    if status:
        query = query.where(Goal.status == status)
    return list(query.order_by(Goal.status, Goal.deadline))


def goal_counts(students: list[User], status: str = "active") -> dict:
    """How many goals of the status each student has, by student id: one query for a whole class."""
    found = {student.id: 0 for student in students}
    if students:
        rows = (Goal.select(Goal.student, fn.COUNT(Goal.id).alias("n"))
                .where(Goal.student.in_(list(found)) & (Goal.status == status)).group_by(Goal.student))
        for row in rows:
            found[row.student_id] = row.n
    return found


def competencies_of(goal: Goal) -> list:
    from appliance.models.competencies import Competency

    ids = [link.competency_id for link in goal.competencies]
    return list(Competency.select().where(Competency.id.in_(ids)).order_by(Competency.position)) if ids else []


def events_of(goal: Goal) -> list[Event]:
    return list(Event.select().join(GoalEvent).where(GoalEvent.goal == goal).order_by(Event.starts_on))


# -- milestones ------------------------------------------------------------------------------------

def add_milestone(student: User, goal_id, form: dict, today: datetime.date) -> Milestone:
    goal = own_goal(student, goal_id)
    if goal.status != "active":
        raise Rejected(N_("У закрытой цели нельзя добавить этап."))
    title = _title(form.get("title"), N_("Напиши, что будет сделано к этому этапу."))
    due = _date(form.get("due_on"), N_("Дата этапа"))
    if due < today:
        raise Rejected(N_("Дата этапа уже прошла. Выбери дату в будущем."))
    if due > goal.deadline:
        raise Rejected(N_("Этап не может быть позже срока цели (%(day)s)."), day=goal.deadline.strftime("%d.%m.%Y"))
    with database.atomic():
        milestone = Milestone.create(goal=goal, title=title, due_on=due)
        reminders.schedule(student, "milestone", milestone.id, title, due, goal.remind_days)
    return milestone


def _own_milestone(student: User, milestone_id) -> Milestone:
    return get_or_404(Milestone.select().join(Goal), Milestone.id == parse_id(milestone_id), Goal.student == student,
                      message=N_("Этап не найден."))


def toggle_milestone(student: User, milestone_id) -> Milestone:
    milestone = _own_milestone(student, milestone_id)
    with database.atomic():
        milestone.done_at = None if milestone.done_at else utcnow()
        milestone.save()
        if milestone.done_at:
            reminders.cancel("milestone", milestone.id, student)
    return milestone


def delete_milestone(student: User, milestone_id) -> Goal:
    milestone = _own_milestone(student, milestone_id)
    goal = milestone.goal
    with database.atomic():
        reminders.cancel("milestone", milestone.id, student)
        milestone.delete_instance()
    return goal


# -- closing a goal: reflection and the achievement it produced ------------------------------------------

def close_goal(student: User, goal_id, outcome: str, answers: dict, make_achievement: bool,
               today: datetime.date):
    """Close a goal as reached ("done") or let it go ("dropped"). A reflection is required
    (what worked, what I learned, my next step); a reached goal may create the achievement
    draft it produced. Returns (goal, achievement or None)."""
    from appliance.services import portfolio, reflection

    goal = own_goal(student, goal_id)
    if goal.status != "active":
        raise Rejected(N_("Эта цель уже закрыта."))
    if outcome not in ("done", "dropped"):
        raise Rejected(N_("Выбери, достигнута цель или нет."))
    evaluation = _text(answers.get("evaluation"), N_("Что получилось"))
    conclusion = _text(answers.get("conclusion"), N_("Чему научился"))
    if len(evaluation) + len(conclusion) < 10:
        raise Rejected(N_("Оглянись назад: напиши хотя бы пару предложений о том, что получилось и чему удалось научиться."))
    achievement = None
    with database.atomic():
        if make_achievement and outcome == "done":
            achievement = portfolio.create_draft(
                student, competency_ids=[str(link.competency_id) for link in goal.competencies], today=today,
                title=goal.title[:200], date=today, description=goal.measure)
            goal.achievement_id = achievement.id
        result = N_("Цель достигнута") if outcome == "done" else russian.word_for(
            student.full_name, N_("Цель не достигнута, я её закрыл"), N_("Цель не достигнута, я её закрыла"))
        note = reflection.save(student, {"description": f"{result}: {goal.title}", "evaluation": evaluation,
                                         "conclusion": conclusion,
                                         "next_step": _text(answers.get("next_step"), N_("Следующий шаг"))},
                               achievement_id=achievement.id if achievement else None)
        goal.status, goal.closed_at, goal.closing_reflection_id = outcome, utcnow(), note.id
        goal.save()
        reminders.cancel("goal", goal.id, student)
        for milestone in goal.milestones:
            reminders.cancel("milestone", milestone.id, student)
    return goal, achievement


def reflection_next_step(student: User, reflection_id) -> tuple[str, str]:
    """The next step written in one of the student's reflections: (id, text) to start a goal from."""
    from appliance.models.portfolio import Reflection

    found = get_or_404(Reflection, Reflection.id == parse_id(reflection_id), Reflection.student == student,
                       message=N_("Рефлексия не найдена."), visible=lambda found: bool(found.next_step.strip()))
    return str(found.id), found.next_step.strip()


def open_next_steps(student: User, limit: int = 5) -> list:
    """Recent reflections with a next step that no goal has started from yet."""
    from appliance.models.portfolio import Reflection

    used = {g.reflection_id for g in Goal.select(Goal.reflection_id).where((Goal.student == student)
                                                                            & Goal.reflection_id.is_null(False))}
    rows = (Reflection.select().where((Reflection.student == student) & (Reflection.next_step != ""))
            .order_by(Reflection.created_at.desc()).limit(limit + len(used)))
    return [row for row in rows if row.id not in used][:limit]


# -- comments of the class teacher -------------------------------------------------------------------------

def comment_goal(teacher: User, goal_id, text: str) -> GoalComment:
    goal = goal_for(teacher, goal_id)
    if teacher.role != TEACHER or not access.is_class_teacher_of(teacher, goal.student):
        raise Forbidden(N_("Комментировать цели может классный руководитель."))
    text = _text(text, N_("Комментарий"))
    if not text:
        raise Rejected(N_("Напишите текст комментария."))
    with database.atomic():
        comment = GoalComment.create(goal=goal, author=teacher, text=text)
        notifications.commented(goal.student_id, teacher, f"комментарий к цели «{goal.title}»",
                                links.LinkTarget.of(links.GOAL, goal.id), group=goal.id.hex)
    return comment


# -- tasks -------------------------------------------------------------------------------------------------

def add_task(student: User, form: dict, today: datetime.date) -> Task:
    if student.role != STUDENT:
        raise Forbidden(N_("Задачи ведёт ученик."))
    title = _title(form.get("title"), N_("Напиши, что нужно сделать."))
    due = _date(form.get("due_on"), N_("Срок задачи"), required=False)
    if due is not None and due < today:
        raise Rejected(N_("Срок задачи уже прошёл. Выбери сегодняшний день или позже."))
    goal = own_goal(student, form["goal_id"]) if form.get("goal_id") else None
    if goal is not None and due is not None and due > goal.deadline:
        raise Rejected(N_("Задача к цели не может быть позже срока цели (%(day)s)."),
                       day=goal.deadline.strftime("%d.%m.%Y"))
    days = reminders.clamp_days(form.get("remind_days", 1), 1)
    with database.atomic():
        task = Task.create(student=student, title=title, due_on=due, goal=goal, remind_days=days)
        if due is not None:
            reminders.schedule(student, "task", task.id, title, due, days)
    return task


def _own_task(student: User, task_id) -> Task:
    return get_or_404(Task, Task.id == parse_id(task_id), Task.student == student, message=N_("Задача не найдена."))


def set_task_status(student: User, task_id, status: str) -> Task:
    task = _own_task(student, task_id)
    if status not in TASK_STATUSES:
        raise Rejected(N_("Неизвестное состояние задачи."))
    with database.atomic():
        task.status = status
        task.save()
        if status == "done":
            reminders.cancel("task", task.id, student)
    return task


def delete_task(student: User, task_id) -> None:
    task = _own_task(student, task_id)
    with database.atomic():
        reminders.cancel("task", task.id, student)
        task.delete_instance()


def tasks_of(student: User, include_done: bool = True) -> list[Task]:
    query = Task.select().where(Task.student == student)
    if not include_done:
        query = query.where(Task.status != "done")
    # Open tasks first, nearest due date first, undated ones after dated ones.
    return list(query.order_by(Task.status == "done", Task.due_on.is_null(), Task.due_on, Task.created_at))
