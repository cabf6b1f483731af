"""Login cards fit: the longest real names and logins, laid out by weasyprint itself, stay inside their card,
a name breaks only between words and a login never breaks."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from appliance.config import load_settings
from appliance.documents import cards
from appliance.documents.render import TEMPLATES, render_html
from appliance.services.names import split_full_name, transliterate

LONG_NAMES = [
    "Римский-Корсаков Пётр Ильич",
    "Константинопольская Александра Вячеславовна",
    "Салтыков-Щедрин Михаил Евграфович",
    "Мамин-Сибиряк Дмитрий Наркисович",
    "Бестужева-Рюмина Елизавета Константиновна",
    "Ли Ян",
    "Оглы Мамедов Рашид Алиевич оглы",
    "Ростопчина-Длинноименная Маргарита Станиславовна",
]


def _login(full_name: str) -> str:
    last, first, _ = split_full_name(full_name)
    return f"{transliterate(last)[:24]}.{transliterate(first)[:1]}12"  # as make_login, with a number


def _boxes(box):
    yield box
    for child in getattr(box, "children", []) or []:
        yield from _boxes(child)


def _classes(box) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def _text(box) -> str:
    return "".join(b.text for b in _boxes(box) if hasattr(b, "text"))


@pytest.fixture
def laid_out(tmp_path):
    from weasyprint import HTML

    settings = load_settings(data_dir=tmp_path, environ={})
    entries = [cards.card_entry(name, _login(name), "Ученик", "11А", "ABCD-2345", datetime.datetime(2027, 1, 31),
                                settings) for name in LONG_NAMES]
    issued = SimpleNamespace(school=SimpleNamespace(name="ГБОУ средняя общеобразовательная школа № 619 Калининского района"))
    html = render_html("cards.html", **cards.cards_context(issued, settings, entries))
    document = HTML(string=html, base_url=str(TEMPLATES)).render()
    card_boxes = [box for page in document.pages for box in _boxes(page._page_box)
                  if "card" in _classes(box) and box.element_tag == "div" and _text(box).strip()]
    return card_boxes, entries


def test_every_line_stays_inside_its_card(laid_out):
    card_boxes, entries = laid_out
    assert len(card_boxes) == len(LONG_NAMES) + 1  # and the Wi-Fi card
    for card in card_boxes:
        left, top = card.border_box_x(), card.border_box_y()
        right, bottom = left + card.border_width(), top + card.border_height()
        for box in _boxes(card):
            if type(box).__name__ != "TextBox":
                continue
            assert box.position_x >= left - 0.01 and box.position_x + box.width <= right + 0.01, (
                _text(card)[:60], box.text, box.position_x + box.width, right)
            assert box.position_y >= top - 0.01 and box.position_y + box.height <= bottom + 0.01, (
                _text(card)[:60], box.text)
        # Nor does the text run into the QR code beside it.
        for column in (b for b in _boxes(card) if "text" in _classes(b) and hasattr(b, "border_width")):
            edge = column.border_box_x() + column.border_width()
            for box in _boxes(column):
                if type(box).__name__ == "TextBox":
                    assert box.position_x + box.width <= edge + 0.01, (box.text, box.position_x + box.width, edge)


def test_a_login_is_one_line_and_a_name_breaks_only_between_words(laid_out):
    card_boxes, entries = laid_out
    logins = {e["login"] for e in entries}
    name_lines = 0
    for card in card_boxes:
        for box in _boxes(card):
            if type(box).__name__ != "LineBox":
                continue
            if "login" in _classes(box):
                assert _text(box) in logins  # the whole login on this one line
            if "line" in _classes(box):
                name_lines += 1
                assert all(any(word in name.split() for name in LONG_NAMES) for word in _text(box).split()), _text(box)
    assert name_lines == sum(len(e["name_lines"]) for e in entries)  # no line of a name wrapped again
    # A long name is shrunk rather than broken, a short one keeps the full size.
    sizes = {e["name"]: e["name_class"] for e in entries}
    assert sizes["Ли Ян"] == "pt115"
    assert all(len(e["name_lines"]) <= 2 for e in entries)


def test_measuring_the_text():
    assert cards.text_width_mm("WWWW", 10) > cards.text_width_mm("iiii", 10)
    assert cards.text_width_mm("rimskiy-korsakov.p", 12, mono=True) == pytest.approx(
        18 * cards.text_width_mm("r", 12, mono=True), rel=0.01)
    size = cards.fit_login("konstantinopolskaya.a12")
    assert cards.text_width_mm("konstantinopolskaya.a12", size, mono=True) <= cards.TEXT_WIDTH_MM
