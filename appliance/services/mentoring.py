"""Mentoring: the register of mentors, mentees' requests, pairs with their programme, meetings,
notes and closing reflections, and the school's report.

Who may do what (the rules the pages follow):
- the **coordinator** — a teacher the administrator marks, or the administrator — keeps the register,
  creates outside mentors' limited accounts, forms and closes pairs and sees the report;
- the **two sides of a pair** see it, plan meetings, write a note after a meeting and a closing
  reflection with a rating;
- the **parents** of a pupil who is a mentee see the pupil's pairs read-only;
- a **mentor from outside** (role MENTOR) sees only their own pairs, and of a pupil only the short
  name and the class: no parents, no contacts, nothing else of the school.
Everyone else is told the pair is not found.
"""

from __future__ import annotations

import datetime
import json
import statistics
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from appliance.db import database
from appliance.i18n import N_
from appliance.models.alumni import AlumniProfile
from appliance.models.base import utcnow
from appliance.models.community import CommunityRole
from appliance.models.mentoring import (
    ACTIVE,
    CANCELLED,
    FINISHED,
    FORMS,
    GOALS_REACHED,
    GROUP_MAX,
    GROUP_MIN,
    HELD,
    MAX_ANSWERS,
    MEETING_FORMATS,
    MENTOR_KINDS,
    NEEDS,
    OPEN,
    OUTSIDE_KINDS,
    PAIRED,
    PLANNED,
    STOPPED,
    WITHDRAWN,
    MentoringGroup,
    MentoringMeeting,
    MentoringPair,
    MentoringRequest,
    MentorProfile,
)
from appliance.models.people import ADMIN, MENTOR, PARENT, STUDENT, TEACHER, ParentLink, School, User
from appliance.models.trajectory import Goal, Milestone
from appliance.models.trials import Organisation
from appliance.services import accounts, alumni, audit, questionnaires, reminders, terms, trajectory, validation, years
from appliance.services import school as school_service
from appliance.services.enrolment import is_graduate
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id
from appliance.services.names import make_login
from appliance.services.questionnaires import Questionnaire, QuestionResult

# The community role (appliance.models.community.CommunityRole) that makes a teacher the coordinator.
COORDINATOR = "coordinator"
NOT_FOUND = N_("Пара наставничества не найдена.")
MAX_CAPACITY = 10
MAX_MEETINGS = 60
# Who may be the mentor and who the mentee in each form (seed 004:19–27).
FORM_MENTOR_KINDS = {
    "teacher_student": ("teacher",), "student_student": ("pupil",), "teacher_parent": ("teacher",),
    "teacher_teacher": ("teacher",), "parent_teacher": ("parent",), "university_student": ("university", "alumnus"),
    "employer_student": ("employee", "alumnus"), "reverse": ("pupil",),
}
FORM_MENTEE_ROLES = {
    "teacher_student": (STUDENT,), "student_student": (STUDENT,), "teacher_parent": (PARENT,),
    "teacher_teacher": (TEACHER,), "parent_teacher": (TEACHER,), "university_student": (STUDENT,),
    "employer_student": (STUDENT,), "reverse": (TEACHER, PARENT),
}
KIND_OF_ROLE = {TEACHER: "teacher", STUDENT: "pupil", PARENT: "parent"}
ROLE_WORDS = {STUDENT: N_("ученик"), TEACHER: N_("учитель"), PARENT: N_("родитель")}


# -- the coordinator -------------------------------------------------------------------------------

def is_coordinator(user: User) -> bool:
    if user.role == ADMIN:
        return True
    return user.role == TEACHER and CommunityRole.select().where(
        (CommunityRole.user == user) & (CommunityRole.role == COORDINATOR)).exists()


def require_coordinator(user: User) -> None:
    if not is_coordinator(user):
        raise Forbidden(N_("Это может только координатор наставничества."))


def coordinators(school: School) -> list[User]:
    return list(User.select().join(CommunityRole, on=(CommunityRole.user == User.id))
                .where((CommunityRole.school == school) & (CommunityRole.role == COORDINATOR) & User.active)
                .order_by(User.last_name, User.first_name))


def set_coordinator(by: User, user_id, on: bool) -> User:
    """The administrator marks a teacher of the school as the coordinator of mentoring, or unmarks."""
    if by.role != ADMIN:
        raise Forbidden(N_("Координатора назначает администратор."))
    teacher = get_or_404(User, User.id == parse_id(user_id), User.school == by.school, User.role == TEACHER,
                         message=N_("Учитель не найден."))
    with database.atomic():
        if on:
            CommunityRole.get_or_create(school=by.school, user=teacher, role=COORDINATOR)
        else:
            CommunityRole.delete().where((CommunityRole.user == teacher)
                                         & (CommunityRole.role == COORDINATOR)).execute()
        audit.record("mentoring.coordinator", user=by, detail=f"{'+' if on else '-'}:{teacher.login}")
    return teacher


# -- the register of mentors -----------------------------------------------------------------------

@dataclass
class RegisterLine:
    profile: MentorProfile
    active_pairs: int
    offer_withdrawn: bool = False  # a graduate without their offer in the club: not to be resumed

    @property
    def free(self) -> int:
        return max(self.profile.capacity - self.active_pairs, 0)


def _active_pairs_of(user: User) -> int:
    return MentoringPair.select().where((MentoringPair.mentor == user) & (MentoringPair.status == ACTIVE)).count()


def register(school: School) -> list[RegisterLine]:
    profiles = (MentorProfile.select(MentorProfile, User).join(User, on=(MentorProfile.user == User.id))
                .where((MentorProfile.school == school) & User.active)
                .order_by(MentorProfile.active.desc(), User.last_name, User.first_name))
    offering = _offering_ids(school)
    return [RegisterLine(p, _active_pairs_of(p.user), p.kind == "alumnus" and p.user_id not in offering)
            for p in profiles]


def _offer_and_capacity(form: dict) -> tuple[str, int]:
    offer = validation.text(form.get("offer"), 1000, N_("С чем может помочь"),
                            required=N_("Напишите, с чем наставник может помочь."))
    capacity = validation.integer(form.get("capacity") or "1", N_("Сколько наставляемых"), 1, MAX_CAPACITY)
    return offer, capacity


def _organisation(school: School, value) -> Organisation | None:
    if not value:
        return None
    return get_or_404(Organisation, Organisation.id == parse_id(value), Organisation.school == school,
                      Organisation.archived_at.is_null(), message=N_("Организация не найдена."))


def kind_of(user: User) -> str:
    """A graduate mentors as «выпускник», with their own alumni account; everyone else by their role."""
    return "alumnus" if is_graduate(user) else KIND_OF_ROLE[user.role]


def add_mentor(by: User, form: dict) -> MentorProfile:
    """Put a teacher, a pupil, a parent or a graduate of the school in the register. A graduate keeps
    their own alumni account (no new login) and must have offered to mentor in the alumni club."""
    require_coordinator(by)
    user = get_or_404(User, User.id == parse_id(form.get("user")), User.school == by.school,
                      User.role.in_(tuple(KIND_OF_ROLE)), User.active,
                      message=N_("Человек не найден в школе: выберите учителя, ученика или родителя."))
    kind = kind_of(user)
    if kind == "alumnus" and user.id not in _offering_ids(by.school):
        raise Conflict(N_("%(name)s: в клубе выпускников нет предложения стать наставником, а выпускника вносят "
                          "в реестр только по его согласию."), name=user.short_name)
    offer, capacity = _offer_and_capacity(form)
    if MentorProfile.select().where(MentorProfile.user == user).exists():
        raise Conflict(N_("%(name)s уже в реестре наставников."), name=user.short_name)
    with database.atomic():
        profile = MentorProfile.create(school=by.school, user=user, kind=kind, offer=offer,
                                       capacity=capacity, organisation=_organisation(by.school, form.get("organisation")))
        audit.record("mentoring.mentor", user=by, detail=f"+:{user.login}")
    return profile


def alumni_offering(school: School, registered: bool = False) -> list[User]:
    """Graduates with an open account in the alumni club who offered to mentor («стать наставником»),
    not yet in the register (with `registered`, those in it too)."""
    query = (User.select().join(AlumniProfile, on=(AlumniProfile.alumnus == User.id))
             .where((AlumniProfile.school == school) & AlumniProfile.help_mentoring & User.active)
             .order_by(User.last_name, User.first_name))
    if not registered:
        query = query.where(User.id.not_in(MentorProfile.select(MentorProfile.user)
                                           .where(MentorProfile.school == school)))
    return [user for user in query if is_graduate(user)]


def _offering_ids(school: School) -> set:
    """The graduates whose offer to mentor stands in the alumni club, in the register or not."""
    return {user.id for user in alumni_offering(school, registered=True)}


def is_registered_mentor(user: User) -> bool:
    return MentorProfile.select().where(MentorProfile.user == user).exists()


@dataclass
class OutsideAccount:
    profile: MentorProfile
    code: str  # the one-time activation code for the login card, shown once


def add_outside_mentor(by: User, form: dict) -> OutsideAccount:
    """A mentor from outside the school — a university student, a partner's employee, an alumnus — with
    a limited account (role MENTOR) and a one-time code for the login card."""
    require_coordinator(by)
    last = validation.text(form.get("last_name"), 80, N_("Фамилия"), one_line=True,
                           required=N_("Укажите фамилию наставника."))
    first = validation.text(form.get("first_name"), 80, N_("Имя"), one_line=True,
                            required=N_("Укажите имя наставника."))
    middle = validation.text(form.get("middle_name"), 80, N_("Отчество"), one_line=True)
    kind = form.get("kind") or ""
    if kind not in OUTSIDE_KINDS:
        raise validation.Invalid(N_("Выберите, кто этот наставник: студент вуза, сотрудник партнёра или выпускник."))
    offer, capacity = _offer_and_capacity(form)
    organisation = _organisation(by.school, form.get("organisation"))
    with database.atomic():
        user = User.create(school=by.school, role=MENTOR, login=make_login(last, first),
                           full_name=f"{last} {first} {middle}".strip(), last_name=last, first_name=first,
                           middle_name=middle)
        code = accounts.issue_activation_code(user)
        profile = MentorProfile.create(school=by.school, user=user, kind=kind, organisation=organisation,
                                       offer=offer, capacity=capacity, outside=True)
        audit.record("mentoring.outside_mentor", user=by, detail=f"+:{user.login}")
    return OutsideAccount(profile, code)


def _own_profile(by: User, profile_id) -> MentorProfile:
    require_coordinator(by)
    return get_or_404(MentorProfile, MentorProfile.id == parse_id(profile_id), MentorProfile.school == by.school,
                      message=N_("Наставник не найден в реестре."))


def set_mentor_active(by: User, profile_id, on: bool) -> MentorProfile:
    """Pause or resume a mentor; an outside mentor's account is closed and opened with it. A graduate
    is resumed only while their offer in the alumni club stands (their consent, as in `add_mentor`)."""
    profile = _own_profile(by, profile_id)
    if on and profile.kind == "alumnus" and profile.user_id not in _offering_ids(by.school):
        raise Conflict(N_("%(name)s: в клубе выпускников больше нет предложения стать наставником. Возобновить "
                          "можно, когда выпускник снова его отметит."), name=profile.user.short_name)
    with database.atomic():
        profile.active = on
        profile.save()
        if profile.outside:
            user = profile.user
            user.active = on
            if not on:
                user.session_epoch += 1  # sessions made before stop working
            user.save()
        audit.record("mentoring.mentor", user=by, detail=f"{'on' if on else 'off'}:{profile.user.login}")
    return profile


def new_login_card(by: User, profile_id) -> OutsideAccount:
    """A new one-time code for an outside mentor who lost theirs (the old one stops working)."""
    profile = _own_profile(by, profile_id)
    if not profile.outside or not profile.active:
        raise ServiceError(N_("Карточку входа выдают только действующему наставнику не из школы."), status=409)
    with database.atomic():
        code = accounts.issue_activation_code(profile.user)
        audit.record("mentoring.login_card", user=by, detail=profile.user.login)
    return OutsideAccount(profile, code)


# -- mentees' requests -----------------------------------------------------------------------------

def can_apply(user: User) -> bool:
    return user.role in (STUDENT, TEACHER, PARENT) and not is_graduate(user)


def my_open_request(user: User) -> MentoringRequest | None:
    return MentoringRequest.select().where((MentoringRequest.mentee == user)
                                           & (MentoringRequest.status == OPEN)).first()


NEEDS_QUESTIONNAIRE = "mentoring-needs"


def needs_questionnaire(data_dir: Path | None) -> Questionnaire:
    """The needs questionnaire: the shipped file, or the school's own in <data dir>/questionnaires."""
    return questionnaires.get(NEEDS_QUESTIONNAIRE, data_dir / "questionnaires" if data_dir else None,
                              kind="mentoring")


def apply(user: User, data_dir: Path | None, raw) -> MentoringRequest:
    """A mentee's request: the answers to the needs questionnaire for their role (topics, in their own
    words what they expect, the form and the way of meeting they would like, how often, how urgent),
    checked by the survey engine and stored whole; the topics, the words, the form and the way of
    meeting also fill the request's own columns the coordinator's list, matching and counts read."""
    if not can_apply(user):
        raise Forbidden(N_("Заявку на наставника подают ученики, учителя и родители школы."))
    wanted_form = str(raw.get("form") or "")
    if wanted_form in FORM_MENTEE_ROLES and user.role not in FORM_MENTEE_ROLES[wanted_form]:
        raise validation.Invalid(N_("В форме «%(form)s» наставляемый — не %(role)s: выберите другую форму."),
                                 form=FORMS[wanted_form], role=ROLE_WORDS[user.role])
    questionnaire = needs_questionnaire(data_dir)
    answers = questionnaires.check_answers(questionnaire.answer_specs(user.role), raw)
    text = json.dumps(answers, ensure_ascii=False)
    if len(text) > MAX_ANSWERS:
        raise validation.Invalid(N_("Ответы слишком длинные: сократите тексты."))
    if my_open_request(user) is not None:
        raise Conflict(N_("Заявка уже подана и ждёт наставника."))
    chosen = [code for code in NEEDS if code in answers.get("needs", [])]
    form_code = answers.get("form", "")
    return MentoringRequest.create(school=user.school, mentee=user, form="" if form_code == "any" else form_code,
                                   needs=",".join(chosen), request=answers.get("request", ""),
                                   meeting_format=answers.get("meeting_format") or "any", answers=text,
                                   questionnaire=questionnaire.code, questionnaire_version=questionnaire.version)


@dataclass
class AnswerLine:
    question: str
    words: str


def answer_lines(request: MentoringRequest, questionnaire: Questionnaire | None) -> list[AnswerLine]:
    """A request's answers as the coordinator reads them: each question's short name and the words of
    the answer, never a code. A request made before the questionnaire shows what its columns hold."""
    if not request.answers or questionnaire is None:
        lines = [AnswerLine(N_("Темы"), ", ".join(NEEDS[c] for c in request.need_codes if c in NEEDS))]
        if request.request:
            lines.append(AnswerLine(N_("Чего ждёт от наставника"), request.request))
        return lines
    answers = json.loads(request.answers)
    fallback = {**NEEDS, **FORMS, **MEETING_FORMATS}
    lines = []
    for question in questionnaire.all_questions():
        value = answers.get(question["id"])
        if value is None:
            continue
        words = dict(question.get("choices", ()))
        if question["type"] == "scale":
            label = (question.get("labels") or {}).get(str(value))
            shown = f"{value} из {question['max']}" + (f" ({label.lower()})" if label else "")
        else:
            shown = ", ".join(words.get(str(v)) or fallback.get(str(v)) or str(v)
                              for v in (value if isinstance(value, list) else [value]))
        lines.append(AnswerLine(question.get("short") or question["text"], shown))
    return lines


def withdraw(user: User, request_id) -> MentoringRequest:
    found = get_or_404(MentoringRequest, MentoringRequest.id == parse_id(request_id),
                       MentoringRequest.mentee == user, MentoringRequest.status == OPEN,
                       message=N_("Заявка не найдена."))
    found.status = WITHDRAWN
    found.save()
    return found


def open_requests(school: School) -> list[MentoringRequest]:
    return list(MentoringRequest.select(MentoringRequest, User).join(User, on=(MentoringRequest.mentee == User.id))
                .where((MentoringRequest.school == school) & (MentoringRequest.status == OPEN) & User.active)
                .order_by(MentoringRequest.created_at))


def get_request(by: User, request_id) -> MentoringRequest:
    require_coordinator(by)
    return get_or_404(MentoringRequest, MentoringRequest.id == parse_id(request_id),
                      MentoringRequest.school == by.school, MentoringRequest.status == OPEN,
                      message=N_("Заявка не найдена."))


# -- pairs -------------------------------------------------------------------------------------------

def _mentee(by: User, form: dict) -> tuple[User, MentoringRequest | None]:
    request = None
    if form.get("request"):
        request = get_request(by, form.get("request"))
        return request.mentee, request
    login = validation.text(form.get("mentee_login"), 64, N_("Логин наставляемого"), one_line=True,
                            required=N_("Выберите заявку или укажите логин наставляемого."))
    mentee = get_or_404(User, User.login == login, User.school == by.school, User.active,
                        User.role.in_((STUDENT, TEACHER, PARENT)),
                        message=N_("Наставляемый с таким логином в школе не найден."))
    return mentee, my_open_request(mentee)


def _first_meeting(form: dict, starts_on: datetime.date) -> dict | None:
    day = validation.date(form.get("meeting_day"), N_("Дата первой встречи"))
    if day is None:
        return None
    if day < starts_on:
        raise validation.Invalid(N_("Первая встреча не может быть раньше начала программы."))
    return {"day": day, "start_time": validation.clock(form.get("meeting_time"), N_("Время встречи")),
            "place": validation.text(form.get("meeting_place"), 200, N_("Место"), one_line=True),
            "topic": validation.text(form.get("meeting_topic"), 200, N_("Тема"), one_line=True)}


def _goal_lines(goals: str) -> list[str]:
    """The programme's goals, one a line, checked to fit a trajectory goal's title."""
    lines = [line.strip() for line in goals.splitlines() if line.strip()]
    for line in lines:
        validation.text(line, 300, N_("Одна цель"), one_line=True)
    return lines


def _goal_deadline(school: School, ends_on: datetime.date | None, today: datetime.date) -> datetime.date:
    """A pupil's goal from a programme is due when the programme ends, or at the end of the school year."""
    if ends_on is None:
        ends_on = datetime.date(years.current_year(school) + 1, 5, 31)
    return max(ends_on, today)


def _trajectory_goals(pair: MentoringPair, lines: list[str], deadline: datetime.date) -> None:
    """Inside the caller's transaction: each goal line becomes the pupil's trajectory goal of the pair."""
    for line in lines:
        trajectory.add_mentoring_goal(pair.mentee, pair, line, deadline, [], pair.mentor.short_name)


def _programme(form: dict, today: datetime.date, no_title: str, no_goals: str) -> tuple:
    """A pair's or a group's programme as typed: title, goals, meetings planned, dates and the first
    meeting (or None)."""
    title = validation.text(form.get("title"), 200, N_("Программа"), one_line=True, required=no_title)
    goals = validation.text(form.get("goals"), 2000, N_("Цели"), required=no_goals)
    planned = validation.integer(form.get("meetings_planned") or "0", N_("Встреч по плану"), 1, MAX_MEETINGS)
    starts_on = validation.date(form.get("starts_on") or today, N_("Начало"))
    ends_on = validation.date(form.get("ends_on"), N_("Окончание"))
    if ends_on is not None and ends_on < starts_on:
        raise validation.Invalid(N_("Окончание программы раньше её начала."))
    return title, goals, planned, starts_on, ends_on, _first_meeting(form, starts_on)


def form_pair(by: User, form: dict, today: datetime.date) -> MentoringPair:
    """The coordinator forms a pair of a given form with its programme (title, goals — one a line —,
    the number of meetings planned, dates) and, if given, its first meeting."""
    require_coordinator(by)
    code = form.get("form") or ""
    if code not in FORMS:
        raise validation.Invalid(N_("Выберите форму наставничества."))
    profile = get_or_404(MentorProfile.select(MentorProfile, User).join(User, on=(MentorProfile.user == User.id)),
                         MentorProfile.id == parse_id(form.get("mentor")), MentorProfile.school == by.school,
                         message=N_("Наставник не найден в реестре."))
    mentor = profile.user
    mentee, request = _mentee(by, form)
    if mentor.id == mentee.id:
        raise validation.Invalid(N_("Наставник и наставляемый — один и тот же человек: выберите другого."))
    if not profile.active or not mentor.active:
        raise Conflict(N_("%(name)s сейчас не берёт наставляемых."), name=mentor.short_name)
    if profile.kind not in FORM_MENTOR_KINDS[code]:
        raise validation.Invalid(N_("В форме «%(form)s» наставник — не %(kind)s: выберите другого наставника или форму."),
                                 form=FORMS[code], kind=MENTOR_KINDS[profile.kind])
    if mentee.role not in FORM_MENTEE_ROLES[code]:
        raise validation.Invalid(N_("В форме «%(form)s» наставляемый — не %(role)s: выберите другую форму."),
                                 form=FORMS[code], role=ROLE_WORDS[mentee.role])
    title, goals, planned, starts_on, ends_on, first = _programme(
        form, today, N_("Назовите программу пары."), N_("Запишите хотя бы одну цель пары."))
    lines = _goal_lines(goals) if mentee.role == STUDENT else []
    deadline = _goal_deadline(by.school, ends_on, today)
    with database.atomic():
        # Counted inside the writing transaction: two pairs formed at once cannot overfill a mentor.
        if _active_pairs_of(mentor) >= profile.capacity:
            raise Conflict(N_("Все места наставника %(name)s заняты: наставляемых уже %(capacity)d."),
                           name=mentor.short_name, capacity=profile.capacity)
        if MentoringPair.select().where((MentoringPair.mentor == mentor) & (MentoringPair.mentee == mentee)
                                        & (MentoringPair.status == ACTIVE)).exists():
            raise Conflict(N_("Такая пара уже работает."))
        # A pupil's goals go to the pupil's trajectory («Активности»); an adult's stay the programme's text.
        pair = MentoringPair.create(school=by.school, form=code, mentor=mentor, mentee=mentee, request=request,
                                    title=title, goals="" if lines else goals, meetings_planned=planned,
                                    starts_on=starts_on, ends_on=ends_on, school_year=years.current_year(by.school),
                                    created_by=by)
        _trajectory_goals(pair, lines, deadline)
        if first:
            _remind(MentoringMeeting.create(pair=pair, **first), pair, today)
        if request is not None:
            request.status = PAIRED
            request.save()
        audit.record("mentoring.pair", user=by, detail=f"+:{code}:{mentor.login}:{mentee.login}")
    return pair


def _is_parent_of(user: User, child_id) -> bool:
    return user.role == PARENT and ParentLink.select().where((ParentLink.parent == user)
                                                              & (ParentLink.student == child_id)).exists()


def side_of(user: User, pair: MentoringPair) -> str:
    """"mentor", "mentee", or "" for someone who is not in the pair."""
    if pair.mentor_id == user.id:
        return "mentor"
    if pair.mentee_id == user.id:
        return "mentee"
    return ""


def can_see(user: User, pair: MentoringPair) -> bool:
    if pair.school_id != user.school_id:
        return False
    return bool(side_of(user, pair)) or is_coordinator(user) or _is_parent_of(user, pair.mentee_id)


def can_manage(user: User, pair: MentoringPair) -> bool:
    """Plan and cancel meetings: the two sides and the coordinator."""
    return pair.school_id == user.school_id and (bool(side_of(user, pair)) or is_coordinator(user))


def get_pair(user: User, pair_id) -> MentoringPair:
    return get_or_404(MentoringPair, MentoringPair.id == parse_id(pair_id), message=NOT_FOUND,
                      visible=lambda pair: can_see(user, pair))


def meetings_of(pair: MentoringPair) -> list[MentoringMeeting]:
    return list(pair.meetings.order_by(MentoringMeeting.day, MentoringMeeting.start_time))


def _managed(user: User, pair_id) -> MentoringPair:
    pair = get_pair(user, pair_id)
    if not can_manage(user, pair):
        raise Forbidden(N_("Родители видят наставничество ребёнка, но не меняют его."))
    if pair.status != ACTIVE:
        raise Conflict(N_("Пара уже не работает: её встречи не меняются."))
    return pair


def _meeting_fields(form: dict) -> dict:
    day = validation.date(form.get("day"), N_("Дата"), required=N_("Укажите дату встречи."))
    return {"day": day, "start_time": validation.clock(form.get("start_time"), N_("Время")),
            "place": validation.text(form.get("place"), 200, N_("Место"), one_line=True),
            "topic": validation.text(form.get("topic"), 200, N_("Тема"), one_line=True)}


REMIND_DAYS_BEFORE = 1


def _remind(meeting: MentoringMeeting, pair: MentoringPair, today: datetime.date, mentor: bool = True) -> None:
    """Both sides hear of a coming meeting the day before (an outside mentor's account has no
    notifications: they see their meetings on their page). A group's mentor hears once a meeting."""
    if meeting.day < today:
        return
    title = meeting.topic or pair.title
    for person in ((pair.mentor, pair.mentee) if mentor else (pair.mentee,)):
        if person.role != MENTOR:
            reminders.schedule(person, "meeting", meeting.id, title, meeting.day, REMIND_DAYS_BEFORE)


def add_meeting(user: User, pair_id, form: dict, today: datetime.date) -> MentoringMeeting:
    pair = _managed(user, pair_id)
    if pair.group_id is not None:
        return add_group_meeting(user, pair.group_id, form, today)
    fields = _meeting_fields(form)
    if fields["day"] < pair.starts_on:
        raise validation.Invalid(N_("Встреча не может быть раньше начала программы."))
    with database.atomic():
        meeting = MentoringMeeting.create(pair=pair, **fields)
        _remind(meeting, pair, today)
    return meeting


def get_meeting(user: User, meeting_id) -> tuple[MentoringMeeting, MentoringPair]:
    meeting = get_or_404(MentoringMeeting, MentoringMeeting.id == parse_id(meeting_id),
                         message=N_("Встреча не найдена."), visible=lambda m: can_see(user, m.pair))
    return meeting, meeting.pair


def note_meeting(user: User, meeting_id, form: dict, today: datetime.date) -> MentoringMeeting:
    """A short note after a meeting by either side; it marks the meeting as held."""
    meeting, pair = get_meeting(user, meeting_id)
    side = side_of(user, pair)
    if not side:
        raise Forbidden(N_("Заметку о встрече пишут наставник и наставляемый."))
    if meeting.status == CANCELLED:
        raise Conflict(N_("Встреча отменена: заметку к ней не пишут."))
    if meeting.day > today:
        raise validation.Invalid(N_("Встреча ещё не прошла: заметку пишут после неё."))
    note = validation.text(form.get("note"), 1000, N_("Заметка"), required=N_("Напишите хотя бы пару слов о встрече."))
    if side == "mentor" and meeting.group_key is not None:
        # The mentor writes once for the whole group: the note goes to every member's row of the meeting.
        MentoringMeeting.update(mentor_note=note, status=HELD, updated_at=utcnow()).where(
            (MentoringMeeting.group_key == meeting.group_key) & (MentoringMeeting.status != CANCELLED)).execute()
        return MentoringMeeting.get_by_id(meeting.id)
    setattr(meeting, f"{side}_note", note)
    meeting.status = HELD
    meeting.save()
    return meeting


def cancel_meeting(user: User, meeting_id) -> MentoringMeeting:
    meeting, pair = get_meeting(user, meeting_id)
    _managed(user, pair.id)
    if meeting.status != PLANNED:
        raise Conflict(N_("Отменить можно только запланированную встречу."))
    if meeting.group_key is not None:
        group = _managed_group(user, pair.group_id)
        with database.atomic():
            rows = [m.id for m in MentoringMeeting.select(MentoringMeeting.id).join(MentoringPair).where(
                (MentoringMeeting.group_key == meeting.group_key) & (MentoringPair.group == group)
                & (MentoringMeeting.status == PLANNED))]
            for row in rows:
                reminders.cancel("meeting", row)
            MentoringMeeting.update(status=CANCELLED, updated_at=utcnow()).where(MentoringMeeting.id.in_(rows)).execute()
        return MentoringMeeting.get_by_id(meeting.id)
    with database.atomic():
        meeting.status = CANCELLED
        meeting.save()
        reminders.cancel("meeting", meeting.id)
    return meeting


def reflect(user: User, pair_id, form: dict) -> MentoringPair:
    """The closing reflection of one side with a rating from 1 to 5."""
    pair = get_pair(user, pair_id)
    side = side_of(user, pair)
    if not side:
        raise Forbidden(N_("Итоги пишут наставник и наставляемый."))
    if pair.status == ACTIVE and not MentoringMeeting.select().where((MentoringMeeting.pair == pair)
                                                                     & (MentoringMeeting.status == HELD)).exists():
        raise Conflict(N_("Итоги подводят после хотя бы одной встречи."))
    text = validation.text(form.get("reflection"), 1000, N_("Итоги"),
                           required=N_("Напишите, что получилось и что нет."))
    rating = validation.integer(form.get("rating"), N_("Оценка"), 1, 5)
    if side == "mentor" and pair.group_id is not None:
        # The mentor sums up the group once; each mentee writes their own.
        MentoringPair.update(mentor_reflection=text, mentor_rating=rating, updated_at=utcnow()).where(
            MentoringPair.group == pair.group_id).execute()
        return MentoringPair.get_by_id(pair.id)
    setattr(pair, f"{side}_reflection", text)
    setattr(pair, f"{side}_rating", rating)
    pair.save()
    return pair


def close_pair(by: User, pair_id, form: dict) -> MentoringPair:
    """The coordinator closes a pair: finished, or stopped early; were the goals reached."""
    require_coordinator(by)
    pair = get_pair(by, pair_id)
    if pair.status != ACTIVE:
        raise Conflict(N_("Пара уже закрыта."))
    if pair.group_id is not None:
        raise Conflict(N_("Наставляемый занимается в группе «%(title)s»: её закрывают целиком."),
                       title=pair.group.title)
    status, reached = _closing(form)
    with database.atomic():
        _close(pair, status, reached)
        audit.record("mentoring.pair", user=by, detail=f"{status}:{pair.id.hex}")
    return pair


def _closing(form: dict) -> tuple[str, str]:
    status = form.get("status") or FINISHED
    if status not in (FINISHED, STOPPED):
        raise validation.Invalid(N_("Выберите: программа завершена или прекращена."))
    reached = form.get("goals_reached") or ""
    if reached not in GOALS_REACHED:
        raise validation.Invalid(N_("Отметьте, достигнуты ли цели пары."))
    return status, reached


def _close(pair: MentoringPair, status: str, reached: str) -> None:
    """Inside the caller's transaction: the pair ends and its planned meetings leave the calendars."""
    pair.status, pair.goals_reached, pair.finished_at = status, reached, utcnow()
    pair.save()
    planned = [m.id for m in MentoringMeeting.select(MentoringMeeting.id)
               .where((MentoringMeeting.pair == pair) & (MentoringMeeting.status == PLANNED))]
    for meeting_id in planned:
        reminders.cancel("meeting", meeting_id)
    if planned:
        MentoringMeeting.update(status=CANCELLED).where(MentoringMeeting.id.in_(planned)).execute()


# -- small groups ----------------------------------------------------------------------------------

GROUP_NOT_FOUND = N_("Группа наставничества не найдена.")
MAX_LOGINS_TEXT = GROUP_MAX * 70  # the mentees' logins, one a line


def _mentee_by_login(school: School, login: str) -> User:
    mentee = User.select().where((User.login == login) & (User.school == school) & User.active
                                 & User.role.in_((STUDENT, TEACHER, PARENT))).first()
    if mentee is None:
        raise validation.Invalid(N_("Наставляемый с логином «%(login)s» в школе не найден."), login=login)
    return mentee


def _group_mentees(by: User, form: dict, request_ids: list[str]) -> list[tuple[User, MentoringRequest | None]]:
    """The mentees of a new group: from open requests the coordinator ticked, and by login (one a line)."""
    chosen: list[tuple[User, MentoringRequest | None]] = []
    for request_id in request_ids:
        request = get_request(by, request_id)
        chosen.append((request.mentee, request))
    logins = validation.text(form.get("mentee_logins"), MAX_LOGINS_TEXT, N_("Логины наставляемых"))
    for login in (line.strip() for line in logins.splitlines()):
        if not login:
            continue
        mentee = _mentee_by_login(by.school, login)
        chosen.append((mentee, my_open_request(mentee)))
    seen: set = set()
    for mentee, _request in chosen:
        if mentee.id in seen:
            raise validation.Invalid(N_("В списке группы дважды: %(name)s."), name=mentee.short_name)
        seen.add(mentee.id)
    if len(chosen) < GROUP_MIN:
        raise validation.Invalid(N_("В группе не меньше %(min)d наставляемых: для одного создайте пару."), min=GROUP_MIN)
    if len(chosen) > GROUP_MAX:
        raise validation.Invalid(N_("В группе не больше %(max)d наставляемых, а выбрано %(n)d."),
                                 max=GROUP_MAX, n=len(chosen))
    return chosen


def form_group(by: User, form: dict, request_ids: list[str], today: datetime.date) -> MentoringGroup:
    """The coordinator forms a small group: one mentor from the register and 2–8 mentees of the same form
    under one programme (title, goals — one a line —, meetings planned, dates) and, if given, its first
    meeting. Each mentee's membership is a pair pointing to the group; the mentor's places count each
    mentee, checked in the writing transaction."""
    require_coordinator(by)
    code = form.get("form") or ""
    if code not in FORMS:
        raise validation.Invalid(N_("Выберите форму наставничества."))
    profile = get_or_404(MentorProfile.select(MentorProfile, User).join(User, on=(MentorProfile.user == User.id)),
                         MentorProfile.id == parse_id(form.get("mentor")), MentorProfile.school == by.school,
                         message=N_("Наставник не найден в реестре."))
    mentor = profile.user
    mentees = _group_mentees(by, form, request_ids)
    if any(mentee.id == mentor.id for mentee, _request in mentees):
        raise validation.Invalid(N_("Наставник %(name)s указан и среди наставляемых: уберите его из списка."),
                                 name=mentor.short_name)
    if not profile.active or not mentor.active:
        raise Conflict(N_("%(name)s сейчас не берёт наставляемых."), name=mentor.short_name)
    if profile.kind not in FORM_MENTOR_KINDS[code]:
        raise validation.Invalid(N_("В форме «%(form)s» наставник — не %(kind)s: выберите другого наставника или форму."),
                                 form=FORMS[code], kind=MENTOR_KINDS[profile.kind])
    for mentee, _request in mentees:
        if mentee.role not in FORM_MENTEE_ROLES[code]:
            raise validation.Invalid(N_("В форме «%(form)s» наставляемый — не %(role)s, а в группе %(name)s: "
                                        "уберите его или выберите другую форму."),
                                     form=FORMS[code], role=ROLE_WORDS[mentee.role], name=mentee.short_name)
    title, goals, planned, starts_on, ends_on, first = _programme(
        form, today, N_("Назовите программу группы."), N_("Запишите хотя бы одну цель группы."))
    lines = _goal_lines(goals)
    deadline = _goal_deadline(by.school, ends_on, today)
    with database.atomic():
        # Counted inside the writing transaction: each mentee takes one of the mentor's places.
        busy = (MentoringPair.select(MentoringPair, User).join(User, on=(MentoringPair.mentee == User.id))
                .where((MentoringPair.mentor == mentor) & (MentoringPair.status == ACTIVE)
                       & MentoringPair.mentee.in_([m.id for m, _r in mentees])).first())
        if busy is not None:
            raise Conflict(N_("%(name)s уже занимается с этим наставником: уберите его из группы."),
                           name=busy.mentee.short_name)
        taken = _active_pairs_of(mentor)
        if taken + len(mentees) > profile.capacity:
            raise Conflict(N_("У наставника %(name)s свободно мест: %(free)d, а в группе наставляемых: %(n)d."),
                           name=mentor.short_name, free=max(profile.capacity - taken, 0), n=len(mentees))
        school_year = years.current_year(by.school)
        group = MentoringGroup.create(school=by.school, form=code, mentor=mentor, title=title, goals=goals,
                                      meetings_planned=planned, starts_on=starts_on, ends_on=ends_on,
                                      school_year=school_year, created_by=by)
        key = uuid.uuid4() if first else None
        for number, (mentee, request) in enumerate(mentees):
            pair = MentoringPair.create(school=by.school, form=code, mentor=mentor, mentee=mentee, request=request,
                                        title=title, goals="", meetings_planned=planned, starts_on=starts_on,
                                        ends_on=ends_on, school_year=school_year, created_by=by, group=group)
            if mentee.role == STUDENT:  # the group's goals become each pupil's own trajectory goals
                _trajectory_goals(pair, lines, deadline)
            if first:
                _remind(MentoringMeeting.create(pair=pair, group_key=key, **first), pair, today, mentor=number == 0)
            if request is not None:
                request.status = PAIRED
                request.save()
        audit.record("mentoring.group", user=by, detail=f"+:{code}:{mentor.login}:{len(mentees)}")
    return group


def members_of(group: MentoringGroup) -> list[MentoringPair]:
    """The mentees' pairs of a group, by surname."""
    return list(MentoringPair.select(MentoringPair, User).join(User, on=(MentoringPair.mentee == User.id))
                .where(MentoringPair.group == group).order_by(User.last_name, User.first_name))


def group_side(user: User, group: MentoringGroup, members: list[MentoringPair] | None = None) -> str:
    """"mentor", "mentee" (a member), or ""."""
    if group.mentor_id == user.id:
        return "mentor"
    members = members_of(group) if members is None else members
    return "mentee" if any(p.mentee_id == user.id for p in members) else ""


def own_pair_in(user: User, members: list[MentoringPair]) -> MentoringPair | None:
    """The viewer's part of a group: their own pair, or a parent's child's."""
    for pair in members:
        if pair.mentee_id == user.id or _is_parent_of(user, pair.mentee_id):
            return pair
    return None


def can_see_group(user: User, group: MentoringGroup) -> bool:
    if group.school_id != user.school_id:
        return False
    if group.mentor_id == user.id or is_coordinator(user):
        return True
    return own_pair_in(user, members_of(group)) is not None


def get_group(user: User, group_id) -> MentoringGroup:
    return get_or_404(MentoringGroup, MentoringGroup.id == parse_id(group_id), message=GROUP_NOT_FOUND,
                      visible=lambda group: can_see_group(user, group))


def can_manage_group(user: User, group: MentoringGroup) -> bool:
    """Plan and cancel a group's meetings: its mentor and the coordinator."""
    return group.school_id == user.school_id and (group.mentor_id == user.id or is_coordinator(user))


def _managed_group(user: User, group_id) -> MentoringGroup:
    group = get_group(user, group_id)
    if not can_manage_group(user, group):
        raise Forbidden(N_("Встречи группы планирует и отменяет наставник или координатор."))
    if group.status != ACTIVE:
        raise Conflict(N_("Группа уже не работает: её встречи не меняются."))
    return group


def add_group_meeting(user: User, group_id, form: dict, today: datetime.date) -> MentoringMeeting:
    """A meeting planned once for the whole group: a row in every member's pair under one key, in every
    member's calendar with a reminder (the mentor is reminded once)."""
    group = _managed_group(user, group_id)
    fields = _meeting_fields(form)
    if fields["day"] < group.starts_on:
        raise validation.Invalid(N_("Встреча не может быть раньше начала программы."))
    key = uuid.uuid4()
    first = None
    with database.atomic():
        for number, pair in enumerate(p for p in members_of(group) if p.status == ACTIVE):
            meeting = MentoringMeeting.create(pair=pair, group_key=key, **fields)
            _remind(meeting, pair, today, mentor=number == 0)
            first = first or meeting
    if first is None:
        raise Conflict(N_("В группе не осталось наставляемых."))
    return first


def group_meetings(group: MentoringGroup, members: list[MentoringPair]) -> list[MentoringMeeting]:
    """The group's meetings, one row for each (the mentor's note is the same in every member's row)."""
    if not members:
        return []
    seen: set = set()
    found = []
    for meeting in (MentoringMeeting.select().where(MentoringMeeting.pair.in_([p.id for p in members]))
                    .order_by(MentoringMeeting.day, MentoringMeeting.start_time, MentoringMeeting.status)):
        key = meeting.group_key or meeting.id
        if key not in seen:
            seen.add(key)
            found.append(meeting)
    return found


def close_group(by: User, group_id, form: dict) -> MentoringGroup:
    """The coordinator closes a group: every member's pair ends with it, planned meetings are cancelled."""
    require_coordinator(by)
    group = get_group(by, group_id)
    if group.status != ACTIVE:
        raise Conflict(N_("Группа уже закрыта."))
    status, reached = _closing(form)
    with database.atomic():
        group.status, group.goals_reached, group.finished_at = status, reached, utcnow()
        group.save()
        for pair in members_of(group):
            if pair.status == ACTIVE:
                _close(pair, status, reached)
        audit.record("mentoring.group", user=by, detail=f"{status}:{group.id.hex}")
    return group


def _group_for_members(by: User, group_id) -> MentoringGroup:
    require_coordinator(by)
    group = get_group(by, group_id)
    if group.status != ACTIVE:
        raise Conflict(N_("Группа уже не работает: её состав не меняется."))
    return group


def add_group_member(by: User, group_id, form: dict, today: datetime.date) -> MentoringPair:
    """The coordinator adds a mentee to a working group (by login): the same checks as forming it, one
    of the mentor's places, the group's goals as the pupil's trajectory goals, and the group's planned
    meetings from today on in the newcomer's calendar with reminders."""
    group = _group_for_members(by, group_id)
    login = validation.text(form.get("mentee_login"), 64, N_("Логин наставляемого"), one_line=True).strip()
    if not login:
        raise validation.Invalid(N_("Впишите логин наставляемого."))
    mentee = _mentee_by_login(by.school, login)
    mentor = group.mentor
    if mentee.id == mentor.id:
        raise validation.Invalid(N_("%(name)s — наставник этой группы."), name=mentor.short_name)
    if mentee.role not in FORM_MENTEE_ROLES[group.form]:
        raise validation.Invalid(N_("В форме «%(form)s» наставляемый — не %(role)s: %(name)s не может войти в эту "
                                    "группу."),
                                 form=FORMS[group.form], role=ROLE_WORDS[mentee.role], name=mentee.short_name)
    profile = MentorProfile.get_or_none(MentorProfile.user == mentor)
    if profile is None or not profile.active or not mentor.active:
        raise Conflict(N_("%(name)s сейчас не берёт наставляемых."), name=mentor.short_name)
    request = my_open_request(mentee)
    with database.atomic():
        # Counted inside the writing transaction, as when the group was formed.
        active = [p for p in members_of(group) if p.status == ACTIVE]
        if any(p.mentee_id == mentee.id for p in active) or MentoringPair.select().where(
                (MentoringPair.mentor == mentor) & (MentoringPair.mentee == mentee)
                & (MentoringPair.status == ACTIVE)).exists():
            raise Conflict(N_("%(name)s уже занимается с этим наставником."), name=mentee.short_name)
        if len(active) >= GROUP_MAX:
            raise Conflict(N_("В группе не больше %(max)d наставляемых: мест в ней нет."), max=GROUP_MAX)
        if _active_pairs_of(mentor) >= profile.capacity:
            raise Conflict(N_("У наставника %(name)s нет свободных мест."), name=mentor.short_name)
        pair = MentoringPair.create(school=by.school, form=group.form, mentor=mentor, mentee=mentee, request=request,
                                    title=group.title, goals="", meetings_planned=group.meetings_planned,
                                    starts_on=max(group.starts_on, today), ends_on=group.ends_on,
                                    school_year=group.school_year, created_by=by, group=group)
        if mentee.role == STUDENT:
            _trajectory_goals(pair, group.goal_lines, _goal_deadline(by.school, group.ends_on, today))
        for meeting in group_meetings(group, active):
            if meeting.status == PLANNED and meeting.day >= today:
                _remind(MentoringMeeting.create(pair=pair, group_key=meeting.group_key or uuid.uuid4(), day=meeting.day,
                                                start_time=meeting.start_time, place=meeting.place, topic=meeting.topic),
                        pair, today, mentor=False)
        if request is not None:
            request.status = PAIRED
            request.save()
        audit.record("mentoring.group", user=by, detail=f"+member:{group.id.hex}:{mentee.login}")
    return pair


def remove_group_member(by: User, group_id, pair_id) -> MentoringPair:
    """The coordinator takes a mentee out of a working group: their part ends as stopped early (their
    notes and goals stay theirs) and the group's planned meetings leave their calendar. The last
    member is not taken out: the group is closed instead."""
    group = _group_for_members(by, group_id)
    members = [p for p in members_of(group) if p.status == ACTIVE]
    pair = next((p for p in members if p.id == parse_id(pair_id)), None)
    if pair is None:
        raise NotFound(N_("Участник группы не найден."))
    if len(members) == 1:
        raise Conflict(N_("%(name)s — последний участник группы: закройте группу."), name=pair.mentee.short_name)
    with database.atomic():
        _close(pair, STOPPED, "")
        audit.record("mentoring.group", user=by, detail=f"-member:{group.id.hex}:{pair.mentee.login}")
    return pair


def groups_of(query) -> list[MentoringGroup]:
    return list(query.order_by(MentoringGroup.status, MentoringGroup.starts_on.desc()))


def all_groups(by: User, status: str = "") -> list[MentoringGroup]:
    require_coordinator(by)
    query = MentoringGroup.select().where(MentoringGroup.school == by.school)
    if status in (ACTIVE, FINISHED, STOPPED):
        query = query.where(MentoringGroup.status == status)
    return groups_of(query)


def member_name(person: User) -> str:
    """How a group shows a fellow member: «Фамилия И.» and nothing else."""
    initial = f" {person.first_name[0]}." if person.first_name else ""
    return f"{person.last_name}{initial}".strip() or person.short_name


# -- a pupil's goals in a pair: trajectory goals with milestones -------------------------------------

MAX_GOAL_MILESTONES = 5


def has_trajectory_goals(pair: MentoringPair) -> bool:
    """A pupil's pair keeps its goals in the pupil's trajectory; an adult's in the programme's text."""
    return pair.mentee.role == STUDENT


def pair_goals(pair: MentoringPair) -> list[tuple[Goal, list[Milestone]]]:
    return trajectory.mentoring_goals([pair.id]).get(pair.id, [])


def _goal_keeper(user: User, pair_id) -> MentoringPair:
    pair = get_pair(user, pair_id)
    if not (pair.mentor_id == user.id or is_coordinator(user)) or pair.school_id != user.school_id:
        raise Forbidden(N_("Цели пары ставит наставник или координатор."))
    if pair.status != ACTIVE:
        raise Conflict(N_("Пара уже не работает: её цели не меняются."))
    return pair


def add_pair_goal(user: User, pair_id, form: dict, today: datetime.date) -> Goal:
    """The mentor or the coordinator sets a goal of a pupil's pair: it becomes the pupil's trajectory
    goal (origin «наставничество») with up to five milestones, each with its date."""
    pair = _goal_keeper(user, pair_id)
    if not has_trajectory_goals(pair):
        raise Conflict(N_("Цели взрослого наставляемого записаны в программе пары."))
    title = validation.text(form.get("goal_title"), 300, N_("Цель"), one_line=True,
                            required=N_("Напишите, чего наставляемый хочет добиться."))
    deadline = validation.date(form.get("goal_deadline"), N_("Срок цели"), required=N_("Укажите срок цели."))
    if deadline < today:
        raise validation.Invalid(N_("Срок цели уже прошёл: выберите дату в будущем."))
    if deadline > today + datetime.timedelta(days=5 * 366):
        raise validation.Invalid(N_("Срок цели слишком далёкий: не больше пяти лет вперёд."))
    steps = []
    for number in range(1, MAX_GOAL_MILESTONES + 1):
        text = validation.text(form.get(f"step_{number}"), 300, N_("Этап"), one_line=True)
        due = validation.date(form.get(f"step_due_{number}"), N_("Дата этапа"))
        if not text and due is None:
            continue
        if not text:
            raise validation.Invalid(N_("У этапа %(n)d есть дата, но нет названия."), n=number)
        due = due or deadline
        if due < today or due > deadline:
            raise validation.Invalid(N_("Дата этапа «%(step)s» — между сегодняшним днём и сроком цели."), step=text)
        steps.append((text, due))
    goal = trajectory.add_mentoring_goal(pair.mentee, pair, title, deadline, steps, pair.mentor.short_name)
    audit.record("mentoring.goal", user=user, detail=f"+:{pair.id.hex}")
    return goal


def mark_milestone(user: User, milestone_id) -> tuple[Milestone, MentoringPair]:
    """The mentor or the coordinator marks a milestone of a pair's goal done (or not done again)."""
    milestone = get_or_404(Milestone.select(Milestone, Goal).join(Goal),
                           Milestone.id == parse_id(milestone_id), Goal.mentoring_pair.is_null(False),
                           message=N_("Этап не найден."),
                           visible=lambda m: can_see(user, m.goal.mentoring_pair))
    pair = _goal_keeper(user, milestone.goal.mentoring_pair_id)
    if milestone.goal.status != "active":
        raise Conflict(N_("Цель уже закрыта: её этапы не меняются."))
    return trajectory.toggle_milestone(pair.mentee, milestone.id), pair


def proposed_reached(pairs: list[MentoringPair]) -> str:
    """What the goals' states suggest when a pair or a group closes: all done — reached; something
    done — partly; nothing — not reached; "" when the goals are text."""
    goals = [item for found in trajectory.mentoring_goals([p.id for p in pairs]).values() for item in found]
    if not goals:
        return ""
    if all(goal.status == "done" for goal, _steps in goals):
        return "yes"
    if any(goal.status == "done" or any(s.done_at for s in steps) for goal, steps in goals):
        return "partly"
    return "no"


# -- what each person sees -------------------------------------------------------------------------

def can_reflect(user: User, pair: MentoringPair, meetings: list[MentoringMeeting]) -> bool:
    return bool(side_of(user, pair)) and (pair.status != ACTIVE or any(m.status == HELD for m in meetings))


@dataclass
class PairView:
    pair: MentoringPair
    meetings: list[MentoringMeeting]
    side: str = ""
    goals: list = field(default_factory=list)  # a pupil's trajectory goals of the pair: [(goal, [milestone])]

    @property
    def goal_titles(self) -> list[str]:
        """The goals a list shows: the trajectory goals' titles, or the programme's text lines."""
        if self.goals:
            return [goal.title for goal, _steps in self.goals if goal.status == "active"]
        if self.pair.group_id is not None:
            return self.pair.group.goal_lines
        return self.pair.goal_lines

    @property
    def held(self) -> int:
        return sum(1 for m in self.meetings if m.status == HELD)

    def next_meeting(self, today: datetime.date) -> MentoringMeeting | None:
        return next((m for m in self.meetings if m.status == PLANNED and m.day >= today), None)


@dataclass
class MyMentoring:
    as_mentor: list[PairView] = field(default_factory=list)
    as_mentee: list[PairView] = field(default_factory=list)
    request: MentoringRequest | None = None
    profile: MentorProfile | None = None
    groups_as_mentor: list[MentoringGroup] = field(default_factory=list)


def _pairs(query) -> list[MentoringPair]:
    return list(query.order_by(MentoringPair.status, MentoringPair.starts_on.desc()))


def _with_goals(views: list[PairView]) -> list[PairView]:
    found = trajectory.mentoring_goals([v.pair.id for v in views])
    for view in views:
        view.goals = found.get(view.pair.id, [])
    return views


def mine(user: User) -> MyMentoring:
    found = MyMentoring(request=my_open_request(user),
                        profile=MentorProfile.select().where(MentorProfile.user == user).first())
    for pair in _pairs(MentoringPair.select().where((MentoringPair.mentor == user) & MentoringPair.group.is_null())):
        found.as_mentor.append(PairView(pair, meetings_of(pair), "mentor"))
    for pair in _pairs(MentoringPair.select().where(MentoringPair.mentee == user)):
        found.as_mentee.append(PairView(pair, meetings_of(pair), "mentee"))
    _with_goals(found.as_mentee)
    found.groups_as_mentor = groups_of(MentoringGroup.select().where(MentoringGroup.mentor == user))
    return found


def of_children(parent: User) -> list[tuple[User, list[PairView]]]:
    """A parent's read-only view: each child's pairs as a mentee."""
    result = []
    for child in school_service.children_of(parent):
        pairs = _pairs(MentoringPair.select().where(MentoringPair.mentee == child))
        result.append((child, _with_goals([PairView(p, meetings_of(p)) for p in pairs])))
    return result


def all_pairs(by: User, status: str = "") -> list[PairView]:
    require_coordinator(by)
    query = MentoringPair.select().where((MentoringPair.school == by.school) & MentoringPair.group.is_null())
    if status in (ACTIVE, FINISHED, STOPPED):
        query = query.where(MentoringPair.status == status)
    return [PairView(p, meetings_of(p)) for p in _pairs(query)]


def label_of(person: User) -> str:
    """How a page names a person of a pair: the short name, and a pupil's class («Иванов П. А., 7Б») or a
    graduate's year («Котов И. С., выпуск 2024»). Nothing else — no contacts, no parents — reaches a
    mentor from outside."""
    if is_graduate(person):
        year, _class_name = alumni.graduation_of(person)
        return f"{person.short_name}, выпуск {year}" if year else person.short_name
    if person.role == STUDENT:
        group = school_service.class_of(person)
        if group is not None:
            return f"{person.short_name}, {group.name}"
    return person.short_name


def calendar_meetings(user: User, start: datetime.date, end: datetime.date) -> list[MentoringMeeting]:
    """The meetings of the user's working pairs (either side) between start and end, for the calendar;
    a group's meeting once for its mentor."""
    found, seen = [], set()
    for meeting in (MentoringMeeting.select(MentoringMeeting, MentoringPair).join(MentoringPair)
                    .where(((MentoringPair.mentor == user) | (MentoringPair.mentee == user))
                           & (MentoringPair.status == ACTIVE) & (MentoringMeeting.status != CANCELLED)
                           & MentoringMeeting.day.between(start, end))
                    .order_by(MentoringMeeting.day, MentoringMeeting.start_time)):
        if meeting.group_key is not None:
            if meeting.group_key in seen:
                continue
            seen.add(meeting.group_key)
        found.append(meeting)
    return found


def candidates(school: School, text: str, limit: int = 30) -> list[User]:
    """People of the school the coordinator may put in the register, found by name or login."""
    if not text:
        return []
    registered = {r.user_id for r in MentorProfile.select(MentorProfile.user).where(MentorProfile.school == school)}
    offering = {u.id for u in alumni_offering(school)}  # a graduate only by their own offer
    return [u for u in school_service.search_users(school, text, limit=limit * 2)
            if u.role in KIND_OF_ROLE and u.active and u.id not in registered
            and (u.id in offering or not is_graduate(u))][:limit]


# -- the school's report ---------------------------------------------------------------------------

@dataclass
class Report:
    year: int
    by_form: list[dict]  # form, active, finished, stopped, total, meetings_held, rating, mentor_rating
    mentors_by_kind: dict[str, int]
    open_requests: int
    pairs: int
    active: int
    meetings_held: int
    meetings_planned: int
    goals: dict[str, int]
    mentee_rating: float | None
    mentor_rating: float | None
    groups: int = 0  # small groups of the year; their mentees are counted among the pairs
    group_members: int = 0
    # «Потребности»: the year's requests' answers counted per option (no free text), and how many answered.
    needs: list[QuestionResult] = field(default_factory=list)
    requests: int = 0


def _mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def needs_of_year(school: School, year: int, questionnaire: Questionnaire) -> tuple[list[QuestionResult], int]:
    """The answers of the requests made in a school year, counted per option by the surveys' own
    aggregation (the free text stays out: it is the mentee's own words)."""
    answered = [json.loads(r.answers) for r in MentoringRequest.select(MentoringRequest.answers,
                                                                        MentoringRequest.created_at)
                .where((MentoringRequest.school == school) & (MentoringRequest.answers != ""))
                if terms.school_year_of(r.created_at.date()) == year]
    questions = [q for q in questionnaire.all_questions() if q["type"] != "text"]
    return questionnaires.tally(questions, answered), len(answered)


def report(by: User, year: int | None = None, data_dir: Path | None = None) -> Report:
    """Pairs by form and status, meetings held, goals reached, satisfaction and (given the data dir
    with the school's questionnaires) the needs of the year's requests, for one school year."""
    require_coordinator(by)
    year = year or years.current_year(by.school)
    needs, requests = needs_of_year(by.school, year, needs_questionnaire(data_dir)) if data_dir else ([], 0)
    pairs = list(MentoringPair.select().where((MentoringPair.school == by.school) & (MentoringPair.school_year == year)))
    held: dict = {}
    if pairs:
        seen: set = set()
        for meeting in (MentoringMeeting.select(MentoringMeeting.pair, MentoringMeeting.status,
                                                MentoringMeeting.group_key)
                        .where(MentoringMeeting.pair.in_([p.id for p in pairs]))
                        .order_by(MentoringMeeting.status)):
            # A group's meeting is a row in every member's pair: held once ("held" sorts first).
            if meeting.group_key is not None:
                if meeting.group_key in seen:
                    continue
                seen.add(meeting.group_key)
            held.setdefault(meeting.pair_id, []).append(meeting.status)
    # A group's meetings planned are the group's, not each member's.
    planned_once = {p.group_id or p.id: p.meetings_planned for p in pairs}
    by_form = []
    for code in FORMS:
        mine_ = [p for p in pairs if p.form == code]
        ratings = [r for p in mine_ for r in (p.mentee_rating,) if r]
        by_form.append({"form": code, "in_groups": sum(p.group_id is not None for p in mine_),
                        "active": sum(p.status == ACTIVE for p in mine_),
                        "finished": sum(p.status == FINISHED for p in mine_),
                        "stopped": sum(p.status == STOPPED for p in mine_), "total": len(mine_),
                        "meetings_held": sum(held.get(p.id, []).count(HELD) for p in mine_),
                        "rating": _mean(ratings),
                        "mentor_rating": _mean([p.mentor_rating for p in mine_ if p.mentor_rating])})
    kinds = {code: 0 for code in MENTOR_KINDS}
    for profile in MentorProfile.select().where((MentorProfile.school == by.school) & MentorProfile.active):
        kinds[profile.kind] = kinds.get(profile.kind, 0) + 1
    goals = {code: sum(p.goals_reached == code for p in pairs) for code in GOALS_REACHED}
    return Report(year=year, by_form=by_form, mentors_by_kind=kinds,
                  open_requests=MentoringRequest.select().where((MentoringRequest.school == by.school)
                                                                & (MentoringRequest.status == OPEN)).count(),
                  pairs=len(pairs), active=sum(p.status == ACTIVE for p in pairs),
                  meetings_held=sum(s.count(HELD) for s in held.values()),
                  meetings_planned=sum(planned_once.values()), goals=goals,
                  mentee_rating=_mean([p.mentee_rating for p in pairs if p.mentee_rating]),
                  mentor_rating=_mean([p.mentor_rating for p in pairs if p.mentor_rating]),
                  groups=MentoringGroup.select().where((MentoringGroup.school == by.school)
                                                       & (MentoringGroup.school_year == year)).count(),
                  group_members=sum(p.group_id is not None for p in pairs),
                  needs=needs, requests=requests)


def report_rows(found: Report, names: dict[str, str]) -> list[list]:
    """The report as a table for the one CSV writer: a row per form, then the totals."""
    rows: list[list] = [[names["form"], names["active"], names["finished"], names["stopped"], names["total"],
                         names["in_groups"], names["meetings"], names["rating"]]]
    for line in found.by_form:
        rows.append([names[line["form"]], line["active"], line["finished"], line["stopped"], line["total"],
                     line["in_groups"], line["meetings_held"],
                     "" if line["rating"] is None else str(line["rating"]).replace(".", ",")])
    rows.append([names["all"], found.active, sum(x["finished"] for x in found.by_form),
                 sum(x["stopped"] for x in found.by_form), found.pairs, found.group_members, found.meetings_held,
                 "" if found.mentee_rating is None else str(found.mentee_rating).replace(".", ",")])
    return rows
