"""Suggestions for the personal trajectory: transparent rules, each match adding its weight
and a plain reason («потому что …»). The school tunes the weights in the settings file:

    [recommendations]
    interest = 3        # the event's direction matches a strong interest from a guidance test
    achievement = 2     # the student already has achievements in that direction: try a level higher
    gap = 2             # a competency the student rates low or has no evidence for yet
    deadline = 1        # registration closes within `soon_days`
    class_event = 1     # the event was published for the student's class
    soon_days = 14
    low_self_score = 2  # a self-assessment at or below this is a gap
    limit = 8
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from appliance.config import RecommendationSettings
from appliance.models.calendar import Event
from appliance.models.people import User
from appliance.models.vocabulary import LEVELS
from appliance.services import calendar as cal
from appliance.services import guidance, kept
from appliance.services.errors import NotFound
from appliance.services.questionnaires import Questionnaire


@dataclass
class Suggestion:
    kind: str  # event | competency
    title: str
    score: int
    reasons: list[str] = field(default_factory=list)
    event: Event | None = None
    competency_id: str = ""
    direction: str = ""
    trial_id: str = ""  # a profession trial to sign up for

    @property
    def reason(self) -> str:
        return "Потому что " + "; ".join(self.reasons) + "."


@dataclass
class Interest:
    direction: str
    reason: str


def interests(student: User, data_dir: Path) -> list[Interest]:
    """Directions that follow from strong scales of the latest attempt of each questionnaire."""
    found: list[Interest] = []
    for code, attempt in guidance.latest(student).items():
        found_questionnaire = guidance.available_by_code(data_dir).get(code)
        if found_questionnaire is None:
            continue  # a questionnaire the school removed gives no interests
        questionnaire: Questionnaire = found_questionnaire
        result = guidance.score(questionnaire, json.loads(attempt.answers))
        strong = [s for s in result.scales if s.band_key == "high"] or result.scales[:1]
        for scale in strong[:2]:
            for named in questionnaire.scale(scale.code).get("directions", []):
                direction = cal.DIRECTION_WORDS.get(named, named)  # files written for the old direction list
                strength = "ярко выражен" if scale.band_key == "high" else "сильнее других"
                found.append(Interest(direction, f"по тесту «{questionnaire.title}» у тебя {strength} тип "
                                                 f"«{scale.name}» ({scale.score} из {scale.maximum})"))
    return found


def _achievement_directions(student: User) -> dict[str, tuple[str, int]]:
    """Event direction → (an achievement's title, the best level rank reached there)."""
    from appliance.models.portfolio import Achievement, CatalogEntry

    best: dict[str, tuple[str, int]] = {}
    codes = {entry.id: entry.code for entry in CatalogEntry.select(CatalogEntry.id, CatalogEntry.code)}
    rows = Achievement.select().where((Achievement.student == student) & (Achievement.status != "draft")
                                      & Achievement.direction.is_null(False))
    for row in rows:
        level = codes.get(row.level_id)
        rank = LEVELS.index(level) if level in LEVELS else 0
        target = codes.get(row.direction_id, "")  # achievements and events share the direction codes
        if target and (target not in best or rank > best[target][1]):
            best[target] = (row.title, rank)
    return best


def _gaps(student: User, weights: RecommendationSettings) -> list[Suggestion]:
    from appliance.services import competencies

    try:
        states = competencies.for_student(student)
    except NotFound:  # a school without a competency model has no gaps to show
        return []
    suggestions = []
    for state in states:
        name = state.competency.name
        if state.self_score is not None and state.self_score <= weights.low_self_score:
            reason = f"твоя самооценка по компетенции «{name}» — {state.self_score}: её стоит развивать"
        elif state.self_score is not None and state.confirmed == 0:
            reason = f"у компетенции «{name}» пока нет ни одного подтверждённого достижения"
        else:
            continue
        suggestions.append(Suggestion("competency", f"Развить компетенцию «{name}»", weights.gap, [reason],
                                      competency_id=str(state.competency.id)))
    return suggestions


def _trials(student: User, today: datetime.date, weights: RecommendationSettings) -> list[Suggestion]:
    """Profession trials in the fields the student liked in earlier trials (never in a field they
    ruled out), with free places, for their grade, not taken yet."""
    from appliance.models.trials import FIELDS
    from appliance.services import trials

    trace = trials.trace(student)
    liked = {e.trial.field: e.trial.title for e in trace.entries if e.enrolment.would_do == "yes"}
    ruled_out = {e.trial.field for e in trace.entries if e.enrolment.would_do == "no"}
    taken = {e.trial.id for e in trace.entries if e.enrolment.status != "cancelled"}
    found = []
    for item in trials.catalogue(student.school, today, grade=trials.student_grade(student)):
        field_code = item.trial.field
        if (item.trial.id in taken or not item.fits_grade or not item.free or field_code in ruled_out
                or field_code not in liked):
            continue
        reason = (f"тебе понравилась проба «{liked[field_code]}», а эта — тоже из сферы "
                  f"«{FIELDS[field_code]}»; свободные места есть")
        found.append(Suggestion("trial", f"Профессиональная проба «{item.trial.title}»", weights.interest,
                                [reason], trial_id=item.trial.id.hex, direction=field_code))
    return found


def recommend(student: User, today: datetime.date, data_dir: Path, weights: RecommendationSettings | None = None) -> list[Suggestion]:
    """Upcoming events and competencies to work on, best first, each with its reasons."""
    weights = weights or RecommendationSettings()
    interest_by_direction: dict[str, str] = {}
    for interest in interests(student, data_dir):
        interest_by_direction.setdefault(interest.direction, interest.reason)
    achieved = _achievement_directions(student)
    planned = cal.planned_ids(student)
    suggestions: list[Suggestion] = []
    for event in cal.upcoming(student, today):
        if event.id in planned or event.starts_on < today:
            continue
        if event.registration_deadline and event.registration_deadline < today:
            continue
        score, reasons = 0, []
        if event.direction in interest_by_direction:
            score += weights.interest
            reasons.append(interest_by_direction[event.direction])
        if event.direction in achieved:
            title, rank = achieved[event.direction]
            if LEVELS.index(event.level) >= rank:
                score += weights.achievement
                higher = LEVELS.index(event.level) > rank
                reasons.append(f"у тебя уже есть достижение «{title}» в этом направлении"
                               + (" — пора попробовать уровень выше" if higher else ""))
        if score == 0:
            continue  # deadlines and class lists only rank events that match the student
        if event.audience == "classes":
            score += weights.class_event
            reasons.append("это событие для твоего класса")
        if event.registration_deadline and (event.registration_deadline - today).days <= weights.soon_days:
            score += weights.deadline
            reasons.append(f"регистрация открыта до {event.registration_deadline.strftime('%d.%m.%Y')}")
        suggestions.append(Suggestion("event", event.title, score, reasons, event=event, direction=event.direction))
    suggestions.extend(_gaps(student, weights))
    suggestions.extend(_trials(student, today, weights))
    suggestions.sort(key=lambda s: (-s.score, s.event.starts_on if s.event else datetime.date.max, s.title))
    return suggestions[: weights.limit]


def first_suggestion(student: User, today: datetime.date, data_dir: Path,
                     weights: RecommendationSettings | None = None) -> Suggestion | None:
    """The best suggestion, for the student's home page: worked out again only after a change to
    what it is made of (kept.value) or to the school's questionnaire files, or on a new day."""
    folder = guidance.questionnaire_dir(data_dir)
    files = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.json"))) if folder.is_dir() else ()
    key = ("suggestion", student.id, today, files, dataclasses.astuple(weights) if weights else None)
    return kept.value(key, lambda: next(iter(recommend(student, today, data_dir, weights)), None))
