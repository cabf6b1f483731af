"""The appliance's backup key (age X25519) and the recipients each backup is encrypted to.

The key pair is created at `okey init`; the private key stays in the data directory's
keys folder (owner-only) so the appliance can verify its own backups, and goes on paper
through the recovery sheet. The district's public key, when configured, is a second
recipient, so the district can restore a school whose server and sheet are both lost.
"""

from __future__ import annotations

from pathlib import Path

from pyrage import x25519

from appliance.config import Settings, ensure_private_dir
from appliance.files import PRIVATE, write_atomic
from backup.errors import BackupError

KEY_FILE = "backup.key"
_PREFIX = "AGE-SECRET-KEY-1"


def key_path(settings: Settings) -> Path:
    return settings.keys_dir / KEY_FILE


def ensure_key(settings: Settings) -> bool:
    """Create the backup key pair unless it exists; True when it was created now."""
    path = key_path(settings)
    if path.exists():
        return False
    ensure_private_dir(settings.keys_dir)
    identity = x25519.Identity.generate()
    write_atomic(path, f"# «Окей, школа»: ключ резервных копий\n"
                 f"# открытый ключ: {identity.to_public()}\n{identity}\n", mode=PRIVATE)
    return True


def parse_identity(text: str) -> x25519.Identity:
    """The private key from a key file or as typed from the recovery sheet (spaces allowed)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    compact = "".join("".join(lines).split()).upper()
    if not compact.startswith(_PREFIX):
        raise BackupError("В файле нет ключа резервных копий (строка должна начинаться с AGE-SECRET-KEY-1).")
    try:
        return x25519.Identity.from_str(compact)
    except Exception:  # pyrage raises its own IdentityError
        raise BackupError("Ключ резервных копий записан с ошибкой: проверьте каждый символ по листу "
                          "восстановления.") from None


def load_identity(path: Path) -> x25519.Identity:
    try:
        return parse_identity(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"Ключ резервных копий не найден: {path}. Создайте его командой okey init "
                          "или укажите файл ключа с листа восстановления (--key).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"Не удалось прочитать ключ резервных копий {path}: {exc}") from None


def appliance_identity(settings: Settings) -> x25519.Identity:
    return load_identity(key_path(settings))


def recipients(settings: Settings, identity: x25519.Identity) -> list[x25519.Recipient]:
    found = [identity.to_public()]
    district = settings.backup.district_recipient.strip()
    if district:
        try:
            found.append(x25519.Recipient.from_str(district))
        except Exception:  # pyrage raises its own RecipientError
            raise BackupError(f"Ключ района в настройках [backup] district_recipient записан с ошибкой: "
                              f"«{district}» (ожидается age1…).") from None
    return found


def key_text(identity: x25519.Identity) -> str:
    return str(identity)
