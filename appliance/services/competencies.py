"""Competency frameworks as data, links from achievements, self-assessment per term and the
evidence that confirmed achievements give.

Evidence score of a competency, on the framework's scale (1–5): the strongest confirmed
achievement linked to it counts as the mean of its level and result ranks (школьный участник
= 1 … международный победитель = 5); each further confirmed achievement adds a quarter point;
the score never exceeds the top of the scale.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from peewee import JOIN

from appliance.db import database
from appliance.i18n import N_
from appliance.models.changes import get_meta, set_meta
from appliance.models.competencies import AchievementCompetency, Competency, CompetencyFramework, SelfAssessment
from appliance.models.people import User
from appliance.models.portfolio import Achievement, CatalogEntry
from appliance.services import reminders, tables, terms, validation
from appliance.services.errors import Conflict, ImportRejected, NotFound, RowError, ServiceError

SHIPPED = Path(__file__).resolve().parent.parent / "data"
_ACTIVE_KEY = "portfolio.framework"
DEFAULT_FRAMEWORK = "target-model-2025"
MAX_COMPETENCIES = 60
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_GROUP = 120


# -- frameworks ------------------------------------------------------------------------------
def install_shipped() -> list[CompetencyFramework]:
    """Install the frameworks shipped with the appliance that are not there yet."""
    installed = []
    for path in sorted(SHIPPED.glob("framework-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not CompetencyFramework.select().where(CompetencyFramework.code == data["code"]).exists():
            installed.append(_create_framework(data))
    return installed


def frameworks(include_hidden: bool = False) -> list[CompetencyFramework]:
    query = CompetencyFramework.select()
    if not include_hidden:
        query = query.where(CompetencyFramework.active)
    return list(query.order_by(CompetencyFramework.name))


def active_framework() -> CompetencyFramework:
    """The framework students assess themselves against (the school's choice)."""
    code = get_meta(_ACTIVE_KEY, DEFAULT_FRAMEWORK)
    found = CompetencyFramework.get_or_none((CompetencyFramework.code == code) & CompetencyFramework.active)
    found = found or CompetencyFramework.select().where(CompetencyFramework.active).order_by(
        CompetencyFramework.created_at).first()
    if found is None:
        raise NotFound(N_("В школе нет ни одной модели компетенций."))
    return found


def set_active_framework(framework_id) -> CompetencyFramework:
    found = _framework(framework_id)
    set_meta(_ACTIVE_KEY, found.code)
    return found


def competencies_of(framework: CompetencyFramework, leaves_only: bool = False) -> list[Competency]:
    rows = list(Competency.select().where(Competency.framework == framework).order_by(Competency.position))
    if leaves_only:
        parents = {row.parent_id for row in rows if row.parent_id}
        rows = [row for row in rows if row.id not in parents]
    return rows


def _framework(framework_id) -> CompetencyFramework:
    try:
        found = CompetencyFramework.get_or_none(CompetencyFramework.id == framework_id)
    except ValueError:
        found = None
    if found is None:
        raise NotFound(N_("Такой модели компетенций нет."))
    return found


# -- import ----------------------------------------------------------------------------------
def import_framework(data: bytes, filename: str, name: str = "", code: str = "") -> CompetencyFramework:
    """A framework from a JSON file (as shipped) or a CSV table (code, name, group, description,
    parent). Every bad row is reported; nothing is stored unless the whole file is right."""
    if not data:
        raise ImportRejected(N_("Файл пустой."))
    if filename.lower().endswith(".json"):
        try:
            parsed = validation.parse_json(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ImportRejected(N_("Файл не читается как JSON: %(error)s."), error=str(exc)[:200]) from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("competencies"), list):
            raise ImportRejected(N_("В JSON нужен объект с полями name, code и списком competencies."))
        parsed.setdefault("name", name)
        parsed.setdefault("code", code)
        if name:
            parsed["name"] = name
        if code:
            parsed["code"] = code
    elif filename.lower().endswith(".csv"):
        parsed = {"name": name, "code": code, "competencies": _csv_rows(data)}
    else:
        raise ImportRejected(N_("Нужен файл .json или .csv."))
    return _validated_create(parsed)


# The table offered on the page: the header and one example row (the columns `_csv_rows` reads).
TEMPLATE = (("Код", "Название", "Группа", "Описание", "Входит в"),
            ("1.1", "Самосознание", "Когнитивные компетенции", "Понимаю свои сильные и слабые стороны", ""))


def _csv_rows(data: bytes) -> list[dict]:
    reader = tables.read_table(data, max_bytes=MAX_IMPORT_BYTES, too_big=N_(
        "Файл слишком большой: таблица компетенций должна быть не больше %(mb)s МБ."))
    header = [cell.strip().lower() for cell in next(reader, [])]
    aliases = {"code": ("code", "код", "номер"), "name": ("name", "название", "компетенция"),
               "group": ("group", "группа"), "description": ("description", "описание"),
               "parent": ("parent", "родитель", "входит в")}
    columns = {key: next((header.index(a) for a in names if a in header), None) for key, names in aliases.items()}
    if columns["name"] is None:
        raise ImportRejected(N_("В первой строке таблицы нужен столбец «Название» (name)."))
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        rows.append({key: (record[index].strip() if index is not None and index < len(record) else "")
                     for key, index in columns.items()})
    return rows


def _validated_create(parsed: dict) -> CompetencyFramework:
    name = " ".join(str(parsed.get("name") or "").split())
    code = str(parsed.get("code") or "").strip().lower()
    if not name:
        raise ImportRejected(N_("Укажите название модели компетенций."))
    if not code or len(code) > 64 or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise ImportRejected(N_("Код модели: латинские буквы, цифры и дефис, до 64 знаков."))
    if CompetencyFramework.select().where(CompetencyFramework.code == code).exists():
        raise Conflict(N_("Модель с кодом «%(code)s» уже есть."), code=code)
    items = parsed.get("competencies") or []
    errors, seen = [], set()
    if not items:
        raise ImportRejected(N_("В файле нет ни одной компетенции."))
    if len(items) > MAX_COMPETENCIES:
        raise ImportRejected(N_("Слишком много компетенций: больше %(max)d."), max=MAX_COMPETENCIES)
    for number, item in enumerate(items, start=2):
        if not isinstance(item, dict):
            errors.append(RowError(number, N_("ожидается объект с полями code и name")))
            continue
        item_code = str(item.get("code") or number - 1).strip()
        item["code"] = item_code
        if not str(item.get("name") or "").strip():
            errors.append(RowError(number, N_("не указано название компетенции")))
        elif len(str(item["name"])) > 200:
            errors.append(RowError(number, N_("название длиннее 200 знаков")))
        if item_code in seen:
            errors.append(RowError(number, N_("код «%(code)s» повторяется"), code=item_code))
        if len(item_code) > 16:
            errors.append(RowError(number, N_("код длиннее 16 знаков")))
        if len(str(item.get("group") or "").strip()) > MAX_GROUP:
            errors.append(RowError(number, N_("группа длиннее %(limit)d знаков"), limit=MAX_GROUP))
        parent = str(item.get("parent") or "").strip()
        if parent and parent not in seen:
            errors.append(RowError(number, N_("родитель «%(code)s» не найден выше в списке"), code=parent))
        seen.add(item_code)
    if errors:
        raise ImportRejected(N_("Модель не загружена: исправьте строки и загрузите файл снова."), rows=errors)
    parsed["name"], parsed["code"] = name, code
    with database.atomic():
        return _create_framework(parsed)


def _create_framework(data: dict) -> CompetencyFramework:
    scale = data.get("scale") or {}
    framework = CompetencyFramework.create(
        code=data["code"], name=data["name"], description=data.get("description", ""),
        source=data.get("source", ""), scale_min=int(scale.get("min", 1)), scale_max=int(scale.get("max", 5)))
    by_code: dict[str, Competency] = {}
    for position, item in enumerate(data["competencies"]):
        parent = by_code.get(str(item.get("parent") or "").strip())
        by_code[item["code"]] = Competency.create(
            framework=framework, code=item["code"], name=" ".join(str(item["name"]).split()),
            # A group named in the file was checked above; one taken from a longer parent name is shortened.
            group_name=str(item.get("group") or "").strip() or (parent.name[:MAX_GROUP] if parent else ""),
            description=str(item.get("description") or "").strip(), position=position, parent=parent)
    return framework


def framework_json(framework: CompetencyFramework) -> dict:
    return {
        "code": framework.code, "name": framework.name, "description": framework.description,
        "source": framework.source, "scale": {"min": framework.scale_min, "max": framework.scale_max},
        "competencies": [{"code": c.code, "name": c.name, "group": c.group_name, "description": c.description,
                          **({"parent": c.parent.code} if c.parent_id else {})}
                         for c in competencies_of(framework)],
    }


# -- links from achievements -----------------------------------------------------------------
def set_links(achievement: Achievement, competency_ids: list) -> None:
    """Link the achievement to exactly these competencies (of any active framework)."""
    wanted = set()
    for raw in competency_ids:
        try:
            found = Competency.get_or_none(Competency.id == raw)
        except ValueError:
            found = None
        if found is None:
            raise ServiceError(N_("Такой компетенции нет."), status=422)
        wanted.add(found.id)
    current = {link.competency_id for link in achievement.competency_links}
    AchievementCompetency.delete().where((AchievementCompetency.achievement == achievement)
                                         & AchievementCompetency.competency.not_in(wanted or [None])).execute()
    for competency_id in wanted - current:
        AchievementCompetency.create(achievement=achievement, competency=competency_id)


def linked(achievement: Achievement) -> list[Competency]:
    return list(Competency.select().join(AchievementCompetency)
                .where(AchievementCompetency.achievement == achievement).order_by(Competency.position))


# -- self-assessment -------------------------------------------------------------------------
def self_assess(student: User, competency_id, score, reason: str = "",
                today: datetime.date | None = None) -> SelfAssessment:
    """The student's score for the current term; a second answer in the same term replaces the
    first, earlier terms stay as they were."""
    try:
        competency = Competency.get_or_none(Competency.id == competency_id)
    except ValueError:
        competency = None
    if competency is None:
        raise ServiceError(N_("Такой компетенции нет."), status=422)
    framework = competency.framework
    score = validation.integer(score, N_("Оценка"), framework.scale_min, framework.scale_max)
    reason = validation.text(reason, 500, N_("Пояснение"))
    today = today or reminders.local_today(student.school.timezone)
    term = terms.term_of(today)
    row = SelfAssessment.get_or_none((SelfAssessment.student == student) & (SelfAssessment.competency == competency)
                                     & (SelfAssessment.school_year == term.school_year)
                                     & (SelfAssessment.term == term.number))
    if row is None:
        from appliance.services import years  # years → school → shipped → this module

        return SelfAssessment.create(student=student, competency=competency, school_year=term.school_year,
                                     class_name=years.class_in_year(student, term.school_year), term=term.number,
                                     score=score, reason=reason, assessed_on=today)
    row.score, row.reason, row.assessed_on = score, reason, today
    row.save()
    return row


def self_assess_many(student: User, scores: dict, reasons: dict, today: datetime.date | None = None) -> int:
    """Several competencies at once (one form); all or nothing. Empty scores are skipped."""
    saved = 0
    with database.atomic():
        for competency_id, score in scores.items():
            if str(score).strip():
                self_assess(student, competency_id, score, reasons.get(competency_id, ""), today)
                saved += 1
    return saved


# -- what the student's map shows ------------------------------------------------------------
@dataclass
class CompetencyState:
    competency: Competency
    self_score: int | None = None
    reason: str = ""
    evidence_score: float = 0.0
    confirmed: int = 0
    achievements: list[str] = field(default_factory=list)
    trials: list[str] = field(default_factory=list)  # trials the expert assessed for it
    programmes: list[str] = field(default_factory=list)  # programmes of additional education


def evidence_score(pairs: list[tuple[int, int]], scale_max: int = 5) -> float:
    """`pairs`: (level rank, result rank) of each confirmed achievement linked to a competency."""
    if not pairs:
        return 0.0
    strengths = sorted(((max(level, 1) + max(result, 1)) / 2 for level, result in pairs), reverse=True)
    return round(min(float(scale_max), strengths[0] + 0.25 * (len(strengths) - 1)), 2)


def for_student(student: User, framework: CompetencyFramework | None = None,
                until: datetime.date | None = None) -> list[CompetencyState]:
    """Each competency of the framework with the latest self-score and the evidence of
    confirmed achievements (up to `until`, when given)."""
    framework = framework or active_framework()
    states = {c.id: CompetencyState(c) for c in competencies_of(framework, leaves_only=True)}
    assessments = (SelfAssessment.select().where((SelfAssessment.student == student)
                                                 & SelfAssessment.competency.in_(list(states)))
                   .order_by(SelfAssessment.school_year, SelfAssessment.term))
    for row in assessments:
        if until is None or row.assessed_on <= until:
            states[row.competency_id].self_score = row.score
            states[row.competency_id].reason = row.reason
    pairs: dict = {}
    for competency_id, title, level_rank, result_rank in _confirmed_links(student, list(states), until):
        pairs.setdefault(competency_id, []).append((level_rank or 1, result_rank or 1))
        states[competency_id].achievements.append(title)
    confirmed = {competency_id: len(found) for competency_id, found in pairs.items()}
    if until is None:  # trials and programmes are evidence of today's map
        from appliance.services import programmes, trials

        # An expert's level counts as an achievement whose level and result are that level.
        for competency_id, title, score in trials.evidence(student, list(states)):
            pairs.setdefault(competency_id, []).append((score, score))
            states[competency_id].trials.append(title)
        for competency_id, title, years_label in programmes.evidence(student, list(states)):
            states[competency_id].programmes.append(f"{title} ({years_label})")
    for competency_id, found in pairs.items():
        states[competency_id].evidence_score = evidence_score(found, framework.scale_max)
        states[competency_id].confirmed = confirmed.get(competency_id, 0)
    return list(states.values())


def _confirmed_links(student: User, competency_ids: list, until: datetime.date | None):
    Level, Result = CatalogEntry.alias(), CatalogEntry.alias()
    query = (AchievementCompetency.select(AchievementCompetency.competency, Achievement.title, Level.rank,
                                          Result.rank.alias("result_rank"))
             .join(Achievement)
             .join(Level, JOIN.LEFT_OUTER, on=(Achievement.level == Level.id))
             .join(Result, JOIN.LEFT_OUTER, on=(Achievement.result == Result.id))
             .where((Achievement.student == student) & (Achievement.status == "confirmed")
                    & AchievementCompetency.competency.in_(competency_ids)))
    if until is not None:
        query = query.where(Achievement.date <= until)
    return [(row[0], row[1], row[2], row[3]) for row in query.tuples()]


@dataclass
class GrowthPoint:
    term: terms.Term
    self_mean: float | None
    evidence_mean: float
    confirmed_total: int


def growth(student: User, framework: CompetencyFramework | None = None,
           today: datetime.date | None = None) -> list[GrowthPoint]:
    """Per term, from the first self-assessment or achievement to now: the mean self-score of
    that term and the mean evidence score as of the term's end."""
    framework = framework or active_framework()
    today = today or reminders.local_today(student.school.timezone)
    leaves = [c.id for c in competencies_of(framework, leaves_only=True)]
    per_year = terms.terms_per_year()
    first_dates = [d for d in (
        SelfAssessment.select(SelfAssessment.assessed_on).where(
            (SelfAssessment.student == student) & SelfAssessment.competency.in_(leaves))
        .order_by(SelfAssessment.assessed_on).scalar(),
        Achievement.select(Achievement.date).where((Achievement.student == student)
                                                   & (Achievement.status == "confirmed"))
        .order_by(Achievement.date).scalar()) if d]
    if not first_dates:
        return []
    by_term: dict[tuple[int, int], list[int]] = {}
    for year, number, score in (SelfAssessment.select(SelfAssessment.school_year, SelfAssessment.term,
                                                      SelfAssessment.score)
                                .where((SelfAssessment.student == student) & SelfAssessment.competency.in_(leaves))
                                .tuples()):
        by_term.setdefault((year, number), []).append(score)
    # Links in date order, taken in as the terms pass: one walk over them for all terms.
    links = sorted(_confirmed_links_dated(student, leaves), key=lambda link: link[2])
    evidence: dict = {}
    counted: set = set()
    taken = 0
    points = []
    for term in terms.terms_between(min(first_dates), today, per_year):
        while taken < len(links) and links[taken][2] <= term.end:
            competency_id, achievement_id, _, level_rank, result_rank = links[taken]
            evidence.setdefault(competency_id, []).append((level_rank or 1, result_rank or 1))
            counted.add(achievement_id)
            taken += 1
        scores = by_term.get((term.school_year, term.number))
        evidence_mean = sum(evidence_score(p, framework.scale_max) for p in evidence.values()) / len(leaves)
        points.append(GrowthPoint(term, round(sum(scores) / len(scores), 2) if scores else None,
                                  round(evidence_mean, 2), len(counted)))
    return points


def _confirmed_links_dated(student: User, competency_ids: list):
    Level, Result = CatalogEntry.alias(), CatalogEntry.alias()
    query = (AchievementCompetency.select(AchievementCompetency.competency, Achievement.id, Achievement.date,
                                          Level.rank, Result.rank.alias("result_rank"))
             .join(Achievement)
             .join(Level, JOIN.LEFT_OUTER, on=(Achievement.level == Level.id))
             .join(Result, JOIN.LEFT_OUTER, on=(Achievement.result == Result.id))
             .where((Achievement.student == student) & (Achievement.status == "confirmed")
                    & AchievementCompetency.competency.in_(competency_ids)))
    return list(query.tuples())


def history(student: User, framework: CompetencyFramework | None = None) -> list[SelfAssessment]:
    framework = framework or active_framework()
    return list(SelfAssessment.select(SelfAssessment, Competency).join(Competency)
                .where((SelfAssessment.student == student) & (Competency.framework == framework))
                .order_by(SelfAssessment.school_year.desc(), SelfAssessment.term.desc(), Competency.position))
