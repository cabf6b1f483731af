"""HTML templates → PDF with weasyprint; shared by every printed document."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from appliance.services import russian

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
_env.filters["hours_ru"] = russian.hours
_env.tests["female"] = russian.is_female


def render_html(template: str, **context) -> str:
    return _env.get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    # Imported here: weasyprint loads pango at import, which only printing needs.
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_html(template, **context))
