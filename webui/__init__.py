"""The portal's web interface: a Flask app factory with one blueprint per audience."""

from __future__ import annotations

import logging

from flask import Flask, g, request
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from appliance import __version__
from appliance.config import Settings
from appliance.db import database, open_database
from appliance.models.people import ADMIN, DISTRICT, MENTOR, PARENT, STUDENT, TEACHER
from appliance.services import enrolment, years
from appliance.services import health as server_health
from appliance.services import mentoring as mentoring_service

csrf = CSRFProtect()
babel = Babel()
log = logging.getLogger("okey.web")

LANGUAGES = {"ru": "Русский", "en": "English"}
# What a graduate may still send: ending the session, the password, the language, the alumni choice.
GRADUATE_MAY_POST = {"auth.logout", "auth.change_password", "auth.language", "auth.login", "auth.activate",
                     "student.alumni", "alumni.club_save", "alumni.leave", "alumni.sign_up",
                     "alumni.cancel_sign_up"}
# A graduate who mentors in the register (with their own alumni account) also works in their pairs.
GRADUATE_MENTOR_MAY_POST = {"mentoring.add_meeting", "mentoring.note", "mentoring.cancel_meeting",
                            "mentoring.reflect"}

# Writes still accepted when the data disk is full: signing in and out (to read, and to leave).
WRITES_ON_FULL_DISK = {"auth.login", "auth.logout", "auth.language"}


def locale_of(chosen: str | None, user_locale: str | None) -> str:
    """The page's language: the visitor's choice (the `lang` cookie), else the account's, else Russian."""
    if chosen in LANGUAGES:
        return chosen
    if user_locale in LANGUAGES:
        return user_locale
    return "ru"


def select_locale() -> str:
    signed_in = current_user and current_user.is_authenticated
    return locale_of(request.cookies.get("lang"), current_user.locale if signed_in else None)


def create_app(settings: Settings, testing: bool = False) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key(),
        TESTING=testing,
        SESSION_COOKIE_NAME="okey_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.server.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        MAX_CONTENT_LENGTH=settings.server.max_upload_mb * 1024 * 1024,
        # A form left open through a lesson must still submit: the token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="ru",
        BABEL_DEFAULT_TIMEZONE=settings.school.timezone,
        OKEY_SETTINGS=settings,
    )
    settings.ensure_dirs()
    open_database(settings)

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from webui import assets, auth, errors, links, security

    found_assets = assets.register(app)  # fingerprinted, precompressed static files (url_for('static', …))
    auth.init_login(app)
    errors.register(app)
    security.register(app)
    links.register(app)

    @app.before_request
    def open_connection():
        database.connect(reuse_if_open=True)
        g.settings = settings

    @app.before_request
    def graduates_read_only():
        # A graduate reads and downloads; every other change is refused here, in one place.
        if request.method == "POST" and request.endpoint not in GRADUATE_MAY_POST and current_user.is_authenticated \
                and current_user.role == STUDENT:
            if request.endpoint in GRADUATE_MENTOR_MAY_POST and mentoring_service.is_registered_mentor(current_user.model):
                return  # the service lets them act in their own pairs only
            enrolment.check_may_edit(current_user.model)

    @app.before_request
    def refuse_writes_on_a_full_disk():
        # Reading keeps working; a write that could be cut off halfway is refused with the reason.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.endpoint not in WRITES_ON_FULL_DISK \
                and server_health.data_disk_full(settings):
            return errors.error_page(507, _("На диске сервера кончилось место: сейчас можно только смотреть, "
                                            "сохранить изменения нельзя. Сообщите администратору школы."))
        return None

    @app.teardown_request
    def end_request(exc):
        # Each waitress thread keeps its connection: opening SQLite, setting the pragmas and the
        # WAL checkpoint SQLite makes when the last connection closes cost more than a whole page.
        if not database.is_closed() and database.in_transaction():
            database.rollback()

    from webui import admin, guidance, health, home, parent, student, surveys, teacher, trajectory
    from webui import calendar as calendar_pages

    for module in (health, auth, home, student, teacher, parent, admin, trajectory, calendar_pages, guidance,
                   surveys):
        app.register_blueprint(module.bp)

    from webui import indicators, portfolio, review

    for module in (portfolio, review, indicators):
        app.register_blueprint(module.bp)

    from webui import district, notifications, school_year

    app.register_blueprint(notifications.bp)
    app.register_blueprint(district.bp)
    app.register_blueprint(school_year.bp)
    from webui import programmes, trials

    app.register_blueprint(trials.bp)
    from webui import alumni

    app.register_blueprint(alumni.bp)
    app.register_blueprint(programmes.bp)
    from webui import ideas, volunteering

    app.register_blueprint(volunteering.bp)
    app.register_blueprint(ideas.bp)
    from webui import news

    app.register_blueprint(news.bp)
    from webui import mentoring

    app.register_blueprint(mentoring.bp)

    app.jinja_env.globals.update(version=__version__, languages=LANGUAGES, get_locale=get_locale,
                                 year_and_class=years.year_and_class)
    app.jinja_env.globals.update(STUDENT=STUDENT, TEACHER=TEACHER, PARENT=PARENT, ADMIN=ADMIN, DISTRICT=DISTRICT,
                                 MENTOR=MENTOR)
    from webui import nav, wording

    app.context_processor(nav.context)
    app.context_processor(notifications.context)
    app.jinja_env.globals["note_title"] = notifications.title_of
    wording.register(app)
    from webui import keep

    keep.register(app)
    assets.answer_first(app, found_assets)  # outermost: a fingerprinted file needs no session
    return app
