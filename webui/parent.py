"""The parent's pages: their children, read-only: each child's card, the child's page, and the
child's calendar (month and week, as the child sees it, without changing anything)."""

from __future__ import annotations

import datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from appliance.i18n import N_
from appliance.models.news import NEWS_STATUSES
from appliance.models.people import PARENT
from appliance.services import access, guidance, homes, news, portfolio, reflection, validation
from appliance.services import calendar as cal
from appliance.services import school as school_service
from webui.auth import role_required
from webui.calendar import shift_month
from webui.dates import school_today

bp = Blueprint("parent", __name__, url_prefix="/parent")


@bp.get("/")
@role_required(PARENT)
def home():
    children = []
    for child in school_service.children_of(current_user.model):
        group = school_service.class_of(child)
        children.append({"user": child, "group": group,
                         "class_teachers": school_service.class_teachers(group) if group else [],
                         "card": homes.child_card(current_user.model, child, school_today())})
    return render_template("parent/home.html", children=children, statuses=portfolio.STATUS_TITLES,
                           school_news=news.latest(current_user.school), news_statuses=NEWS_STATUSES)


@bp.get("/child/<student_id>")
@role_required(PARENT)
def child(student_id: str):
    me = current_user.model
    student = access.student_for(me, student_id)
    group = school_service.class_of(student)
    today = school_today()
    return render_template("parent/child.html", student=student, group=group,
                           class_teachers=school_service.class_teachers(group) if group else [],
                           siblings=school_service.children_of(me), card=homes.child_card(me, student, today),
                           goals=homes.goals_with_progress(student), statuses=portfolio.STATUS_TITLES,
                           achievements=portfolio.achievements_of(student, viewer=me)[:10],
                           reflections=reflection.shared_of(student, with_parents=True), answers_of=reflection.answers_of,
                           tests=guidance.shared_with_parents_of(student))


# -- the child's calendar (read-only) --------------------------------------------------------------

@bp.get("/calendar")
@role_required(PARENT)
def calendar():
    """The menu's «Календарь»: the first child's month (a parent of two switches on the page)."""
    children = school_service.children_of(current_user.model)
    if not children:
        return redirect(url_for("calendar.events"))
    return redirect(url_for("parent.child_month", student_id=children[0].id.hex))


@bp.get("/calendar/<student_id>")
@role_required(PARENT)
def child_month(student_id: str):
    me = current_user.model
    student = access.student_for(me, student_id)
    today = school_today()
    year, month = validation.query_month(request.args.get("m"), N_("Месяц")) or (today.year, today.month)
    weeks = cal.month_weeks(year, month)
    items = cal.personal_items(student, weeks[0][0], weeks[-1][-1])
    return render_template("parent/calendar.html", view="month", student=student,
                           siblings=school_service.children_of(me), weeks=weeks, days=cal.by_day(items),
                           month=month, first=datetime.date(year, month, 1), today=today,
                           prev=shift_month(year, month, -1), next=shift_month(year, month, 1),
                           items=[i for i in items if i.day.month == month])


@bp.get("/calendar/<student_id>/week")
@role_required(PARENT)
def child_week(student_id: str):
    me = current_user.model
    student = access.student_for(me, student_id)
    today = school_today()
    day = validation.query_date(request.args.get("d"), N_("Неделя")) or today
    start = day - datetime.timedelta(days=day.weekday())
    days = [start + datetime.timedelta(days=n) for n in range(7)]
    return render_template("parent/calendar.html", view="week", student=student,
                           siblings=school_service.children_of(me), days=days, today=today,
                           items=cal.by_day(cal.personal_items(student, days[0], days[-1])),
                           prev=(start - datetime.timedelta(days=7)).isoformat(),
                           next=(start + datetime.timedelta(days=7)).isoformat())
