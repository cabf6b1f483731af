"""Partners and profession trials: the rules of the school.

Organisations are kept by the administration; one with trials or programmes is archived, never
deleted with its students' records. A trial belongs to an organisation, has sessions with a
capacity, the grades it is for (7–9 unless the school says otherwise) and the competencies of the
target model 2025 it develops. A student signs up within capacity — the count and the insert are
one IMMEDIATE transaction, so two students asking for the last place at the same moment get one
place between them. An off-site trial holds the place until a parent allows it. After the session
the student assesses themself and the organisation's expert assesses the student through a
one-time link that expires; both are competency evidence and a section of the graduation document.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field

from peewee import fn

from appliance.db import database
from appliance.documents.csv_table import csv_table
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.competencies import Competency, CompetencyFramework
from appliance.models.people import (
    PROFILE_GRADES,
    PROFILES,
    STUDENT,
    STUDYING,
    ClassGroup,
    ClassMembership,
    ParentLink,
    School,
    Student,
    User,
)
from appliance.models.trials import (
    AWAITING_CONSENT,
    CANCELLED,
    ENROLLED,
    EXPERT,
    FIELDS,
    ORG_KINDS,
    SELF,
    TAKING_PLACE,
    WOULD_DO,
    ExpertLink,
    Organisation,
    ProfessionTrial,
    TrialCompetency,
    TrialEnrolment,
    TrialScore,
    TrialSession,
)
from appliance.services import clock, validation, years
from appliance.services import school as school_service
from appliance.services.competencies import DEFAULT_FRAMEWORK
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id

MAX_NAME, MAX_PLACE, MAX_TEXT, MAX_NOTE = 200, 300, 2000, 4000
MAX_CAPACITY = 200
EXPERT_LINK_DAYS = 14
TRIAL_GRADES = (1, 11)
DEFAULT_GRADES = (7, 9)


class Gone(ServiceError):
    """A one-time link used already or past its expiry."""

    status = 410


# -- organisations ------------------------------------------------------------------------------

def organisations(school: School, include_archived: bool = False) -> list[Organisation]:
    query = Organisation.select().where(Organisation.school == school)
    if not include_archived:
        query = query.where(Organisation.archived_at.is_null())
    return list(query.order_by(Organisation.archived_at.is_null(False), Organisation.name))


def get_organisation(school: School, org_id) -> Organisation:
    return get_or_404(Organisation, Organisation.id == parse_id(org_id), Organisation.school == school,
                      message=N_("Организация не найдена."))


def _flag(form: dict, name: str) -> bool:
    return str(form.get(name, "")).strip().lower() in ("1", "on", "true", "yes", "да")


def save_organisation(school: School, form: dict, org: Organisation | None = None) -> Organisation:
    name = validation.text(form.get("name"), MAX_NAME, "Название", one_line=True,
                           required=N_("Укажите название организации."))
    kind = str(form.get("kind", "")).strip()
    if kind not in ORG_KINDS:
        raise validation.Invalid(N_("Выберите вид организации из списка."))
    values = {
        "name": name, "kind": kind,
        "contact_person": validation.text(form.get("contact_person"), MAX_NAME, "Контактное лицо", one_line=True),
        "phone": validation.text(form.get("phone"), 64, "Телефон", one_line=True),
        "email": validation.text(form.get("email"), MAX_NAME, "Эл. почта", one_line=True),
        "address": validation.text(form.get("address"), MAX_PLACE, "Адрес", one_line=True),
        "note": validation.text(form.get("note"), MAX_NOTE, "Что предлагает"),
        "agreement_from": validation.date(form.get("agreement_from"), "Договор с"),
        "agreement_to": validation.date(form.get("agreement_to"), "Договор по"),
        **{flag: _flag(form, flag) for flag in ("offers_trials", "offers_mentors", "offers_events",
                                                 "offers_programmes")},
    }
    if values["agreement_from"] and values["agreement_to"] and values["agreement_to"] < values["agreement_from"]:
        raise validation.Invalid(N_("Договор не может закончиться раньше, чем начался."))
    if org is None:
        return Organisation.create(school=school, **values)
    for key, value in values.items():
        setattr(org, key, value)
    org.save()
    return org


def remove_organisation(school: School, org_id) -> str:
    """Delete an organisation nothing refers to; archive one with trials, programmes, events or mentors
    (their records keep naming it). Returns "deleted" or "archived"."""
    from appliance.models.calendar import Event
    from appliance.models.mentoring import MentorProfile
    from appliance.models.programmes import Programme

    org = get_organisation(school, org_id)
    with database.atomic():
        used = (ProfessionTrial.select().where(ProfessionTrial.organisation == org).exists()
                or Programme.select().where(Programme.organisation == org).exists()
                or Event.select().where(Event.organisation == org).exists()
                or MentorProfile.select().where(MentorProfile.organisation == org).exists())
        if used:
            if org.archived_at is None:
                org.archived_at = utcnow()
                org.save()
            return "archived"
        org.delete_instance()
        return "deleted"


def restore_organisation(school: School, org_id) -> Organisation:
    org = get_organisation(school, org_id)
    org.archived_at = None
    org.save()
    return org


# -- the catalogue ---------------------------------------------------------------------------------

def model_competencies() -> list[Competency]:
    """The competencies of the target model 2025 a trial may develop (its leaves)."""
    framework = CompetencyFramework.get_or_none(CompetencyFramework.code == DEFAULT_FRAMEWORK)
    if framework is None:
        return []
    rows = list(Competency.select().where(Competency.framework == framework).order_by(Competency.position))
    parents = {row.parent_id for row in rows if row.parent_id}
    return [row for row in rows if row.id not in parents]


def _competency_ids(values) -> list:
    allowed = {c.id: c for c in model_competencies()}
    chosen = []
    for value in values or ():
        found = parse_id(value)
        if found not in allowed:
            raise validation.Invalid(N_("Выберите компетенции из целевой модели 2025."))
        if found not in chosen:
            chosen.append(found)
    return chosen


def save_trial(school: School, form: dict, competency_values, by: User | None = None,
               trial: ProfessionTrial | None = None) -> ProfessionTrial:
    title = validation.text(form.get("title"), MAX_NAME, "Профессия", one_line=True,
                            required=N_("Укажите профессию или название пробы."))
    org = get_organisation(school, form.get("organisation"))
    if org.archived_at is not None and (trial is None or trial.organisation_id != org.id):
        raise validation.Invalid(N_("Организация в архиве: сначала верните её из архива."))
    field_code = str(form.get("field", "")).strip()
    if field_code not in FIELDS:
        raise validation.Invalid(N_("Выберите сферу профессии из списка."))
    grade_min = validation.integer(form.get("grade_min") or DEFAULT_GRADES[0], "Класс с", *TRIAL_GRADES)
    grade_max = validation.integer(form.get("grade_max") or DEFAULT_GRADES[1], "Класс по", *TRIAL_GRADES)
    if grade_max < grade_min:
        raise validation.Invalid(N_("Класс «по» не может быть меньше класса «с»."))
    values = {
        "title": title, "organisation": org, "field": field_code, "grade_min": grade_min, "grade_max": grade_max,
        "place": validation.text(form.get("place"), MAX_PLACE, "Место", one_line=True),
        "off_site": _flag(form, "off_site"), "published": _flag(form, "published") if trial else True,
        "description": validation.text(form.get("description"), MAX_NOTE, "Что будет делать ученик"),
    }
    chosen = _competency_ids(competency_values)
    with database.atomic():
        if trial is None:
            trial = ProfessionTrial.create(school=school, created_by=by, school_year=years.current_year(school),
                                           **values)
        else:
            for key, value in values.items():
                setattr(trial, key, value)
            trial.save()
            TrialCompetency.delete().where(TrialCompetency.trial == trial).execute()
        for competency_id in chosen:
            TrialCompetency.create(trial=trial, competency=competency_id)
    return trial


def get_trial(school: School, trial_id, published_only: bool = False) -> ProfessionTrial:
    query = ProfessionTrial.select().where(ProfessionTrial.school == school)
    if published_only:
        query = query.where(ProfessionTrial.published)
    return get_or_404(query, ProfessionTrial.id == parse_id(trial_id), message=N_("Проба не найдена."))


def trial_competencies(trial: ProfessionTrial) -> list[Competency]:
    return list(Competency.select().join(TrialCompetency).where(TrialCompetency.trial == trial)
                .order_by(Competency.position))


def add_session(trial: ProfessionTrial, form: dict) -> TrialSession:
    starts = validation.date(form.get("starts_on"), "Начало", required=N_("Укажите дату начала."))
    ends = validation.date(form.get("ends_on"), "Окончание") or starts
    if ends < starts:
        raise validation.Invalid(N_("Сеанс не может закончиться раньше, чем начался."))
    if (ends - starts).days > 93:
        raise validation.Invalid(N_("Проба длится не больше трёх месяцев."))
    capacity = validation.integer(form.get("capacity"), "Мест", 1, MAX_CAPACITY)
    return TrialSession.create(trial=trial, starts_on=starts, ends_on=ends, capacity=capacity,
                               start_time=validation.clock(form.get("start_time"), "Время начала"))


def get_session(school: School, session_id) -> TrialSession:
    query = TrialSession.select(TrialSession, ProfessionTrial).join(ProfessionTrial)
    return get_or_404(query, TrialSession.id == parse_id(session_id), ProfessionTrial.school == school,
                      message=N_("Сеанс не найден."))


def delete_session(school: School, session_id) -> None:
    with database.atomic():
        session = get_session(school, session_id)
        if TrialEnrolment.select().where(TrialEnrolment.session == session).exists():
            raise Conflict(N_("На этот сеанс уже записывались ученики: его нельзя удалить."))
        session.delete_instance()


def taken(session: TrialSession) -> int:
    return (TrialEnrolment.select().where((TrialEnrolment.session == session)
                                          & TrialEnrolment.status.in_(TAKING_PLACE)).count())


@dataclass
class SessionView:
    session: TrialSession
    taken: int

    @property
    def free(self) -> int:
        return max(0, self.session.capacity - self.taken)


def sessions_of(trial: ProfessionTrial, from_day: datetime.date | None = None) -> list[SessionView]:
    query = TrialSession.select().where(TrialSession.trial == trial)
    if from_day is not None:
        query = query.where(TrialSession.starts_on >= from_day)
    sessions = list(query.order_by(TrialSession.starts_on, TrialSession.start_time))
    counts = dict(TrialEnrolment.select(TrialEnrolment.session, fn.COUNT(TrialEnrolment.id))
                  .where(TrialEnrolment.session.in_([s.id for s in sessions])
                         & TrialEnrolment.status.in_(TAKING_PLACE))
                  .group_by(TrialEnrolment.session).tuples()) if sessions else {}
    return [SessionView(s, counts.get(s.id, 0)) for s in sessions]


@dataclass
class CatalogueItem:
    trial: ProfessionTrial
    competencies: list[Competency]
    sessions: list[SessionView]
    fits_grade: bool = True

    @property
    def free(self) -> int:
        return sum(s.free for s in self.sessions)


def catalogue(school: School, today: datetime.date, *, field_code: str = "", org_id: str = "",
              competency_id: str = "", after: datetime.date | None = None, grade: int | None = None,
              include_hidden: bool = False) -> list[CatalogueItem]:
    """Trials with their upcoming sessions, filtered by field, organisation, competency and date."""
    query = (ProfessionTrial.select(ProfessionTrial, Organisation).join(Organisation)
             .where(ProfessionTrial.school == school))
    if not include_hidden:
        query = query.where(ProfessionTrial.published)
    if field_code in FIELDS:
        query = query.where(ProfessionTrial.field == field_code)
    if parse_id(org_id):
        query = query.where(ProfessionTrial.organisation == parse_id(org_id))
    if parse_id(competency_id):
        query = query.where(ProfessionTrial.id.in_(TrialCompetency.select(TrialCompetency.trial)
                                                   .where(TrialCompetency.competency == parse_id(competency_id))))
    trials = list(query.order_by(ProfessionTrial.title))
    # Three queries for the whole catalogue, however many trials it has.
    sessions = _sessions_by_trial(trials, max(today, after) if after else today)
    competencies = _competencies_by_trial(trials)
    found = []
    for trial in trials:
        if after and not sessions[trial.id]:
            continue
        fits = grade is None or trial.grade_min <= grade <= trial.grade_max
        found.append(CatalogueItem(trial, competencies[trial.id], sessions[trial.id], fits))
    return found


def _sessions_by_trial(trials: list[ProfessionTrial], from_day: datetime.date) -> dict:
    found: dict = {trial.id: [] for trial in trials}
    if not trials:
        return found
    sessions = list(TrialSession.select().where(TrialSession.trial.in_(list(found)) & (TrialSession.starts_on >= from_day))
                    .order_by(TrialSession.starts_on, TrialSession.start_time))
    counts = dict(TrialEnrolment.select(TrialEnrolment.session, fn.COUNT(TrialEnrolment.id))
                  .where(TrialEnrolment.session.in_([s.id for s in sessions])
                         & TrialEnrolment.status.in_(TAKING_PLACE))
                  .group_by(TrialEnrolment.session).tuples()) if sessions else {}
    for session in sessions:
        found[session.trial_id].append(SessionView(session, counts.get(session.id, 0)))
    return found


def _competencies_by_trial(trials: list[ProfessionTrial]) -> dict:
    found: dict = {trial.id: [] for trial in trials}
    if not trials:
        return found
    rows = (TrialCompetency.select(TrialCompetency, Competency).join(Competency)
            .where(TrialCompetency.trial.in_(list(found))).order_by(Competency.position))
    for row in rows:
        found[row.trial_id].append(row.competency)
    return found


# -- signing up ----------------------------------------------------------------------------------

def student_grade(student: User) -> int | None:
    group = school_service.class_of(student)
    return group.grade if group else None


def next_free(trial: ProfessionTrial, today: datetime.date, besides=None) -> TrialSession | None:
    for view in sessions_of(trial, today):
        if view.free > 0 and view.session.id != besides:
            return view.session
    return None


def sign_up(student: User, session_id, today: datetime.date) -> TrialEnrolment:
    """A place in the session, or a refusal in plain words (ты). The count of places and the
    insert are one IMMEDIATE transaction: no overbooking, however many ask at once."""
    if student.role != STUDENT:
        raise Forbidden(N_("Записываться на пробы могут только ученики."))
    with database.atomic():
        session = get_session(student.school, session_id)
        trial = session.trial
        if not trial.published:
            raise NotFound(N_("Проба не найдена."))
        profile = Student.get_or_none(Student.user == student)
        if profile is None or profile.status != STUDYING:
            raise Forbidden(N_("Записаться может только ученик, который сейчас учится в школе."))
        grade = student_grade(student)
        if grade is None or not trial.grade_min <= grade <= trial.grade_max:
            raise Forbidden(N_("Эта проба для %(low)d–%(high)d классов, а ты учишься в %(grade)s классе."),
                            low=trial.grade_min, high=trial.grade_max, grade=grade or "—")
        if session.starts_on < today:
            raise Conflict(N_("Этот сеанс уже начался: выбери другой."))
        mine = (TrialEnrolment.select().join(TrialSession)
                .where((TrialEnrolment.student == student) & (TrialSession.trial == trial)
                       & TrialEnrolment.status.in_(TAKING_PLACE)).first())
        if mine is not None:
            raise Conflict(N_("Твоя запись на эту пробу уже есть (%(day)s)."), day=mine.session.starts_on.strftime("%d.%m.%Y"))
        if taken(session) >= session.capacity:
            other = next_free(trial, today, besides=session.id)
            if other is None:
                raise Conflict(N_("Мест на этот сеанс больше нет, и свободных сеансов этой пробы пока нет."))
            raise Conflict(N_("Мест на этот сеанс больше нет. Ближайший сеанс со свободными местами — "
                              "%(day)s: запишись на него."), day=other.starts_on.strftime("%d.%m.%Y"))
        year, class_name = years.stamp_now(student)
        status = AWAITING_CONSENT if trial.off_site else ENROLLED
        previous = TrialEnrolment.get_or_none((TrialEnrolment.session == session) & (TrialEnrolment.student == student))
        if previous is not None:  # signed up before and cancelled: the same row again
            previous.status, previous.consent_at, previous.consent_by = status, None, None
            previous.school_year, previous.class_name, previous.grade = year, class_name, grade
            previous.save()
            return previous
        return TrialEnrolment.create(session=session, student=student, school_year=year, class_name=class_name,
                                     grade=grade, status=status)


def my_enrolment(student: User, enrolment_id) -> TrialEnrolment:
    return get_or_404(TrialEnrolment, TrialEnrolment.id == parse_id(enrolment_id), TrialEnrolment.student == student,
                      message=N_("Запись не найдена."))


def cancel(student: User, enrolment_id, today: datetime.date) -> TrialEnrolment:
    with database.atomic():
        enrolment = my_enrolment(student, enrolment_id)
        if enrolment.status == CANCELLED:
            return enrolment
        if enrolment.session.starts_on <= today:
            raise Conflict(N_("Проба уже началась: отменить запись нельзя."))
        enrolment.status = CANCELLED
        enrolment.save()
        return enrolment


# -- parents' consent ------------------------------------------------------------------------------

def _parent_enrolment(parent: User, enrolment_id) -> TrialEnrolment:
    children = ParentLink.select(ParentLink.student).where(ParentLink.parent == parent)
    return get_or_404(TrialEnrolment, TrialEnrolment.id == parse_id(enrolment_id),
                      TrialEnrolment.student.in_(children), message=N_("Запись не найдена."))


def children_enrolments(parent: User) -> list[TrialEnrolment]:
    children = ParentLink.select(ParentLink.student).where(ParentLink.parent == parent)
    return list(TrialEnrolment.select(TrialEnrolment, TrialSession, ProfessionTrial, User)
                .join(TrialSession).join(ProfessionTrial).switch(TrialEnrolment).join(User, on=(TrialEnrolment.student == User.id))
                .where(TrialEnrolment.student.in_(children)).order_by(TrialSession.starts_on.desc()))


def decide_consent(parent: User, enrolment_id, allow: bool) -> TrialEnrolment:
    with database.atomic():
        enrolment = _parent_enrolment(parent, enrolment_id)
        if enrolment.status != AWAITING_CONSENT:
            raise Conflict(N_("Эта запись не ждёт Вашего согласия."))
        if allow:
            enrolment.status, enrolment.consent_at, enrolment.consent_by = ENROLLED, utcnow(), parent
        else:
            enrolment.status = CANCELLED
        enrolment.save()
        return enrolment


def record_paper_consent(school: School, enrolment_id, by: User) -> TrialEnrolment:
    """A parent without an account signed a paper form: the administration records it."""
    with database.atomic():
        enrolment = staff_enrolment(school, enrolment_id)
        if enrolment.status != AWAITING_CONSENT:
            raise Conflict(N_("Эта запись не ждёт согласия родителя."))
        enrolment.status, enrolment.consent_at, enrolment.consent_by = ENROLLED, utcnow(), by
        enrolment.save()
        return enrolment


# -- after the trial -----------------------------------------------------------------------------------

def _scale() -> tuple[int, int]:
    framework = CompetencyFramework.get_or_none(CompetencyFramework.code == DEFAULT_FRAMEWORK)
    return (framework.scale_min, framework.scale_max) if framework else (1, 5)


def _scores(trial: ProfessionTrial, form: dict, required: bool) -> dict:
    low, high = _scale()
    scores = {}
    for competency in trial_competencies(trial):
        value = str(form.get(f"c-{competency.id.hex}", "")).strip()
        if not value:
            if required:
                raise validation.Invalid(N_("Оцените каждую компетенцию пробы."))
            continue
        scores[competency.id] = validation.integer(value, competency.name, low, high)
    return scores


def _save_scores(enrolment: TrialEnrolment, by: str, scores: dict) -> None:
    TrialScore.delete().where((TrialScore.enrolment == enrolment) & (TrialScore.by == by)).execute()
    for competency_id, score in scores.items():
        TrialScore.create(enrolment=enrolment, competency=competency_id, by=by, score=score)


def self_assess(student: User, enrolment_id, form: dict, today: datetime.date) -> TrialEnrolment:
    enrolment = my_enrolment(student, enrolment_id)
    if enrolment.status != ENROLLED:
        raise Conflict(N_("Оценить можно только пробу, в списке которой ты есть."))
    if enrolment.session.starts_on > today:
        raise Conflict(N_("Проба ещё не началась: оценишь её после."))
    would_do = str(form.get("would_do", "")).strip()
    if would_do not in WOULD_DO:
        raise validation.Invalid(N_("Ответь, хочется ли тебе заниматься этой работой: да, может быть или нет."))
    liked = validation.text(form.get("liked"), MAX_TEXT, "Что понравилось")
    why = validation.text(form.get("why"), MAX_TEXT, "Почему")
    scores = _scores(enrolment.session.trial, form, required=False)
    with database.atomic():
        enrolment.liked, enrolment.would_do, enrolment.why = liked, would_do, why
        enrolment.self_assessed_at = utcnow()
        enrolment.save()
        _save_scores(enrolment, SELF, scores)
    return enrolment


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def staff_enrolment(school: School, enrolment_id) -> TrialEnrolment:
    query = (TrialEnrolment.select(TrialEnrolment, TrialSession, ProfessionTrial)
             .join(TrialSession).join(ProfessionTrial))
    return get_or_404(query, TrialEnrolment.id == parse_id(enrolment_id), ProfessionTrial.school == school,
                      message=N_("Запись не найдена."))


def issue_expert_link(school: School, enrolment_id, by: User, now: datetime.datetime | None = None,
                      days: int = EXPERT_LINK_DAYS) -> tuple[ExpertLink, str]:
    """A new one-time link for the expert (the secret is returned once; older unused links stop working)."""
    now = now or utcnow()
    with database.atomic():
        enrolment = staff_enrolment(school, enrolment_id)
        if enrolment.status != ENROLLED:
            raise Conflict(N_("Ссылку для эксперта можно выдать только по подтверждённой записи."))
        ExpertLink.delete().where((ExpertLink.enrolment == enrolment) & ExpertLink.used_at.is_null()).execute()
        token = secrets.token_urlsafe(32)
        link = ExpertLink.create(enrolment=enrolment, token_hash=_hash(token), issued_by=by,
                                 expires_at=now + datetime.timedelta(days=days))
    return link, token


def expert_link(token: str, now: datetime.datetime | None = None) -> ExpertLink:
    """The link's row, or a refusal: unknown → 404, used or expired → 410."""
    now = now or utcnow()
    link = ExpertLink.get_or_none(ExpertLink.token_hash == _hash(str(token or "")[:200]))
    if link is None:
        raise NotFound(N_("Ссылка не найдена. Проверьте, что она скопирована полностью."))
    if link.used_at is not None:
        raise Gone(N_("По этой ссылке оценка уже отправлена. Ссылка одноразовая: если нужно исправить оценку, "
                      "попросите школу выдать новую."))
    if clock.has_passed(link.expires_at, now):
        raise Gone(N_("Срок действия ссылки истёк. Попросите школу выдать новую."))
    return link


def expert_assess(token: str, form: dict, now: datetime.datetime | None = None) -> TrialEnrolment:
    now = now or utcnow()
    name = validation.text(form.get("expert_name"), MAX_NAME, "Ваше имя и должность", one_line=True,
                           required=N_("Укажите Ваше имя и должность."))
    comment = validation.text(form.get("comment"), MAX_TEXT, "Комментарий")
    with database.atomic():
        link = expert_link(token, now)
        enrolment = link.enrolment
        scores = _scores(enrolment.session.trial, form, required=True)
        # Marked used in the same transaction, and only if nobody has used it meanwhile.
        if ExpertLink.update(used_at=now).where((ExpertLink.id == link.id) & ExpertLink.used_at.is_null()).execute() != 1:
            raise Gone(N_("По этой ссылке оценка уже отправлена."))
        enrolment.expert_name, enrolment.expert_comment, enrolment.expert_assessed_at = name, comment, now
        enrolment.save()
        _save_scores(enrolment, EXPERT, scores)
    return enrolment


# -- the student's trace -------------------------------------------------------------------------------

@dataclass
class TraceEntry:
    enrolment: TrialEnrolment
    trial: ProfessionTrial
    session: TrialSession
    self_scores: dict = field(default_factory=dict)  # competency name → score
    expert_scores: dict = field(default_factory=dict)


@dataclass
class Trace:
    entries: list[TraceEntry]
    by_grade: dict[int, list[TraceEntry]]
    liked_fields: list[str]
    maybe_fields: list[str]
    ruled_out: list[str]
    tried_fields: list[str]


def enrolments_of(student: User, include_cancelled: bool = False) -> list[TrialEnrolment]:
    query = (TrialEnrolment.select(TrialEnrolment, TrialSession, ProfessionTrial, Organisation)
             .join(TrialSession).join(ProfessionTrial).join(Organisation)
             .where(TrialEnrolment.student == student))
    if not include_cancelled:
        query = query.where(TrialEnrolment.status != CANCELLED)
    return list(query.order_by(TrialSession.starts_on))


def trace(student: User) -> Trace:
    entries = []
    rows = enrolments_of(student, include_cancelled=True)
    scores: dict = {}
    if rows:
        for score in (TrialScore.select(TrialScore, Competency).join(Competency)
                      .where(TrialScore.enrolment.in_([r.id for r in rows]))):
            scores.setdefault((score.enrolment_id, score.by), {})[score.competency.name] = score.score
    for row in rows:
        entries.append(TraceEntry(row, row.session.trial, row.session, scores.get((row.id, SELF), {}),
                                  scores.get((row.id, EXPERT), {})))
    by_grade: dict[int, list[TraceEntry]] = {}
    for entry in entries:
        if entry.enrolment.status != CANCELLED:
            by_grade.setdefault(entry.enrolment.grade, []).append(entry)

    def fields_where(answer: str) -> list[str]:
        return sorted({FIELDS[e.trial.field] for e in entries if e.enrolment.would_do == answer})

    tried = sorted({FIELDS[e.trial.field] for e in entries if e.enrolment.status == ENROLLED})
    return Trace(entries, dict(sorted(by_grade.items())), fields_where("yes"), fields_where("maybe"),
                 fields_where("no"), tried)


def document_section(student: User) -> list[dict]:
    """The trials of the graduation document: those taken, with both assessments."""
    found = []
    for entry in trace(student).entries:
        if entry.enrolment.status != ENROLLED:
            continue
        e = entry.enrolment
        found.append({
            "title": entry.trial.title, "organisation": entry.trial.organisation.name,
            "field": FIELDS[entry.trial.field], "date": entry.session.starts_on.isoformat(),
            "year_and_class": years.year_and_class(e.school_year, e.class_name),
            "would_do": WOULD_DO.get(e.would_do) if e.would_do else None, "liked": e.liked or None,
            "self_assessment": entry.self_scores, "expert_assessment": entry.expert_scores,
            "expert": e.expert_name or None, "expert_comment": e.expert_comment or None,
        })
    return found


def evidence(student: User, competency_ids: list) -> list[tuple]:
    """(competency id, trial title, expert score) of every trial the expert assessed."""
    if not competency_ids:
        return []
    return list(TrialScore.select(TrialScore.competency, ProfessionTrial.title, TrialScore.score)
                .join(TrialEnrolment).join(TrialSession).join(ProfessionTrial)
                .where((TrialEnrolment.student == student) & (TrialScore.by == EXPERT)
                       & (TrialEnrolment.status == ENROLLED) & TrialScore.competency.in_(competency_ids)).tuples())


def calendar_sessions(student: User, start: datetime.date, end: datetime.date) -> list[tuple[TrialSession, ProfessionTrial, bool]]:
    """(session, trial, confirmed) of the student's trials overlapping start…end."""
    rows = (TrialEnrolment.select(TrialEnrolment, TrialSession, ProfessionTrial).join(TrialSession).join(ProfessionTrial)
            .where((TrialEnrolment.student == student) & TrialEnrolment.status.in_(TAKING_PLACE)
                   & (TrialSession.starts_on <= end) & (TrialSession.ends_on >= start)))
    return [(row.session, row.session.trial, row.status == ENROLLED) for row in rows]


# -- the school's statistics ------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    students: int = 0
    with_trial: int = 0
    enrolments: int = 0
    liked: int = 0
    answered: int = 0
    expert_total: int = 0
    expert_count: int = 0

    @property
    def share(self) -> float:
        return round(100 * self.with_trial / self.students, 1) if self.students else 0.0

    @property
    def liked_share(self) -> float:
        return round(100 * self.liked / self.answered, 1) if self.answered else 0.0

    @property
    def expert_mean(self) -> float | None:
        return round(self.expert_total / self.expert_count, 2) if self.expert_count else None


# The fields of professions each profile of grades 10–11 leads to; the universal profile to none of them.
PROFILE_FIELDS = {"tech": {"engineering", "it", "service"}, "science": {"science", "medicine", "agro"},
                  "humanities": {"arts", "education", "public"}, "socioeconomic": {"business", "public"},
                  "universal": set()}


@dataclass
class ProfileRow:
    """Pupils of one profile now: how many liked a trial's field in grades 7–9 (would do: yes), and
    how many of those liked a field this profile leads to."""

    profile: str
    students: int = 0
    liked_some: int = 0
    matched: int = 0

    @property
    def name(self) -> str:
        return PROFILES[self.profile]

    @property
    def match_share(self) -> float:
        return round(100 * self.matched / self.liked_some, 1) if self.liked_some else 0.0


def profile_match(school: School) -> list[ProfileRow]:
    """For pupils now in classes of grades 10–11 with a profile: did the fields they liked on the trials
    of grades 7–9 lead to it? The universal profile is counted but leads to no field."""
    pupils = dict(Student.select(Student.user, ClassGroup.profile).join(ClassGroup)
                  .join(User, on=(Student.user == User.id))
                  .where((ClassGroup.school == school) & ClassGroup.grade.in_(PROFILE_GRADES)
                         & (ClassGroup.profile != "") & (Student.status == STUDYING) & User.active).tuples())
    liked: dict = {}
    if pupils:
        for student_id, field_code in (TrialEnrolment.select(TrialEnrolment.student, ProfessionTrial.field)
                                       .join(TrialSession).join(ProfessionTrial)
                                       .where(TrialEnrolment.student.in_(list(pupils)) & (TrialEnrolment.status == ENROLLED)
                                              & (TrialEnrolment.would_do == "yes")
                                              & TrialEnrolment.grade.between(*DEFAULT_GRADES)).tuples()):
            liked.setdefault(student_id, set()).add(field_code)
    rows = {code: ProfileRow(code) for code in PROFILES}
    for student_id, profile in pupils.items():
        row = rows[profile]
        row.students += 1
        if student_id in liked:
            row.liked_some += 1
            row.matched += bool(liked[student_id] & PROFILE_FIELDS[profile])
    return [row for row in rows.values() if row.students]


@dataclass
class Statistics:
    year: int
    classes: list[Row]
    fields: list[Row]
    organisations: list[Row]
    students: int
    with_trial: int
    enrolments: int
    profiles: list[ProfileRow] = field(default_factory=list)

    @property
    def without_share(self) -> float:
        return round(100 * (self.students - self.with_trial) / self.students, 1) if self.students else 0.0

    @property
    def per_student(self) -> float:
        return round(self.enrolments / self.students, 2) if self.students else 0.0


def statistics(school: School, year: int | None = None) -> Statistics:
    """Trials of one school year among the students of the grades trials are for (7–9 by default)."""
    year = year or years.current_year(school)
    members = list(ClassMembership.select(ClassMembership.student, ClassMembership.class_name, ClassMembership.grade)
                   .join(User, on=(ClassMembership.student == User.id))
                   .where((User.school == school) & (ClassMembership.school_year == year)
                          & ClassMembership.grade.between(*DEFAULT_GRADES)).tuples())
    enrolments = list(TrialEnrolment.select(TrialEnrolment, TrialSession, ProfessionTrial, Organisation)
                      .join(TrialSession).join(ProfessionTrial).join(Organisation)
                      .where((ProfessionTrial.school == school) & (TrialEnrolment.school_year == year)
                             & (TrialEnrolment.status == ENROLLED)))
    expert = dict(TrialScore.select(TrialScore.enrolment, fn.AVG(TrialScore.score))
                  .where((TrialScore.by == EXPERT) & TrialScore.enrolment.in_([e.id for e in enrolments]))
                  .group_by(TrialScore.enrolment).tuples()) if enrolments else {}
    takers = {e.student_id for e in enrolments}
    classes: dict[str, Row] = {}
    for student_id, class_name, _grade in members:
        row = classes.setdefault(class_name, Row(class_name))
        row.students += 1
        row.with_trial += student_id in takers
    for e in enrolments:
        if e.class_name in classes:
            classes[e.class_name].enrolments += 1
    by_field: dict[str, Row] = {}
    by_org: dict[str, Row] = {}
    for e in enrolments:
        trial = e.session.trial
        for row in (by_field.setdefault(trial.field, Row(FIELDS[trial.field])),
                    by_org.setdefault(trial.organisation_id, Row(trial.organisation.name))):
            row.enrolments += 1
            if e.would_do:
                row.answered += 1
                row.liked += e.would_do == "yes"
            if e.id in expert:
                row.expert_total += float(expert[e.id])
                row.expert_count += 1
    member_ids = {m[0] for m in members}
    return Statistics(
        year, sorted(classes.values(), key=lambda r: (len(r.name), r.name)),
        sorted(by_field.values(), key=lambda r: -r.enrolments), sorted(by_org.values(), key=lambda r: -r.enrolments),
        len(member_ids), len(member_ids & takers), sum(1 for e in enrolments if e.student_id in member_ids),
        profile_match(school))


def statistics_csv(found: Statistics) -> str:
    rows: list[list] = [["Профессиональные пробы", years.label(found.year)],
                        ["Учеников 7–9 классов", found.students], ["Прошли хотя бы одну пробу", found.with_trial],
                        ["Доля без проб, %", found.without_share], ["Проб на ученика", found.per_student], [],
                        ["Класс", "Учеников", "С пробой", "Доля, %", "Записей"]]
    rows += [[r.name, r.students, r.with_trial, r.share, r.enrolments] for r in found.classes]
    for title, group in (("Сфера", found.fields), ("Организация", found.organisations)):
        rows += [[], [title, "Записей", "Ответили", "Хотели бы работать, %", "Оценка эксперта"]]
        rows += [[r.name, r.enrolments, r.answered, r.liked_share, "" if r.expert_mean is None else r.expert_mean]
                 for r in group]
    rows += [[], ["Профиль 10–11 классов", "Учеников", "Понравилась сфера на пробе", "Профиль ведёт в эту сферу",
                  "Доля, %"]]
    rows += [[r.name, r.students, r.liked_some, r.matched, r.match_share] for r in found.profiles]
    return csv_table(rows)


def classes_with_trials(school: School) -> list[ClassGroup]:
    return [g for g in school_service.classes(school) if DEFAULT_GRADES[0] <= g.grade <= DEFAULT_GRADES[1]]


def enrolments_of_trial(trial: ProfessionTrial) -> list[TrialEnrolment]:
    return list(TrialEnrolment.select(TrialEnrolment, TrialSession, User).join(TrialSession)
                .switch(TrialEnrolment).join(User, on=(TrialEnrolment.student == User.id))
                .where(TrialSession.trial == trial).order_by(TrialSession.starts_on, User.last_name))
