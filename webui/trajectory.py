"""The trajectory pages («Активности» in the menu; the address stays /activities/ for bookmarks):
the student's tasks and SMART goals with milestones; closing a goal with a reflection and an
achievement draft. The class teacher reads the goals and comments on them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.models.people import STUDENT, TEACHER
from appliance.services import access, competencies, guidance, reflection, remarks, reminders, trajectory
from appliance.services import calendar as cal
from appliance.services import school as school_service
from appliance.services.errors import NotFound, ServiceError
from webui.auth import role_required
from webui.dates import school_today
from webui.forms import form_dict
from webui.messages import text_of

bp = Blueprint("trajectory", __name__, url_prefix="/activities")


def _competencies() -> list:
    from appliance.services import competencies

    try:
        return competencies.competencies_of(competencies.active_framework(), leaves_only=True)
    except NotFound:
        return []


@bp.get("/")
@role_required(STUDENT)
def index():
    me = current_user.model
    return render_template("trajectory/index.html", tasks=trajectory.tasks_of(me),
                           active=trajectory.goals_of(me, "active"),
                           closed=[g for g in trajectory.goals_of(me) if g.status != "active"],
                           next_steps=trajectory.open_next_steps(me), today=school_today(),
                           unread=reminders.unread_count(me))


@bp.post("/tasks")
@role_required(STUDENT)
def add_task():
    try:
        trajectory.add_task(current_user.model, form_dict(), school_today())
    except ServiceError as exc:
        return _index_with_error(text_of(exc.message), exc.status)
    flash(_("Задача добавлена."), "success")
    return redirect(url_for("trajectory.index") + "#tasks")


def _index_with_error(message: str, status: int):
    me = current_user.model
    return render_template("trajectory/index.html", tasks=trajectory.tasks_of(me),
                           active=trajectory.goals_of(me, "active"),
                           closed=[g for g in trajectory.goals_of(me) if g.status != "active"],
                           next_steps=trajectory.open_next_steps(me), today=school_today(), error=message,
                           form=request.form, unread=reminders.unread_count(me)), status


@bp.post("/task/<task_id>/status")
@role_required(STUDENT)
def task_status(task_id: str):
    trajectory.set_task_status(current_user.model, task_id, request.form.get("status", ""))
    return redirect(url_for("trajectory.index") + "#tasks")


@bp.post("/task/<task_id>/delete")
@role_required(STUDENT)
def delete_task(task_id: str):
    trajectory.delete_task(current_user.model, task_id)
    flash(_("Задача удалена."), "info")
    return redirect(url_for("trajectory.index") + "#tasks")


def _goal_form(goal=None, values=None, error=None, status=200, origin="scratch", origin_note="", reflection_id=""):
    me = current_user.model
    events = cal.upcoming(me, school_today())
    return render_template("trajectory/goal_form.html", goal=goal, values=values or {}, error=error,
                           competencies=_competencies(), events=events, origin=origin, origin_note=origin_note,
                           reflection_id=reflection_id, today=school_today()), status


@bp.get("/goal/new")
@role_required(STUDENT)
def new_goal():
    me = current_user.model
    values: dict = {"remind_days": "3"}
    origin, note, reflection_id = "scratch", "", ""
    if request.args.get("reflection"):
        reflection_id, step = trajectory.reflection_next_step(me, request.args["reflection"])
        values["title"], origin, note = step, "reflection", step
    if request.args.get("event"):
        event = cal.visible_event(me, request.args["event"])
        values.update(title=_("Участвовать: %(title)s", title=event.title), event_ids=[str(event.id)],
                      deadline=event.starts_on.isoformat())
    if request.args.get("competency"):
        values["competency_ids"] = [request.args["competency"]]
        values.setdefault("title", request.args.get("title", ""))
    if request.args.get("reason"):
        origin, note = "recommendation", request.args["reason"]
        values.setdefault("why", "")
    return _goal_form(values=values, origin=origin, origin_note=note, reflection_id=reflection_id)


@bp.post("/goal/new")
@role_required(STUDENT)
def create_goal():
    data = form_dict()
    try:
        goal = trajectory.create_goal(current_user.model, data, school_today(), origin=data.get("origin", "scratch"),
                                      origin_note=data.get("origin_note", ""),
                                      reflection_id=data.get("reflection_id") or None)
    except ServiceError as exc:
        return _goal_form(values=data, error=text_of(exc.message), status=exc.status,
                          origin=data.get("origin", "scratch"), origin_note=data.get("origin_note", ""),
                          reflection_id=data.get("reflection_id", ""))
    flash(_("Цель поставлена. Добавь этапы — так путь станет понятнее."), "success")
    return redirect(url_for("trajectory.goal", goal_id=goal.id.hex))


@bp.route("/goal/<goal_id>/edit", methods=["GET", "POST"])
@role_required(STUDENT)
def edit_goal(goal_id: str):
    goal = trajectory.own_goal(current_user.model, goal_id)
    if request.method == "POST":
        data = form_dict()
        try:
            trajectory.update_goal(current_user.model, goal_id, data, school_today())
        except ServiceError as exc:
            return _goal_form(goal, data, text_of(exc.message), exc.status)
        flash(_("Цель сохранена."), "success")
        return redirect(url_for("trajectory.goal", goal_id=goal.id.hex))
    values = {"title": goal.title, "measure": goal.measure, "why": goal.why, "plan": goal.plan,
              "deadline": goal.deadline.isoformat(), "remind_days": goal.remind_days,
              "competency_ids": [str(link.competency_id) for link in goal.competencies],
              "event_ids": [str(e.id) for e in trajectory.events_of(goal)]}
    return _goal_form(goal, values)


def _goal_page(goal, error=None, status=200, close_error=None, form=None):
    return render_template("trajectory/goal.html", goal=goal, milestones=sorted(goal.milestones, key=lambda m: m.due_on),
                           competencies=trajectory.competencies_of(goal), events=trajectory.events_of(goal),
                           hints=trajectory.smart_hints(goal), comments=list(goal.comments), error=error,
                           close_error=close_error, form=form or {}, today=school_today(),
                           tasks=[t for t in goal.tasks]), status


@bp.get("/goal/<goal_id>")
@role_required(STUDENT)
def goal(goal_id: str):
    return _goal_page(trajectory.own_goal(current_user.model, goal_id))


@bp.post("/goal/<goal_id>/milestones")
@role_required(STUDENT)
def add_milestone(goal_id: str):
    try:
        trajectory.add_milestone(current_user.model, goal_id, request.form, school_today())
    except ServiceError as exc:
        return _goal_page(trajectory.own_goal(current_user.model, goal_id), text_of(exc.message), exc.status,
                          form=request.form)
    flash(_("Этап добавлен."), "success")
    return redirect(url_for("trajectory.goal", goal_id=goal_id))


@bp.post("/milestone/<milestone_id>/toggle")
@role_required(STUDENT)
def toggle_milestone(milestone_id: str):
    milestone = trajectory.toggle_milestone(current_user.model, milestone_id)
    return redirect(url_for("trajectory.goal", goal_id=milestone.goal.id.hex))


@bp.post("/milestone/<milestone_id>/delete")
@role_required(STUDENT)
def delete_milestone(milestone_id: str):
    goal = trajectory.delete_milestone(current_user.model, milestone_id)
    return redirect(url_for("trajectory.goal", goal_id=goal.id.hex))


@bp.post("/goal/<goal_id>/close")
@role_required(STUDENT)
def close_goal(goal_id: str):
    try:
        goal, achievement = trajectory.close_goal(
            current_user.model, goal_id, request.form.get("outcome", ""),
            {name: request.form.get(name, "") for name in ("evaluation", "conclusion", "next_step")},
            request.form.get("achievement") == "1", school_today())
    except ServiceError as exc:
        return _goal_page(trajectory.own_goal(current_user.model, goal_id), close_error=text_of(exc.message),
                          status=exc.status, form=request.form)
    if achievement is not None:
        flash(_("Цель закрыта, рефлексия сохранена. Черновик достижения создан — допиши его и отправь на проверку."),
              "success")
    else:
        flash(_("Цель закрыта, рефлексия сохранена. Следующий шаг — новая цель!"), "success")
    return redirect(url_for("trajectory.goal", goal_id=goal.id.hex))


# -- the class teacher ---------------------------------------------------------------------------

@bp.get("/class/")
@role_required(TEACHER)
def class_overview():
    me = current_user.model
    groups = [group for group, leads in school_service.teacher_classes(me) if leads]
    pupils = [(group, student) for group in groups for student in school_service.students_of(group)]
    students = [student for _, student in pupils]
    goals, shared = trajectory.goal_counts(students, "active"), guidance.latest_shared(students)
    rows = [(group, student, goals[student.id], shared[student.id]) for group, student in pupils]
    return render_template("trajectory/class.html", rows=rows, groups=groups)


@bp.get("/student/<student_id>")
@role_required(TEACHER)
def student_trajectory(student_id: str):
    student = access.student_for(current_user.model, student_id)
    if not access.is_class_teacher_of(current_user.model, student):
        raise NotFound(_("Ученик не найден."))
    framework = competencies.active_framework()
    latest: dict = {}
    for row in competencies.history(student, framework):
        latest.setdefault(row.competency_id, row)  # newest first: the latest score of each competency
    return render_template("trajectory/student.html", student=student, goals=trajectory.goals_of(student),
                           shared=guidance.shared_of(student), today=school_today(),
                           reflections=reflection.shared_of(student), answers_of=reflection.answers_of,
                           reflection_threads=remarks.threads_of(student, remarks.REFLECTION),
                           assessments=sorted(latest.values(), key=lambda row: row.competency.position),
                           assessment_threads=remarks.threads_of(student, remarks.SELF_ASSESSMENT))


@bp.post("/remark")
@role_required(TEACHER)
def remark():
    """The class teacher comments on a reflection the student showed them, or on a self-assessment."""
    made = remarks.comment(current_user.model, request.form.get("subject", ""), request.form.get("subject_id", ""),
                           request.form.get("text", ""))
    flash(_("Комментарий сохранён."), "success")
    return redirect(url_for("trajectory.student_trajectory", student_id=made.student_id.hex))


@bp.post("/goal/<goal_id>/comment")
@role_required(TEACHER)
def comment_goal(goal_id: str):
    comment = trajectory.comment_goal(current_user.model, goal_id, request.form.get("text", ""))
    flash(_("Комментарий сохранён."), "success")
    return redirect(url_for("trajectory.student_trajectory", student_id=comment.goal.student.id.hex))
