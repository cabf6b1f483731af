"""The school's news: the list, a note, writing and approving, the photo, the Atom feed for the
school's own site, and the pupil's consent to a note about their achievement."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.documents import atom
from appliance.models.news import NEWS_STATUSES, PENDING, PUBLISHED
from appliance.models.people import ADMIN, PARENT, STUDENT, TEACHER
from appliance.services import news, uploads
from appliance.services import school as school_service
from appliance.services.errors import NotFound, ServiceError
from webui.auth import role_required
from webui.dates import school_today
from webui.forms import form_dict
from webui.messages import text_of

bp = Blueprint("news", __name__, url_prefix="/news")
READERS = (STUDENT, PARENT, TEACHER, ADMIN)
WRITERS = (STUDENT, TEACHER, ADMIN)


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        return 1


@bp.get("/")
@role_required(*READERS)
def index():
    me = current_user.model
    notes, pages = news.page_of(current_user.school, _page_number())
    return render_template("news/index.html", notes=notes, pages=pages, page=min(_page_number(), pages),
                           waiting=news.waiting(me) if me.role in WRITERS else [], may_write=news.may_write(me),
                           is_staff=news.is_staff(me), statuses=NEWS_STATUSES)


def _photo_upload() -> tuple[str, bytes] | None:
    item = request.files.get("photo")
    if item is None or not item.filename:
        return None
    return item.filename, item.read()


def _form(values: dict, note=None, error=None, status=200):
    return render_template("news/form.html", v=values, note=note, error=error, statuses=NEWS_STATUSES,
                           is_staff=news.is_staff(current_user.model),
                           choices=news.choices(current_user.school, school_today())), status


def _refusal(exc: ServiceError):
    if exc.status in (403, 404):
        raise exc
    return text_of(exc.message), exc.status


@bp.route("/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def new():
    me = current_user.model
    news.check_may_write(me)
    if request.method == "POST":
        try:
            note = news.create(g.settings, me, form_dict(), _photo_upload())
        except ServiceError as exc:
            message, status = _refusal(exc)
            return _form(request.form, error=message, status=status)
        flash(_("Новость опубликована.") if note.status == PUBLISHED
              else _("Новость отправлена на проверку: её увидят все, когда учитель одобрит."), "success")
        return redirect(url_for("news.detail", news_id=note.id.hex))
    return _form({})


def _values(note) -> dict:
    return {"title": note.title, "text": note.text, "photo_alt": note.photo_alt,
            "event": note.event_id.hex if note.event_id else "", "idea": note.idea_id.hex if note.idea_id else "",
            "achievement": note.achievement_id.hex if note.achievement_id else ""}


@bp.route("/<news_id>/edit", methods=["GET", "POST"])
@role_required(*WRITERS)
def edit(news_id: str):
    me = current_user.model
    note = news.get(me, news_id)
    if not news.may_edit(me, note):
        return redirect(url_for("news.detail", news_id=note.id.hex))
    if request.method == "POST":
        try:
            news.update(g.settings, me, news_id, form_dict(), _photo_upload())
        except ServiceError as exc:
            message, status = _refusal(exc)
            return _form(request.form, note, message, status)
        flash(_("Изменения сохранены."), "success")
        return redirect(url_for("news.detail", news_id=note.id.hex))
    return _form(_values(note), note)


def _detail(note, error=None, status=200):
    me = current_user.model
    return render_template("news/detail.html", note=note, error=error, statuses=NEWS_STATUSES,
                           achievement=news.shown_achievement(note), may_edit=news.may_edit(me, note),
                           may_delete=news.may_delete(me, note),
                           may_review=news.is_staff(me) and note.status == PENDING, PENDING=PENDING), status


@bp.get("/<news_id>")
@role_required(*READERS)
def detail(news_id: str):
    return _detail(news.get(current_user.model, news_id))


@bp.post("/<news_id>/approve")
@role_required(TEACHER, ADMIN)
def approve(news_id: str):
    try:
        news.approve(current_user.model, news_id)
    except ServiceError as exc:
        message, status = _refusal(exc)
        return _detail(news.get(current_user.model, news_id), message, status)
    flash(_("Новость опубликована; автор получил уведомление."), "success")
    return redirect(url_for("news.detail", news_id=news_id))


@bp.post("/<news_id>/return")
@role_required(TEACHER, ADMIN)
def send_back(news_id: str):
    try:
        news.send_back(current_user.model, news_id, request.form.get("comment", ""))
    except ServiceError as exc:
        message, status = _refusal(exc)
        return _detail(news.get(current_user.model, news_id), message, status)
    flash(_("Новость возвращена автору с комментарием."), "success")
    return redirect(url_for("news.index"))


@bp.post("/<news_id>/delete")
@role_required(*WRITERS)
def delete(news_id: str):
    try:
        news.delete(g.settings, current_user.model, news_id)
    except ServiceError as exc:
        message, status = _refusal(exc)
        return _detail(news.get(current_user.model, news_id), message, status)
    flash(_("Новость удалена."), "success")
    return redirect(url_for("news.index"))


def _photo_note(news_id: str):
    """A published note's photo opens for anyone (the feed shows it on the school's site); an
    unpublished one's only for its author and the school's staff."""
    if current_user.is_authenticated and current_user.role in READERS:
        try:
            note = news.get(current_user.model, news_id)
            if note.photo_sha256:
                return note
        except NotFound:
            pass
    return news.published_photo(news_id)


def _send_photo(path, mime: str):
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mime, max_age=0)
    response.headers["Content-Disposition"] = "inline"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<news_id>/photo")
def photo(news_id: str):
    note = _photo_note(news_id)
    return _send_photo(uploads.news_photo_path(g.settings, note.photo_sha256), note.photo_mime)


@bp.get("/<news_id>/preview")
def preview(news_id: str):
    note = _photo_note(news_id)
    return _send_photo(uploads.news_preview_path(g.settings, note.photo_sha256), "image/jpeg")


@bp.get("/feed.atom")
def feed():
    """Atom for the school's own site: the latest published notes, absolute links from
    `server.public_url`, no personal data beyond what the notes themselves say."""
    school = school_service.get_school()
    base = g.settings.server.public_url.rstrip("/")
    notes = news.feed(school)
    entries = [atom.Entry(id=f"urn:uuid:{note.id}", title=note.title, text=note.text,
                          url=base + url_for("news.detail", news_id=note.id.hex),
                          published=note.published_at, updated=note.updated_at,
                          photo_url=base + url_for("news.photo", news_id=note.id.hex) if note.photo_sha256 else "",
                          photo_mime=note.photo_mime, photo_alt=note.photo_alt or note.title)
               for note in notes]
    body = atom.feed(feed_id=f"urn:uuid:{school.id}", title=_("Новости школы «%(name)s»", name=school.name),
                     author=school.name, self_url=base + url_for("news.feed"), site_url=base + url_for("news.index"),
                     entries=entries, updated=max((e.updated for e in entries), default=school.updated_at))
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/consent/<achievement_id>")
@role_required(STUDENT)
def consent(achievement_id: str):
    allowed = request.form.get("allowed") == "1"
    try:
        found = news.set_consent(current_user.model, achievement_id, allowed)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        flash(text_of(exc.message), "error")
        return redirect(url_for("portfolio.detail", achievement_id=achievement_id))
    flash(_("Школьные новости могут рассказать об этом достижении.") if allowed
          else _("Разрешение снято: новости больше не называют это достижение."), "success")
    return redirect(url_for("portfolio.detail", achievement_id=found.id.hex))
