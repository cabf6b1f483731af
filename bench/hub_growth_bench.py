"""The district hub as the district grows: 10, 100 and 200 schools importing into PostgreSQL.

`python -m bench.hub_growth_bench` prints the figures; `make bench` runs it with the others.

One real school (the demo school topped up with EXTRA achievements) makes its complete snapshot
once. Every further school is enrolled at the hub with a signing key of its own, and its bundle
carries that snapshot's encrypted payload under its own signed manifest (its own school id): the
hub verifies, decrypts, checks and applies each one exactly as it would a real school's, and the
`hub_row` table grows by a school's worth of rows each time. The cost per row is the median over
the last SAMPLE schools of each stage: if it stays flat, a district of 200 schools imports as
fast per row as one of 10.
"""

from __future__ import annotations

import io
import statistics
import struct
import time
import uuid
from pathlib import Path

STAGES = (10, 100, 200)
SAMPLE = 10  # schools measured at the end of each stage
EXTRA = 1_000  # achievements added to the demo school, so each snapshot is a school's worth of rows
GOAL = 20_000  # rows per second (issue 21)


def _rebundle(raw_bundle: bytes, school_id: str, name: str, signer) -> bytes:
    """The same encrypted payload under a manifest of another school, signed by that school's key."""
    from sync import bundle, keys

    stream = io.BytesIO(raw_bundle)
    manifest = bundle.read_header(stream)
    payload = stream.read()
    data = dict(manifest.data, school_id=school_id, school_name=name,
                signer=keys.fingerprint(keys.public_raw(signer)))
    raw = bundle.canonical(data)
    return (bundle.MAGIC + struct.pack(">I", len(raw)) + raw + signer.sign(bundle.signed_bytes(raw)) + payload)


def grow(work: Path) -> list[dict]:
    from appliance.models.hub import HubRow
    from bench.sync_bench import _grow
    from sync import keys
    from sync.hub import enroll, enrolment_document
    from tests.sync_fixtures import PostgresServer, World

    server = PostgresServer()
    rows: list[dict] = []
    try:
        server.start()
        world = World(work / "hub-growth", hub_url=server.url)
        _grow(world, EXTRA)
        source = world.export("analytics").path.read_bytes()
        imported = 0
        timings: list[tuple[int, float]] = []  # (rows, seconds) per school
        with world.at_hub():
            hub = world.hub()
            for number in range(1, STAGES[-1] + 1):
                school_id, signer = uuid.uuid4().hex, keys.new_signing_key()
                name = f"Школа № {number}"
                enroll(enrolment_document(school_id, name, f"g{number:03d}", signer, world.hub_keys.district_key),
                       world.hub_keys)
                data = _rebundle(source, school_id, name, signer)
                started = time.perf_counter()
                outcome = hub.import_stream(io.BytesIO(data), source="bench")
                seconds = time.perf_counter() - started
                assert outcome.status == "applied", outcome.message
                imported += outcome.rows
                timings.append((outcome.rows, seconds))
                if number in STAGES:
                    sample = timings[-SAMPLE:]
                    count = sum(r for r, _ in sample)
                    # The median school of the sample: one import slowed by something else on the
                    # machine does not move the figure.
                    rate = statistics.median(r / s for r, s in sample)
                    spent = count / rate
                    total = HubRow.select().count()
                    rows.append({"scenario": f"hub growth: {number} schools", "load": f"{total:,} rows at the hub"
                                 .replace(",", " "), "rps": rate,
                                 "note": f"строк/с, медиана импорта последних {len(sample)} школ ({count // len(sample)} "
                                         f"строк в каждой); {spent / count * 1e6:.0f} мкс на строку; цель ≥ "
                                         f"{GOAL:,} строк/с: {rate / GOAL:.2f}×".replace(",", " ")})
                    print(f"{number:>3} schools, {total:>9,} rows at the hub: {rate:>8,.0f} rows/s "
                          f"({spent / count * 1e6:.0f} µs a row)")
        first, last = rows[0]["rps"], rows[-1]["rps"]
        rows.append({"scenario": "hub growth: flat?", "load": f"{STAGES[0]} → {STAGES[-1]} schools",
                     "ratio": last / first,
                     "note": f"стоимость строки при {STAGES[-1]} школах — {first / last:.2f} от стоимости при "
                             f"{STAGES[0]} (1.00 — не растёт); доля — скорость при {STAGES[-1]} от скорости при "
                             f"{STAGES[0]}"})
        world.close()
    finally:
        server.stop()
    return rows


def run(ctx) -> list[dict]:
    return grow(ctx.work)


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="okey-hub-growth-") as work:
        for row in grow(Path(work)):
            print(f"{row['scenario']:<28} {row['load']:<26} {row['note']}")


if __name__ == "__main__":
    main()
