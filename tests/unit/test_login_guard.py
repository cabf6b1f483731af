"""What an anonymous client can do to accounts: guess, lock a classmate out, fill the disk."""

import datetime

import pytest

from appliance.models.audit import AuditLog
from appliance.models.people import LoginFailure, User
from appliance.services import accounts, audit
from appliance.services.errors import ServiceError, TooManyAttempts


@pytest.fixture
def pupil(db):
    from appliance.services.school import ensure_school

    school = ensure_school("Школа", "s")
    return User.create(school=school, role="student", login="petrov.i", full_name="Петров Иван Сергеевич",
                       last_name="Петров", first_name="Иван", middle_name="Сергеевич")


@pytest.fixture
def teacher(db):
    from appliance.services.school import ensure_school

    school = ensure_school("Школа", "s")
    return User.create(school=school, role="teacher", login="smirnova.a", full_name="Смирнова Анна Петровна",
                       last_name="Смирнова", first_name="Анна", middle_name="Петровна")


def test_a_huge_login_is_stored_truncated(pupil):
    huge = "ы" * 3_000_000
    for _ in range(3):
        with pytest.raises(ServiceError):
            accounts.authenticate(huge, "x" * 100_000, "10.0.0.1")
    stored = [len(row.login) + len(row.address) + len(row.note) for row in LoginFailure.select()]
    logged = [len(row.actor) + len(row.detail) + len(row.address) for row in AuditLog.select()]
    assert stored and max(stored) <= 200
    assert logged and max(logged) <= 2200


def test_audit_strings_are_bounded_in_one_place(db):
    audit.record("x" * 1000, actor="a" * 1000, detail="d" * 100_000, address="1" * 1000)
    row = AuditLog.get()
    assert len(row.action) <= 64 and len(row.actor) <= 64 and len(row.address) <= 64 and len(row.detail) <= 2000


def test_the_audit_log_and_failures_have_a_size_bound(pupil, monkeypatch):
    monkeypatch.setattr(audit, "MAX_ROWS", 40)
    monkeypatch.setattr(accounts, "MAX_FAILURE_ROWS", 30)
    limits = accounts.LoginLimits(per_login=1000, per_address=1000, per_account=1000)
    for n in range(100):
        with pytest.raises(ServiceError):
            accounts.authenticate(f"guess{n}", "мимо", f"10.0.{n}.1", limits)
    assert AuditLog.select().count() <= 40 and LoginFailure.select().count() <= 30
    # The newest stay.
    assert AuditLog.select().order_by(AuditLog.id.desc()).get().actor == "guess99"


def test_a_classmate_cannot_lock_an_account_from_their_phone(pupil):
    accounts.set_password(pupil, "ракета-на-марс-2026")
    limits = accounts.LoginLimits(per_login=3, per_address=100)
    for _ in range(3):
        with pytest.raises(ServiceError):
            accounts.authenticate("petrov.i", "мимо", "10.77.0.66", limits)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("petrov.i", "ракета-на-марс-2026", "10.77.0.66", limits)
    # The owner, on their own phone, is not locked out.
    assert accounts.authenticate("petrov.i", "ракета-на-марс-2026", "10.77.0.99", limits).id == pupil.id


def _shift_back(seconds: float) -> None:
    for row in LoginFailure.select():
        row.at -= datetime.timedelta(seconds=seconds)
        row.save()


def test_the_delay_grows_with_each_failure(pupil):
    limits = accounts.LoginLimits(per_login=3, per_address=100, window_minutes=60)
    delays = []
    for _ in range(40):
        try:
            accounts.authenticate("petrov.i", "мимо", "10.77.0.66", limits)
        except TooManyAttempts:
            delays.append(accounts.lock_remaining("petrov.i", "10.77.0.66", limits))
            if len(delays) == 4:
                break
            _shift_back(delays[-1] + 1)  # wait out the lock
        except ServiceError:
            pass
    assert len(delays) == 4 and delays == sorted(delays) and delays[-1] > 3 * delays[0], delays


def test_activation_codes_cannot_be_guessed_from_one_address(pupil):
    accounts.issue_activation_code(pupil)
    limits = accounts.ActivationLimits(per_address=5, total=1000)
    for n in range(5):
        with pytest.raises(ServiceError) as info:
            accounts.find_by_activation_code(f"AAAA-{n:04d}".replace("0", "2").replace("1", "3"), "10.77.0.5", limits)
        assert info.value.status == 404
    with pytest.raises(TooManyAttempts):
        accounts.find_by_activation_code("BBBB-2345", "10.77.0.5", limits)
    assert AuditLog.select().where(AuditLog.action == "activation.failed").count() == 5
    assert AuditLog.select().where(AuditLog.action == "activation.throttled").count() == 1


def test_activation_codes_cannot_be_guessed_from_many_addresses(pupil):
    code = accounts.issue_activation_code(pupil)
    limits = accounts.ActivationLimits(per_address=1000, total=8)
    for n in range(8):
        with pytest.raises(ServiceError):
            accounts.find_by_activation_code("CCCC-2345", f"10.77.1.{n}", limits)
    with pytest.raises(TooManyAttempts):
        accounts.activate(code, "ракета-на-марс-2026", "ракета-на-марс-2026", "10.77.2.1", limits=limits)


@pytest.mark.parametrize("password", ["12345678", "password", "qwertyuiop", "petrov.i1", "Petrov2012",
                                      "ivan2012", "иван12345", "петров2012"])
def test_weak_and_guessable_passwords_are_refused(pupil, password):
    code = accounts.issue_activation_code(pupil)
    with pytest.raises(ServiceError) as info:
        accounts.activate(code, password, password)
    message = str(info.value)
    assert "легко угадать" in message and "Придумай" in message  # to a pupil: «ты»


def test_an_adult_is_told_with_vy(teacher):
    code = accounts.issue_activation_code(teacher)
    with pytest.raises(ServiceError, match="Придумайте"):
        accounts.activate(code, "password1", "password1")


def test_a_passphrase_is_accepted(pupil):
    code = accounts.issue_activation_code(pupil)
    assert accounts.activate(code, "зелёный кот читает", "зелёный кот читает").id == pupil.id
