"""Reading the portal's pages as a browser would: menu links and forms, and filling a form with
plausible values (text, dates, the first real choice of a list, a photo for a file field)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, file, hidden, date, number, checkbox, radio, password, email, url
    value: str = ""
    options: list[str] = field(default_factory=list)
    required: bool = False
    low: str = ""  # the min and max attributes (dates, numbers)
    high: str = ""


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.images: list[str] = []
        self.nav_links: list[str] = []
        self._nav_depth = 0
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "nav":
            self._nav_depth += 1
        elif tag == "img" and a.get("src"):
            self.images.append(a["src"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if self._nav_depth:
                self.nav_links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(),
                              "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                value = ""
                existing = self._form.field(a["name"])
                if existing is not None:
                    existing.options.append(a.get("value", "on"))
                    return
                self._form.fields.append(Field(a["name"], kind, value, [a.get("value", "on")], "required" in a))
                return
            self._form.fields.append(Field(a["name"], kind, a.get("value", ""), [a.get("value", "on")],
                                           "required" in a, a.get("min", ""), a.get("max", "")))
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "", [], "required" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a:
                self._select.value = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "", [], "required" in a)
            self._form.fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._nav_depth = max(0, self._nav_depth - 1)
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    return parser


def forms(html: str) -> list[Form]:
    return parse(html).forms


def drawn_images(html: str) -> list[str]:
    """Pictures the page draws on the server (charts); the browser fetches them with the page.
    Static files are left out: the browser keeps those."""
    return [src for src in parse(html).images if src.startswith("/") and not src.startswith("/static/")]


def nav_links(html: str) -> list[str]:
    """Links in the page's <nav>: the menu of the logged-in role."""
    return parse(html).nav_links


def plausible(form: Form, rng: random.Random, photo: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """Values a careful user would type: (fields, files)."""
    values: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    today = datetime.date.today()
    for f in form.fields:
        if f.kind == "file":
            files[f.name] = (f"diploma-{rng.randint(1, 9999)}.jpg", photo, "image/jpeg")
        elif f.kind == "hidden":
            values[f.name] = f.value
        elif f.kind == "select":
            choices = [option for option in f.options if option]
            values[f.name] = f.value or (rng.choice(choices) if choices else "")
        elif f.kind == "date":
            latest = min(today, datetime.date.fromisoformat(f.high)) if f.high else today
            earliest = max(latest - datetime.timedelta(days=300),
                           datetime.date.fromisoformat(f.low) if f.low else datetime.date.min)
            # The school's «today» (its time zone) may be a day ahead of this machine's: a min of
            # the school's today is then later than our today.
            latest = max(latest, earliest)
            values[f.name] = (earliest + datetime.timedelta(days=rng.randint(0, (latest - earliest).days))).isoformat()
        elif f.kind == "number":
            values[f.name] = f.value or str(rng.randint(1, 5))
        elif f.kind in ("checkbox", "radio"):
            if f.value or f.required or f.kind == "radio":
                values[f.name] = f.value or f.options[0]
        elif f.kind == "password":
            values[f.name] = ""
        elif f.kind == "textarea":
            values[f.name] = f.value or "Готовились всем классом, выступили в финале."
        else:
            values[f.name] = f.value or f"Городской конкурс проектов № {rng.randint(1, 999)}"
    return values, files
