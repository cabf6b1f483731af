"""The parent's pages: their children, read-only."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from appliance.models.news import NEWS_STATUSES
from appliance.models.people import PARENT
from appliance.services import access, guidance, homes, news, portfolio, reflection
from appliance.services import school as school_service
from webui.auth import role_required
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
