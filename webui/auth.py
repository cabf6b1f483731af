"""Logging in and out, first activation with a card's code, changing the password."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature

from appliance.models.people import PARENT, STUDENT, User
from appliance.services import accounts, audit, consent, sessions
from appliance.services.errors import ServiceError
from webui.messages import text_of

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


class SessionUser(UserMixin):
    """The logged-in account on one device. The session id carries the password epoch, so a
    password change or reset ends every older session, and the token of a session kept on
    the server, so logging out ends this one for good, even for a copy of the cookie."""

    def __init__(self, user: User, token: str):
        self.model = user
        self.token = token

    def __getattr__(self, name):
        return getattr(self.model, name)

    def get_id(self) -> str:
        return f"{self.model.id.hex}:{self.model.session_epoch}:{self.token}"


@login_manager.user_loader
def load_user(session_id: str):
    found = sessions.user_of(session_id, current_app.config["OKEY_SETTINGS"].security.session_idle_hours)
    return SessionUser(*found) if found else None


class ServerDecidesSessionAge(SecureCookieSessionInterface):
    """The cookie carries only the signed id of a session kept on the server, whose row decides its life
    (idle time, logout, a password change). The cookie's own signature age is therefore not checked: it
    would repeat that rule with the server's clock, and a clock moved by years would log everyone out."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            return self.session_class(serializer.loads(value))
        except BadSignature:
            return self.session_class()


def init_login(app) -> None:
    app.session_interface = ServerDecidesSessionAge()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"


def role_required(*roles: str):
    """Only these roles may open the page; everyone else gets 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        wrapped.roles = roles  # read by the access-control tests generated from the URL map
        return wrapped
    return decorator


def client_address() -> str:
    return request.remote_addr or ""


def _limits() -> accounts.LoginLimits:
    security = g.settings.security
    return accounts.LoginLimits(security.max_failed_per_login, security.max_failed_per_address,
                                security.failed_window_minutes, security.max_failed_per_account)


def safe_path(target: str | None) -> str:
    """`target` when it is a path on this site, else "": a crafted ?next= must not send a child elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and len(target) <= 500 \
            and not urlsplit(target).netloc:
        return target
    return ""


def _safe_next(target: str | None) -> str:
    return safe_path(target) or url_for("home.index")


def after_consent(parent: User, target: str | None = None) -> str:
    """Where a parent goes after logging in or after deciding on the consent form: the form for the
    next child they have not decided for yet (152-ФЗ: consent is asked before anything else), or on."""
    target = safe_path(target if target is not None else request.values.get("next"))
    waiting = consent.undecided(parent)
    if waiting:
        return url_for("portfolio.consent_page", student_id=waiting[0].id.hex, first=1,
                       **({"next": target} if target else {}))
    return target or url_for("home.index")


def _landing(user: User) -> str:
    if user.role == PARENT:
        return after_consent(user, request.args.get("next"))
    return _safe_next(request.args.get("next"))


def _start_session(user: User) -> None:
    # A fresh session at login: nothing from before the login carries over, and a new token.
    if current_user.is_authenticated:
        sessions.end(current_user.token)
    session.clear()
    login_user(SessionUser(user, sessions.start(user, client_address())))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    error, status = None, 200
    login_value = request.form.get("login", "")
    if request.method == "POST":
        try:
            user = accounts.authenticate(login_value, request.form.get("password", ""), client_address(), _limits())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            _start_session(user)
            return redirect(_landing(user))
    return render_template("auth/login.html", error=error, login=login_value), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sessions.end(current_user.token)
        audit.record("logout", user=current_user.model, address=client_address())
    logout_user()
    session.clear()
    flash(_("Вы вышли из портала."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    code = request.values.get("code", "")
    error, status, account = None, 200, None
    if request.method == "GET" and code:
        try:
            account = accounts.find_by_activation_code(code, client_address())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
    if request.method == "POST":
        try:
            user = accounts.activate(code, request.form.get("password", ""), request.form.get("repeat", ""),
                                     client_address())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            _start_session(user)
            flash(_("Готово! Пароль сохранён. Запомни его, а логин — %(login)s.", login=user.login) if user.role == STUDENT
                  else _("Готово! Пароль сохранён. Запомните его, а логин — %(login)s.", login=user.login), "success")
            return redirect(_landing(user))
    return render_template("auth/activate.html", error=error, code=code, account=account), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    error, status = None, 200
    if request.method == "POST":
        try:
            accounts.change_password(current_user.model, request.form.get("current", ""),
                                     request.form.get("password", ""), request.form.get("repeat", ""),
                                     client_address())
        except ServiceError as exc:
            error, status = text_of(exc.message), exc.status
        else:
            # The epoch changed: start a new session so this device stays logged in.
            _start_session(User.get_by_id(current_user.model.id))
            flash(_("Пароль изменён. На других устройствах нужно войти заново."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", error=error), status


@bp.post("/language")
def language():
    chosen = request.form.get("lang", "ru")
    response = redirect(_safe_next(request.form.get("next")))
    if chosen in current_app.jinja_env.globals["languages"]:
        response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
        if current_user.is_authenticated:
            current_user.model.locale = chosen
            current_user.model.save()
    return response
