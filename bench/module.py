"""Running one `bench/<area>_bench.py` module in its own process: `python -m bench.module NAME OUT.json`.

The contract for such a module: define `run(ctx: Context) -> list[dict]`. Each dict is one row
of the final table with any of the keys of `bench.report.Row` (scenario, load, rps, p50, p95, p99,
errors, busy, server_errors, rss_mb, note); rows without a scenario are named after the module.
`ctx.work` is a scratch directory removed afterwards, `ctx.generate_school(dir, students=…)` makes
a realistic school there (see bench/school.py) and `ctx.free_port()` gives a loopback port.
A module with only `main()` is run as it is and its output shown; the table notes that it ran.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

from bench.report import Row
from bench.school import BENCH_PASSWORD, generate
from bench.server import free_port


@dataclass
class Context:
    work: Path
    password: str = BENCH_PASSWORD

    @staticmethod
    def free_port() -> int:
        return free_port()

    @staticmethod
    def generate_school(data_dir: Path, **options):
        from appliance.config import load_settings

        return generate(load_settings(data_dir=data_dir, environ={}), **options)


def main(name: str, out: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    known = {f.name for f in fields(Row)}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"okey-{name}-") as work:
        if hasattr(module, "run"):
            rows = [{key: value for key, value in dict(row).items() if key in known}
                    for row in module.run(Context(Path(work))) or []]
        else:
            module.main()
            rows = [{"note": f"ran in {time.monotonic() - started:.1f} s; figures printed above"}]
    Path(out).write_text(json.dumps(rows, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
