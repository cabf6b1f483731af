"""Web addresses of the link targets the core returns (appliance.services.links)."""

from __future__ import annotations

from flask import Flask, url_for

from appliance.services import links
from appliance.services.links import LinkTarget

PLAIN = {links.ACHIEVEMENTS: "portfolio.achievements", links.REVIEW: "review.queue",
         links.CONSENT: "portfolio.family", links.BACKUPS: "admin.backups", links.SCHOOL: "admin.home",
         links.REFLECTIONS: "portfolio.reflections", links.SELF_ASSESSMENT: "portfolio.competencies_page",
         links.NEWS_LIST: "news.index",
         links.MEETINGS: "alumni.meetings", links.CLUB: "alumni.club"}


def url_of(target: LinkTarget | str | None) -> str:
    """The address of a target (or of one stored as text); "" when there is nothing to open."""
    if not isinstance(target, LinkTarget):
        target = LinkTarget.parse(target)
    if target is None:
        return ""
    if target.kind == links.EVENT:
        return url_for("calendar.event", event_id=target.id)
    if target.kind == links.GOAL:
        return url_for("trajectory.goal", goal_id=target.id)
    if target.kind == links.IDEA:
        return url_for("ideas.detail", idea_id=target.id)
    if target.kind == links.NEWS:
        return url_for("news.detail", news_id=target.id)
    if target.kind == links.TRIALS:
        return url_for("trials.mine")
    if target.kind == links.TASKS:
        return url_for("trajectory.index", _anchor="tasks")
    if target.kind in PLAIN:
        return url_for(PLAIN[target.kind])
    if target.kind == links.ACHIEVEMENT:
        return url_for("portfolio.detail", achievement_id=target.id)
    if target.kind == links.CHILD:
        return url_for("parent.child", student_id=target.id)
    if target.kind == links.PUPIL:
        return url_for("trajectory.student_trajectory", student_id=target.id)
    if target.kind == links.MENTORING_PAIR:
        return url_for("mentoring.pair", pair_id=target.id)
    if target.kind == links.SURVEY:
        return url_for("surveys.answer", survey_id=target.id)
    return url_for("trajectory.index")


def register(app: Flask) -> None:
    app.jinja_env.filters["url_of"] = url_of
