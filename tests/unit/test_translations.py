"""The catalogues: English translates every message; Russian has all three plural forms."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "webui" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """Extract the strings from the code as it is now, not from a stale template."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "N_", "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), str(ROOT)],
                   check=True, capture_output=True, cwd=ROOT)
    with pot.open("rb") as fh:
        return [m for m in read_po(fh) if m.id]


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


def test_every_message_has_an_english_translation(source_messages):
    english = _catalog("en")
    missing = []
    for message in source_messages:
        entry = english.get(message.id)
        strings = entry.string if entry else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{len(missing)} messages lack English (run `make messages`): {missing[:10]}"


def test_placeholders_survive_translation(source_messages):
    for lang in ("en", "ru"):
        catalog = _catalog(lang)
        for message in source_messages:
            entry = catalog.get(message.id)
            if not entry or not entry.string:
                continue
            source = message.id if isinstance(message.id, str) else message.id[0]
            for translated in (entry.string,) if isinstance(entry.string, str) else entry.string:
                if translated:
                    assert set(PLACEHOLDER.findall(translated)) <= set(PLACEHOLDER.findall(source)) | {"num"}, \
                        (lang, source, translated)


def test_russian_plurals_have_three_forms(source_messages):
    russian = _catalog("ru")
    for message in source_messages:
        if isinstance(message.id, tuple):
            entry = russian.get(message.id)
            assert entry and len(entry.string) == 3 and all(entry.string), message.id
