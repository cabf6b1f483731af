"""Guards that keep the house's lists honest: every syncable table has a sync decision, and every
setting is documented in docs/settings.md with its true default."""

from __future__ import annotations

import dataclasses
import gc
import json
import re
from pathlib import Path

import pytest

from appliance import config
from appliance.models.base import SyncModel
from sync.policy import POLICIES, STAYS_IN_SCHOOL
from sync.transport import SyncSettings
from tests.upgrade_fixtures import live_models

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DOC = ROOT / "docs" / "settings.md"


# -- every syncable table has exactly one sync decision -----------------------------------------

def sync_tables() -> dict[str, str]:
    """Table → model of every SyncModel subclass, after importing every module in appliance.models."""
    return {model._meta.table_name: f"{model.__module__}.{model.__qualname__}" for model in live_models(SyncModel)}


def decision_problems(tables: dict[str, str], policy_tables: list[str], stays: dict[str, str]) -> list[str]:
    """What is wrong with the sync decisions, one sentence per table."""
    problems = []
    for table, model in sorted(tables.items()):
        if table not in policy_tables and table not in stays:
            problems.append(f"table {table!r} ({model}) has no sync decision: add a TablePolicy to POLICIES "
                            f"or a line to STAYS_IN_SCHOOL with the reason it stays (sync/policy.py)")
        elif table in policy_tables and table in stays:
            problems.append(f"table {table!r} is both in POLICIES and in STAYS_IN_SCHOOL: keep one")
    for table in sorted({t for t in policy_tables if policy_tables.count(t) > 1}):
        problems.append(f"table {table!r} has more than one TablePolicy")
    for table in sorted(set(policy_tables) - set(tables)):
        problems.append(f"POLICIES names table {table!r}, which no SyncModel has")
    for table in sorted(set(stays) - set(tables)):
        problems.append(f"STAYS_IN_SCHOOL names table {table!r}, which no SyncModel has")
    for table, reason in sorted(stays.items()):
        if not reason.strip():
            problems.append(f"STAYS_IN_SCHOOL gives no reason for table {table!r}")
    return problems


def test_every_syncable_table_has_one_sync_decision():
    problems = decision_problems(sync_tables(), [p.table for p in POLICIES], STAYS_IN_SCHOOL)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("tables, policies, stays, words", [
    ({"a": "m.A", "new_thing": "m.NewThing"}, ["a"], {}, "table 'new_thing' (m.NewThing) has no sync decision"),
    ({"a": "m.A"}, ["a"], {"a": "private"}, "table 'a' is both in POLICIES and in STAYS_IN_SCHOOL"),
    ({"a": "m.A"}, ["a", "gone"], {}, "POLICIES names table 'gone', which no SyncModel has"),
    ({"a": "m.A"}, ["a"], {"gone": "private"}, "STAYS_IN_SCHOOL names table 'gone', which no SyncModel has"),
    ({"a": "m.A"}, ["a", "a"], {}, "table 'a' has more than one TablePolicy"),
    ({"a": "m.A"}, [], {"a": " "}, "STAYS_IN_SCHOOL gives no reason for table 'a'"),
])
def test_sync_decision_check_names_the_table(tables, policies, stays, words):
    assert words in "\n".join(decision_problems(tables, policies, stays))


def test_a_new_sync_model_without_a_decision_fails():
    class GuardProbeTable(SyncModel):  # a table someone has just added, with no decision yet
        pass

    try:
        tables = sync_tables()
        assert "guard_probe_table" in tables
        problems = decision_problems(tables, [p.table for p in POLICIES], STAYS_IN_SCHOOL)
        assert any("'guard_probe_table'" in p and "no sync decision" in p for p in problems), problems
    finally:
        del GuardProbeTable
        gc.collect()
    assert "guard_probe_table" not in sync_tables()


# -- every setting is documented, with its default ----------------------------------------------

TOP_LEVEL = "top level"


def code_settings() -> dict[str, dict[str, object]]:
    """Section → key → default of every setting the code reads ("top level" for data_dir)."""
    settings = config.Settings()
    sections = {name: cls for name, cls in config._SECTIONS.items()}
    # A section added to Settings must also be one the file loader knows.
    for f in dataclasses.fields(settings):
        if dataclasses.is_dataclass(getattr(settings, f.name)):
            assert f.name in sections, f"[{f.name}] is a Settings section the loader does not read"
    sections["sync"] = SyncSettings  # owned by the sync package, read from the same file
    found: dict[str, dict[str, object]] = {TOP_LEVEL: {"data_dir": settings.data_dir}}
    for name, cls in sections.items():
        found[name] = {f.name: getattr(cls(), f.name) for f in dataclasses.fields(cls)}
    return found


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, str | list):
        return json.dumps(value, ensure_ascii=False).replace('","', '", "')
    return repr(value)


def documented_settings(text: str) -> dict[str, dict[str, str]]:
    """Section → key → default cell, from the tables under "## `[section]`" and "## Top level"."""
    found: dict[str, dict[str, str]] = {}
    section = None
    for line in text.splitlines():
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            title = heading.group(1).strip()
            named = re.fullmatch(r"`\[(\w+)\]`.*", title)
            if named:
                section = named.group(1)
            elif title.lower() == TOP_LEVEL:
                section = TOP_LEVEL
            else:
                section = None
            if section is not None:
                assert section not in found, f"docs/settings.md has the section {section} twice"
                found[section] = {}
            continue
        row = re.match(r"\|\s*`([^`]+)`\s*\|([^|]*)\|([^|]*)\|", line)
        if section is not None and row:
            key, default = row.group(1), row.group(3).strip()
            assert key not in found[section], f"docs/settings.md lists [{section}] {key} twice"
            found[section][key] = default
    return found


def settings_doc_problems(code: dict[str, dict[str, object]], doc: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for section, keys in code.items():
        where = "the top level" if section == TOP_LEVEL else f"[{section}]"
        if section not in doc:
            problems.append(f"docs/settings.md has no section for {where}")
            continue
        for key, default in keys.items():
            if key not in doc[section]:
                problems.append(f"docs/settings.md does not document {where} {key}")
            elif doc[section][key] != f"`{toml_value(default)}`":
                problems.append(f"docs/settings.md gives {where} {key} the default {doc[section][key]}, "
                                f"the code has `{toml_value(default)}`")
    for section, keys in doc.items():
        where = "the top level" if section == TOP_LEVEL else f"[{section}]"
        if section not in code:
            problems.append(f"docs/settings.md documents section {where}, which the code does not read")
            continue
        for key in keys:
            if key not in code[section]:
                problems.append(f"docs/settings.md documents {where} {key}, which no longer exists")
    return problems


def test_every_setting_is_documented_with_its_default():
    doc = documented_settings(SETTINGS_DOC.read_text(encoding="utf-8"))
    problems = settings_doc_problems(code_settings(), doc)
    assert not problems, "\n".join(problems)


DOC_SAMPLE = """\
## Top level
| key | type | default | what |
|---|---|---|---|
| `data_dir` | text | `"/var/lib/okey"` | the data |

## `[server]` — the web server
| key | type | default | what |
|---|---|---|---|
| `port` | integer | `8080` | the port |
"""


@pytest.mark.parametrize("code, sample, words", [
    ({TOP_LEVEL: {"data_dir": Path("/var/lib/okey")}, "server": {"port": 8080, "threads": 8}}, DOC_SAMPLE,
     "does not document [server] threads"),
    ({TOP_LEVEL: {"data_dir": Path("/var/lib/okey")}, "server": {}}, DOC_SAMPLE,
     "documents [server] port, which no longer exists"),
    ({TOP_LEVEL: {"data_dir": Path("/var/lib/okey")}, "server": {"port": 9000}}, DOC_SAMPLE,
     "gives [server] port the default `8080`, the code has `9000`"),
    ({TOP_LEVEL: {"data_dir": Path("/var/lib/okey")}, "server": {"port": 8080}, "hub": {"silent_days": 3}},
     DOC_SAMPLE, "has no section for [hub]"),
    ({TOP_LEVEL: {"data_dir": Path("/var/lib/okey")}}, DOC_SAMPLE,
     "documents section [server], which the code does not read"),
])
def test_settings_doc_check_names_the_key(code, sample, words):
    assert words in "\n".join(settings_doc_problems(code, documented_settings(sample)))


def test_settings_doc_sample_matches_when_complete():
    code = {TOP_LEVEL: {"data_dir": Path("/var/lib/okey")}, "server": {"port": 8080}}
    assert settings_doc_problems(code, documented_settings(DOC_SAMPLE)) == []


def test_each_settings_section_links_the_doc_that_explains_it():
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    for section, doc in (("segment", "captive-portal.md"), ("backup", "backup.md"), ("recommendations", "trajectory.md"),
                         ("sync", "district.md"), ("hub", "district.md"), ("database", "district.md")):
        body = text.split(f"## `[{section}]`", 1)[1].split("\n## ", 1)[0]
        assert f"]({doc})" in body, f"the [{section}] section of docs/settings.md does not link docs/{doc}"
