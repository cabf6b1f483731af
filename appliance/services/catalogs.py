"""The editable lists an achievement picks from: kinds, directions, levels, results and the
roles of the guiding teacher. Seeded with the school's Russian defaults; the administrator
renames, adds, reorders and hides entries (an entry in use is hidden, never deleted)."""

from __future__ import annotations

import re

from appliance.db import database
from appliance.i18n import N_
from appliance.models.portfolio import CATALOGS, Achievement, CatalogEntry, Hobby
from appliance.models.vocabulary import DIRECTION_ENTRIES, LEVEL_ENTRIES
from appliance.services import validation
from appliance.services.errors import Conflict, NotFound, ServiceError

CATALOG_TITLES = {
    "kind": N_("Виды достижений"),
    "direction": N_("Направления"),
    "level": N_("Уровни"),
    "result": N_("Результаты"),
    "teacher_role": N_("Роли педагога"),
}

# (code, name, rank). Rank orders levels and results for the indicators. Levels and directions
# are the vocabulary the calendar uses too (appliance.models.vocabulary).
DEFAULTS: dict[str, list[tuple[str, str, int]]] = {
    "kind": [("olympiad", "Олимпиада", 0), ("contest", "Конкурс", 0), ("conference", "Конференция", 0),
             ("competition", "Соревнование", 0), ("project", "Проект", 0), ("research", "Исследование", 0),
             ("volunteering", "Волонтёрство", 0), ("creative", "Творческая работа", 0), ("other", "Другое", 0)],
    "direction": list(DIRECTION_ENTRIES),
    "level": list(LEVEL_ENTRIES),
    "result": [("participant", "Участник", 1), ("laureate", "Лауреат", 2), ("diplomant", "Дипломант", 3),
               ("prize", "Призёр", 4), ("winner", "Победитель", 5)],
    "teacher_role": [("supervisor", "Руководитель", 0), ("mentor", "Наставник", 0), ("tutor", "Тьютор", 0),
                     ("coach", "Тренер", 0), ("consultant", "Консультант", 0)],
}

# The one definition of the indicators' thresholds, by the ranks above (the school may rename
# entries or add its own, the rank says where they stand): «regional level and above» is a
# level of rank 3+ (региональный, всероссийский, международный); «prize-winner or winner» a
# result of rank 4+ (призёр, победитель). Used by the school's indicators, the portfolio
# export and the district hub's analytics.
REGIONAL_RANK = 3
PRIZE_RANK = 4


def is_regional_or_above(level_rank: int | None) -> bool:
    return (level_rank or 0) >= REGIONAL_RANK


def is_prize_or_winner(result_rank: int | None) -> bool:
    return (result_rank or 0) >= PRIZE_RANK

_CODE = re.compile(r"[^a-z0-9]+")


def ensure_defaults() -> int:
    """Add the default entries that are missing; return how many were added."""
    added = 0
    for catalog, entries in DEFAULTS.items():
        for position, (code, name, rank) in enumerate(entries):
            if not CatalogEntry.select().where((CatalogEntry.catalog == catalog)
                                               & (CatalogEntry.code == code)).exists():
                CatalogEntry.create(catalog=catalog, code=code, name=name, rank=rank, position=position)
                added += 1
    return added


def entries(catalog: str, include_hidden: bool = False) -> list[CatalogEntry]:
    _check_catalog(catalog)
    query = CatalogEntry.select().where(CatalogEntry.catalog == catalog)
    if not include_hidden:
        query = query.where(CatalogEntry.active)
    return list(query.order_by(CatalogEntry.position, CatalogEntry.name))


def all_entries(include_hidden: bool = False) -> dict[str, list[CatalogEntry]]:
    return {catalog: entries(catalog, include_hidden) for catalog in CATALOGS}


def entry(catalog: str, entry_id, required: bool = False) -> CatalogEntry | None:
    """The active entry of `catalog` with this id; a hidden or foreign one is refused."""
    if entry_id in (None, ""):
        if required:
            raise ServiceError(N_("Выберите значение в списке «%(list)s»."), list=CATALOG_TITLES[catalog])
        return None
    found = None
    try:
        found = CatalogEntry.get_or_none((CatalogEntry.id == entry_id) & (CatalogEntry.catalog == catalog)
                                         & CatalogEntry.active)
    except ValueError:
        found = None
    if found is None:
        raise ServiceError(N_("В списке «%(list)s» нет такого значения."), status=422,
                           list=CATALOG_TITLES[catalog])
    return found


def add_entry(catalog: str, name: str, rank: int = 0) -> CatalogEntry:
    _check_catalog(catalog)
    name = _clean_name(name)
    if CatalogEntry.select().where((CatalogEntry.catalog == catalog) & (CatalogEntry.name == name)).exists():
        raise Conflict(N_("Значение «%(name)s» уже есть в списке."), name=name)
    # The code is made from the name, and must fit its column with any «-N» it gets: a longer one
    # is accepted by SQLite but refused by the district hub (and by PostgreSQL).
    limit = CatalogEntry.code.max_length
    base = _CODE.sub("-", name.lower()).strip("-")[:limit].strip("-") or "item"
    code, number = base, 1
    while CatalogEntry.select().where((CatalogEntry.catalog == catalog) & (CatalogEntry.code == code)).exists():
        number += 1
        suffix = f"-{number}"
        code = base[:limit - len(suffix)].strip("-") + suffix
    last = CatalogEntry.select().where(CatalogEntry.catalog == catalog).order_by(
        CatalogEntry.position.desc()).first()
    return CatalogEntry.create(catalog=catalog, code=code, name=name, rank=_rank(catalog, rank),
                               position=(last.position + 1) if last else 0)


def update_entry(entry_id, name: str, active: bool, rank: int | None = None) -> CatalogEntry:
    found = _any_entry(entry_id)
    found.name = _clean_name(name)
    found.active = active
    if rank is not None:
        found.rank = _rank(found.catalog, rank)
    with database.atomic():
        if (CatalogEntry.select().where((CatalogEntry.catalog == found.catalog) & (CatalogEntry.name == found.name)
                                        & (CatalogEntry.id != found.id)).exists()):
            raise Conflict(N_("Значение «%(name)s» уже есть в списке."), name=found.name)
        found.save()
    return found


def in_use(found: CatalogEntry) -> bool:
    field = {"kind": Achievement.kind, "direction": Achievement.direction, "level": Achievement.level,
             "result": Achievement.result, "teacher_role": Achievement.teacher_role}[found.catalog]
    used = Achievement.select().where(field == found).exists()
    if found.catalog == "direction":
        used = used or Hobby.select().where(Hobby.direction == found).exists()
    return used


def _any_entry(entry_id) -> CatalogEntry:
    try:
        found = CatalogEntry.get_or_none(CatalogEntry.id == entry_id)
    except ValueError:
        found = None
    if found is None:
        raise NotFound(N_("Такого значения в списках нет."))
    return found


def _clean_name(name: str) -> str:
    return validation.text(name, 100, N_("Название"), one_line=True, required=N_("Название не может быть пустым."))


def _rank(catalog: str, rank: int) -> int:
    if catalog not in ("level", "result"):
        return 0
    return validation.integer(rank, N_("Ступень"), 1, 5)


def _check_catalog(catalog: str) -> None:
    if catalog not in CATALOGS:
        raise NotFound(N_("Такого списка нет."))
