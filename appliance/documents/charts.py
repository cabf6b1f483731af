"""Charts as SVG, drawn on the server with pygal: the same SVG goes on the page and into the PDF.

Every chart comes with a text alternative: a one-line description and the table of its
numbers, which pages show under the picture and screen readers read.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from functools import cached_property

from appliance.lazy import lazy
from appliance.services import russian
from appliance.services.competencies import CompetencyState, GrowthPoint

pygal = lazy("pygal")
pygal_style = lazy("pygal.style")

BLUE, YELLOW, GREEN, RED, GREY = "#1f4e8c", "#f2b705", "#2e8b57", "#c0392b", "#8a94a6"
PALETTE = (BLUE, YELLOW, GREEN, "#7d3c98", RED, "#17a2b8", GREY, "#e67e22")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


@dataclass
class Chart:
    """A chart's words and numbers; the SVG is drawn only when asked for (pages show the
    picture from its own address, so the page itself needs only the text alternative)."""

    title: str
    drawing: object = field(repr=False)
    description: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @cached_property
    def svg(self) -> str:
        return _render(self.drawing)

    @property
    def empty(self) -> bool:
        return not self.rows


def _style(colors=PALETTE):
    return pygal_style.Style(font_family="DejaVu Sans, Liberation Sans, sans-serif", background="#ffffff",
                 plot_background="#ffffff", foreground="#1d2433", foreground_strong="#1d2433",
                 foreground_subtle="#b8c0cf", colors=colors, opacity=".45", opacity_hover=".6",
                 title_font_size=17, label_font_size=15, major_label_font_size=15,
                 legend_font_size=15, value_font_size=14, tooltip_font_size=14)


def _render(chart) -> str:
    # No script: the chart is a picture, the same on a phone, on paper and in a PDF.
    return _SCRIPT.sub("", chart.render(is_unicode=True))


# Drawn small and with big letters: on a phone the picture is shown about 320 px wide.
def _base(kind, title: str, width: int = 440, height: int = 400, **options):
    settings = {"legend_at_bottom": True, "legend_at_bottom_columns": 1, "print_values": False,
                "truncate_legend": 40, "truncate_label": 30, **options}
    colors = settings.pop("colors", PALETTE)
    return kind(style=_style(colors), width=width, height=height, title=title, js=[],
                disable_xml_declaration=True, **settings)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _short(label: str, width: int = 18) -> str:
    return "\n".join(textwrap.wrap(label, width)[:2])


def _axis_name(name: str, width: int, lines: int = 2) -> str:
    """«Адаптивность, работа в условиях неопределённости» → «Адаптивность»; «Восприятие критики и обратная
    связь» → «Восприятие / критики»: the words before a comma or «и», on at most two short lines."""
    head = re.split(r",| и ", name, maxsplit=1)[0].strip()
    wrapped = textwrap.wrap(head, width, break_long_words=False)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] += "…"
    return "\n".join(wrapped)


def competency_radar(states: list[CompetencyState], title: str = "Карта компетенций", scale_max: int = 5) -> Chart:
    """Self-assessment against the evidence of confirmed achievements, one axis per competency."""
    rows = [[f"{s.competency.code} {s.competency.name}", _fmt(s.self_score), _fmt(s.evidence_score),
             str(s.confirmed)] for s in states]
    if len(states) > 8:
        # Past eight axes a radar's names collide on a phone: the same two series as pairs of bars, each
        # competency named on its row (shortened to its first words; the table has the full names).
        chart = _base(pygal.HorizontalBar, title, width=500, height=150 + 44 * len(states), range=(0, scale_max),
                      colors=(BLUE, YELLOW), truncate_label=-1, spacing=6)
        drawn = list(reversed(states))  # a horizontal chart draws from the bottom up
        chart.x_labels = [_axis_name(s.competency.name, 21, lines=1) for s in drawn]
        kind = "Столбчатая диаграмма"
    else:
        # The scale's numbers would sit on the top axis's name; the description and the table give the scale.
        chart = _base(pygal.Radar, title, height=460, fill=True, range=(0, scale_max), dots_size=3,
                      colors=(BLUE, YELLOW), show_y_labels=False)
        drawn = states
        chart.x_labels = [_axis_name(s.competency.name, 16) for s in drawn]
        kind = "Лепестковая диаграмма"
    chart.add("Самооценка", [s.self_score or 0 for s in drawn])
    chart.add("Подтверждено достижениями", [s.evidence_score for s in drawn])
    assessed = [s for s in states if s.self_score]
    strongest = max(states, key=lambda s: s.evidence_score, default=None)
    description = (f"{kind}: {russian.count(len(states), 'компетенция')}, "
                   f"оценено самостоятельно {len(assessed)}; "
                   f"шкала от 0 до {scale_max}.")
    if strongest and strongest.evidence_score:
        description += f" Больше всего подтверждено: «{strongest.competency.name}» ({_fmt(strongest.evidence_score)})."
    return Chart(title, chart, description,
                 ["Компетенция", "Самооценка", "Подтверждено", "Достижений"], rows)


def growth_chart(points: list[GrowthPoint], title: str = "Рост по четвертям и годам", scale_max: int = 5) -> Chart:
    chart = _base(pygal.Line, title, range=(0, scale_max), dots_size=4, allow_interruptions=True,
                  x_label_rotation=40 if len(points) > 4 else 0, colors=(BLUE, GREEN), stroke_style={"width": 3})
    chart.x_labels = [p.term.short_label for p in points]
    chart.add("Самооценка, среднее", [p.self_mean for p in points])
    chart.add("Подтверждено, среднее", [p.evidence_mean for p in points])
    rows = [[p.term.label, _fmt(p.self_mean), _fmt(p.evidence_mean), str(p.confirmed_total)] for p in points]
    description = "Линейный график: средняя самооценка и подтверждённый уровень компетенций по периодам."
    if len(points) >= 2:
        description += (f" С {russian.phrase_in_case(points[0].term.label, 'gent')} по {points[-1].term.label} "
                        "подтверждённый уровень "
                        f"вырос с {_fmt(points[0].evidence_mean)} до {_fmt(points[-1].evidence_mean)}.")
    return Chart(title, chart, description,
                 ["Период", "Самооценка", "Подтверждено", "Подтверждённых достижений всего"], rows)


def level_result_chart(matrix: dict[str, dict[str, int]], levels: list[str], results: list[str],
                       title: str = "Достижения по уровням и результатам") -> Chart:
    """`matrix[level][result]` = how many achievements; a stacked bar per level."""
    chart = _base(pygal.StackedBar, title, colors=(GREY, "#7fa7d9", BLUE, YELLOW, GREEN, RED, "#7d3c98"),
                  min_scale=1, legend_at_bottom_columns=2, x_label_rotation=35, height=460)
    chart.x_labels = levels
    for result in results:
        chart.add(result, [matrix.get(level, {}).get(result, 0) or None for level in levels])
    totals = {level: sum(matrix.get(level, {}).values()) for level in levels}
    rows = [[level, *(str(matrix.get(level, {}).get(r, 0)) for r in results), str(totals[level])] for level in levels
            if totals[level]]
    total = sum(totals.values())
    description = (f"Столбчатая диаграмма: всего {russian.count(total, 'достижение')} по уровням, "
                   "в столбце — по результатам.")
    return Chart(title, chart, description, ["Уровень", *results, "Всего"], rows)


def bar_chart(title: str, pairs: list[tuple[str, int]], label: str = "Достижений", horizontal: bool = True,
              color: str = BLUE) -> Chart:
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    height = max(260, 90 + 40 * len(pairs)) if horizontal else 400
    # The numbers are printed on the bars, so the value axis and its guides would only crowd them.
    # (pygal names the value axis of a horizontal chart x.)
    axis = "x" if horizontal else "y"
    chart = _base(kind, title, height=height, show_legend=False, colors=(color,), print_values=True,
                  print_values_position="top", min_scale=1, **{f"show_{axis}_labels": False,
                                                               f"show_{axis}_guides": False})
    values = list(reversed(pairs)) if horizontal else pairs
    chart.x_labels = [_short(name, 26) for name, _ in values]
    chart.add(label, [number for _, number in values])
    total = sum(number for _, number in pairs)
    description = f"Столбчатая диаграмма «{title}»: всего {total}."
    if pairs:
        top = max(pairs, key=lambda pair: pair[1])
        description += f" Больше всего — «{top[0]}» ({top[1]})."
    return Chart(title, chart, description, ["", label], [[name, str(number)] for name, number in pairs])


def share_chart(title: str, shares: list[tuple[str, float, str]], target: float | None = None) -> Chart:
    """Shares in percent as bars, with the target as a second bar when given.
    `shares`: (full name for the table, percent, short label under the bar)."""
    chart = _base(pygal.Bar, title, height=400, range=(0, 100), colors=(BLUE, YELLOW), print_values=True,
                  formatter=lambda value: f"{value:.0f} %")
    chart.x_labels = [short for _, _, short in shares]
    chart.add("Факт", [round(value, 1) for _, value, _ in shares])
    if target is not None:
        chart.add("Цель", [target] * len(shares))
    rows = [[name, f"{value:.1f} %".replace(".", ",")] for name, value, _ in shares]
    description = "; ".join(f"{name}: {value:.0f} %" for name, value, _ in shares)
    if target is not None:
        description += f"; цель — {target:.0f} %."
    return Chart(title, chart, description, ["Показатель", "Доля"], rows)


STUDENT_CHARTS = ("radar", "growth", "levels")


def student_charts(student, today=None, only: tuple[str, ...] = STUDENT_CHARTS) -> dict[str, Chart]:
    """The student's charts: competency map, growth, achievements by level and result."""
    from collections import Counter

    from peewee import fn

    from appliance.models.portfolio import Achievement, CatalogEntry
    from appliance.services import catalogs, competencies

    framework = competencies.active_framework()
    charts = {}
    if "radar" in only:
        charts["radar"] = competency_radar(competencies.for_student(student, framework),
                                           f"Карта компетенций: {framework.name}", framework.scale_max)
    if "growth" in only:
        charts["growth"] = growth_chart(competencies.growth(student, framework, today),
                                        scale_max=framework.scale_max)
    if "levels" not in only:
        return charts
    matrix: dict[str, Counter] = {}
    names = {entry.id: entry.name for entry in CatalogEntry.select()}
    for level_id, result_id, count in (Achievement.select(Achievement.level, Achievement.result, fn.COUNT(Achievement.id))
                                       .where((Achievement.student == student) & (Achievement.status == "confirmed"))
                                       .group_by(Achievement.level, Achievement.result).tuples()):
        matrix.setdefault(names.get(level_id, "—"), Counter())[names.get(result_id, "—")] += count
    levels = [e.name for e in catalogs.entries("level", include_hidden=True)] + (["—"] if "—" in matrix else [])
    results = [e.name for e in catalogs.entries("result", include_hidden=True)]
    results += sorted({r for row in matrix.values() for r in row} - set(results))
    charts["levels"] = level_result_chart(matrix, levels, results)
    return charts


def stacked_bar_chart(title: str, first_header: str, categories: list[str], series: list[tuple[str, list[int]]],
                      unit: str, colors=(BLUE, GREEN, GREY), labels: list[str] | None = None) -> Chart:
    """One horizontal bar per category, split by the series (say, the pairs of each form by status), the
    numbers printed on the bars. Categories with nothing in them are left out of the picture and of its
    table alike; `labels` are shorter names for the picture (the table keeps the full ones)."""
    shown = [i for i in range(len(categories)) if sum(values[i] for _name, values in series)]
    chart = _base(pygal.HorizontalStackedBar, title, height=max(300, 170 + 56 * len(shown)), colors=colors,
                  min_scale=1, truncate_label=-1, print_values=True, print_zeroes=False,
                  show_x_labels=False, show_x_guides=False)
    drawn = list(reversed(shown))  # a horizontal chart draws from the bottom up
    chart.x_labels = [(labels or categories)[i] for i in drawn]
    for name, values in series:
        chart.add(name, [values[i] or None for i in drawn])
    rows = [[categories[i], *(str(values[i]) for _name, values in series),
             str(sum(values[i] for _name, values in series))] for i in shown]
    total = sum(sum(values) for _name, values in series)
    description = f"Столбчатая диаграмма «{title}»: всего {russian.count(total, unit)}"
    description += f", в полосе — {', '.join(name.lower() for name, _values in series)}." if shown else "."
    return Chart(title, chart, description, [first_header, *(name for name, _values in series), "Всего"], rows)


def averages_chart(title: str, first_header: str, categories: list[str],
                   series: list[tuple[str, list[float | None]]], top: int = 5,
                   labels: list[str] | None = None) -> Chart:
    """Averages on a scale from 1 to `top` per category, a bar for each series (say, how satisfied
    mentees and mentors are in each form); categories with no average at all are left out."""
    shown = [i for i in range(len(categories)) if any(values[i] is not None for _name, values in series)]
    chart = _base(pygal.HorizontalBar, title, height=max(300, 170 + 70 * len(shown)), colors=(BLUE, YELLOW),
                  range=(0, top), truncate_label=-1, print_values=True, formatter=_fmt)
    drawn = list(reversed(shown))
    chart.x_labels = [(labels or categories)[i] for i in drawn]
    for name, values in series:
        chart.add(name, [values[i] for i in drawn])
    rows = [[categories[i], *(_fmt(values[i]) for _name, values in series)] for i in shown]
    description = f"Столбчатая диаграмма «{title}»: средняя оценка от 1 до {top}"
    description += f"; с оценками — {len(shown)} из {len(categories)}." if shown else ", оценок пока нет."
    return Chart(title, chart, description, [first_header, *(name for name, _values in series)], rows)
