import datetime

import pytest

from appliance.models.audit import AuditLog
from appliance.models.people import User
from appliance.services import accounts
from appliance.services.errors import ServiceError, TooManyAttempts


@pytest.fixture
def pupil(db):
    from appliance.services.school import ensure_school

    school = ensure_school("Школа", "s")
    return User.create(school=school, role="student", login="petrov.i", full_name="Петров Иван Сергеевич",
                       last_name="Петров", first_name="Иван", middle_name="Сергеевич")


def test_activation_code_works_once(pupil):
    code = accounts.issue_activation_code(pupil)
    assert len(code) == 9 and code[4] == "-"
    user = accounts.activate(code, "ракета-2026", "ракета-2026")
    assert user.id == pupil.id and user.password_hash.startswith("$argon2id$")
    with pytest.raises(ServiceError) as info:
        accounts.activate(code, "ракета-2026", "ракета-2026")
    assert info.value.status == 404 and "не найден" in str(info.value)
    assert accounts.authenticate("petrov.i", "ракета-2026").id == pupil.id


def test_code_typed_on_a_russian_keyboard_and_in_lower_case(pupil):
    code = accounts.issue_activation_code(pupil)
    cyrillic = code.lower().translate(str.maketrans("abekmhopctyx", "авекмнорстух")).replace("-", " ")
    assert accounts.find_by_activation_code(cyrillic).id == pupil.id


def test_expired_code_is_refused(pupil):
    code = accounts.issue_activation_code(pupil)
    User.update(activation_expires_at=datetime.datetime(2020, 1, 1)).where(User.id == pupil.id).execute()
    with pytest.raises(ServiceError) as info:
        accounts.activate(code, "ракета-2026", "ракета-2026")
    assert info.value.status == 410 and "истёк" in str(info.value)
    assert User.get_by_id(pupil.id).password_hash is None


@pytest.mark.parametrize("password, repeat, words", [
    ("коротко", "коротко", "слишком короткий"),
    ("ракета-2026", "ракета-2027", "не совпадают"),
    ("petrov.i", "petrov.i", "не должен совпадать"),
    ("aaaaaaaaaa", "aaaaaaaaaa", "слишком простой"),
])
def test_password_rules(pupil, password, repeat, words):
    code = accounts.issue_activation_code(pupil)
    with pytest.raises(ServiceError, match=words):
        accounts.activate(code, password, repeat)
    assert User.get_by_id(pupil.id).activation_code_hash is not None


def test_wrong_password_and_unknown_login_say_the_same(pupil):
    accounts.set_password(pupil, "ракета-2026")
    for login in ("petrov.i", "nobody"):
        with pytest.raises(ServiceError, match="Неверный логин или пароль") as info:
            accounts.authenticate(login, "не тот пароль")
        assert info.value.status == 401
    assert AuditLog.select().where(AuditLog.action == "login.failed").count() == 2


def test_failed_logins_are_limited_per_account(pupil):
    # Failures from many addresses together lock the account (per address and account pair:
    # see test_login_guard).
    accounts.set_password(pupil, "ракета-2026")
    limits = accounts.LoginLimits(per_login=100, per_address=100, per_account=3)
    for n in range(3):
        with pytest.raises(ServiceError):
            accounts.authenticate("petrov.i", "мимо", f"10.0.0.{n + 3}", limits)
    with pytest.raises(TooManyAttempts, match="Подождите 15 минут") as info:
        accounts.authenticate("petrov.i", "ракета-2026", "10.0.0.2", limits)
    assert info.value.status == 429


def test_failed_logins_are_limited_per_address(pupil):
    accounts.set_password(pupil, "ракета-2026")
    limits = accounts.LoginLimits(per_login=100, per_address=4)
    for n in range(4):
        with pytest.raises(ServiceError):
            accounts.authenticate(f"guess{n}", "мимо", "10.0.0.9", limits)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("petrov.i", "ракета-2026", "10.0.0.9", limits)
    assert accounts.authenticate("petrov.i", "ракета-2026", "10.0.0.10", limits).id == pupil.id


def test_reset_ends_sessions_and_password(pupil):
    accounts.set_password(pupil, "ракета-2026")
    epoch = User.get_by_id(pupil.id).session_epoch
    code = accounts.reset_password(User.get_by_id(pupil.id))
    fresh = User.get_by_id(pupil.id)
    assert fresh.session_epoch > epoch and fresh.password_hash is None
    with pytest.raises(ServiceError):
        accounts.authenticate("petrov.i", "ракета-2026")
    accounts.activate(code, "новый-пароль-1", "новый-пароль-1")


def test_change_password_needs_the_current_one(pupil):
    accounts.set_password(pupil, "ракета-2026")
    with pytest.raises(ServiceError, match="Текущий пароль"):
        accounts.change_password(User.get_by_id(pupil.id), "не тот", "новый-пароль-1", "новый-пароль-1")
    accounts.change_password(User.get_by_id(pupil.id), "ракета-2026", "новый-пароль-1", "новый-пароль-1")
    assert accounts.authenticate("petrov.i", "новый-пароль-1")


def test_inactive_account_cannot_log_in(pupil):
    accounts.set_password(pupil, "ракета-2026")
    User.update(active=False).where(User.id == pupil.id).execute()
    with pytest.raises(ServiceError, match="отключена"):
        accounts.authenticate("petrov.i", "ракета-2026")
