"""The district's pages on the hub: schools and their snapshots, indicators across schools
(charts and CSV), and the ledger of received bundles. Everything is read through the core's
hub service; the import itself belongs to the sync package."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template
from flask_babel import gettext as _

from appliance.documents import charts as chart_builder
from appliance.models.people import DISTRICT
from appliance.services import hub as hub_service
from webui.auth import role_required
from webui.messages import text_of
from webui.portfolio import svg_response

bp = Blueprint("district", __name__, url_prefix="/district")

TARGET_SHARE = 25.0  # the share of winners and prize-winners the region aims at (seed 004)


def _rows() -> list[hub_service.SchoolRow]:
    return hub_service.schools(g.settings.hub.silent_days)


@bp.get("/")
@role_required(DISTRICT)
def home():
    rows = _rows()
    return render_template("district/home.html", rows=rows, totals=hub_service.totals(rows),
                           silent=[row for row in rows if row.silent], silent_days=g.settings.hub.silent_days, text_of=text_of)


def _charts(rows: list[hub_service.SchoolRow]) -> dict[str, chart_builder.Chart]:
    totals = hub_service.totals(rows)

    def ordered(counts: dict) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda pair: -pair[1])

    def by_rank(counts: dict) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda pair: totals.ranks.get(pair[0], 99))

    return {
        "shares": chart_builder.share_chart(
            _("Доля победителей и призёров по школам"),
            [(row.school.name, 100 * row.indicators.get("winners_share", 0), row.school.code or row.school.name[:12])
             for row in rows], TARGET_SHARE),
        "levels": chart_builder.bar_chart(_("Достижения по уровням"), by_rank(totals.by_level)),
        "results": chart_builder.bar_chart(_("Достижения по результатам"), by_rank(totals.by_result),
                                           color="#2e8b57"),
        "directions": chart_builder.bar_chart(_("Участие по направлениям (учеников)"), ordered(totals.by_direction),
                                              label=_("Учеников"), color="#f2b705"),
    }


@bp.get("/indicators")
@role_required(DISTRICT)
def indicators():
    rows = _rows()
    return render_template("district/indicators.html", rows=rows, totals=hub_service.totals(rows),
                           charts=_charts(rows), target=TARGET_SHARE)


@bp.get("/chart/<name>.svg")
@role_required(DISTRICT)
def chart(name: str):
    built = _charts(_rows())
    if name not in built:
        abort(404)
    return svg_response(built[name].svg)


@bp.get("/indicators.csv")
@role_required(DISTRICT)
def export_csv():
    response = Response(hub_service.indicators_csv(_rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="district_indicators.csv"'
    return response


@bp.get("/ledger")
@role_required(DISTRICT)
def ledger():
    return render_template("district/ledger.html", entries=hub_service.ledger(300))
