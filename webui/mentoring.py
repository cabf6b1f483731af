"""Mentoring: a person's own pairs (as mentor or mentee), the request for a mentor, a pair's page with
its meetings, notes and closing reflections, the parents' read-only view, and the coordinator's
register, pairing and report. Outside mentors (role MENTOR) reach these pages and nothing else."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import charts as chart_builder
from appliance.documents.csv_table import csv_table
from appliance.models.mentoring import (
    FORMS,
    GOALS_REACHED,
    GROUP_MAX,
    MEETING_FORMATS,
    MEETING_STATUSES,
    MENTOR_KINDS,
    NEEDS,
    OUTSIDE_KINDS,
    PAIR_STATUSES,
    REQUEST_STATUSES,
)
from appliance.models.people import ADMIN, MENTOR, PARENT, STUDENT, TEACHER
from appliance.models.trajectory import GOAL_STATUS_WORDS
from appliance.services import kept, mentoring, trials, validation, years
from appliance.services import school as school_service
from appliance.services.errors import ServiceError
from webui.auth import role_required
from webui.dates import school_today
from webui.messages import text_of
from webui.portfolio import svg_response

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
EVERYONE = (STUDENT, TEACHER, PARENT, ADMIN, MENTOR)
STAFF = (TEACHER, ADMIN)


def _names() -> dict:
    return {"forms": FORMS, "mentor_kinds": MENTOR_KINDS, "needs": NEEDS, "meeting_formats": MEETING_FORMATS,
            "pair_statuses": PAIR_STATUSES, "meeting_statuses": MEETING_STATUSES, "goals_reached": GOALS_REACHED,
            "request_statuses": REQUEST_STATUSES, "outside_kinds": OUTSIDE_KINDS, "label_of": mentoring.label_of,
            "kind_of": mentoring.kind_of,
            "year_label": years.label, "today": school_today(), "goal_statuses": GOAL_STATUS_WORDS,
            "mentoring_member_name": mentoring.member_name,
            "is_coordinator": mentoring.is_coordinator(current_user.model)}


# -- one's own mentoring ---------------------------------------------------------------------------

@bp.get("/")
@role_required(*EVERYONE)
def index():
    me = current_user.model
    if me.role == ADMIN:
        return redirect(url_for("mentoring.coordinate"))
    children = mentoring.of_children(me) if me.role == PARENT else []
    return render_template("mentoring/mine.html", mine=mentoring.mine(me), can_apply=mentoring.can_apply(me),
                           children=children, **_names())


@bp.route("/apply", methods=["GET", "POST"])
@role_required(STUDENT, TEACHER, PARENT)
def apply():
    error, status = None, 200
    if request.method == "POST":
        try:
            mentoring.apply(current_user.model, g.settings.data_dir, request.form)
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("Заявка подана. Координатор наставничества подберёт наставника."), "success")
            return redirect(url_for("mentoring.index"))
    definition = mentoring.needs_questionnaire(g.settings.data_dir)
    return render_template("mentoring/apply.html", error=error, values=request.form, definition=definition,
                           questions=definition.answer_specs(current_user.role),
                           open_request=mentoring.my_open_request(current_user.model), **_names()), status


@bp.post("/request/<request_id>/withdraw")
@role_required(STUDENT, TEACHER, PARENT)
def withdraw(request_id: str):
    mentoring.withdraw(current_user.model, request_id)
    flash(_("Заявка отозвана."), "success")
    return redirect(url_for("mentoring.index"))


def _pair_page(pair, error=None, status=200):
    me = current_user.model
    if pair.group_id is not None and mentoring.side_of(me, pair) != "mentee" and error is not None \
            and mentoring.can_see_group(me, pair.group):
        return _group_page(pair.group, error, status)
    side = mentoring.side_of(me, pair)
    meetings = mentoring.meetings_of(pair)
    group = pair.group if pair.group_id is not None else None
    trajectory_goals = mentoring.has_trajectory_goals(pair)
    return render_template("mentoring/pair.html", pair=pair, meetings=meetings, side=side, group=group,
                           fellows=[p for p in mentoring.members_of(group) if p.id != pair.id] if group else [],
                           can_manage=mentoring.can_manage(me, pair) and (group is None or
                                                                          mentoring.can_manage_group(me, group)),
                           can_keep_goals=trajectory_goals and pair.status == "active"
                           and (pair.mentor_id == me.id or mentoring.is_coordinator(me)),
                           trajectory_goals=trajectory_goals,
                           goals=mentoring.pair_goals(pair) if trajectory_goals else [],
                           proposed=mentoring.proposed_reached([pair]), error=error,
                           can_reflect=mentoring.can_reflect(me, pair, meetings), **_names()), status


def _group_page(group, error=None, status=200):
    me = current_user.model
    members = mentoring.members_of(group)
    side = mentoring.group_side(me, group, members)
    own = mentoring.own_pair_in(me, members)
    # A mentee and a parent see the group through their own pair's rows (with the mentor's notes).
    meetings = mentoring.meetings_of(own) if own is not None and side != "mentor" else mentoring.group_meetings(group, members)
    return render_template("mentoring/group.html", group=group, members=members, side=side, own=own,
                           meetings=meetings, can_manage=mentoring.can_manage_group(me, group),
                           sees_members=side == "mentor" or (mentoring.is_coordinator(me) and own is None),
                           member_name=mentoring.member_name, proposed=mentoring.proposed_reached(members),
                           error=error, **_names()), status


def _after(pair) -> str:
    """Where an action on a pair's meeting returns: a group's mentor and the coordinator to the group."""
    if pair.group_id is not None and mentoring.side_of(current_user.model, pair) != "mentee" \
            and mentoring.can_see_group(current_user.model, pair.group):
        return url_for("mentoring.group", mentoring_group_id=pair.group_id.hex)
    return url_for("mentoring.pair", pair_id=pair.id.hex)


@bp.get("/pair/<pair_id>")
@role_required(*EVERYONE)
def pair(pair_id: str):
    return _pair_page(mentoring.get_pair(current_user.model, pair_id))


def _pair_action(pair_id: str, action, done: str):
    found = mentoring.get_pair(current_user.model, pair_id)
    try:
        action()
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _pair_page(mentoring.get_pair(current_user.model, pair_id), text_of(exc.message), exc.status)
    flash(done, "success")
    return redirect(_after(found))


@bp.post("/pair/<pair_id>/meeting")
@role_required(*EVERYONE)
def add_meeting(pair_id: str):
    found = mentoring.get_pair(current_user.model, pair_id)
    return _pair_action(found.id.hex, lambda: mentoring.add_meeting(current_user.model, pair_id, request.form,
                                                                    school_today()),
                        _("Встреча запланирована и появилась в календаре."))


@bp.post("/meeting/<mentoring_meeting_id>/note")
@role_required(*EVERYONE)
def note(mentoring_meeting_id: str):
    meeting, found = mentoring.get_meeting(current_user.model, mentoring_meeting_id)
    return _pair_action(found.id.hex, lambda: mentoring.note_meeting(current_user.model, mentoring_meeting_id, request.form,
                                                                     school_today()),
                        _("Заметка о встрече сохранена."))


@bp.post("/meeting/<mentoring_meeting_id>/cancel")
@role_required(*EVERYONE)
def cancel_meeting(mentoring_meeting_id: str):
    meeting, found = mentoring.get_meeting(current_user.model, mentoring_meeting_id)
    return _pair_action(found.id.hex, lambda: mentoring.cancel_meeting(current_user.model, mentoring_meeting_id),
                        _("Встреча отменена."))


@bp.post("/pair/<pair_id>/reflection")
@role_required(*EVERYONE)
def reflect(pair_id: str):
    found = mentoring.get_pair(current_user.model, pair_id)
    return _pair_action(found.id.hex, lambda: mentoring.reflect(current_user.model, pair_id, request.form),
                        _("Итоги сохранены. Спасибо!"))


@bp.post("/pair/<pair_id>/close")
@role_required(*STAFF)
def close(pair_id: str):
    found = mentoring.get_pair(current_user.model, pair_id)
    return _pair_action(found.id.hex, lambda: mentoring.close_pair(current_user.model, pair_id, request.form),
                        _("Пара закрыта."))


@bp.post("/pair/<pair_id>/goal")
@role_required(*EVERYONE)
def add_goal(pair_id: str):
    found = mentoring.get_pair(current_user.model, pair_id)
    return _pair_action(found.id.hex, lambda: mentoring.add_pair_goal(current_user.model, pair_id, request.form,
                                                                      school_today()),
                        _("Цель добавлена: наставляемый видит её в «Активностях»."))


@bp.post("/milestone/<mentoring_milestone_id>/done")
@role_required(*EVERYONE)
def milestone_done(mentoring_milestone_id: str):
    milestone, found = mentoring.mark_milestone(current_user.model, mentoring_milestone_id)
    flash(_("Этап отмечен.") if milestone.done_at else _("Отметка этапа снята."), "success")
    return redirect(url_for("mentoring.pair", pair_id=found.id.hex) + "#goals")


# -- small groups ----------------------------------------------------------------------------------

@bp.get("/group/<mentoring_group_id>")
@role_required(*EVERYONE)
def group(mentoring_group_id: str):
    return _group_page(mentoring.get_group(current_user.model, mentoring_group_id))


def _group_action(group_id: str, action, done: str):
    found = mentoring.get_group(current_user.model, group_id)
    try:
        action()
    except ServiceError as exc:
        if exc.status == 404:
            raise
        return _group_page(mentoring.get_group(current_user.model, group_id), text_of(exc.message), exc.status)
    flash(done, "success")
    return redirect(url_for("mentoring.group", mentoring_group_id=found.id.hex))


@bp.post("/group/<mentoring_group_id>/meeting")
@role_required(*EVERYONE)
def add_group_meeting(mentoring_group_id: str):
    return _group_action(mentoring_group_id, lambda: mentoring.add_group_meeting(
        current_user.model, mentoring_group_id, request.form, school_today()),
        _("Встреча запланирована и появилась в календаре у всей группы."))


@bp.post("/group/<mentoring_group_id>/close")
@role_required(*STAFF)
def close_group(mentoring_group_id: str):
    return _group_action(mentoring_group_id, lambda: mentoring.close_group(current_user.model, mentoring_group_id,
                                                                           request.form),
                         _("Группа закрыта."))


@bp.post("/group/<mentoring_group_id>/member")
@role_required(*STAFF)
def add_group_member(mentoring_group_id: str):
    return _group_action(mentoring_group_id, lambda: mentoring.add_group_member(
        current_user.model, mentoring_group_id, request.form, school_today()),
        _("Участник добавлен: цели группы и её встречи — у него в траектории и календаре."))


@bp.post("/group/<mentoring_group_id>/member/<pair_id>/remove")
@role_required(*STAFF)
def remove_group_member(mentoring_group_id: str, pair_id: str):
    return _group_action(mentoring_group_id, lambda: mentoring.remove_group_member(
        current_user.model, mentoring_group_id, pair_id),
        _("Участник выведен из группы: его встречи с группой отменены, заметки и цели остались у него."))


@bp.route("/groups/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_group():
    _coordinator()
    me = current_user.model
    error, status = None, 200
    values = dict(request.form)
    chosen = request.form.getlist("request")
    if request.method == "POST":
        try:
            made = mentoring.form_group(me, request.form, chosen, school_today())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("Группа создана. Каждый наставляемый видит её и первую встречу в календаре."), "success")
            return redirect(url_for("mentoring.group", mentoring_group_id=made.id.hex))
    register = [line for line in mentoring.register(me.school) if line.profile.active]
    return render_template("mentoring/group_form.html", error=error, values=values, register=register,
                           chosen=chosen, requests=mentoring.open_requests(me.school), group_max=GROUP_MAX,
                           **_names()), status


# -- the coordinator -----------------------------------------------------------------------------------

def _coordinator() -> None:
    mentoring.require_coordinator(current_user.model)


@bp.get("/coordinate")
@role_required(*STAFF)
def coordinate():
    _coordinator()
    me = current_user.model
    status = request.args.get("status", "active")
    requests = mentoring.open_requests(me.school)
    definition = mentoring.needs_questionnaire(g.settings.data_dir)
    return render_template("mentoring/coordinate.html", register=mentoring.register(me.school), requests=requests,
                           answers={r.id: mentoring.answer_lines(r, definition) for r in requests},
                           pairs=mentoring.all_pairs(me, status), groups=mentoring.all_groups(me, status),
                           status=status, coordinators=mentoring.coordinators(me.school),
                           alumni=mentoring.alumni_offering(me.school),
                           teachers=school_service.search_users(me.school, "", TEACHER, limit=200)
                           if me.role == ADMIN else [], **_names())


@bp.post("/coordinators")
@role_required(ADMIN)
def set_coordinator():
    teacher = mentoring.set_coordinator(current_user.model, request.form.get("teacher"),
                                        request.form.get("on") == "1")
    flash(_("%(name)s: права координатора обновлены.", name=teacher.short_name), "success")
    return redirect(url_for("mentoring.coordinate"))


@bp.route("/mentors/new", methods=["GET", "POST"])
@role_required(*STAFF)
def add_mentor():
    _coordinator()
    me = current_user.model
    error, status, values = None, 200, dict(request.form)
    if request.method == "POST":
        try:
            profile = mentoring.add_mentor(me, request.form)
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("%(name)s в реестре наставников.", name=profile.user.short_name), "success")
            return redirect(url_for("mentoring.coordinate"))
    query = validation.text(request.args.get("q", "")[:100], 100, "q", one_line=True)
    found = mentoring.candidates(me.school, query)
    wanted = request.args.get("alumnus") or ""
    if wanted:  # «Внести в реестр» at a graduate who offered to mentor
        found = [u for u in mentoring.alumni_offering(me.school) if u.id.hex == wanted]
    return render_template("mentoring/mentor_form.html", error=error, values=values, query=query, found=found,
                           organisations=trials.organisations(me.school), **_names()), status


@bp.route("/mentors/outside", methods=["GET", "POST"])
@role_required(*STAFF)
def add_outside():
    _coordinator()
    me = current_user.model
    error, status, values = None, 200, dict(request.form)
    if request.method == "POST":
        try:
            made = mentoring.add_outside_mentor(me, request.form)
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            return render_template("mentoring/login_card.html", made=made, **_names())
    return render_template("mentoring/outside_form.html", error=error, values=values,
                           organisations=trials.organisations(me.school), **_names()), status


@bp.post("/mentor/<mentor_id>/active")
@role_required(*STAFF)
def mentor_active(mentor_id: str):
    mentoring.set_mentor_active(current_user.model, mentor_id, request.form.get("on") == "1")
    flash(_("Реестр наставников обновлён."), "success")
    return redirect(url_for("mentoring.coordinate"))


@bp.post("/mentor/<mentor_id>/card")
@role_required(*STAFF)
def login_card(mentor_id: str):
    made = mentoring.new_login_card(current_user.model, mentor_id)
    return render_template("mentoring/login_card.html", made=made, **_names())


@bp.route("/pairs/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new_pair():
    _coordinator()
    me = current_user.model
    error, status = None, 200
    values = dict(request.form) if request.method == "POST" else {"request": request.args.get("request", "")}
    if request.method == "POST":
        try:
            made = mentoring.form_pair(me, request.form, school_today())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            flash(_("Пара создана. Наставляемый видит её и первую встречу в календаре."), "success")
            return redirect(url_for("mentoring.pair", pair_id=made.id.hex))
    register = [line for line in mentoring.register(me.school) if line.profile.active]
    return render_template("mentoring/pair_form.html", error=error, values=values, register=register,
                           requests=mentoring.open_requests(me.school), **_names()), status


def _year() -> int | None:
    try:
        return validation.query_year(request.args.get("year"), _("Учебный год"))
    except ServiceError:
        return None


def _report() -> tuple[mentoring.Report, dict]:
    """The year's report with its charts, counted again only after a change to the tables it reads; the
    needs are counted on each visit (the school may change its questionnaire file at any time)."""
    me = current_user.model
    mentoring.require_coordinator(me)
    year = _year() or years.current_year(me.school)
    key = ("mentoring report", me.school_id, year, str(get_locale()))
    found, charts = kept.value(key, lambda: _with_charts(mentoring.report(me, year)))
    needs, requests = mentoring.needs_of_year(me.school, year, mentoring.needs_questionnaire(g.settings.data_dir))
    return dataclasses.replace(found, needs=needs, requests=requests), charts


def _with_charts(found: mentoring.Report) -> tuple[mentoring.Report, dict]:
    forms = [_(FORMS[line["form"]]) for line in found.by_form]
    short = [name.split(":")[0] for name in forms]  # «реверсивное: ученик — взрослый» → «реверсивное»
    statuses = [(words, [line[code] for line in found.by_form])
                for code, words in (("active", _("Работают")), ("finished", _("Завершены")), ("stopped", _("Прекращены")))]
    return found, {
        "pairs": chart_builder.stacked_bar_chart(_("Пары по формам и состояниям"), _("Форма"), forms, statuses,
                                                 "пара", labels=short),
        "satisfaction": chart_builder.averages_chart(
            _("Удовлетворённость по формам (1–5)"), _("Форма"), forms,
            [(_("Наставляемые"), [line["rating"] for line in found.by_form]),
             (_("Наставники"), [line["mentor_rating"] for line in found.by_form])], labels=short),
    }


@bp.get("/report")
@role_required(*STAFF)
def report():
    found, charts = _report()
    return render_template("mentoring/report.html", report=found, charts=charts, **_names())


@bp.get("/report/chart/<name>.svg")
@role_required(*STAFF)
def report_chart(name: str):
    _found, charts = _report()
    if name not in charts:
        abort(404)
    return svg_response(charts[name].svg)


def _csv_names() -> dict[str, str]:
    names = {code: _(name) for code, name in FORMS.items()}
    names.update({"form": _("Форма наставничества"), "active": _("Работают"), "finished": _("Завершены"),
                  "stopped": _("Прекращены"), "total": _("Всего пар"),
                  "in_groups": _("Из них в малых группах"), "meetings": _("Встреч проведено"),
                  "rating": _("Оценка наставляемых (1–5)"), "all": _("Все формы")})
    return names


@bp.get("/report.csv")
@role_required(*STAFF)
def report_csv():
    found = mentoring.report(current_user.model, _year())
    body = csv_table(mentoring.report_rows(found, _csv_names()))
    return Response(body.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=mentoring-{found.year}.csv"})
