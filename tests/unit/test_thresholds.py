"""«Regional or above» and «prize-winner or winner» have one definition, used everywhere."""

from __future__ import annotations

from appliance.services import catalogs


def test_thresholds_follow_the_catalogue_order():
    levels = {code: rank for code, _, rank in catalogs.DEFAULTS["level"]}
    results = {code: rank for code, _, rank in catalogs.DEFAULTS["result"]}
    assert [code for code, rank in levels.items() if catalogs.is_regional_or_above(rank)] == \
        ["regional", "national", "international"]
    assert [code for code, rank in results.items() if catalogs.is_prize_or_winner(rank)] == ["prize", "winner"]
    assert not catalogs.is_regional_or_above(None) and not catalogs.is_prize_or_winner(0)


def test_the_hub_counts_with_the_same_definition(monkeypatch):
    from appliance.services import hub

    catalog = [{"id": f"l{rank}", "rank": rank, "name": f"level {rank}"} for rank in range(1, 6)] + \
              [{"id": f"r{rank}", "rank": rank, "name": f"result {rank}"} for rank in range(1, 6)]
    users = [{"id": s, "role": "student"} for s in ("a", "b", "c")]
    rows = [{"student_id": "a", "level_id": "l3", "result_id": "r1", "status": "confirmed"},
            {"student_id": "b", "level_id": "l2", "result_id": "r4", "status": "confirmed"},
            {"student_id": "c", "level_id": "l5", "result_id": "r5", "status": "draft"}]
    tables = {"catalog_entry": catalog, "user": users, "achievement": rows}
    monkeypatch.setattr(hub, "_rows", lambda school_id, table: tables[table])
    found = hub.compute_indicators("s")
    assert (found["regional"], found["winners"]) == (1, 1)
