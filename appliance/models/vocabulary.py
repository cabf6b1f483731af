"""Levels and directions: one vocabulary for the portfolio and the calendar.

The editable catalogue of achievements (`CatalogEntry`, lists "level" and "direction") is
seeded from these entries, and events of the calendar store the same codes and show the same
names. Entries are (code, name, rank); rank orders levels, 1 школьный … 5 международный.
"""

from __future__ import annotations

from appliance.i18n import N_

LEVEL_ENTRIES: tuple[tuple[str, str, int], ...] = (
    ("school", N_("Школьный"), 1),
    ("municipal", N_("Муниципальный"), 2),
    ("regional", N_("Региональный"), 3),
    ("national", N_("Всероссийский"), 4),
    ("international", N_("Международный"), 5),
)
DIRECTION_ENTRIES: tuple[tuple[str, str, int], ...] = (
    ("science", N_("Наука"), 0),
    ("tech", N_("Техника и IT"), 0),
    ("arts", N_("Творчество"), 0),
    ("sport", N_("Спорт"), 0),
    ("social", N_("Общественная деятельность"), 0),
    ("humanities", N_("Языки и гуманитарные науки"), 0),
    ("career", N_("Профориентация"), 0),
)

LEVELS = tuple(code for code, _, _ in LEVEL_ENTRIES)  # lowest first
LEVEL_NAMES = {code: name for code, name, _ in LEVEL_ENTRIES}
DIRECTIONS = {code: name for code, name, _ in DIRECTION_ENTRIES}
