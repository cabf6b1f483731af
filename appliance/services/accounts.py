"""Accounts: passwords, one-time activation codes, logins with a limit on failures."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from appliance.db import database
from appliance.i18n import N_
from appliance.models.base import utcnow
from appliance.models.changes import get_meta, set_meta
from appliance.models.people import LoginFailure, User
from appliance.services import audit
from appliance.services.errors import Forbidden, ServiceError, TooManyAttempts

# argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane): about 30 ms a hash on one
# core of a small server, so a class of 30 logging in at once is in within a second.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _hasher.hash(secrets.token_hex(8))

# No 0/O, 1/I/L: codes are typed by children from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# Children type on a Russian keyboard layout: accept the Cyrillic letters that look Latin.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХаевкмнорстух", "ABEKMHOPCTYXAEBKMHOPCTYX")

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class LoginLimits:
    per_login: int = 5
    per_address: int = 30
    window_minutes: int = 15


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str, repeat: str, login: str = "") -> None:
    if password != repeat:
        raise ServiceError(N_("Пароли не совпадают. Введите один и тот же пароль дважды."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(N_("Пароль слишком короткий: нужно не меньше %(n)s символов."),
                           n=MIN_PASSWORD_LENGTH)
    if len(password) > 256:
        raise ServiceError(N_("Пароль слишком длинный: не больше 256 символов."))
    if login and password.lower() == login.lower():
        raise ServiceError(N_("Пароль не должен совпадать с логином."))
    if len(set(password)) < 3:
        raise ServiceError(N_("Пароль слишком простой: используйте разные буквы и цифры."))


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    user.save()


# -- activation codes -------------------------------------------------------------------

def _code_pepper() -> bytes:
    pepper = get_meta("activation_pepper")
    if pepper is None:
        pepper = secrets.token_hex(32)
        set_meta("activation_pepper", pepper)
    return bytes.fromhex(pepper)


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.translate(_LOOKALIKES).upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hmac.new(_code_pepper(), normalize_code(code).encode(), hashlib.sha256).hexdigest()


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def issue_activation_code(user: User, days: int = 30) -> str:
    """Give the user a new one-time code (the old one stops working); return it formatted."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    user.activation_code_hash = code_hash(code)
    user.activation_expires_at = utcnow() + datetime.timedelta(days=days)
    user.save()
    return format_code(code)


def find_by_activation_code(code: str) -> User:
    if len(normalize_code(code)) != CODE_LENGTH:
        raise ServiceError(N_("Код должен состоять из 8 букв и цифр, например ABCD-2345."))
    user = User.get_or_none((User.activation_code_hash == code_hash(code)) & User.active)
    if user is None:
        raise ServiceError(N_("Такой код не найден или уже использован. Попросите новый код у классного руководителя."),
                           status=404)
    if user.activation_expires_at and user.activation_expires_at < utcnow():
        raise ServiceError(N_("Срок действия кода истёк. Попросите новый код у классного руководителя."),
                           status=410)
    return user


def activate(code: str, password: str, repeat: str, address: str = "") -> User:
    """Use a one-time code to set the first password. The code stops working."""
    with database.atomic():
        user = find_by_activation_code(code)
        check_password_rules(password, repeat, user.login)
        user.password_hash = hash_password(password)
        user.activation_code_hash = None
        user.activation_expires_at = None
        user.activated_at = utcnow()
        user.session_epoch += 1
        user.save()
        audit.record("account.activate", user=user, address=address)
    return user


def reset_password(user: User, by: User | None = None, days: int = 30, address: str = "") -> str:
    """An administrator's reset: the password stops working, a new code is issued."""
    with database.atomic():
        user.password_hash = None
        user.session_epoch += 1
        code = issue_activation_code(user, days)
        audit.record("account.reset_password", user=by, detail=f"login={user.login}", address=address)
    return code


def change_password(user: User, current: str, password: str, repeat: str, address: str = "") -> None:
    if not _verify(user.password_hash, current):
        raise ServiceError(N_("Текущий пароль введён неверно."), status=403)
    check_password_rules(password, repeat, user.login)
    with database.atomic():
        set_password(user, password)
        audit.record("account.change_password", user=user, address=address)


# -- logging in -------------------------------------------------------------------------

def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _recent_failures(limits: LoginLimits, **where) -> int:
    since = utcnow() - datetime.timedelta(minutes=limits.window_minutes)
    (field, value), = where.items()
    return (LoginFailure.select()
            .where((getattr(LoginFailure, field) == value) & (LoginFailure.at >= since))
            .count())


def authenticate(login: str, password: str, address: str = "",
                 limits: LoginLimits | None = None) -> User:
    """Check a login and password; raise ServiceError with a Russian message when refused."""
    limits = limits or LoginLimits()
    login = (login or "").strip().lower()
    if not login or not password:
        raise ServiceError(N_("Введите логин и пароль."))
    if (_recent_failures(limits, login=login) >= limits.per_login
            or _recent_failures(limits, address=address) >= limits.per_address):
        audit.record("login.throttled", actor=login, address=address)
        raise TooManyAttempts(
            N_("Слишком много неудачных попыток входа. Подождите %(minutes)s минут и попробуйте снова "
               "или попросите учителя сбросить пароль."), minutes=limits.window_minutes)
    user = User.get_or_none(User.login == login)
    if user is None or not _verify(user.password_hash, password):
        LoginFailure.create(login=login, address=address)
        audit.record("login.failed", user=user, actor=login, address=address)
        if user is not None and user.password_hash is None and user.activation_code_hash:
            raise ServiceError(N_("Учётная запись ещё не активирована: войдите по коду с карточки."),
                               status=401)
        raise ServiceError(N_("Неверный логин или пароль."), status=401)
    if not user.active:
        audit.record("login.inactive", user=user, address=address)
        raise Forbidden(N_("Учётная запись отключена. Обратитесь к администратору школы."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    user.save()
    LoginFailure.delete().where(LoginFailure.login == login).execute()
    audit.record("login.ok", user=user, address=address)
    return user


def purge_login_failures(limits: LoginLimits | None = None) -> int:
    limits = limits or LoginLimits()
    cutoff = utcnow() - datetime.timedelta(minutes=limits.window_minutes)
    return LoginFailure.delete().where(LoginFailure.at < cutoff).execute()
