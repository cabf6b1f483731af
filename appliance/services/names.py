"""Russian names: splitting «Фамилия Имя Отчество» and making Latin logins from them."""

from __future__ import annotations

from appliance.models.people import User

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}


def transliterate(text: str) -> str:
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in out if ch.isascii() and (ch.isalnum() or ch in "-"))


def split_full_name(full_name: str) -> tuple[str, str, str]:
    parts = full_name.split()
    if len(parts) > 3:
        # Double first names or patronymics like «Оглы» stay with the patronymic.
        parts = parts[:2] + [" ".join(parts[2:])]
    return tuple((parts + ["", "", ""])[:3])


def make_login(last_name: str, first_name: str, taken: set[str] | None = None) -> str:
    """«Иванова», «Мария» → "ivanova.m", then "ivanova.m2", … when taken."""
    base = f"{transliterate(last_name)[:24] or 'user'}.{transliterate(first_name)[:1] or 'x'}"
    taken = taken or set()
    candidate, number = base, 1
    while candidate in taken or User.select().where(User.login == candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate
