"""The school's news: short notes with a photo.

- Who writes: teachers and the administration, and the pupils the administration marked as the media
  team (`CommunityRole` MEDIA, set on «Совет и медиацентр», audited). Any other pupil is refused.
- A pupil's note goes to a staff member (any teacher or administrator of the school) for approval
  before anyone else sees it: minors' publications are moderated. Staff publish directly.
  pending → published, or returned with a comment the author sees → (edited) pending again.
- The photo is checked as evidence files are (`uploads.prepare`: bounded decoding, SVG and
  programs refused, a size limit), re-encoded without metadata (EXIF: the place and the device) and
  at most PHOTO_SIDE points on its long side; a PDF is refused here.
- A note may link an event of the school's calendar, an idea or project «Есть идея!», or a pupil's
  confirmed achievement — the last **only with that pupil's consent**: the pupil ticks «Можно рассказать
  в новостях школы» on the achievement (`Achievement.news_consent_at`), and may take it back; a note
  then stops naming the achievement and its pupil.
- Published notes are read by everyone of the school (pupils, parents, teachers, administration),
  the latest on the pupil's and the parent's home pages, and go out in the Atom feed for the school's
  own site (the latest FEED_SIZE; the title, the text, the photo and the date — never a pupil's name
  as the author, never the linked achievement).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from appliance.config import Settings
from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.calendar import Event
from appliance.models.community import MEDIA, CommunityRole, Idea
from appliance.models.news import (
    MAX_ALT,
    MAX_COMMENT,
    MAX_TEXT,
    MAX_TITLE,
    PENDING,
    PUBLISHED,
    RETURNED,
    News,
)
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER, School, User
from appliance.models.portfolio import Achievement
from appliance.services import audit, enrolment, links, notifications, uploads, validation
from appliance.services.errors import Conflict, Forbidden, ServiceError
from appliance.services.lookup import get_or_404, parse_id

NOT_FOUND = N_("Новость не найдена.")
PHOTO_SIDE = 1600
FEED_SIZE = 20
PER_PAGE = 12
HOME_SIZE = 3
STAFF = (TEACHER, ADMIN)


def _now() -> datetime.datetime:
    """Naive UTC to the microsecond: notes published within one second keep their order."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


# -- who may do what -------------------------------------------------------------------------------
def is_staff(user: User) -> bool:
    return user.role in STAFF


def in_media_team(user: User) -> bool:
    return user.role == STUDENT and CommunityRole.select().where(
        (CommunityRole.user == user) & (CommunityRole.role == MEDIA)).exists()


def may_write(user: User) -> bool:
    """Staff, and pupils of the media team who have not graduated."""
    if is_staff(user):
        return True
    return in_media_team(user) and not enrolment.is_graduate(user)


def check_may_write(user: User) -> None:
    """Forbidden (403) with the reason for anyone who may not write a note."""
    if user.role == STUDENT and not in_media_team(user):
        raise Forbidden(N_("Новости публикуют сотрудники школы и ребята из медиацентра. Хочешь в медиацентр — "
                           "скажи классному руководителю."))
    if not is_staff(user) and user.role != STUDENT:
        raise Forbidden(N_("Новости публикуют сотрудники школы и медиацентр."))
    enrolment.check_may_edit(user)


def can_see(viewer: User, note: News) -> bool:
    """Published: everyone of the school. Waiting or returned: its author and the school's staff."""
    if viewer.school_id != note.school_id or viewer.role not in (STUDENT, PARENT, TEACHER, ADMIN):
        return False
    if note.status == PUBLISHED:
        return True
    return note.author_id == viewer.id or is_staff(viewer)


def may_edit(viewer: User, note: News) -> bool:
    """Staff change any note of the school; a pupil their own until it is published."""
    if viewer.school_id != note.school_id:
        return False
    if is_staff(viewer):
        return True
    return note.author_id == viewer.id and note.status != PUBLISHED and may_write(viewer)


def get(viewer: User, news_id) -> News:
    return get_or_404(News, News.id == parse_id(news_id), message=NOT_FOUND, visible=lambda n: can_see(viewer, n))


def published_photo(news_id) -> News:
    """A published note with a photo, for anyone (the Atom feed shows its photo on the school's site)."""
    return get_or_404(News, News.id == parse_id(news_id), News.status == PUBLISHED, News.photo_sha256 != "",
                      message=NOT_FOUND)


# -- the form -------------------------------------------------------------------------------------
@dataclass
class Links:
    event: Event | None = None
    idea: Idea | None = None
    achievement: Achievement | None = None


def _fields(form: dict) -> dict:
    return {
        "title": validation.text(form.get("title"), MAX_TITLE, N_("Заголовок"), one_line=True,
                                 required=N_("Напишите заголовок новости.")),
        "text": validation.text(form.get("text"), MAX_TEXT, N_("Текст"), required=N_("Напишите текст новости.")),
        "photo_alt": validation.text(form.get("photo_alt"), MAX_ALT, N_("Что на фото"), one_line=True),
    }


def _links(school: School, form: dict) -> Links:
    """The linked objects, each of the school; a stale or foreign choice is a form error (422)."""
    found = Links()
    if (form.get("event") or "").strip():
        found.event = Event.get_or_none((Event.id == parse_id(form.get("event"))) & (Event.school == school))
        if found.event is None:
            raise ServiceError(N_("Событие не найдено в календаре школы."), status=422)
    if (form.get("idea") or "").strip():
        found.idea = Idea.get_or_none((Idea.id == parse_id(form.get("idea"))) & (Idea.school == school))
        if found.idea is None:
            raise ServiceError(N_("Идея не найдена."), status=422)
    if (form.get("achievement") or "").strip():
        achievement = Achievement.get_or_none(Achievement.id == parse_id(form.get("achievement")))
        if achievement is None or achievement.student.school_id != school.id:
            raise ServiceError(N_("Достижение не найдено."), status=422)
        if achievement.status != "confirmed":
            raise ServiceError(N_("Рассказать можно только о подтверждённом достижении."), status=422)
        if achievement.news_consent_at is None:
            raise ServiceError(N_("Ученик не разрешил рассказывать об этом достижении в новостях. Разрешение "
                                  "он даёт сам на странице достижения."), status=422)
        found.achievement = achievement
    return found


def _photo(upload: tuple[str, bytes] | None) -> uploads.Prepared | None:
    if upload is None or not upload[1]:
        return None
    return uploads.prepare(upload[0], upload[1], images_only=True, max_side=PHOTO_SIDE)


def _set_photo(note: News, prepared: uploads.Prepared | None, batch: uploads.Batch) -> None:
    if prepared is None:
        return
    batch.write_news_photo(prepared)
    note.photo_sha256, note.photo_mime = prepared.sha256, prepared.mime
    note.photo_width, note.photo_height = prepared.width, prepared.height


def _forget_photo(settings: Settings, sha256: str, keep: News | None = None) -> None:
    """Remove a photo no note shows any more."""
    if not sha256:
        return
    query = News.select().where(News.photo_sha256 == sha256)
    if keep is not None:
        query = query.where(News.id != keep.id)
    if not query.exists():
        uploads.remove_news_photo(settings, sha256)


def create(settings: Settings, author: User, form: dict, photo: tuple[str, bytes] | None = None) -> News:
    """A new note: published at once by staff, sent for approval by a pupil of the media team.
    Every field is checked before anything is written; a failed save leaves no file behind."""
    check_may_write(author)
    values = _fields(form)
    linked = _links(author.school, form)
    prepared = _photo(photo)
    staff = is_staff(author)
    now = _now()
    with uploads.Batch(settings) as batch, database.atomic():
        note = News(school=author.school, author=author, status=PUBLISHED if staff else PENDING,
                    published_at=now if staff else None, reviewed_by=author if staff else None,
                    reviewed_at=now if staff else None, event=linked.event, idea=linked.idea,
                    achievement=linked.achievement, **values)
        _set_photo(note, prepared, batch)
        note.save(force_insert=True)
        audit.record("news.publish" if staff else "news.submit", user=author, detail=note.title[:200])
        if staff:
            _tell_the_pupil(note)
        else:
            _tell_staff(note)
    return note


def update(settings: Settings, editor: User, news_id, form: dict, photo: tuple[str, bytes] | None = None) -> News:
    note = get(editor, news_id)
    if not is_staff(editor):
        check_may_write(editor)
    if not may_edit(editor, note):
        raise Conflict(N_("Опубликованную новость меняют только сотрудники школы."))
    values = _fields(form)
    linked = _links(note.school, form)
    prepared = _photo(photo)
    old_photo = note.photo_sha256
    with uploads.Batch(settings) as batch, database.atomic():
        for name, value in values.items():
            setattr(note, name, value)
        note.event, note.idea, note.achievement = linked.event, linked.idea, linked.achievement
        if prepared is not None:
            _set_photo(note, prepared, batch)
        elif form.get("remove_photo"):
            note.photo_sha256, note.photo_mime, note.photo_width, note.photo_height = "", "", None, None
        resent = note.status == RETURNED
        if resent:
            note.status = PENDING
        note.save()
        audit.record("news.edit", user=editor, detail=note.title[:200])
        if resent:
            _tell_staff(note)
    if old_photo != note.photo_sha256:
        _forget_photo(settings, old_photo)
    return note


def may_delete(viewer: User, note: News) -> bool:
    """Staff remove any note of the school; its author their own until it is published."""
    if viewer.school_id != note.school_id:
        return False
    return is_staff(viewer) or (note.author_id == viewer.id and note.status != PUBLISHED)


def delete(settings: Settings, user: User, news_id) -> None:
    note = get(user, news_id)
    if not may_delete(user, note):
        raise Conflict(N_("Опубликованную новость снимают только сотрудники школы."))
    sha = note.photo_sha256
    with database.atomic():
        note.delete_instance()
        audit.record("news.delete", user=user, detail=note.title[:200])
    _forget_photo(settings, sha)


# -- approval -------------------------------------------------------------------------------------
def _pending(staff: User, news_id) -> News:
    if not is_staff(staff):
        raise Forbidden(N_("Новости учеников проверяют сотрудники школы."))
    note = get(staff, news_id)
    if note.status != PENDING:
        raise Conflict(N_("Эта новость не ждёт проверки."))
    return note


def approve(staff: User, news_id) -> News:
    note = _pending(staff, news_id)
    now = _now()
    with database.atomic():
        note.status, note.published_at, note.reviewed_by, note.reviewed_at = PUBLISHED, now, staff, now
        note.review_comment = ""
        note.save()
        audit.record("news.approve", user=staff, detail=note.title[:200])
        _tell_the_pupil(note)
        if note.author_id:
            notifications.notify(note.author_id, notifications.NEWS_REVIEWED,
                                 f"«{note.title}» опубликована.", links.LinkTarget.of(links.NEWS, note.id))
    return note


def send_back(staff: User, news_id, comment: str) -> News:
    note = _pending(staff, news_id)
    reason = validation.text(comment, MAX_COMMENT, N_("Комментарий"),
                             required=N_("Напишите автору, что исправить."))
    with database.atomic():
        note.status, note.review_comment, note.reviewed_by, note.reviewed_at = RETURNED, reason, staff, utcnow()
        note.save()
        audit.record("news.return", user=staff, detail=note.title[:200])
        if note.author_id:
            notifications.notify(note.author_id, notifications.NEWS_REVIEWED, f"«{note.title}»: {reason}",
                                 links.LinkTarget.of(links.NEWS, note.id))
    return note


def _tell_the_pupil(note: News) -> None:
    """A published note names a pupil's achievement: the pupil hears of it (they allowed it, and can
    take the permission back)."""
    achievement = shown_achievement(note)
    if achievement is not None:
        notifications.notify(achievement.student_id, notifications.NEWS_ABOUT, f"«{note.title}»",
                             links.LinkTarget.of(links.NEWS, note.id))


def _tell_staff(note: News) -> None:
    staff = User.select(User.id).where((User.school == note.school) & User.role.in_(STAFF) & User.active)
    for person in staff:
        notifications.notify(person.id, notifications.NEWS_WAITING, f"«{note.title}»",
                             links.LinkTarget.of(links.NEWS, note.id), group=notifications.NEWS_WAITING,
                             group_link=links.LinkTarget(links.NEWS_LIST))


# -- reading --------------------------------------------------------------------------------------
def _published(school: School):
    return (News.select().where((News.school == school) & (News.status == PUBLISHED))
            .order_by(News.published_at.desc(), News.created_at.desc()))


def latest(school: School, limit: int = HOME_SIZE) -> list[News]:
    return list(_published(school).limit(limit))


def page_of(school: School, page: int) -> tuple[list[News], int]:
    """One page of published notes, newest first, and the number of pages."""
    total = _published(school).count()
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    return list(_published(school).paginate(page, PER_PAGE)), pages


def waiting(viewer: User) -> list[News]:
    """For staff: the pupils' notes waiting for approval. For a pupil: their own unpublished ones."""
    query = News.select().where((News.school == viewer.school) & (News.status != PUBLISHED))
    if is_staff(viewer):
        query = query.where(News.status == PENDING)
    else:
        query = query.where(News.author == viewer)
    return list(query.order_by(News.created_at.desc()))


def feed(school: School, limit: int = FEED_SIZE) -> list[News]:
    """The latest published notes for the Atom feed: at most `limit`."""
    return list(_published(school).limit(max(1, min(limit, FEED_SIZE))))


def shown_achievement(note: News) -> Achievement | None:
    """The linked achievement while its pupil's consent stands (None once taken back)."""
    if note.achievement_id is None:
        return None
    achievement = Achievement.get_or_none(Achievement.id == note.achievement_id)
    if achievement is None or achievement.news_consent_at is None or achievement.status != "confirmed":
        return None
    return achievement


def choices(school: School, today: datetime.date) -> dict:
    """What a note may link: the school's events around today, its ideas, and the confirmed
    achievements whose pupils allowed the news to tell of them."""
    since = today - datetime.timedelta(days=120)
    until = today + datetime.timedelta(days=120)
    events = list(Event.select().where((Event.school == school) & (Event.starts_on >= since)
                                       & (Event.starts_on <= until)).order_by(Event.starts_on.desc()).limit(200))
    ideas = list(Idea.select().where(Idea.school == school).order_by(Idea.created_at.desc()).limit(200))
    achievements = list(Achievement.select(Achievement, User).join(User, on=(Achievement.student == User.id))
                        .where((User.school == school) & (Achievement.status == "confirmed")
                               & Achievement.news_consent_at.is_null(False))
                        .order_by(Achievement.date.desc()).limit(200))
    return {"events": events, "ideas": ideas, "achievements": achievements}


# -- the pupil's consent --------------------------------------------------------------------------
def set_consent(student: User, achievement_id, allowed: bool) -> Achievement:
    """The pupil allows (or no longer allows) the school's news to tell of their achievement."""
    if student.role != STUDENT:
        raise Forbidden(N_("Разрешение даёт сам ученик."))
    achievement = get_or_404(Achievement, Achievement.id == parse_id(achievement_id),
                             Achievement.student == student, message=N_("Достижение не найдено."))
    if allowed and achievement.status != "confirmed":
        raise Conflict(N_("Рассказать в новостях можно о подтверждённом достижении."))
    with database.atomic():
        achievement.news_consent_at = utcnow() if allowed else None
        achievement.save()
        audit.record("news.consent", user=student, detail=f"{'+' if allowed else '-'}:{achievement.id.hex}")
    return achievement
