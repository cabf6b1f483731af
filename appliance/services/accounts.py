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
from appliance.lazy import lazy
from appliance.models.base import utcnow
from appliance.models.changes import get_meta, set_meta
from appliance.models.people import STUDENT, LoginFailure, User
from appliance.services import audit, clock
from appliance.services.errors import Forbidden, ServiceError, TooManyAttempts

# zxcvbn's dictionaries take 12 MB: loaded by the first password being set, not at start.
zxcvbn = lazy("zxcvbn")

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
# zxcvbn's score (0–4): 2 means "more than a million guesses", far beyond what the limits
# on failed logins let anyone try.
MIN_PASSWORD_SCORE = 2
# Failed logins kept at most (the newest), whatever a flood writes; logins are cut to the
# longest a real one can be.
MAX_FAILURE_ROWS = 20_000
MAX_LOGIN_LENGTH = 64
# Failed activation attempts are kept among the failed logins under this name.
_ACTIVATION = "#activation"


@dataclass(frozen=True)
class LoginLimits:
    """`per_login` failures for one account *from one address* lock that pair, for a delay that
    doubles with each further failure (30 s, 1 min, 2 min … up to the window): a classmate
    guessing on their phone does not lock the owner out on theirs. `per_address` failures lock an
    address for every account; `per_account` failures from all addresses together lock the
    account (a high bar: it stops a guesser who changes addresses)."""

    per_login: int = 5
    per_address: int = 30
    window_minutes: int = 15
    per_account: int = 100
    first_delay_seconds: int = 30


@dataclass(frozen=True)
class ActivationLimits:
    """Wrong activation codes allowed in the window: from one address, and from all addresses
    together (which bounds how fast the whole code space can be searched)."""

    per_address: int = 10
    total: int = 300
    window_minutes: int = 15


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya"})


def _personal_words(login: str, names: tuple[str, ...]) -> list[str]:
    """What a classmate knows: the login and its parts, the names in Cyrillic and in Latin."""
    words = {login.lower(), *(part for part in login.lower().replace("_", ".").split(".") if len(part) > 1)}
    for name in names:
        for part in (name or "").lower().split():
            words |= {part, part.translate(_TRANSLIT)}
    return sorted(w for w in words if w)


def check_password_strength(password: str, login: str = "", names: tuple[str, ...] = (),
                            pupil: bool = False) -> None:
    """Refuse a password that is common or made of what others know (login, name, a year)."""
    personal = _personal_words(login, names)
    # zxcvbn's work grows with the length; the first 64 characters decide.
    result = zxcvbn.zxcvbn(password[:64], user_inputs=personal)
    lowered = password.lower()
    uses_name = any(len(w) >= 3 and w in lowered for w in personal)
    if result["score"] >= MIN_PASSWORD_SCORE and not uses_name:
        return
    if pupil:
        if uses_name:
            raise ServiceError(N_("Такой пароль легко угадать: в нём твоё имя, фамилия или логин, а их знает "
                                  "весь класс. Придумай пароль из трёх-четырёх слов, которые никак не связаны "
                                  "с тобой, и напиши их через пробел или дефис."))
        raise ServiceError(N_("Такой пароль легко угадать: похожие пароли (подряд идущие цифры, буквы "
                              "подряд на клавиатуре, год рождения, «password») пробуют первыми. Придумай "
                              "пароль из трёх-четырёх слов, которые никак не связаны между собой, и напиши "
                              "их через пробел или дефис."))
    if uses_name:
        raise ServiceError(N_("Такой пароль легко угадать: в нём Ваше имя, фамилия или логин. Придумайте "
                              "пароль из трёх-четырёх не связанных между собой слов."))
    raise ServiceError(N_("Такой пароль легко угадать: он из числа распространённых или собран по простому "
                          "образцу (цифры подряд, клавиши подряд, год). Придумайте пароль из трёх-четырёх "
                          "не связанных между собой слов."))


def check_password_rules(password: str, repeat: str, login: str = "", names: tuple[str, ...] = (),
                         pupil: bool = False) -> None:
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
    check_password_strength(password, login, names, pupil)


def check_password_for(user: User, password: str, repeat: str) -> None:
    check_password_rules(password, repeat, user.login,
                         (user.full_name, user.last_name, user.first_name, user.middle_name),
                         pupil=user.role == STUDENT)


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


def _failure(login: str, address: str) -> None:
    row = LoginFailure.create(login=login[:MAX_LOGIN_LENGTH], address=(address or "")[:64])
    LoginFailure.delete().where(LoginFailure.id <= row.id - MAX_FAILURE_ROWS).execute()


def find_by_activation_code(code: str, address: str = "", limits: ActivationLimits | None = None) -> User:
    limits = limits or ActivationLimits()
    code = code[:64]
    if len(normalize_code(code)) != CODE_LENGTH:
        raise ServiceError(N_("Код должен состоять из 8 букв и цифр, например ABCD-2345."))
    since = utcnow() - datetime.timedelta(minutes=limits.window_minutes)
    tried = LoginFailure.select().where((LoginFailure.login == _ACTIVATION) & (LoginFailure.at >= since))
    if (tried.where(LoginFailure.address == address).count() >= limits.per_address
            or tried.count() >= limits.total):
        audit.record("activation.throttled", address=address)
        raise TooManyAttempts(
            N_("Слишком много попыток ввести код. Подождите %(minutes)s минут и попробуйте снова; если код "
               "не подходит, попросите новый у классного руководителя."), minutes=limits.window_minutes)
    user = User.get_or_none((User.activation_code_hash == code_hash(code)) & User.active)
    if user is None:
        _failure(_ACTIVATION, address)
        audit.record("activation.failed", detail=f"code={format_code(normalize_code(code))}", address=address)
        raise ServiceError(N_("Такой код не найден или уже использован. Попросите новый код у классного руководителя."),
                           status=404)
    if user.activation_expires_at and clock.has_passed(user.activation_expires_at):
        raise ServiceError(N_("Срок действия кода истёк. Попросите новый код у классного руководителя."),
                           status=410)
    return user


def activate(code: str, password: str, repeat: str, address: str = "",
             limits: ActivationLimits | None = None) -> User:
    """Use a one-time code to set the first password. The code stops working."""
    with database.atomic():
        user = find_by_activation_code(code, address, limits)
        check_password_for(user, password, repeat)
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
    check_password_for(user, password, repeat)
    with database.atomic():
        set_password(user, password)
        audit.record("account.change_password", user=user, address=address)


# -- logging in -------------------------------------------------------------------------

def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _recent(limits: LoginLimits):
    since = utcnow() - datetime.timedelta(minutes=limits.window_minutes)
    return LoginFailure.select().where((LoginFailure.at >= since) & (LoginFailure.login != _ACTIVATION))


def lock_remaining(login: str, address: str, limits: LoginLimits) -> float:
    """Seconds until this account may be tried again from this address (0: now)."""
    pair = _recent(limits).where((LoginFailure.login == login) & (LoginFailure.address == address))
    failures = pair.count()
    if failures < limits.per_login:
        return 0.0
    last = pair.order_by(LoginFailure.at.desc()).get().at
    delay = min(limits.first_delay_seconds * 2 ** (failures - limits.per_login), limits.window_minutes * 60)
    return max(0.0, (last + datetime.timedelta(seconds=delay) - utcnow()).total_seconds())


def _throttled(login: str, address: str, limits: LoginLimits) -> int:
    """Minutes to wait (rounded up), or 0 when this login may be tried from this address."""
    if (_recent(limits).where(LoginFailure.address == address).count() >= limits.per_address
            or _recent(limits).where(LoginFailure.login == login).count() >= limits.per_account):
        return limits.window_minutes
    remaining = lock_remaining(login, address, limits)
    return -(-int(remaining) // 60) if remaining > 0 else 0


def authenticate(login: str, password: str, address: str = "",
                 limits: LoginLimits | None = None) -> User:
    """Check a login and password; raise ServiceError with a Russian message when refused."""
    limits = limits or LoginLimits()
    # What a client typed is cut before anything is stored or looked up: no login is longer.
    login = (login or "")[:MAX_LOGIN_LENGTH + 1].strip().lower()
    address = (address or "")[:64]
    if not login or not password:
        raise ServiceError(N_("Введите логин и пароль."))
    wait = _throttled(login[:MAX_LOGIN_LENGTH], address, limits)
    if wait:
        audit.record("login.throttled", actor=login, address=address)
        raise TooManyAttempts(
            N_("Слишком много неудачных попыток входа. Подождите %(minutes)s минут и попробуйте снова "
               "или попросите учителя сбросить пароль."), minutes=wait)
    user = User.get_or_none(User.login == login) if len(login) <= MAX_LOGIN_LENGTH else None
    if user is None or not _verify(user.password_hash, password[:1024]):
        _failure(login, address)
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
        User.update(password_hash=user.password_hash).where(User.id == user.id).execute()
    # Only the time of the login: the change feed does not count it as a change of the account
    # (m0028), so the district is not sent the account again and no kept page has to be drawn anew.
    user.last_login_at = utcnow()
    User.update(last_login_at=user.last_login_at).where(User.id == user.id).execute()
    LoginFailure.delete().where((LoginFailure.login == login) & (LoginFailure.address == address)).execute()
    audit.record("login.ok", user=user, address=address)
    return user


def purge_login_failures(limits: LoginLimits | None = None) -> int:
    limits = limits or LoginLimits()
    cutoff = utcnow() - datetime.timedelta(minutes=limits.window_minutes)
    return LoginFailure.delete().where(LoginFailure.at < cutoff).execute()
