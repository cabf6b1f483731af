"""A command that refuses says so in Russian, with nothing in English before it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_okey

ROOT = Path(__file__).resolve().parents[2]


def test_a_refusal_is_prefixed_in_russian(tmp_path):
    refused = run_okey("users", "export", "--out", str(tmp_path / "out.csv"), data_dir=tmp_path / "none", check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith("Ошибка: В каталоге ") and "Error" not in refused.stderr


def test_commands_refuse_through_the_one_russian_refusal():
    raw = [str(path.relative_to(ROOT)) for package in ("appliance", "backup", "sync", "captive_portal")
           for path in (ROOT / package).rglob("*.py")
           if path.name != "clitools.py" and re.search(r"\bClickException\(", path.read_text(encoding="utf-8"))]
    assert raw == [], "raise appliance.clitools.Refusal, whose message is prefixed in Russian"
