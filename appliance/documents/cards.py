"""Printable A4 login cards: eight to a page, with a QR code to activate and one to join Wi-Fi."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from appliance.config import Settings
from appliance.documents.qr import qr_svg, wifi_payload
from appliance.documents.render import render_pdf
from appliance.models.people import PARENT, STUDENT, TEACHER
from appliance.services.cards import IssuedCards

ROLE_TITLES = {STUDENT: "Ученик", PARENT: "Родитель", TEACHER: "Учитель"}


# The text column of a card (see cards.html) as weasyprint lays it out: 48.3 mm (half the printable width less
# the padding, the QR column and the gap); 1 mm is kept to spare.
TEXT_WIDTH_MM = 47.3
LOGIN_SPACING_PT = 0.5  # the letter-spacing of .value in cards.html
NAME_PT, NAME_MIN_PT, NAME_LINES = 11.5, 7.5, 2
LOGIN_PT, LOGIN_MIN_PT = 12.0, 7.0
_MM_PER_PT = 25.4 / 72
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/local/share/fonts"))


@lru_cache(maxsize=4)
def _font(file: str):
    from PIL import ImageFont  # Pillow comes with weasyprint

    for folder in _FONT_DIRS:
        if (folder / file).exists():
            return ImageFont.truetype(str(folder / file), 100)
    return None


def text_width_mm(text: str, size_pt: float, mono: bool = False) -> float:
    """How wide `text` prints in DejaVu Sans Bold (or Sans Mono Bold) at `size_pt`: measured with the font
    itself; without the font file, a generous estimate."""
    font = _font("DejaVuSansMono-Bold.ttf" if mono else "DejaVuSans-Bold.ttf")
    em = font.getlength(text) / 100 if font else len(text) * (0.61 if mono else 0.72)
    spacing = LOGIN_SPACING_PT * len(text) if mono else 0
    return (em * size_pt + spacing) * _MM_PER_PT


def _lines(words: list[str], size_pt: float, width_mm: float) -> list[str] | None:
    """Words into lines no wider than width_mm (a word is never broken); None if one word alone is wider."""
    lines: list[str] = []
    for word in words:
        if text_width_mm(word, size_pt) > width_mm:
            return None
        if lines and text_width_mm(f"{lines[-1]} {word}", size_pt) <= width_mm:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def fit_name(full_name: str, width_mm: float = TEXT_WIDTH_MM) -> tuple[float, list[str]]:
    """The largest size (from 11.5 pt down by 0.5 pt) at which the name fits the card in at most two lines,
    broken only between words (so «Римский-Корсаков» stays whole), and its lines."""
    words = full_name.split()
    size = NAME_PT
    while size > NAME_MIN_PT:
        lines = _lines(words, size, width_mm)
        if lines is not None and len(lines) <= NAME_LINES:
            return size, lines
        size -= 0.5
    return NAME_MIN_PT, _lines(words, NAME_MIN_PT, width_mm) or words


def fit_login(login: str, width_mm: float = TEXT_WIDTH_MM) -> float:
    """The largest size at which the login fits on one line: it is typed letter by letter, so it never wraps."""
    size = LOGIN_PT
    while size > LOGIN_MIN_PT and text_width_mm(login, size, mono=True) > width_mm:
        size -= 0.5
    return size


def activation_url(settings: Settings, code: str) -> str:
    return f"{settings.portal_url}/activate?code={quote(code)}"


def render_cards(issued: IssuedCards, settings: Settings, on_card: Callable[[], None] | None = None) -> bytes:
    cards = []
    for card in issued.cards:
        cards.append(card_entry(card.user.full_name, card.user.login, ROLE_TITLES.get(card.user.role, ""),
                                card.class_name, card.code, card.user.activation_expires_at, settings))
        if on_card:
            on_card()
    return render_pdf("cards.html", **cards_context(issued, settings, cards))


def card_entry(full_name: str, login: str, role: str, class_name: str, code: str, expires, settings: Settings) -> dict:
    """One card's text, with the name and the login measured to fit the card."""
    name_pt, name_lines = fit_name(full_name)
    return {"name": full_name, "name_lines": name_lines, "name_class": f"pt{round(name_pt * 10)}",
            "login_class": f"pt{round(fit_login(login) * 10)}", "role": role,
            "pupil": role == ROLE_TITLES[STUDENT], "class_name": class_name,
            "login": login, "code": code, "expires": expires, "qr": qr_svg(activation_url(settings, code))}


def cards_context(issued: IssuedCards, settings: Settings, cards: list[dict]) -> dict:
    sizes = sorted({c["name_class"] for c in cards} | {c["login_class"] for c in cards})
    return dict(
        sizes=[(size, int(size[2:]) / 10) for size in sizes],
        school=issued.school,
        cards=cards,
        portal_url=settings.portal_url,
        ssid=settings.segment.ssid,
        wifi_qr=qr_svg(wifi_payload(settings.segment.ssid)),
    )
