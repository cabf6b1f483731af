"""The layout of backups on a target, and reading their manifests.

    <target>/okey-<school code>/
        okey-<code>-20261123-023000.backup      encrypted manifest: written last, so it exists
                                                 only when everything it lists is on disk
        okey-<code>-20261123-023000.db.001 …    the database, encrypted, split into parts
        objects/ab/ab12….age                    uploads, encrypted, one file per content
                                                 (SHA-256), shared by every backup

The manifest lists every member with its SHA-256, the schema version, the instance id,
the school and the time. age authenticates every 64 KiB chunk, so a flipped bit or a
truncated file fails to decrypt rather than restoring garbage.

Format 2 (this version) also records, for each upload, the size and SHA-256 of its encrypted
file on the target (`stored_size`, `stored_sha256`), as the database parts always had: the
night's check then compares the bytes on the target with the bytes written, without
decrypting every photo again. Format 1 backups (without them) are verified and restored by
decrypting, as before.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pyrage
from pyrage import x25519

from backup.errors import BackupError

FORMAT = 2
MANIFEST_SUFFIX = ".backup"
OBJECTS = "objects"
_STAMP = re.compile(r"^okey-.+-(\d{8}-\d{6})(?:-(\d+))?\.backup$")
_PART = re.compile(r"^(okey-.+)\.db\.\d{3}$")


def school_dir(target_dir: Path, school_code: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", school_code) or "school"
    return target_dir / f"okey-{safe}"


def backup_name(school_code: str, when: datetime.datetime, directory: Path) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", school_code) or "school"
    base = f"okey-{safe}-{when:%Y%m%d-%H%M%S}"
    name, n = base, 1
    while (directory / (name + MANIFEST_SUFFIX)).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def object_path(directory: Path, sha256: str) -> Path:
    return directory / OBJECTS / sha256[:2] / f"{sha256}.age"


def stamp_of(manifest: Path) -> datetime.datetime | None:
    match = _STAMP.match(manifest.name)
    if not match:
        return None
    return datetime.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=datetime.UTC)


def manifests(directory: Path) -> list[Path]:
    """Backups in a school directory, newest first."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.glob("okey-*" + MANIFEST_SUFFIX) if stamp_of(p)]
    # Two backups within one second are told apart by the number after the time.
    return sorted(found, key=lambda p: (stamp_of(p), int(_STAMP.match(p.name).group(2) or 1)), reverse=True)


def part_owner(path: Path) -> str | None:
    """The backup name a database part belongs to."""
    match = _PART.match(path.name)
    return match.group(1) if match else None


def encode_manifest(manifest: dict, recipients: list[x25519.Recipient]) -> bytes:
    return pyrage.encrypt(json.dumps(manifest, ensure_ascii=False, indent=1).encode(), recipients)


def describe_decrypt_error(exc: Exception, what: str) -> str:
    if "no matching keys" in str(exc).lower():
        return (f"{what} зашифрован другим ключом: копия сделана другим сервером (возможно, другой школы) "
                "или указан не тот ключ.")
    return f"{what} повреждён или обрезан: расшифровка не прошла проверку подлинности."


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _well_formed(manifest: dict) -> bool:
    """Members name only files beside the manifest and uploads by their hash: no paths elsewhere."""
    try:
        parts = manifest["database"]["parts"]
        return (all(_PART.match(part["file"]) and isinstance(part["size"], int) and _SHA256.match(part["sha256"])
                    for part in parts)
                and bool(parts) and _SHA256.match(manifest["database"]["sha256"]) is not None
                and all(_SHA256.match(member["sha256"]) and isinstance(member["path"], str)
                        and isinstance(member["size"], int) and _stored_well_formed(member)
                        for member in manifest["uploads"]))
    except (KeyError, TypeError):
        return False


def _stored_well_formed(member: dict) -> bool:
    """A format 2 member names its encrypted file's size and SHA-256 together, or neither."""
    if "stored_sha256" not in member and "stored_size" not in member:
        return True
    return (isinstance(member.get("stored_sha256"), str) and _SHA256.match(member["stored_sha256"]) is not None
            and isinstance(member.get("stored_size"), int))


def read_manifest(path: Path, identity: x25519.Identity) -> dict:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BackupError(f"Файл копии не найден: {path}") from None
    except OSError as exc:
        raise BackupError(f"Не удалось прочитать файл копии {path}: {exc.strerror}") from None
    try:
        plain = pyrage.decrypt(data, [identity])
    except pyrage.DecryptError as exc:
        raise BackupError(describe_decrypt_error(exc, f"Файл копии {path.name}")) from None
    try:
        manifest = json.loads(plain)
    except ValueError:
        raise BackupError(f"Файл копии {path.name} не является копией «Окей, школы».") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != "okey-backup":
        raise BackupError(f"Файл копии {path.name} не является копией «Окей, школы».")
    if not _well_formed(manifest):
        raise BackupError(f"Файл копии {path.name} повреждён: список файлов копии неполон или неверен.")
    if manifest.get("format", 0) > FORMAT:
        raise BackupError(f"Копия {path.name} сделана более новой версией программы (формат "
                          f"{manifest.get('format')}). Обновите программу.")
    return manifest
