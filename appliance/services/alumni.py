"""The alumni club: graduates opt in and choose what pupils see; staff approve the free text;
pupils see the directory and ask to meet an alumnus through a staff member; alumni sign up for
the school's events open to them; the administration invites older graduates who never had an
account; the school's numbers.

The rules that protect pupils (minors):
- pupils never see an alumnus's contacts: those are separate fields, seen by the school's staff
  and, if the alumnus allows, by other members of the club;
- the profile's free text (what they do, the city, «about») reaches pupils only after a staff
  member approved it, and a phone number, an e-mail address or a link typed into it is refused
  when saved, refused again at approval, and masked on the pupils' page whatever the database holds;
- a pupil's request to meet goes to the pupil's class teachers and the administration; one of them
  arranges the meeting, and the alumnus hears of it from the school, not from the pupil.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from peewee import fn

from appliance.db import database
from appliance.i18n import N_
from appliance.models.alumni import (
    CONTACTS_ALUMNI,
    CONTACTS_STAFF,
    CONTACTS_TO,
    HELP,
    MEETING_ARRANGED,
    MEETING_DECLINED,
    MEETING_NEW,
    MEETING_OPEN,
    MEETING_PURPOSES,
    MEETING_TAKEN,
    MEETING_WITHDRAWN,
    TEXT_APPROVED,
    TEXT_PENDING,
    TEXT_RETURNED,
    AlumniMeeting,
    AlumniProfile,
    AlumniSignup,
)
from appliance.models.base import utcnow
from appliance.models.calendar import Event
from appliance.models.mentoring import MentorProfile
from appliance.models.people import (
    ADMIN,
    GRADUATED,
    STUDENT,
    STUDYING,
    TEACHER,
    ClassMembership,
    Student,
    TeacherAssignment,
    User,
)
from appliance.services import accounts, audit, links, names, notifications, validation, years
from appliance.services import school as school_service
from appliance.services.errors import Conflict, Forbidden, NotFound, ServiceError
from appliance.services.lookup import get_or_404, parse_id

# -- contacts hidden in free text --------------------------------------------------------------------

_PHONE = re.compile(r"(?:\+?\d[\s().\-–]{0,3}){7,}")
_EMAIL = re.compile(r"[\w.+\-]+\s*(?:@|\(at\)|\[at\])\s*[\w\-]+(?:\.[\w\-]+)+", re.IGNORECASE)
_LINK = re.compile(r"(?:https?://|www\.|\b(?:t\.me|vk\.com|vk\.me|wa\.me|ok\.ru)\b|"
                   r"\b[\w\-]+\.(?:ru|com|рф|org|net|su|me|io|info|online|site|pro)\b)", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,}")
_CONTACT_PATTERNS = (_PHONE, _EMAIL, _LINK, _HANDLE)
MASK = "[контакт скрыт]"
FREE_TEXT = (("occupation", N_("Учёба или работа")), ("city", N_("Город")), ("about", N_("О себе")))


def contains_contact(text: str) -> bool:
    """A phone number, an e-mail address, a link or a messenger handle somewhere in the text."""
    return any(pattern.search(text or "") for pattern in _CONTACT_PATTERNS)


def mask_contacts(text: str) -> str:
    """The text with every contact-like piece replaced: what a pupil's page shows."""
    for pattern in _CONTACT_PATTERNS:
        text = pattern.sub(MASK, text or "")
    return text


# -- who is who --------------------------------------------------------------------------------------

def is_graduate(user: User) -> bool:
    found = Student.get_or_none(Student.user == user)
    return user.role == STUDENT and found is not None and found.status == GRADUATED


def is_pupil(user: User) -> bool:
    found = Student.get_or_none(Student.user == user)
    return user.role == STUDENT and (found is None or found.status == STUDYING)


def is_staff(user: User) -> bool:
    return user.role in (TEACHER, ADMIN)


def profile_of(user: User) -> AlumniProfile | None:
    return AlumniProfile.get_or_none(AlumniProfile.alumnus == user)


def graduation_of(user: User) -> tuple[int | None, str]:
    """(the calendar year of graduation, the class) from the graduate's class history."""
    last = (ClassMembership.select().where((ClassMembership.student == user) & (ClassMembership.outcome == GRADUATED))
            .order_by(ClassMembership.school_year.desc()).first())
    if last is None:
        last = (ClassMembership.select().where(ClassMembership.student == user)
                .order_by(ClassMembership.school_year.desc()).first())
    return (last.school_year + 1, last.class_name) if last else (None, "")


def _require_graduate(user: User) -> None:
    if not is_graduate(user):
        raise Forbidden(N_("Клуб выпускников — для выпускников школы."))


def _require_member(user: User) -> AlumniProfile:
    _require_graduate(user)
    found = profile_of(user)
    if found is None:
        raise Forbidden(N_("Сначала вступите в клуб выпускников."))
    return found


# -- the graduate's profile --------------------------------------------------------------------------

_PHONE_OK = re.compile(r"^\+?[\d\s()\-]{5,32}$")
_EMAIL_OK = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _flag(form: dict, name: str) -> bool:
    return str(form.get(name) or "") in ("1", "on", "true", "yes")


def _check_profile(form: dict) -> dict:
    values = {
        "occupation": validation.text(form.get("occupation"), 200, N_("Учёба или работа"), one_line=True),
        "city": validation.text(form.get("city"), 100, N_("Город"), one_line=True),
        "about": validation.text(form.get("about"), 1000, N_("О себе")),
        "phone": validation.text(form.get("phone"), 32, N_("Телефон"), one_line=True),
        "email": validation.text(form.get("email"), 120, N_("Электронная почта"), one_line=True),
        "other_contact": validation.text(form.get("other_contact"), 200, N_("Другой контакт"), one_line=True),
    }
    for name, label in FREE_TEXT:
        if contains_contact(values[name]):
            raise ServiceError(N_("В поле «%(label)s» похоже на телефон, почту или ссылку. Этот текст читают "
                                  "ученики, а контакты ученикам не показываются: впишите их в поля "
                                  "«Контакты» — их видят только сотрудники школы."), status=422, label=label)
    if values["phone"] and (not _PHONE_OK.match(values["phone"])
                            or sum(ch.isdigit() for ch in values["phone"]) < 5):
        raise ServiceError(N_("Телефон не распознан: напишите его цифрами, например +7 921 000-00-00."), status=422)
    if values["email"] and not _EMAIL_OK.match(values["email"]):
        raise ServiceError(N_("Адрес электронной почты не распознан."), status=422)
    contacts_to = form.get("contacts_to") or CONTACTS_STAFF
    if contacts_to not in CONTACTS_TO:
        raise ServiceError(N_("Выберите, кто видит Ваши контакты."), status=422)
    values["contacts_to"] = contacts_to
    for name in ("show_class", "show_occupation", "show_city"):
        values[name] = _flag(form, name)
    for key in HELP:
        values[f"help_{key}"] = _flag(form, f"help_{key}")
    return values


def save_profile(user: User, form: dict, address: str = "") -> AlumniProfile:
    """Join the club or change one's profile. Changed free text waits for a staff member's approval;
    until then pupils see the profile without it."""
    _require_graduate(user)
    values = _check_profile(form)
    with database.atomic():
        found = profile_of(user)
        joined = found is None
        if joined:
            year, class_name = graduation_of(user)
            found = AlumniProfile(school=user.school, alumnus=user, graduation_year=year, class_name=class_name)
        text_changed = joined or any(getattr(found, name) != values[name] for name, _ in FREE_TEXT)
        for name, value in values.items():
            setattr(found, name, value)
        if text_changed:
            has_text = any(values[name] for name, _ in FREE_TEXT)
            found.text_status = TEXT_PENDING if has_text else TEXT_APPROVED
            found.text_note, found.reviewed_by, found.reviewed_at = "", None, None
        found.save(force_insert=joined)
        Student.update(alumni_listed=True).where(Student.user == user).execute()
        if joined:
            audit.record("alumni.join", user=user, address=address, detail=user.login)
        if not found.help_mentoring:
            _pause_mentoring(user, address)
    return found


def _pause_mentoring(user: User, address: str) -> None:
    """A graduate is in the mentors' register only on their own offer in the club. Without it (the
    tick taken off, or the club left) their place there is paused: no new pairs; a pair under way
    goes on until the coordinator closes it."""
    paused = MentorProfile.update(active=False).where((MentorProfile.user == user) & MentorProfile.active).execute()
    if paused:
        audit.record("mentoring.mentor", user=user, address=address, detail=f"off:{user.login}")


def leave(user: User, today: datetime.date, address: str = "") -> None:
    """Leave the club: the profile is deleted, sign-ups to coming events withdrawn, open meeting
    requests closed (the pupils are told it will not happen), a place in the mentors' register paused."""
    _require_graduate(user)
    with database.atomic():
        found = profile_of(user)
        if found is None:
            return
        coming = Event.select(Event.id).where(Event.ends_on >= today)
        AlumniSignup.delete().where((AlumniSignup.alumnus == user) & AlumniSignup.event.in_(coming)).execute()
        for meeting in AlumniMeeting.select().where((AlumniMeeting.alumnus == user)
                                                    & AlumniMeeting.status.in_(MEETING_OPEN)):
            meeting.status, meeting.handled_at = MEETING_DECLINED, utcnow()
            meeting.note = "Выпускник вышел из клуба."
            meeting.save()
            notifications.notify(meeting.student, notifications.MEETING,
                                 "Встреча с выпускником не состоится: выпускник вышел из клуба.",
                                 links.LinkTarget.of(links.MEETINGS))
        found.delete_instance()
        _pause_mentoring(user, address)
        # The graduate's account period counts again from today (the club kept it open).
        Student.update(alumni_listed=False, status_changed_at=utcnow()).where(Student.user == user).execute()
        audit.record("alumni.leave", user=user, address=address, detail=user.login)


# -- what each viewer sees ---------------------------------------------------------------------------

@dataclass
class Entry:
    """One alumnus as a viewer may see them: only what the alumnus chose, and for pupils only
    approved text with contacts masked; contacts only for staff (and for club members if allowed)."""

    profile: AlumniProfile
    name: str
    year: int | None = None
    class_name: str = ""
    occupation: str = ""
    city: str = ""
    about: str = ""
    helps: list[str] = field(default_factory=list)
    contacts: dict[str, str] = field(default_factory=dict)
    text_waiting: bool = False  # for staff and the alumnus: the text is not yet approved

    @property
    def id(self):
        return self.profile.alumnus_id


def _sees_contacts(viewer: User, found: AlumniProfile) -> bool:
    if viewer.id == found.alumnus_id or is_staff(viewer):
        return True
    return found.contacts_to == CONTACTS_ALUMNI and is_graduate(viewer) and profile_of(viewer) is not None


def entry_for(viewer: User, found: AlumniProfile) -> Entry:
    alumnus = found.alumnus
    entry = Entry(found, f"{alumnus.first_name} {alumnus.last_name}".strip() or alumnus.full_name,
                  helps=found.helps())
    if found.show_class:
        entry.year, entry.class_name = found.graduation_year, found.class_name
    trusted = viewer.id == found.alumnus_id or is_staff(viewer)
    approved = found.text_status == TEXT_APPROVED
    if trusted or approved:
        clean = (lambda text: text) if trusted else mask_contacts
        if found.show_occupation:
            entry.occupation = clean(found.occupation)
        if found.show_city:
            entry.city = clean(found.city)
        entry.about = clean(found.about)
    entry.text_waiting = trusted and not approved
    if _sees_contacts(viewer, found):
        entry.contacts = {key: getattr(found, key) for key in ("phone", "email", "other_contact")
                          if getattr(found, key)}
    return entry


def _require_viewer(viewer: User) -> None:
    if viewer.role not in (STUDENT, TEACHER, ADMIN):
        raise Forbidden(N_("Каталог выпускников открыт ученикам, выпускникам и сотрудникам школы."))


def directory(viewer: User, helps: str = "", year: int | None = None) -> list[Entry]:
    """The school's club as `viewer` may see it, optionally only those who offer one kind of help
    or of one graduation year (a year is shown only for those who chose to show it)."""
    _require_viewer(viewer)
    query = (AlumniProfile.select(AlumniProfile, User).join(User, on=(AlumniProfile.alumnus == User.id))
             .where((AlumniProfile.school == viewer.school_id) & User.active))
    if helps in HELP:
        query = query.where(getattr(AlumniProfile, f"help_{helps}"))
    if year is not None:
        query = query.where((AlumniProfile.graduation_year == year) & AlumniProfile.show_class)
    query = query.order_by(AlumniProfile.graduation_year.desc(), User.last_name, User.first_name)
    return [entry_for(viewer, row) for row in query]


def member(viewer: User, alumnus_id) -> AlumniProfile:
    """A club member of the viewer's school; NotFound for anyone else (or a malformed id)."""
    _require_viewer(viewer)
    return get_or_404(AlumniProfile.select(AlumniProfile).join(User, on=(AlumniProfile.alumnus == User.id))
                      .where((AlumniProfile.alumnus == parse_id(alumnus_id)) & User.active
                             & (AlumniProfile.school == viewer.school_id)),
                      message=N_("Выпускник не найден в клубе."))


def club_years(school) -> list[int]:
    return [row.graduation_year for row in AlumniProfile.select(AlumniProfile.graduation_year).distinct()
            .where((AlumniProfile.school == school) & AlumniProfile.show_class
                   & AlumniProfile.graduation_year.is_null(False))
            .order_by(AlumniProfile.graduation_year.desc())]


# -- moderation of the free text ---------------------------------------------------------------------

def _require_admin(user: User) -> None:
    if user.role != ADMIN:
        raise Forbidden(N_("Это делает администрация школы."))


def waiting_text(admin: User) -> list[AlumniProfile]:
    _require_admin(admin)
    return list(AlumniProfile.select(AlumniProfile, User).join(User, on=(AlumniProfile.alumnus == User.id))
                .where((AlumniProfile.school == admin.school_id) & (AlumniProfile.text_status == TEXT_PENDING))
                .order_by(AlumniProfile.updated_at))


def approve_text(admin: User, alumnus_id) -> AlumniProfile:
    _require_admin(admin)
    found = member(admin, alumnus_id)
    if found.text_status == TEXT_APPROVED:
        return found
    if any(contains_contact(getattr(found, name)) for name, _ in FREE_TEXT):
        raise ServiceError(N_("В тексте профиля есть телефон, почта или ссылка: верните его выпускнику, "
                              "контакты ученикам не показываются."), status=422)
    with database.atomic():
        found.text_status, found.text_note = TEXT_APPROVED, ""
        found.reviewed_by, found.reviewed_at = admin, utcnow()
        found.save()
        audit.record("alumni.text_approved", user=admin, detail=found.alumnus.login)
    return found


def return_text(admin: User, alumnus_id, note: str) -> AlumniProfile:
    _require_admin(admin)
    found = member(admin, alumnus_id)
    reason = validation.text(note, 500, N_("Комментарий"),
                             required=N_("Напишите выпускнику, что исправить в тексте профиля."))
    with database.atomic():
        found.text_status, found.text_note = TEXT_RETURNED, reason
        found.reviewed_by, found.reviewed_at = admin, utcnow()
        found.save()
        notifications.notify(found.alumnus, notifications.MEETING,
                             f"Текст Вашего профиля в клубе выпускников вернули: {reason}",
                             links.LinkTarget.of(links.CLUB))
    return found


# -- meetings ----------------------------------------------------------------------------------------

def _arrangers(student: User) -> list[User]:
    group = school_service.class_of(student)
    staff = school_service.class_teachers(group) if group else []
    admins = list(User.select().where((User.school == student.school_id) & (User.role == ADMIN) & User.active))
    return staff + admins


def ask_meeting(student: User, alumnus_id, form: dict, today: datetime.date) -> AlumniMeeting:
    """A pupil asks to meet an alumnus; the pupil's class teachers and the administration hear of it."""
    if not is_pupil(student):
        raise Forbidden(N_("Попросить о встрече с выпускником может ученик школы."))
    found = member(student, alumnus_id)
    purpose = form.get("purpose") or ""
    if purpose not in MEETING_PURPOSES:
        raise ServiceError(N_("Выбери, о чём ты хочешь поговорить с выпускником."), status=422)
    message = validation.text(form.get("message"), 1000, N_("Сообщение"))
    if AlumniMeeting.select().where((AlumniMeeting.student == student) & (AlumniMeeting.alumnus == found.alumnus_id)
                                    & AlumniMeeting.status.in_(MEETING_OPEN)).exists():
        raise Conflict(N_("Просьба о встрече с этим выпускником уже отправлена: сотрудник школы свяжется с тобой."))
    group = school_service.class_of(student)
    with database.atomic():
        meeting = AlumniMeeting.create(school=student.school, student=student, alumnus=found.alumnus_id,
                                       purpose=purpose, message=message, school_year=years.current_year(student.school),
                                       class_name=group.name if group else "")
        alumnus = found.alumnus
        for person in _arrangers(student):
            notifications.notify(person, notifications.MEETING,
                                 f"{student.short_name} ({meeting.class_name}) просит о встрече с выпускником "
                                 f"{alumnus.first_name} {alumnus.last_name}.",
                                 links.LinkTarget.of(links.MEETINGS), group="alumni-meetings")
    return meeting


def may_handle(staff: User, meeting: AlumniMeeting) -> bool:
    if staff.school_id != meeting.school_id:
        return False
    if staff.role == ADMIN:
        return True
    if staff.role != TEACHER:
        return False
    group = school_service.class_of(meeting.student)
    return group is not None and TeacherAssignment.select().where(
        (TeacherAssignment.teacher == staff) & (TeacherAssignment.class_group == group)
        & TeacherAssignment.is_class_teacher).exists()


def meeting_of(user: User, meeting_id) -> AlumniMeeting:
    """A request the user may see: the pupil's own, or one a staff member may arrange."""
    found = get_or_404(AlumniMeeting, AlumniMeeting.id == parse_id(meeting_id),
                       message=N_("Просьба о встрече не найдена."))
    if not (found.student_id == user.id or (is_staff(user) and may_handle(user, found))):
        raise NotFound(N_("Просьба о встрече не найдена."))
    return found


def meetings_for(user: User) -> list[AlumniMeeting]:
    """A pupil's own requests; a graduate's arranged meetings; the requests a staff member may arrange."""
    query = AlumniMeeting.select().where(AlumniMeeting.school == user.school_id)
    if user.role == STUDENT and is_graduate(user):
        query = query.where((AlumniMeeting.alumnus == user) & (AlumniMeeting.status == MEETING_ARRANGED))
    elif user.role == STUDENT:
        query = query.where(AlumniMeeting.student == user)
    elif user.role == TEACHER:
        led = (TeacherAssignment.select(TeacherAssignment.class_group)
               .where((TeacherAssignment.teacher == user) & TeacherAssignment.is_class_teacher))
        pupils = Student.select(Student.user).where(Student.class_group.in_(led))
        query = query.where(AlumniMeeting.student.in_(pupils))
    elif user.role != ADMIN:
        return []
    # Open requests first, the newest on top.
    return list(query.order_by(AlumniMeeting.status.in_(MEETING_OPEN).desc(), AlumniMeeting.created_at.desc()))


def _handleable(staff: User, meeting_id) -> AlumniMeeting:
    if not is_staff(staff):
        raise Forbidden(N_("Встречи с выпускниками устраивают сотрудники школы."))
    found = meeting_of(staff, meeting_id)
    if found.status not in MEETING_OPEN:
        raise Conflict(N_("Эта просьба уже закрыта."))
    return found


def take(staff: User, meeting_id) -> AlumniMeeting:
    found = _handleable(staff, meeting_id)
    if found.status == MEETING_TAKEN and found.handled_by_id not in (None, staff.id):
        raise Conflict(N_("Этой встречей уже занимается %(name)s."), name=found.handled_by.short_name)
    found.status, found.handled_by, found.handled_at = MEETING_TAKEN, staff, utcnow()
    found.save()
    return found


def arrange(staff: User, meeting_id, note: str) -> AlumniMeeting:
    found = _handleable(staff, meeting_id)
    text = validation.text(note, 1000, N_("Когда и где"),
                           required=N_("Напишите, когда и где пройдёт встреча: это увидят ученик и выпускник."))
    with database.atomic():
        found.status, found.note, found.handled_by, found.handled_at = MEETING_ARRANGED, text, staff, utcnow()
        found.save()
        notifications.notify(found.student, notifications.MEETING, f"Встреча с выпускником назначена: {text}",
                             links.LinkTarget.of(links.MEETINGS))
        notifications.notify(found.alumnus, notifications.MEETING,
                             f"Ученики {found.class_name} хотят встретиться с Вами. Школа договорилась: {text}",
                             links.LinkTarget.of(links.MEETINGS))
        audit.record("alumni.meeting_arranged", user=staff, detail=found.alumnus.login)
    return found


def decline(staff: User, meeting_id, note: str) -> AlumniMeeting:
    found = _handleable(staff, meeting_id)
    text = validation.text(note, 1000, N_("Причина"), required=N_("Напишите ученику, почему встреча не получится."))
    with database.atomic():
        found.status, found.note, found.handled_by, found.handled_at = MEETING_DECLINED, text, staff, utcnow()
        found.save()
        notifications.notify(found.student, notifications.MEETING, f"Встреча с выпускником не получится: {text}",
                             links.LinkTarget.of(links.MEETINGS))
    return found


def withdraw(student: User, meeting_id) -> AlumniMeeting:
    found = meeting_of(student, meeting_id)
    if found.student_id != student.id:
        raise NotFound(N_("Просьба о встрече не найдена."))
    if found.status not in MEETING_OPEN:
        raise Conflict(N_("Эта просьба уже закрыта."))
    found.status, found.handled_at = MEETING_WITHDRAWN, utcnow()
    found.save()
    return found


# -- events open to alumni ---------------------------------------------------------------------------

def open_events(alumnus: User, today: datetime.date) -> list[Event]:
    _require_graduate(alumnus)
    return list(Event.select().where((Event.school == alumnus.school_id) & Event.open_to_alumni & Event.published
                                     & (Event.ends_on >= today)).order_by(Event.starts_on))


def signed_up(alumnus: User) -> set:
    return {row.event_id for row in AlumniSignup.select(AlumniSignup.event).where(AlumniSignup.alumnus == alumnus)}


def _open_event(alumnus: User, event_id) -> Event:
    return get_or_404(Event, (Event.id == parse_id(event_id)) & (Event.school == alumnus.school_id)
                      & Event.open_to_alumni & Event.published, message=N_("Событие не найдено."))


def sign_up(alumnus: User, event_id, today: datetime.date) -> AlumniSignup:
    _require_member(alumnus)
    event = _open_event(alumnus, event_id)
    if event.ends_on < today:
        raise Conflict(N_("Это событие уже прошло."))
    if event.registration_deadline and event.registration_deadline < today:
        raise Conflict(N_("Запись на это событие закончилась."))
    found = AlumniSignup.get_or_none((AlumniSignup.event == event) & (AlumniSignup.alumnus == alumnus))
    return found or AlumniSignup.create(event=event, alumnus=alumnus)


def cancel_sign_up(alumnus: User, event_id, today: datetime.date) -> None:
    _require_member(alumnus)
    event = _open_event(alumnus, event_id)
    if event.ends_on < today:
        raise Conflict(N_("Это событие уже прошло."))
    AlumniSignup.delete().where((AlumniSignup.event == event) & (AlumniSignup.alumnus == alumnus)).execute()


def signups_of(event: Event) -> list[User]:
    return list(User.select().join(AlumniSignup, on=(AlumniSignup.alumnus == User.id))
                .where(AlumniSignup.event == event).order_by(User.last_name))


# -- inviting older graduates ------------------------------------------------------------------------

@dataclass
class Invitation:
    user: User
    code: str
    year: int
    class_name: str


def invite(admin: User, form: dict, days: int = 30, address: str = "") -> Invitation:
    """An account for a graduate of earlier years who never had one: a read-only graduate with the
    class they finished, and a one-time code (a card or a link) to set a password and join the club."""
    _require_admin(admin)
    last = validation.text(form.get("last_name"), 80, N_("Фамилия"), one_line=True, required=N_("Укажите фамилию."))
    first = validation.text(form.get("first_name"), 80, N_("Имя"), one_line=True, required=N_("Укажите имя."))
    middle = validation.text(form.get("middle_name"), 80, N_("Отчество"), one_line=True)
    year = validation.year(form.get("year"), N_("Год выпуска"))
    if year is None:
        raise ServiceError(N_("Укажите год выпуска."), status=422)
    this_year = years.current_year(admin.school) + 1
    if year > this_year:
        raise ServiceError(N_("Год выпуска не может быть позже %(year)s."), status=422, year=this_year)
    class_text = validation.text(form.get("class_name"), 16, N_("Класс"), one_line=True,
                                 required=N_("Укажите класс, который выпускник окончил (например, 11А)."))
    try:
        grade, letter = school_service.parse_class_name(class_text)
    except ServiceError:
        raise ServiceError(N_("Класс «%(name)s» не распознан: напишите номер и букву, например 11А."), status=422,
                           name=class_text) from None
    class_name = school_service.class_name(grade, letter.upper())
    full_name = " ".join(part for part in (last, first, middle) if part)
    # SQLite's lower() knows no Cyrillic: namesakes of that year are compared here.
    twin = next((user for user in User.select().join(ClassMembership, on=(ClassMembership.student == User.id))
                 .where((User.school == admin.school_id) & (ClassMembership.school_year == year - 1)
                        & (ClassMembership.outcome == GRADUATED))
                 if user.full_name.casefold() == full_name.casefold()), None)
    if twin is not None:
        raise Conflict(N_("%(name)s, выпуск %(year)s, уже есть в портале (логин %(login)s): выдайте новый код "
                          "на странице пользователя."), name=full_name, year=year, login=twin.login)
    with database.atomic():
        user = User.create(school=admin.school, role=STUDENT, login=names.make_login(last, first), full_name=full_name,
                           last_name=last, first_name=first, middle_name=middle)
        Student.create(user=user, status=GRADUATED, status_changed_at=utcnow(), start_year=year - grade)
        ClassMembership.create(student=user, school_year=year - 1, class_name=class_name, grade=grade,
                               outcome=GRADUATED)
        code = accounts.issue_activation_code(user, days)
        audit.record("alumni.invite", user=admin, address=address, detail=f"{user.login} ({class_name}, {year})")
    return Invitation(user, code, year, class_name)


# -- the school's numbers ----------------------------------------------------------------------------

@dataclass
class YearRow:
    year: int | None
    graduates: int = 0
    members: int = 0
    mentors: int = 0
    talks: int = 0
    trials: int = 0
    excursions: int = 0


@dataclass
class Numbers:
    by_year: list[YearRow]
    members: int
    mentors: int
    taking_part: int  # alumni signed up for this school year's events
    signups: int
    events_with_alumni: int
    events_open: int
    meetings: dict[str, int]
    waiting_text: int


def numbers(school, school_year: int) -> Numbers:
    """The club by graduation year (graduates the portal knows, members, how they help), alumni at
    this school year's events, and pupils' meeting requests by status."""
    rows: dict[int | None, YearRow] = {}
    graduated = (ClassMembership.select(ClassMembership.school_year, fn.COUNT(ClassMembership.id).alias("n"))
                 .join(User, on=(ClassMembership.student == User.id))
                 .where((User.school == school) & (ClassMembership.outcome == GRADUATED))
                 .group_by(ClassMembership.school_year))
    for row in graduated:
        rows.setdefault(row.school_year + 1, YearRow(row.school_year + 1)).graduates = row.n
    for found in AlumniProfile.select().where(AlumniProfile.school == school):
        row = rows.setdefault(found.graduation_year, YearRow(found.graduation_year))
        row.members += 1
        row.mentors += found.help_mentoring
        row.talks += found.help_talk
        row.trials += found.help_trial
        row.excursions += found.help_excursion
    start, end = datetime.date(school_year, 9, 1), datetime.date(school_year + 1, 8, 31)
    in_year = Event.select(Event.id).where((Event.school == school) & (Event.starts_on >= start)
                                           & (Event.starts_on <= end))
    signups = AlumniSignup.select().where(AlumniSignup.event.in_(in_year))
    meetings = {status: 0 for status in (MEETING_NEW, MEETING_TAKEN, MEETING_ARRANGED, MEETING_DECLINED,
                                         MEETING_WITHDRAWN)}
    for row in (AlumniMeeting.select(AlumniMeeting.status, fn.COUNT(AlumniMeeting.id).alias("n"))
                .where((AlumniMeeting.school == school) & (AlumniMeeting.school_year == school_year))
                .group_by(AlumniMeeting.status)):
        meetings[row.status] = row.n
    ordered = sorted(rows.values(), key=lambda r: -(r.year or 0))
    return Numbers(
        by_year=ordered,
        members=sum(r.members for r in ordered),
        mentors=sum(r.mentors for r in ordered),
        taking_part=signups.select(fn.COUNT(AlumniSignup.alumnus.distinct())).scalar() or 0,
        signups=signups.count(),
        events_with_alumni=signups.select(fn.COUNT(AlumniSignup.event.distinct())).scalar() or 0,
        events_open=Event.select().where(Event.id.in_(in_year) & Event.open_to_alumni).count(),
        meetings=meetings,
        waiting_text=AlumniProfile.select().where((AlumniProfile.school == school)
                                                  & (AlumniProfile.text_status == TEXT_PENDING)).count(),
    )


def members_count(school) -> int:
    return AlumniProfile.select().where(AlumniProfile.school == school).count()

