"""Charts of guidance results and survey answers (pygal SVG, no script), with the numbers
they show for the text under the picture."""

from __future__ import annotations

import re

from appliance.lazy import lazy

pygal = lazy("pygal")
pygal_style = lazy("pygal.style")


_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
COLORS = ("#1f4e8c", "#f2b705", "#2e8b57", "#7d3c98", "#c0392b", "#17a2b8", "#8a94a6", "#e67e22")


def _style():
    return pygal_style.Style(font_family="DejaVu Sans, Liberation Sans, sans-serif", background="#ffffff",
                 plot_background="#ffffff", foreground="#1d2433", foreground_strong="#1d2433",
                 foreground_subtle="#d5dae3", colors=COLORS, label_font_size=17, major_label_font_size=17,
                 value_font_size=16, legend_font_size=17, title_font_size=18)


def _render(chart) -> bytes:
    return _SCRIPT.sub("", chart.render(is_unicode=True)).encode("utf-8")


def scales_chart(title: str, scales: list[tuple[str, int, int]], previous: dict[str, int] | None = None) -> bytes:
    """Horizontal bars: each scale's score out of its maximum; an earlier attempt beside it."""
    top = max((maximum for _, _, maximum in scales), default=1)
    # Drawn narrow with big letters: on a phone the picture is shrunk to the screen's width.
    chart = pygal.HorizontalBar(style=_style(), width=480, height=140 + 64 * len(scales), title=title, js=[],
                                disable_xml_declaration=True, range=(0, top), print_values=True,
                                legend_at_bottom=True, show_legend=previous is not None, truncate_label=20,
                                truncate_legend=-1)
    ordered = list(reversed(scales))  # pygal draws the first bar at the bottom
    chart.x_labels = [name.split(" (")[0] for name, _, _ in ordered]
    if previous is not None:
        chart.add("Прошлый раз", [previous.get(name, 0) for name, _, _ in ordered])
    chart.add("Сейчас", [score for _, score, _ in ordered])
    return _render(chart)


def answers_chart(title: str, counts: dict[str, int]) -> bytes:
    """How many chose each answer of one survey question."""
    top = max(counts.values(), default=0)
    step = max(1, -(-top // 5))  # about five grid lines whatever the number of answers
    chart = pygal.Bar(style=_style(), width=640, height=320, title=title or None, js=[],
                      disable_xml_declaration=True, print_values=True, show_legend=False, truncate_label=24,
                      x_label_rotation=0, y_labels=list(range(0, top + step + 1, step)))
    chart.x_labels = list(counts)
    chart.add("Ответов", list(counts.values()))
    return _render(chart)
