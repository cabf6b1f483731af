"""Printable A4 login cards: eight to a page, with a QR code to activate and one to join Wi-Fi."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from appliance.config import Settings
from appliance.documents.qr import qr_svg, wifi_payload
from appliance.documents.render import render_pdf
from appliance.models.people import PARENT, STUDENT, TEACHER
from appliance.services.cards import IssuedCards

ROLE_TITLES = {STUDENT: "Ученик", PARENT: "Родитель", TEACHER: "Учитель"}


def activation_url(settings: Settings, code: str) -> str:
    return f"{settings.portal_url}/activate?code={quote(code)}"


def render_cards(issued: IssuedCards, settings: Settings, on_card: Callable[[], None] | None = None) -> bytes:
    cards = []
    for card in issued.cards:
        cards.append({
            "name": card.user.full_name,
            "role": ROLE_TITLES.get(card.user.role, ""),
            "class_name": card.class_name,
            "login": card.user.login,
            "code": card.code,
            "expires": card.user.activation_expires_at,
            "qr": qr_svg(activation_url(settings, card.code)),
        })
        if on_card:
            on_card()
    return render_pdf(
        "cards.html",
        school=issued.school,
        cards=cards,
        portal_url=settings.portal_url,
        ssid=settings.segment.ssid,
        wifi_qr=qr_svg(wifi_payload(settings.segment.ssid)),
    )
