"""The administration's portfolio pages: school indicators with charts and CSV, the editable
lists, competency frameworks and the register of missing consents."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import charts as chart_builder
from appliance.documents.csv_table import csv_table
from appliance.i18n import N_
from appliance.models.people import ADMIN, ClassGroup
from appliance.services import catalogs, competencies, consent, effectiveness, indicators, kept, terms, validation
from appliance.services import school as school_service
from appliance.services.errors import ImportRejected, ServiceError
from webui import downloads
from webui.auth import role_required
from webui.dates import school_today
from webui.messages import text_of
from webui.portfolio import svg_response

bp = Blueprint("indicators", __name__, url_prefix="/indicators")


def _school():
    return current_user.model.school


def _filters() -> tuple[int | None, ClassGroup | None]:
    year = validation.query_year(request.args.get("year"), N_("Учебный год"))
    group = None
    class_id = request.args.get("class", "")
    if class_id:
        group = next((c for c in school_service.classes(_school()) if c.id.hex == class_id), None)
    return year, group


def _charts(found: indicators.Indicators) -> dict:
    levels = [name for name, _ in found.by_level]
    results = [name for name, _ in found.by_result]
    return {
        "shares": chart_builder.share_chart(
            _("Доли учеников"),
            [(_("Учеников хотя бы с одним подтверждённым достижением"), found.share_with_confirmed,
              _("С достижением")),
             (_("Победители и призёры регионального уровня и выше"), found.share_regional_prize,
              _("Призёры от региона"))],
            target=found.target),
        "levels": chart_builder.level_result_chart(found.level_result, levels, results),
        "directions": chart_builder.bar_chart(_("По направлениям"), found.by_direction),
        "classes": chart_builder.bar_chart(_("По классам"), found.by_class, horizontal=False),
        "years": chart_builder.bar_chart(_("По учебным годам"), found.by_year, horizontal=False, color="#2e8b57"),
        "teachers": chart_builder.bar_chart(_("Самые активные педагоги"), found.top_teachers, color="#f2b705"),
    }


def _counted(year: int | None, group: ClassGroup | None) -> tuple[indicators.Indicators, dict]:
    """The indicators and their charts (each drawn once, when first shown), counted again only
    after a change to the tables they come from: at 1,200 pupils counting takes about half a second."""
    school = _school()
    key = ("indicators", school.id, year, group.id if group else None, str(get_locale()))
    return kept.value(key, lambda: _with_charts(indicators.school_indicators(school, year, group)))


def _with_charts(found: indicators.Indicators) -> tuple[indicators.Indicators, dict]:
    return found, _charts(found)


@bp.get("/")
@role_required(ADMIN)
def home():
    year, group = _filters()
    found, charts = _counted(year, group)
    school = _school()
    return render_template("indicators/home.html", found=found, charts=charts,
                           years=kept.value(("indicator years", school.id),
                                            lambda: indicators.years_with_achievements(school)),
                           classes=school_service.classes(_school()), year_label=terms.school_year_label,
                           query=request.args)


@bp.get("/chart/<name>.svg")
@role_required(ADMIN)
def chart(name: str):
    year, group = _filters()
    _, built = _counted(year, group)
    if name not in built:
        abort(404)
    return svg_response(built[name].svg)


@bp.get("/indicators.csv")
@role_required(ADMIN)
def export_csv():
    year, group = _filters()
    response = Response(indicators.indicators_csv(indicators.school_indicators(_school(), year, group)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="portfolio_indicators.csv"'
    return response


# -- the map of the portal's effectiveness ------------------------------------------------------------

def _term() -> terms.Term:
    today = school_today()
    year = validation.query_year(request.args.get("year"), N_("Учебный год"))
    number = request.args.get("term", "").strip()
    current = terms.term_of(today)
    if year is None and not number:
        return current
    per_year = current.per_year
    try:
        number = validation.integer(number or "1", N_("Четверть"), 1, per_year)
    except validation.Invalid as exc:
        exc.status = 400
        raise
    return terms.Term(year if year is not None else current.school_year, number, per_year)


def _effectiveness() -> effectiveness.EffectivenessMap:
    return effectiveness.map_for(_school(), _term(), school_today())


@bp.get("/effectiveness")
@role_required(ADMIN)
def effectiveness_page():
    found = _effectiveness()
    weeks = chart_builder.bar_chart(_("Активные пользователи по неделям"),
                                    [(day.strftime("%d.%m"), count) for day, count in found.weeks],
                                    label=_("Вошли"), horizontal=False)
    current = terms.term_of(school_today())
    choices = [terms.Term(current.school_year, n, current.per_year) for n in range(1, current.per_year + 1)]
    return render_template("indicators/effectiveness.html", found=found, measures=effectiveness.MEASURES,
                           weeks=weeks, choices=choices, query=request.args)


@bp.get("/effectiveness/weeks.svg")
@role_required(ADMIN)
def effectiveness_chart():
    found = _effectiveness()
    return svg_response(chart_builder.bar_chart(_("Активные пользователи по неделям"),
                                                [(day.strftime("%d.%m"), count) for day, count in found.weeks],
                                                label=_("Вошли"), horizontal=False).svg)


@bp.get("/effectiveness.csv")
@role_required(ADMIN)
def effectiveness_csv():
    response = Response(csv_table(effectiveness.map_csv(_effectiveness())), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="portal_effectiveness.csv"'
    return response


@bp.route("/lists", methods=["GET", "POST"])
@role_required(ADMIN)
def lists():
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.form.get("entry_id"):
                catalogs.update_entry(request.form["entry_id"], request.form.get("name", ""),
                                      request.form.get("active") == "1",
                                      int(request.form["rank"]) if request.form.get("rank", "").isdigit() else None)
            else:
                catalogs.add_entry(request.form.get("catalog", ""), request.form.get("name", ""),
                                   int(request.form["rank"]) if request.form.get("rank", "").isdigit() else 1)
            flash(_("Список сохранён."), "success")
            return redirect(url_for("indicators.lists"))
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
    return render_template("indicators/lists.html", lists=catalogs.all_entries(include_hidden=True),
                           titles=catalogs.CATALOG_TITLES, error=error, in_use=catalogs.in_use), status


@bp.get("/frameworks/template-<encoding>.csv")
@role_required(ADMIN)
def frameworks_template(encoding: str):
    return downloads.csv_template(competencies.TEMPLATE, encoding, "шаблон-компетенции")


@bp.route("/frameworks", methods=["GET", "POST"])
@role_required(ADMIN)
def frameworks():
    error, rows, status = None, [], 200
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "import":
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    raise ImportRejected("Выберите файл .json или .csv.")
                found = competencies.import_framework(upload.read(), upload.filename,
                                                      request.form.get("name", ""), request.form.get("code", ""))
                flash(_("Модель «%(name)s» загружена.", name=found.name), "success")
            elif action == "activate":
                found = competencies.set_active_framework(request.form.get("framework_id"))
                flash(_("Ученики теперь оценивают себя по модели «%(name)s».", name=found.name), "success")
            elif action == "terms":
                terms.set_terms_per_year(int(request.form.get("terms", "0") or 0))
                flash(_("Деление учебного года сохранено."), "success")
            return redirect(url_for("indicators.frameworks"))
        except ImportRejected as exc:
            error, rows, status = text_of(exc.message), [str(r) for r in exc.rows], exc.status
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
    return render_template("indicators/frameworks.html", frameworks=competencies.frameworks(),
                           active=competencies.active_framework(), error=error, rows=rows,
                           competencies_of=competencies.competencies_of, terms=terms.terms_per_year()), status


@bp.get("/consent")
@role_required(ADMIN)
def consent_register():
    missing = consent.students_without_consent(_school())
    return render_template("indicators/consent.html", missing=missing, counts=consent.missing_counts(missing),
                           states=consent.MISSING_STATES, text_version=consent.CONSENT_VERSION,
                           text=consent.consent_text())


def _refusals_text(row: consent.MissingConsent) -> str:
    return ", ".join(f"{parent.full_name} ({format_date(when, 'dd.MM.yyyy')})" for parent, when in row.refusals)


@bp.get("/consent.csv")
@role_required(ADMIN)
def consent_csv():
    rows = [["Класс", "Ученик", "Состояние", "Отказались", "Родители в портале"]]
    rows += [[row.group.name if row.group else "", row.student.full_name, _(consent.MISSING_STATES[row.state]),
              _refusals_text(row), ", ".join(p.full_name for p in row.parents)]
             for row in consent.students_without_consent(_school())]
    response = Response(csv_table(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="no_consent.csv"'
    return response

