"""Keys of the district sync.

The hub holds an age X25519 identity (schools encrypt snapshots to it) and an Ed25519 key
(it signs receipts). Each school holds an Ed25519 key (it signs manifests) and a secret for
the keyed hash that pseudonymises people in the analytics scope.

The district key a school enrols with is one line of text carrying both hub public keys:
``okey-district-1:<age recipient>:<Ed25519 public key, base64url>:<checksum>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from appliance.config import ensure_private_dir
from appliance.files import PRIVATE, write_atomic
from appliance.lazy import lazy
from sync.errors import SyncError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# The cryptography libraries (about 9 MB in a process) load when a key is first used: a school's
# server that only serves pages, or a hub's check that finds no key, never needs them.
pyrage = lazy("pyrage")
ed25519 = lazy("cryptography.hazmat.primitives.asymmetric.ed25519")
crypto_exceptions = lazy("cryptography.exceptions")

DISTRICT_KEY_PREFIX = "okey-district-1"

# Files in the data directory's keys/ folder.
SCHOOL_SIGNING = "sync_signing.key"
SCHOOL_PSEUDONYM = "sync_pseudonym.key"
HUB_AGE = "district_age.key"  # age identities, the current one first
HUB_SIGNING = "district_signing.key"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(public: bytes | str) -> str:
    """A short, stable name of a public key: 32 hex digits of its SHA-256."""
    data = public.encode() if isinstance(public, str) else public
    return hashlib.sha256(data).hexdigest()[:32]


def new_signing_key() -> Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def signing_key_text(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(unb64(path.read_text().strip()))


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = key.public_key() if isinstance(key, ed25519.Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def verify(public_b64: str, signature: bytes, data: bytes) -> bool:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(unb64(public_b64)).verify(signature, data)
    except (crypto_exceptions.InvalidSignature, ValueError):
        return False
    return True


# -- the district key as text ---------------------------------------------------------------
@dataclass(frozen=True)
class DistrictKey:
    recipient: str  # "age1…"
    verify_key: str  # base64url Ed25519 public key of the hub (receipts)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.recipient)

    @property
    def text(self) -> str:
        body = f"{DISTRICT_KEY_PREFIX}:{self.recipient}:{self.verify_key}"
        return f"{body}:{hashlib.sha256(body.encode()).hexdigest()[:8]}"

    def age_recipient(self) -> pyrage.x25519.Recipient:
        return pyrage.x25519.Recipient.from_str(self.recipient)


def parse_district_key(text: str) -> DistrictKey:
    parts = "".join(text.split()).split(":")
    if len(parts) != 4 or parts[0] != DISTRICT_KEY_PREFIX:
        raise SyncError("Это не ключ района: ожидается строка вида «okey-district-1:age1…», "
                        "которую печатает команда «okey hub district-key».")
    body = ":".join(parts[:3])
    if hashlib.sha256(body.encode()).hexdigest()[:8] != parts[3]:
        raise SyncError("Ключ района введён с ошибкой: не сходится контрольная сумма. Скопируйте его заново.")
    try:
        pyrage.x25519.Recipient.from_str(parts[1])
        ed25519.Ed25519PublicKey.from_public_bytes(unb64(parts[2]))
    except Exception:  # noqa: BLE001 - pyrage raises its own types; any failure means a bad key
        raise SyncError("Ключ района повреждён: проверьте, что строка скопирована целиком.") from None
    return DistrictKey(parts[1], parts[2])


# -- the school's keys ----------------------------------------------------------------------
def school_signing_key(keys_dir: Path, create: bool = True) -> Ed25519PrivateKey:
    path = keys_dir / SCHOOL_SIGNING
    if not path.exists():
        if not create:
            raise SyncError("У школы ещё нет ключа подписи: выполните «okey sync enroll».")
        ensure_private_dir(keys_dir)
        write_atomic(path, signing_key_text(new_signing_key()), mode=PRIVATE)
    return load_signing_key(path)


def rotate_school_key(keys_dir: Path) -> tuple[Ed25519PrivateKey, Ed25519PrivateKey]:
    """A new signing key; the old one is kept beside it (…key.old) to endorse the new one."""
    old = school_signing_key(keys_dir)
    new = new_signing_key()
    write_atomic(keys_dir / (SCHOOL_SIGNING + ".old"), signing_key_text(old), mode=PRIVATE)
    write_atomic(keys_dir / SCHOOL_SIGNING, signing_key_text(new), mode=PRIVATE)
    return old, new


def pseudonym_secret(keys_dir: Path) -> bytes:
    path = keys_dir / SCHOOL_PSEUDONYM
    if not path.exists():
        ensure_private_dir(keys_dir)
        write_atomic(path, secrets.token_hex(32), mode=PRIVATE)
    return bytes.fromhex(path.read_text().strip())


def pseudonym(secret: bytes, value: str) -> str:
    """The keyed hash that stands for an id in the analytics scope (same id → same pseudonym)."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


# -- the hub's keys -------------------------------------------------------------------------
@dataclass
class HubKeys:
    identities: list[pyrage.x25519.Identity]  # current first; older ones still decrypt
    signing: Ed25519PrivateKey

    @property
    def district_key(self) -> DistrictKey:
        return DistrictKey(str(self.identities[0].to_public()), b64(public_raw(self.signing)))

    def accepts_recipient(self, fp: str) -> bool:
        return any(fingerprint(str(identity.to_public())) == fp for identity in self.identities)


def create_hub_keys(keys_dir: Path) -> HubKeys:
    ensure_private_dir(keys_dir)
    if (keys_dir / HUB_AGE).exists():
        return load_hub_keys(keys_dir)
    write_atomic(keys_dir / HUB_AGE, str(pyrage.x25519.Identity.generate()) + "\n", mode=PRIVATE)
    write_atomic(keys_dir / HUB_SIGNING, signing_key_text(new_signing_key()), mode=PRIVATE)
    return load_hub_keys(keys_dir)


def load_hub_keys(keys_dir: Path) -> HubKeys:
    path = keys_dir / HUB_AGE
    if not path.exists():
        raise SyncError("Здесь нет хаба района: сначала выполните «okey hub init --data КАТАЛОГ».")
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    return HubKeys([pyrage.x25519.Identity.from_str(line) for line in lines],
                   load_signing_key(keys_dir / HUB_SIGNING))


def rotate_hub_key(keys_dir: Path) -> HubKeys:
    """A new district encryption key; the old ones stay to open bundles already on their way."""
    keys = load_hub_keys(keys_dir)
    lines = [str(pyrage.x25519.Identity.generate())] + [str(i) for i in keys.identities]
    write_atomic(keys_dir / HUB_AGE, "\n".join(lines) + "\n", mode=PRIVATE)
    return load_hub_keys(keys_dir)
