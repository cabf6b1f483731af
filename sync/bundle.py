"""The snapshot bundle: one file that can travel by USB, district storage or HTTP.

Layout::

    b"OKEY-SYNC-1\\n"            magic and format version
    4 bytes, big-endian          length of the manifest
    manifest                     canonical JSON (UTF-8, sorted keys)
    64 bytes                     Ed25519 signature of b"okey-sync-manifest\\0" + manifest
    payload                      age (X25519) encryption of gzip-compressed JSON Lines

The manifest names the school, the database instance, the sequence range, the schema
version, the scope, the intended recipient (the district key's fingerprint), the signer's
key fingerprint, and the SHA-256 and size of the encrypted payload. One payload line is one
row: ``{"t": table, "op": "upsert"|"delete", "id": row id, "seq": n, "row": {...}}``.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import BinaryIO

from appliance.services.validation import parse_json
from sync.errors import BundleRejected

MAGIC = b"OKEY-SYNC-1\n"
FORMAT = 1
SIGNATURE_CONTEXT = b"okey-sync-manifest\0"
MAX_MANIFEST = 64 * 1024
SIGNATURE_SIZE = 64
SCOPES = ("analytics", "full")
MAX_NUMBER = 2**53  # sequence numbers, sizes and counts: far above any school, far below a 64-bit column
SUFFIX = ".okeysync"
PART_SUFFIX = ".part"  # a bundle still being written; never under its final name


def canonical(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class Manifest:
    raw: bytes
    data: dict
    signature: bytes = b""

    @property
    def bundle_id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def __getitem__(self, key: str):
        return self.data[key]

    @property
    def payload(self) -> dict:
        return self.data["parts"][0]


def signed_bytes(manifest_raw: bytes) -> bytes:
    return SIGNATURE_CONTEXT + manifest_raw


def write_header(out: BinaryIO, manifest_raw: bytes, signature: bytes) -> None:
    out.write(MAGIC)
    out.write(struct.pack(">I", len(manifest_raw)))
    out.write(manifest_raw)
    out.write(signature)


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


_REQUIRED = {"format": int, "school_id": str, "instance_id": str, "seq_from": int, "seq_to": int,
             "schema_version": int, "scope": str, "created_at": str, "recipient": str, "signer": str,
             "parts": list, "school_name": str, "base": bool}


def _number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_NUMBER


def header_length(head: bytes) -> int | None:
    """How many bytes the header (magic, length, manifest, signature) takes, from its first 16;
    None before they have come. A bad length gives 16, so that reading the header says why."""
    if len(head) < len(MAGIC) + 4:
        return None
    (size,) = struct.unpack(">I", head[len(MAGIC):len(MAGIC) + 4])
    return len(MAGIC) + 4 + size + SIGNATURE_SIZE if 0 < size <= MAX_MANIFEST else len(MAGIC) + 4


def read_header(stream: BinaryIO) -> Manifest:
    """Read the magic, the manifest and its signature; the stream is left at the payload."""
    magic = _read_exact(stream, len(MAGIC))
    if magic != MAGIC:
        raise BundleRejected("Это не пакет «Окей, школа»: файл начинается не так, как пакет выгрузки.")
    size_bytes = _read_exact(stream, 4)
    if len(size_bytes) != 4:
        raise BundleRejected("Пакет обрезан: в нём нет описания (манифеста).")
    (size,) = struct.unpack(">I", size_bytes)
    if not 0 < size <= MAX_MANIFEST:
        raise BundleRejected("Пакет повреждён: неверная длина манифеста.")
    raw = _read_exact(stream, size)
    signature = _read_exact(stream, SIGNATURE_SIZE)
    if len(raw) != size or len(signature) != SIGNATURE_SIZE:
        raise BundleRejected("Пакет обрезан: манифест или подпись неполные.")
    try:
        data = parse_json(raw.decode())
    except (UnicodeDecodeError, ValueError):
        raise BundleRejected("Пакет повреждён: манифест не читается (подпись тоже не сойдётся).") from None
    if not isinstance(data, dict):
        raise BundleRejected("Пакет повреждён: манифест не читается.")
    for key, kind in _REQUIRED.items():
        if not isinstance(data.get(key), kind) or (kind is int and isinstance(data.get(key), bool)):
            raise BundleRejected(f"Пакет повреждён: в манифесте нет поля «{key}» нужного вида.")
        if kind is int and not 0 <= data[key] < MAX_NUMBER:
            raise BundleRejected(f"Пакет повреждён: число «{key}» в манифесте вне допустимого диапазона.")
    if data["format"] != FORMAT:
        raise BundleRejected(f"Пакет сделан в формате {data['format']}, а хаб знает формат {FORMAT}. "
                             "Обновите программу хаба.", status=422)
    parts = data["parts"]
    if len(parts) != 1 or not isinstance(parts[0], dict) or not isinstance(parts[0].get("sha256"), str) \
            or not all(_number(parts[0].get(key)) for key in ("size", "rows")):
        raise BundleRejected("Пакет повреждён: в манифесте неверно описаны части.")
    return Manifest(raw, data, signature)


def bundle_name(school_code: str, seq_from: int, seq_to: int, bundle_id: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in school_code)[:40] or "school"
    return f"okey-{safe}-{seq_from:08d}-{seq_to:08d}-{bundle_id[:8]}{SUFFIX}"
